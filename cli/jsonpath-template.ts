/**
 * kubectl's JSONPath templates (`-o jsonpath='{range .items[*]}{.name}{"\n"}{end}'`), ported from
 * k8s.io/client-go/util/jsonpath (parser.go, jsonpath.go) and checked against kubectl 1.32's output:
 * text outside `{…}` is printed as written; inside, `.field`, `['field']`, `[n]` (negative from the
 * end), `[start:end:step]`, `[*]`, `.*`, `..field`, unions `[a,b]`, filters `[?(@.x=="y")]` (==, !=, <,
 * >, <=, >=, or existence), quoted text `"\t"`, and `range … end`. The results of one `{…}` are joined
 * by spaces; objects and lists print as compact JSON with sorted keys (Go's encoding/json), strings as
 * they are, a null as `<nil>`. A missing field prints nothing (kubectl's --allow-missing-template-keys).
 * No npm package implements this dialect: the JSONPath libraries implement queries, not templates.
 */

type Json = unknown;

type Node =
  | { type: 'text'; text: string }
  | { type: 'field'; name: string }
  | { type: 'wildcard' }
  | { type: 'recursive' }
  | { type: 'array'; start?: number; end?: number; step?: number; index: boolean }
  | { type: 'union'; lists: Node[][] }
  | { type: 'filter'; left: Node[]; right: Node[]; op: string }
  | { type: 'identifier'; name: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean };

/** The template's top level: text between actions, and actions (`{…}`), each a list of nodes. */
type Segment = { type: 'text'; text: string } | { type: 'action'; nodes: Node[] };

/** A template that kubectl would refuse to parse, with kubectl's wording. */
export class JsonPathParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathParseError';
  }
}

/** A template that failed on this data (an index out of bounds, a filter on a non-list…). */
export class JsonPathExecutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathExecutionError';
  }
}

const isSpace = (c: string) => c === ' ' || c === '\t';
const isEndOfLine = (c: string) => c === '\r' || c === '\n';
const isTerminator = (c: string | undefined) =>
  c === undefined || isSpace(c) || isEndOfLine(c) || '.,[]$@{}'.includes(c);
const isAlphaNumeric = (c: string | undefined) => c !== undefined && (c === '_' || /[\p{L}\p{Nd}]/u.test(c));
const isDigit = (c: string | undefined) => c !== undefined && /\p{Nd}/u.test(c);

const GO_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/** Go's strconv.Unquote, extended to single quotes (UnquoteExtend): `"\t"` is a tab. */
function unquote(quoted: string): string {
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e !== undefined && e in GO_ESCAPES) out += GO_ESCAPES[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex))
        throw new JsonPathParseError(`unquote string ${quoted} error invalid syntax`);
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += width;
    } else throw new JsonPathParseError(`unquote string ${quoted} error invalid syntax`);
  }
  return out;
}

const sliceOperator = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const dictKey = /^'([^']*)'$/;
const comparison = /^([^!<>=]+)([!<>=]+)(.+?)$/;

/** A port of client-go's Parser: the same grammar and the same refusals. */
class Parser {
  private pos = 0;
  private start = 0;
  readonly segments: Segment[] = [];

  constructor(private readonly input: string) {}

  parse(): Segment[] {
    let text = '';
    while (this.pos < this.input.length) {
      if (this.input.startsWith('{', this.pos)) {
        if (text) this.segments.push({ type: 'text', text });
        text = '';
        this.pos++;
        this.start = this.pos;
        const nodes: Node[] = [];
        this.parseInsideAction(nodes);
        this.segments.push({ type: 'action', nodes });
      } else {
        text += this.input[this.pos];
        this.pos++;
      }
    }
    if (text) this.segments.push({ type: 'text', text });
    return this.segments;
  }

  private consume(): string {
    const value = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return value;
  }

  private peek(): string | undefined {
    return this.input[this.pos];
  }

  /** Parses nodes up to and including the closing `}`. */
  private parseInsideAction(cur: Node[]): void {
    for (;;) {
      const rest = this.input.slice(this.pos);
      if (rest.startsWith('}')) {
        this.pos++;
        this.start = this.pos;
        return;
      }
      if (rest.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const c = this.input[this.pos];
      if (c === undefined || isEndOfLine(c)) throw new JsonPathParseError('unclosed action');
      this.pos++;
      if (c === ' ' || c === '@' || c === '$') this.consume();
      else if (c === '[') this.parseArray(cur);
      else if (c === '"' || c === "'") this.parseQuote(cur, c);
      else if (c === '.') this.parseField(cur);
      else if (c === '+' || c === '-' || isDigit(c)) {
        this.pos--;
        this.parseNumber(cur);
      } else if (isAlphaNumeric(c)) {
        this.pos--;
        this.parseIdentifier(cur);
      } else throw new JsonPathParseError(`unrecognized character in action: ${JSON.stringify(c)}`);
    }
  }

  private parseIdentifier(cur: Node[]): void {
    while (!isTerminator(this.peek())) this.pos++;
    const value = this.consume();
    if (value === 'true' || value === 'false') cur.push({ type: 'bool', value: value === 'true' });
    else cur.push({ type: 'identifier', name: value });
  }

  private parseRecursive(cur: Node[]): void {
    if (cur.at(-1)?.type === 'recursive') throw new JsonPathParseError('invalid multiple recursive descent');
    this.pos += 2;
    this.consume();
    cur.push({ type: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: Node[]): void {
    if (this.peek() === '+' || this.peek() === '-') this.pos++;
    while (this.peek() === '.' || isDigit(this.peek())) this.pos++;
    const value = this.consume();
    if (/^[+-]?\d+$/.test(value)) cur.push({ type: 'int', value: Number(value) });
    else if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) cur.push({ type: 'float', value: Number(value) });
    else throw new JsonPathParseError(`cannot parse number ${value}`);
  }

  private parseArray(cur: Node[]): void {
    for (;;) {
      const c = this.input[this.pos++];
      if (c === undefined || c === '\n') throw new JsonPathParseError('unterminated array');
      if (c === ']') break;
    }
    let text = this.consume().slice(1, -1);
    if (text === '*') text = ':';
    const parts = text.split(',');
    if (parts.length > 1) {
      cur.push({ type: 'union', lists: parts.map((p) => parseActionNodes(`[${p.trim()}]`)) });
      return;
    }
    const key = dictKey.exec(text);
    if (key) {
      cur.push(...parseActionNodes(`.${key[1]}`));
      return;
    }
    const slice = sliceOperator.exec(text);
    if (!slice) throw new JsonPathParseError(`invalid array index ${text}`);
    const [, a = '', b, c] = slice;
    const num = (s: string | undefined) =>
      s === undefined || s === '' || s === ':' ? undefined : Number(s.replace(':', ''));
    const startValue = a === '' ? undefined : Number(a);
    cur.push({
      type: 'array',
      ...(startValue !== undefined ? { start: startValue } : {}),
      ...(num(b) !== undefined ? { end: num(b) } : {}),
      ...(num(c) !== undefined ? { step: num(c) } : {}),
      // `[n]` alone selects one element: its end is derived from the start once the start is known.
      index: b === undefined,
    });
  }

  private parseFilter(cur: Node[]): void {
    this.pos += 3;
    this.consume();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const c = this.input[this.pos++];
      if (c === undefined || c === '\n') throw new JsonPathParseError('unterminated filter');
      if (c === '"' || c === "'") {
        if (!begin) {
          begin = true;
          pair = c;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && c === pair) end = true;
      } else if (c === ')' && begin === end) break;
    }
    if (this.input[this.pos++] !== ']') throw new JsonPathParseError('unclosed array expect ]');
    const text = this.consume().slice(0, -2);
    const m = comparison.exec(text);
    if (!m) cur.push({ type: 'filter', left: parseActionNodes(text), right: [], op: 'exists' });
    else
      cur.push({
        type: 'filter',
        left: parseActionNodes(m[1] ?? ''),
        right: parseActionNodes(m[3] ?? ''),
        op: m[2] ?? '',
      });
  }

  private parseQuote(cur: Node[], quote: string): void {
    for (;;) {
      const c = this.input[this.pos++];
      if (c === undefined || c === '\n') throw new JsonPathParseError('unterminated quoted string');
      if (c === quote && this.input[this.pos - 2] !== '\\') break;
    }
    cur.push({ type: 'text', text: unquote(this.consume()) });
  }

  private parseField(cur: Node[]): void {
    this.consume();
    for (;;) {
      const c = this.peek();
      if (c === '\\') this.pos += 2;
      else if (isTerminator(c)) break;
      else this.pos++;
    }
    const value = this.consume();
    if (value === '*') cur.push({ type: 'wildcard' });
    else cur.push({ type: 'field', name: value.replaceAll('\\', '') });
  }
}

/** The nodes of one action's text (client-go's parseAction, for unions, dict keys and filters). */
function parseActionNodes(text: string): Node[] {
  const segments = new Parser(`{${text}}`).parse();
  const first = segments[0];
  return first?.type === 'action' ? first.nodes : [];
}

/** The template as a tree: `range … end` blocks nest. */
type Block =
  | { type: 'text'; text: string }
  | { type: 'action'; nodes: Node[] }
  | { type: 'range'; nodes: Node[]; body: Block[] };

function toBlocks(segments: readonly Segment[]): Block[] {
  const root: Block[] = [];
  const stack: Block[][] = [root];
  for (const s of segments) {
    const current = stack.at(-1) as Block[];
    if (s.type === 'text') {
      current.push(s);
      continue;
    }
    const head = s.nodes[0];
    if (head?.type === 'identifier' && head.name === 'range') {
      const block: Block = { type: 'range', nodes: s.nodes.slice(1), body: [] };
      current.push(block);
      stack.push(block.body);
    } else if (head?.type === 'identifier' && head.name === 'end') {
      // client-go fails this at execution; it cannot depend on the data, so it fails at parse here.
      if (stack.length === 1) throw new JsonPathParseError('not in range, nothing to end');
      stack.pop();
    } else {
      const unknown = s.nodes.find((n) => n.type === 'identifier');
      if (unknown?.type === 'identifier')
        throw new JsonPathParseError(`unrecognized identifier ${unknown.name}`);
      current.push(s);
    }
  }
  // A range without its end runs to the end of the template, as in client-go.
  return root;
}

/** A parsed template, ready to run on data. */
export interface JsonPathTemplate {
  source: string;
  blocks: Block[];
}

/** Parses a template, refusing what kubectl refuses (with its words). */
export function parseJsonPath(source: string): JsonPathTemplate {
  return { source, blocks: toBlocks(new Parser(source).parse()) };
}

const isObject = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const goType = (v: Json) =>
  isObject(v)
    ? 'map[string]interface {}'
    : Array.isArray(v)
      ? '[]interface {}'
      : typeof v === 'string'
        ? 'string'
        : typeof v === 'boolean'
          ? 'bool'
          : 'float64';

function children(v: Json): Json[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  return [];
}

function evalArray(input: readonly Json[], node: Extract<Node, { type: 'array' }>): Json[] {
  const out: Json[] = [];
  for (const value of input) {
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) throw new JsonPathExecutionError(`${goType(value)} is not array or slice`);
    const length = value.length;
    let start = node.start ?? 0;
    if (start < 0) start += length;
    let end = node.index ? start + 1 : (node.end ?? length);
    if (!node.index && end < 0) end += length;
    if (end !== start) {
      if (start >= length || start < 0)
        throw new JsonPathExecutionError(`array index out of bounds: index ${start}, length ${length}`);
      if (end > length)
        throw new JsonPathExecutionError(`array index out of bounds: index ${end - 1}, length ${length}`);
    }
    const step = node.step ?? 1;
    if (step <= 0) throw new JsonPathExecutionError(`step must be positive: ${step}`);
    for (let i = start; i < end; i += step) out.push(value[i]);
  }
  return out;
}

function compare(op: string, left: Json, right: Json): boolean {
  const bothNumbers = typeof left === 'number' && typeof right === 'number';
  const bothStrings = typeof left === 'string' && typeof right === 'string';
  if (op === '==' || op === '!=') {
    if (!bothNumbers && !bothStrings && !(typeof left === 'boolean' && typeof right === 'boolean'))
      throw new JsonPathExecutionError('incompatible types for comparison');
    return (left === right) === (op === '==');
  }
  if (!bothNumbers && !bothStrings) throw new JsonPathExecutionError('invalid type for comparison');
  const l = left as number | string;
  const r = right as number | string;
  switch (op) {
    case '<':
      return l < r;
    case '>':
      return l > r;
    case '<=':
      return l <= r;
    case '>=':
      return l >= r;
    default:
      throw new JsonPathExecutionError(`unrecognized filter operator ${op}`);
  }
}

function evalFilter(input: readonly Json[], node: Extract<Node, { type: 'filter' }>): Json[] {
  const out: Json[] = [];
  for (const value of input) {
    if (!Array.isArray(value))
      throw new JsonPathExecutionError(`${goType(value)} is not array or slice and cannot be filtered`);
    for (const item of value) {
      const lefts = evalNodes([item], node.left);
      if (node.op === 'exists') {
        if (lefts.length > 0) out.push(item);
        continue;
      }
      // A missing field is no match (kubectl 1.32 with --allow-missing-template-keys).
      if (lefts.length === 0) continue;
      const rights = evalNodes([item], node.right);
      if (lefts.length !== 1 || rights.length !== 1)
        throw new JsonPathExecutionError('can only compare one element at a time');
      if (compare(node.op, lefts[0], rights[0])) out.push(item);
    }
  }
  return out;
}

function evalRecursive(input: readonly Json[]): Json[] {
  const out: Json[] = [];
  for (const value of input) {
    const kids = children(value);
    if (kids.length === 0) continue;
    out.push(value, ...evalRecursive(kids));
  }
  return out;
}

function evalNode(input: readonly Json[], node: Node): Json[] {
  switch (node.type) {
    case 'text':
      return [node.text];
    case 'int':
    case 'float':
    case 'bool':
      return input.map(() => node.value);
    case 'field':
      return input.flatMap((v) => (isObject(v) && Object.hasOwn(v, node.name) ? [v[node.name]] : []));
    case 'wildcard':
      return input.flatMap(children);
    case 'recursive':
      return evalRecursive(input);
    case 'array':
      return evalArray(input, node);
    case 'union':
      return node.lists.flatMap((list) => evalNodes(input, list));
    case 'filter':
      return evalFilter(input, node);
    case 'identifier':
      throw new JsonPathExecutionError(`unrecognized identifier ${node.name}`);
  }
}

function evalNodes(input: readonly Json[], nodes: readonly Node[]): Json[] {
  return nodes.reduce<Json[]>((values, node) => evalNode(values, node), [...input]);
}

/** Go's encoding/json: map keys sorted, and <, >, & escaped as \u003c, \u003e, \u0026. */
function goJson(value: Json): string {
  const sorted = (v: Json): Json =>
    Array.isArray(v)
      ? v.map(sorted)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted(v[k])]),
          )
        : v;
  return JSON.stringify(sorted(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** One value as client-go's PrintResults writes it; `text` escapes string values from the data. */
function printValue(value: Json, text: (s: string) => string, json: (s: string) => string): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return text(value);
  if (typeof value === 'object') return json(goJson(value));
  return String(value);
}

export interface JsonPathOutput {
  /** Applied to every string value taken from the data (not to the template's own text). */
  escapeText?: (s: string) => string;
  /** Applied to every value printed as JSON. */
  escapeJson?: (s: string) => string;
}

/** Runs a template on data, as `kubectl -o jsonpath=…` prints it. */
export function executeJsonPath(template: JsonPathTemplate, data: Json, output: JsonPathOutput = {}): string {
  const text = output.escapeText ?? ((s: string) => s);
  const json = output.escapeJson ?? ((s: string) => s);
  let out = '';
  const run = (blocks: readonly Block[], cur: Json) => {
    for (const b of blocks) {
      if (b.type === 'text') out += b.text;
      else if (b.type === 'action') {
        const values = evalNodes([cur], b.nodes);
        // Text nodes inside an action are the template's own text (`{"\n"}`): not escaped.
        const literal = b.nodes.length === 1 && b.nodes[0]?.type === 'text';
        out += values.map((v) => (literal ? String(v) : printValue(v, text, json))).join(' ');
      } else for (const item of evalNodes([cur], b.nodes)) run(b.body, item);
    }
  };
  run(template.blocks, data);
  return out;
}

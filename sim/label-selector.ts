/**
 * Label selectors as kube-apiserver parses and matches them: a lexer and a recursive-descent parser
 * written after k8s.io/apimachinery `pkg/labels/selector.go` (the sim advertises v1.32, so this follows
 * apimachinery v0.32: its label-key wording comes from `pkg/util/validation/validation.go`
 * IsQualifiedName, and its value-list parser still has the pre-1.35 handling of `,,`).
 *
 * This is the judge's own implementation: it shares no code with the product's shared/selectors.ts.
 */

/** A selector the apiserver refuses: the message is the one it puts in its 400 BadRequest Status. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

/** The operators of k8s.io/apimachinery `pkg/selection/operator.go`, spelled as that file spells them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted and without duplicates, as the parser's sets.String hands them to NewRequirement. */
  values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

// ---------------------------------------------------------------------------------------------------------
// Lexer (pkg/labels/selector.go: Lexer, Lex, scanIDOrKeyword, scanSpecialSymbol)

type Token =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

/** The literal tokens; identifiers, end of string and errors have none. */
const literalTokens: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'closedPar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['in', 'in'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['notin', 'notIn'],
  ['(', 'openPar'],
]);

interface Scanned {
  tok: Token;
  literal: string;
}

/** The end of input reads as NUL, as the Go lexer's read() returns 0 past the end (a NUL in the input too). */
const END = '\0';

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) =>
  ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';

class Lexer {
  private pos = 0;
  constructor(private readonly s: string) {}

  private read(): string {
    if (this.pos < this.s.length) return this.s[this.pos++] ?? END;
    return END;
  }

  private unread(): void {
    this.pos--;
  }

  lex(): Scanned {
    let ch = this.read();
    while (isWhitespace(ch)) ch = this.read();
    if (ch === END) return { tok: 'eos', literal: '' };
    this.unread();
    return isSpecialSymbol(ch) ? this.scanSpecialSymbol() : this.scanIdOrKeyword();
  }

  /** Everything up to whitespace or an operator character; `in` and `notin` come out as keywords. */
  private scanIdOrKeyword(): Scanned {
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === END) break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
    }
    return { tok: literalTokens.get(buffer) ?? 'identifier', literal: buffer };
  }

  /** The longest run of operator characters that still names a token (`!=` over `!`, `==` over `=`). */
  private scanSpecialSymbol(): Scanned {
    let last: Scanned | undefined;
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === END) break;
      if (!isSpecialSymbol(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
      const tok = literalTokens.get(buffer);
      if (tok) {
        last = { tok, literal: buffer };
      } else if (last) {
        this.unread();
        break;
      }
    }
    return last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parser (pkg/labels/selector.go: Parser, parse, parseRequirement, parseKeyAndInferOperator, parseOperator,
// parseValues, parseIdentifiersList, parseExactValue)

/** In a value position `in` and `notin` are plain identifiers (`x in (in)` is legal). */
type Context = 'keyAndOperator' | 'values';

/** selection.go's binaryOperators, in the order the "expected:" message lists them. */
const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

class Parser {
  private readonly items: Scanned[] = [];
  private position = 0;

  constructor(selector: string) {
    const lexer = new Lexer(selector);
    for (;;) {
      const item = lexer.lex();
      this.items.push(item);
      if (item.tok === 'eos') break;
    }
  }

  private view(item: Scanned | undefined, context: Context): Scanned {
    const it = item ?? { tok: 'eos', literal: '' };
    if (context === 'values' && (it.tok === 'in' || it.tok === 'notIn'))
      return { tok: 'identifier', literal: it.literal };
    return it;
  }

  private lookahead(context: Context): Scanned {
    return this.view(this.items[this.position], context);
  }

  private consume(context: Context): Scanned {
    return this.view(this.items[this.position++], context);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead('values');
      if (tok === 'eos') return requirements;
      if (tok !== 'identifier' && tok !== 'doesNotExist')
        throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      let requirement: LabelRequirement;
      try {
        requirement = this.parseRequirement();
      } catch (err) {
        if (err instanceof RequirementError)
          throw new SelectorError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      requirements.push(requirement);
      const next = this.consume('values');
      if (next.tok === 'eos') return requirements;
      if (next.tok !== 'comma')
        throw new SelectorError(`found '${next.literal}', expected: ',' or 'end of string'`);
      const after = this.lookahead('values');
      if (after.tok !== 'identifier' && after.tok !== 'doesNotExist')
        throw new SelectorError(`found '${after.literal}', expected: identifier after ','`);
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, sortedSet(values));
  }

  /** A key, with `!` before it for does-not-exist; with nothing after it (`,` or end) it means exists. */
  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let { tok, literal } = this.consume('values');
    if (tok === 'doesNotExist') {
      operator = '!';
      ({ tok, literal } = this.consume('values'));
    }
    if (tok !== 'identifier') throw new RequirementError(`found '${literal}', expected: identifier`);
    // The parser validates the key with no field path, which Go prints as `<nil>`.
    const keyErrors = qualifiedNameErrors(literal);
    if (keyErrors.length) throw new RequirementError(fieldInvalid('<nil>', literal, keyErrors.join('; ')));
    const next = this.lookahead('values').tok;
    if ((next === 'eos' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: literal, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, literal } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new RequirementError(`found '${literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  /** `( … )`: `()` is the set holding only the empty value. */
  private parseValues(): string[] {
    const open = this.consume('values');
    if (open.tok !== 'openPar') throw new RequirementError(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead('values');
    if (tok === 'identifier' || tok === 'comma') {
      const values = this.parseIdentifiersList();
      // Unreachable in practice (the list only ends at `)`); the message names the first value, as Go's does.
      if (this.consume('values').tok !== 'closedPar')
        throw new RequirementError(`found '${literal}', expected: ')'`);
      return values;
    }
    if (tok === 'closedPar') {
      this.consume('values');
      return [''];
    }
    throw new RequirementError(`found '${literal}', expected: ',', ')' or identifier`);
  }

  /**
   * Comma-separated, possibly empty values. A leading, doubled or trailing comma stands for the empty value;
   * as in apimachinery v0.32 a doubled comma swallows the comma after it, so `(a,,)` and `(,,)` fail.
   */
  private parseIdentifiersList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, literal } = this.consume('values');
      if (tok === 'identifier') {
        values.push(literal);
        const next = this.lookahead('values');
        if (next.tok === 'comma') continue;
        if (next.tok === 'closedPar') return values;
        throw new RequirementError(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (tok === 'comma') {
        if (values.length === 0) values.push('');
        const next = this.lookahead('values').tok;
        if (next === 'closedPar') {
          values.push('');
          return values;
        }
        if (next === 'comma') {
          this.consume('values');
          values.push('');
        }
        continue;
      }
      throw new RequirementError(`found '${literal}', expected: ',', or identifier`);
    }
  }

  /** The one value after `=`, `==`, `!=`, `>` or `<`; nothing there is the empty value. */
  private parseExactValue(): string[] {
    const next = this.lookahead('values').tok;
    if (next === 'eos' || next === 'comma') return [''];
    const { tok, literal } = this.consume('values');
    if (tok === 'identifier') return [literal];
    throw new RequirementError(`found '${literal}', expected: identifier`);
  }
}

/** An error inside one requirement; parse() prefixes it with "unable to parse requirement: ". */
class RequirementError extends Error {}

/** sets.String's List(): sorted (byte order) and without duplicates. */
function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort(byteOrder);
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// ---------------------------------------------------------------------------------------------------------
// NewRequirement's checks (pkg/labels/selector.go) and their messages (pkg/util/validation/field/errors.go,
// pkg/util/errors/errors.go)

function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errors: string[] = [];
  // The key was already checked by parseKeyAndInferOperator. Set and exact operators always get their one
  // value or more from the parser, so only the integer check of `gt` and `lt` can fail here.
  if (operator === 'gt' || operator === 'lt') {
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined)
        errors.push(
          fieldInvalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"),
        );
    });
  }
  values.forEach((v, i) => {
    const problems = labelValueErrors(v);
    if (problems.length) errors.push(fieldInvalid(`values[${i}][${key}]`, v, problems.join('; ')));
  });
  if (errors.length) throw new RequirementError(aggregate(errors));
  return { key, operator, values };
}

/** field.Invalid(path, value, detail).Error() for a string value. */
function fieldInvalid(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${goQuote(value)}${detail ? `: ${detail}` : ''}`;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several (deduplicated) in brackets. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

/** Go's strconv.Quote (`%q`) for the strings a selector can carry. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code <= 0x9f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** strconv.ParseInt(s, 10, 64): an optional sign, decimal digits, within int64. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

// pkg/util/validation/validation.go (v0.32): IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain and
// their messages. Lengths are in bytes (Go's len), though the v0.32 message says "characters".
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

const qualifiedName = new RegExp(`^${qualifiedNameFmt}$`);
const labelValue = new RegExp(`^${labelValueFmt}$`);
const dns1123Subdomain = new RegExp(`^${dns1123SubdomainFmt}$`);

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');
const maxLenError = (n: number) => `must be no more than ${n} characters`;
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  // Go appends "'x', " per example and " or " between them, hence the doubled spaces in its messages.
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedName.test(name))
    errs.push(
      `name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`,
    );
  return errs;
}

function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!dns1123Subdomain.test(value))
    errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!labelValue.test(value))
    errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

// ---------------------------------------------------------------------------------------------------------
// Public API

/**
 * Parses a `labelSelector` query parameter (pkg/labels/selector.go Parse). The empty selector selects
 * everything. Requirements come back sorted by key, as parse() sorts them.
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const requirements = new Parser(selector).parse();
  return requirements.sort((a, b) => byteOrder(a.key, b.key));
}

/** Requirement.Matches (pkg/labels/selector.go) for one requirement. */
export function matchesRequirement(r: LabelRequirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value ?? '');
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(value ?? '');
      const wanted = parseInt64(r.values[0] ?? '');
      if (actual === undefined || wanted === undefined) return false;
      return r.operator === 'gt' ? actual > wanted : actual < wanted;
    }
  }
}

/** internalSelector.Matches: every requirement holds (no labels at all is the empty set). */
export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Labels | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every((r) => matchesRequirement(r, l));
}

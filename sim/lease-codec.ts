import { randomUUID } from 'node:crypto';
import type { KubeObject } from './kube-object.ts';
import { badRequest, StatusError } from './status.ts';

/**
 * How kube-apiserver turns a Lease request body into the typed coordination/v1 Lease and back into JSON.
 *
 * Decoding follows staging/src/k8s.io/apimachinery/pkg/runtime/serializer/json/json.go (Decode, unmarshal)
 * over sigs.k8s.io/json (internal/golang/encoding/json/decode.go + kubernetes_patch.go): case-sensitive
 * field names, Go's UnmarshalTypeError texts with the struct/field context, strict errors (unknown and
 * duplicate fields) collected after an otherwise successful decode. The errors reach the client through
 * transformDecodeError in staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go.
 * Encoding follows encoding/json on the typed struct: Go field order, omitempty, unknown fields gone.
 */

// ---------------------------------------------------------------------------------------------------
// A JSON reader that keeps what JSON.parse loses: number text, duplicate keys, key order; with the
// syntax-error texts of Go's encoding/json scanner (scanner.go).
// ---------------------------------------------------------------------------------------------------

export type JsonNode =
  | { t: 'object'; entries: [string, JsonNode][] }
  | { t: 'array'; items: JsonNode[] }
  | { t: 'string'; v: string }
  | { t: 'number'; raw: string }
  | { t: 'bool'; v: boolean }
  | { t: 'null' };

export class JsonSyntaxError extends Error {}

/** Go's quoteChar (scanner.go): how a bad character is shown in a syntax error. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const s = JSON.stringify(c);
  return `'${s.slice(1, -1)}'`;
}

export function parseJson(text: string): JsonNode {
  let i = 0;
  const eof = () => new JsonSyntaxError('unexpected end of JSON input');
  const bad = (context: string) =>
    new JsonSyntaxError(`invalid character ${quoteChar(text[i] ?? '')} ${context}`);
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const literal = (word: string, node: JsonNode): JsonNode => {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= text.length) throw eof();
      if (text[i] !== word[k]) throw bad(`in literal ${word} (expecting ${quoteChar(word[k] ?? '')})`);
    }
    return node;
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) throw eof();
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return out;
      }
      if (c < ' ') throw bad('in string literal');
      if (c === '\\') {
        i++;
        if (i >= text.length) throw eof();
        const e = text[i] as string;
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e in simple) {
          out += simple[e];
          i++;
        } else if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (i + k >= text.length) throw eof();
            if (!/[0-9a-fA-F]/.test(text[i + k] as string)) {
              i += k;
              throw bad('in \\u hexadecimal character escape');
            }
          }
          out += String.fromCharCode(Number.parseInt(text.slice(i, i + 4), 16));
          i += 4;
        } else {
          throw bad('in string escape code');
        }
        continue;
      }
      out += c;
      i++;
    }
  };
  const num = (): JsonNode => {
    const start = i;
    if (text[i] === '-') {
      i++;
      if (i >= text.length) throw eof();
      if (!/[0-9]/.test(text[i] as string)) throw bad('in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (i < text.length && /[0-9]/.test(text[i] as string)) i++;
    if (text[i] === '.') {
      i++;
      if (i >= text.length) throw eof();
      if (!/[0-9]/.test(text[i] as string)) throw bad('after decimal point in numeric literal');
      while (i < text.length && /[0-9]/.test(text[i] as string)) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (i >= text.length) throw eof();
      if (!/[0-9]/.test(text[i] as string)) throw bad('in exponent of numeric literal');
      while (i < text.length && /[0-9]/.test(text[i] as string)) i++;
    }
    return { t: 'number', raw: text.slice(start, i) };
  };
  const value = (): JsonNode => {
    ws();
    if (i >= text.length) throw eof();
    const c = text[i] as string;
    if (c === '{') {
      i++;
      const entries: [string, JsonNode][] = [];
      ws();
      if (i >= text.length) throw eof();
      if (text[i] === '}') {
        i++;
        return { t: 'object', entries };
      }
      for (;;) {
        ws();
        if (i >= text.length) throw eof();
        if (text[i] !== '"') throw bad('looking for beginning of object key string');
        const key = str();
        ws();
        if (i >= text.length) throw eof();
        if (text[i] !== ':') throw bad('after object key');
        i++;
        entries.push([key, value()]);
        ws();
        if (i >= text.length) throw eof();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'object', entries };
        }
        throw bad('after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (i >= text.length) throw eof();
      if (text[i] === ']') {
        i++;
        return { t: 'array', items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (i >= text.length) throw eof();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'array', items };
        }
        throw bad('after array element');
      }
    }
    if (c === '"') return { t: 'string', v: str() };
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    if (c === 't') return literal('true', { t: 'bool', v: true });
    if (c === 'f') return literal('false', { t: 'bool', v: false });
    if (c === 'n') return literal('null', { t: 'null' });
    throw bad('looking for beginning of value');
  };
  const root = value();
  ws();
  if (i < text.length) throw bad('after top-level value');
  return root;
}

// ---------------------------------------------------------------------------------------------------
// The typed coordination/v1 Lease, as Go structs (k8s.io/api/coordination/v1/types.go,
// k8s.io/apimachinery/pkg/apis/meta/v1/types.go): field order, json names, omitempty, Go type names.
// ---------------------------------------------------------------------------------------------------

type GoType =
  | { k: 'string'; name: string }
  | { k: 'int'; name: 'int32' | 'int64'; min: bigint; max: bigint }
  | { k: 'bool' }
  | { k: 'microtime' }
  | { k: 'time' }
  | { k: 'raw' }
  | { k: 'map' }
  | { k: 'slice'; name: string; elem: GoType }
  | { k: 'struct'; name: string; goName: string; fields: GoField[] };

interface GoField {
  json: string;
  type: GoType;
  /** `*T`: null clears it, and only nil is omitted. */
  pointer?: boolean;
  omitempty?: boolean;
  /** Promoted from an embedded struct (TypeMeta): still a field of the outer struct for errors. */
}

const str: GoType = { k: 'string', name: 'string' };
const int32: GoType = { k: 'int', name: 'int32', min: -(2n ** 31n), max: 2n ** 31n - 1n };
const int64: GoType = { k: 'int', name: 'int64', min: -(2n ** 63n), max: 2n ** 63n - 1n };
const bool: GoType = { k: 'bool' };
const time: GoType = { k: 'time' };

const ownerReference: GoType = {
  k: 'struct',
  name: 'v1.OwnerReference',
  goName: 'OwnerReference',
  fields: [
    { json: 'apiVersion', type: str },
    { json: 'kind', type: str },
    { json: 'name', type: str },
    { json: 'uid', type: { k: 'string', name: 'types.UID' } },
    { json: 'controller', type: bool, pointer: true, omitempty: true },
    { json: 'blockOwnerDeletion', type: bool, pointer: true, omitempty: true },
  ],
};

const managedFieldsEntry: GoType = {
  k: 'struct',
  name: 'v1.ManagedFieldsEntry',
  goName: 'ManagedFieldsEntry',
  fields: [
    { json: 'manager', type: str, omitempty: true },
    { json: 'operation', type: { k: 'string', name: 'v1.ManagedFieldsOperationType' }, omitempty: true },
    { json: 'apiVersion', type: str, omitempty: true },
    { json: 'time', type: time, pointer: true, omitempty: true },
    { json: 'fieldsType', type: str, omitempty: true },
    { json: 'fieldsV1', type: { k: 'raw' }, pointer: true, omitempty: true },
    { json: 'subresource', type: str, omitempty: true },
  ],
};

const objectMeta: GoType = {
  k: 'struct',
  name: 'v1.ObjectMeta',
  goName: 'ObjectMeta',
  fields: [
    { json: 'name', type: str, omitempty: true },
    { json: 'generateName', type: str, omitempty: true },
    { json: 'namespace', type: str, omitempty: true },
    { json: 'selfLink', type: str, omitempty: true },
    { json: 'uid', type: { k: 'string', name: 'types.UID' }, omitempty: true },
    { json: 'resourceVersion', type: str, omitempty: true },
    { json: 'generation', type: int64, omitempty: true },
    // A struct (not a pointer): omitempty never drops it, and a zero Time encodes as null.
    { json: 'creationTimestamp', type: time, omitempty: true },
    { json: 'deletionTimestamp', type: time, pointer: true, omitempty: true },
    { json: 'deletionGracePeriodSeconds', type: int64, pointer: true, omitempty: true },
    { json: 'labels', type: { k: 'map' }, omitempty: true },
    { json: 'annotations', type: { k: 'map' }, omitempty: true },
    {
      json: 'ownerReferences',
      type: { k: 'slice', name: '[]v1.OwnerReference', elem: ownerReference },
      omitempty: true,
    },
    { json: 'finalizers', type: { k: 'slice', name: '[]string', elem: str }, omitempty: true },
    {
      json: 'managedFields',
      type: { k: 'slice', name: '[]v1.ManagedFieldsEntry', elem: managedFieldsEntry },
      omitempty: true,
    },
  ],
};

const leaseSpec: GoType = {
  k: 'struct',
  name: 'v1.LeaseSpec',
  goName: 'LeaseSpec',
  fields: [
    { json: 'holderIdentity', type: str, pointer: true, omitempty: true },
    { json: 'leaseDurationSeconds', type: int32, pointer: true, omitempty: true },
    { json: 'acquireTime', type: { k: 'microtime' }, pointer: true, omitempty: true },
    { json: 'renewTime', type: { k: 'microtime' }, pointer: true, omitempty: true },
    { json: 'leaseTransitions', type: int32, pointer: true, omitempty: true },
    {
      json: 'strategy',
      type: { k: 'string', name: 'v1.CoordinatedLeaseStrategy' },
      pointer: true,
      omitempty: true,
    },
    { json: 'preferredHolder', type: str, pointer: true, omitempty: true },
  ],
};

const leaseType: GoType = {
  k: 'struct',
  name: 'v1.Lease',
  goName: 'Lease',
  fields: [
    // metav1.TypeMeta is embedded inline: its fields are promoted to the Lease.
    { json: 'kind', type: str, omitempty: true },
    { json: 'apiVersion', type: str, omitempty: true },
    { json: 'metadata', type: objectMeta, omitempty: true },
    { json: 'spec', type: leaseSpec, omitempty: true },
  ],
};

// ---------------------------------------------------------------------------------------------------
// Decoding (sigs.k8s.io/json decode.go).
// ---------------------------------------------------------------------------------------------------

/** A decoded Go value: strings, bigint for ints, Date-free time text, nested records, arrays. */
type GoValue = unknown;

interface DecodeState {
  strict: boolean;
  /** The first type error (decode.go saveError keeps only the first). */
  saved?: string;
  strictErrors: string[];
  /** errorContext: the innermost struct's Go name and the json field names from the root. */
  ctxStruct?: string;
  ctxFields: string[];
  /** strictFieldStack, as text pieces ("metadata", ".", "labels", "[", "0", "]"). */
  strictStack: string[];
}

/** Go's UnmarshalTypeError.Error() (encoding/json decode.go) with decode.go addErrorContext's context. */
function typeError(d: DecodeState, value: string, type: string): string {
  if (d.ctxStruct !== undefined || d.ctxFields.length > 0) {
    return `json: cannot unmarshal ${value} into Go struct field ${d.ctxStruct ?? ''}.${d.ctxFields.join('.')} of type ${type}`;
  }
  return `json: cannot unmarshal ${value} into Go value of type ${type}`;
}

function saveError(d: DecodeState, message: string): void {
  d.saved ??= message;
}

/** An error returned (not saved) by a custom UnmarshalJSON: it stops decoding at once. */
class FatalDecodeError extends Error {}

function saveStrict(d: DecodeState, kind: 'unknown field' | 'duplicate field', field: string): void {
  if (d.strictErrors.length >= 100) return;
  const path = d.strictStack.length > 0 ? `${d.strictStack.join('')}.${field}` : field;
  const msg = `${kind} ${JSON.stringify(path)}`;
  if (!d.strictErrors.includes(msg)) d.strictErrors.push(msg);
}

function pushStrictKey(d: DecodeState, key: string): void {
  if (!d.strict) return;
  if (d.strictStack.length > 0) d.strictStack.push('.', key);
  else d.strictStack.push(key);
}

const nodeKind = (n: JsonNode): string =>
  n.t === 'object' ? 'object' : n.t === 'array' ? 'array' : n.t === 'bool' ? 'bool' : n.t;

/** Go's time.Parse error text (time/format.go ParseError.Error). */
function parseError(value: string, layout: string, valueElem: string, layoutElem: string): string {
  return `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(valueElem)} as ${JSON.stringify(layoutElem)}`;
}

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339Micro = '2006-01-02T15:04:05.000000Z07:00';

/**
 * time.Parse of RFC3339 / RFC3339Micro, as Go does it: the layout's ".000000" needs exactly six digits
 * (a value with three, or none, fails), RFC3339 (no fraction in the layout) accepts any fraction.
 * Returns epoch microseconds and the sub-microsecond remainder is not kept (neither format encodes it).
 */
export function parseGoTime(
  value: string,
  micro: boolean,
): { ok: true; us: bigint } | { ok: false; error: string } {
  const layout = micro ? RFC3339Micro : RFC3339;
  const chunks: [RegExp, string][] = [
    [/^\d{4}/, '2006'],
    [/^-/, '-'],
    [/^\d{2}/, '01'],
    [/^-/, '-'],
    [/^\d{2}/, '02'],
    [/^T/, 'T'],
    [/^\d{2}/, '15'],
    [/^:/, ':'],
    [/^\d{2}/, '04'],
    [/^:/, ':'],
    [/^\d{2}/, '05'],
  ];
  let rest = value;
  const parts: string[] = [];
  for (const [re, elem] of chunks) {
    const m = re.exec(rest);
    if (!m) return { ok: false, error: parseError(value, layout, rest, elem) };
    parts.push(m[0]);
    rest = rest.slice(m[0].length);
  }
  let fracDigits = '';
  if (micro) {
    const m = /^\.\d{6}/.exec(rest);
    if (!m) return { ok: false, error: parseError(value, layout, rest, '.000000') };
    fracDigits = m[0].slice(1);
    rest = rest.slice(7);
  } else {
    const m = /^[.,]\d+/.exec(rest);
    if (m) {
      fracDigits = m[0].slice(1, 7).padEnd(6, '0');
      rest = rest.slice(m[0].length);
    }
  }
  let offsetMin = 0;
  if (rest.startsWith('Z')) {
    rest = rest.slice(1);
  } else {
    const m = /^([+-])(\d{2}):(\d{2})/.exec(rest);
    if (!m) return { ok: false, error: parseError(value, layout, rest, 'Z07:00') };
    offsetMin = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    rest = rest.slice(6);
  }
  if (rest.length > 0) {
    return { ok: false, error: `parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(rest)}` };
  }
  const [y, mo, d, h, mi, s] = [parts[0], parts[2], parts[4], parts[6], parts[8], parts[10]].map(
    Number,
  ) as number[];
  const rangeErr = (what: string) => ({
    ok: false as const,
    error: `parsing time ${JSON.stringify(value)}: ${what} out of range`,
  });
  if ((mo as number) < 1 || (mo as number) > 12) return rangeErr('month');
  const daysIn = new Date(Date.UTC(y as number, mo as number, 0)).getUTCDate();
  if ((d as number) < 1 || (d as number) > daysIn) return rangeErr('day');
  if ((h as number) > 23) return rangeErr('hour');
  if ((mi as number) > 59) return rangeErr('minute');
  if ((s as number) > 59) return rangeErr('second');
  const date = new Date(0);
  date.setUTCFullYear(y as number, (mo as number) - 1, d as number);
  date.setUTCHours(h as number, mi as number, s as number, 0);
  const us = BigInt(date.getTime()) * 1000n + BigInt(fracDigits || '0') - BigInt(offsetMin) * 60_000_000n;
  return { ok: true, us };
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) in epoch microseconds: it encodes as null. */
const ZERO_TIME_US = -62135596800000000n;

function decodeTimeNode(d: DecodeState, n: JsonNode, micro: boolean): GoValue {
  // MicroTime/Time.UnmarshalJSON (micro_time.go, time.go): null is the zero time; anything else must be a
  // JSON string (json.Unmarshal into a string: its type error gets the field context added by decode.go)
  // and parse with the RFC3339Micro (resp. RFC3339) layout. These errors end decoding at once.
  if (n.t === 'null') return ZERO_TIME_US;
  if (n.t !== 'string') throw new FatalDecodeError(typeError(d, nodeKind(n), 'string'));
  const parsed = parseGoTime(n.v, micro);
  if (!parsed.ok) throw new FatalDecodeError(parsed.error);
  return parsed.us;
}

function decodeInto(d: DecodeState, type: GoType, n: JsonNode, current: GoValue): GoValue {
  switch (type.k) {
    case 'microtime':
    case 'time':
      return decodeTimeNode(d, n, type.k === 'microtime');
    case 'raw':
      // FieldsV1.UnmarshalJSON keeps the raw bytes of anything.
      return n.t === 'null' ? undefined : toPlain(n);
    case 'string':
      if (n.t === 'string') return n.v;
      if (n.t === 'null') return current;
      saveError(d, typeError(d, nodeKind(n), type.name));
      return current;
    case 'bool':
      if (n.t === 'bool') return n.v;
      if (n.t === 'null') return current;
      saveError(d, typeError(d, nodeKind(n), 'bool'));
      return current;
    case 'int': {
      if (n.t === 'null') return current;
      if (n.t !== 'number') {
        saveError(d, typeError(d, nodeKind(n), type.name));
        return current;
      }
      // strconv.ParseInt: plain decimal integers only; then the int32/int64 range.
      if (!/^-?\d+$/.test(n.raw)) {
        saveError(d, typeError(d, `number ${n.raw}`, type.name));
        return current;
      }
      const v = BigInt(n.raw);
      if (v < type.min || v > type.max) {
        saveError(d, typeError(d, `number ${n.raw}`, type.name));
        return current;
      }
      return v;
    }
    case 'map': {
      if (n.t === 'null') return undefined;
      if (n.t !== 'object') {
        saveError(d, typeError(d, nodeKind(n), 'map[string]string'));
        return current;
      }
      const out: Record<string, string> = (current as Record<string, string> | undefined) ?? {};
      const seen = new Set<string>();
      const base = d.strictStack.length;
      for (const [key, child] of n.entries) {
        if (d.strict) {
          if (seen.has(key)) saveStrict(d, 'duplicate field', key);
          seen.add(key);
        }
        pushStrictKey(d, key);
        // A fresh element each time: null leaves "" (the zero value).
        out[key] = decodeInto(d, str, child, '') as string;
        d.strictStack.length = base;
      }
      return out;
    }
    case 'slice': {
      if (n.t === 'null') return undefined;
      if (n.t !== 'array') {
        saveError(d, typeError(d, nodeKind(n), type.name));
        return current;
      }
      const prev = (current as GoValue[] | undefined) ?? [];
      const base = d.strictStack.length;
      const out = n.items.map((item, idx) => {
        if (d.strict) d.strictStack.push('[', String(idx), ']');
        const v = decodeInto(d, type.elem, item, type.elem.k === 'struct' ? prev[idx] : zeroOf(type.elem));
        d.strictStack.length = base;
        return v;
      });
      return out;
    }
    case 'struct': {
      if (n.t === 'null') return current;
      if (n.t !== 'object') {
        saveError(d, typeError(d, nodeKind(n), type.name));
        return current;
      }
      // Decoding into an existing struct merges (a duplicate "spec" key adds to the first one).
      const out: Record<string, GoValue> = (current as Record<string, GoValue> | undefined) ?? {};
      const seen = new Set<string>();
      const baseStack = d.strictStack.length;
      const savedStruct = d.ctxStruct;
      const baseFields = d.ctxFields.length;
      for (const [key, child] of n.entries) {
        // Case-sensitive: "Spec" is not "spec" (UnmarshalCaseSensitivePreserveInts / CaseSensitive).
        const field = type.fields.find((f) => f.json === key);
        if (!field) {
          if (d.strict) saveStrict(d, 'unknown field', key);
          continue;
        }
        if (d.strict) {
          if (seen.has(key)) saveStrict(d, 'duplicate field', key);
          seen.add(key);
        }
        d.ctxFields.push(field.json);
        d.ctxStruct = type.goName;
        pushStrictKey(d, field.json);
        if (field.pointer && child.t === 'null') {
          delete out[field.json];
        } else {
          const v = decodeInto(d, field.type, child, out[field.json]);
          if (v === undefined) delete out[field.json];
          else out[field.json] = v;
        }
        // A returned (fatal) error leaves the context as it was; only a completed field resets it.
        d.ctxFields.length = baseFields;
        d.ctxStruct = savedStruct;
        d.strictStack.length = baseStack;
      }
      return out;
    }
  }
}

function zeroOf(type: GoType): GoValue {
  return type.k === 'string' ? '' : undefined;
}

function toPlain(n: JsonNode): unknown {
  switch (n.t) {
    case 'object':
      return Object.fromEntries(n.entries.map(([k, v]) => [k, toPlain(v)]));
    case 'array':
      return n.items.map(toPlain);
    case 'string':
      return n.v;
    case 'number':
      return Number(n.raw);
    case 'bool':
      return n.v;
    case 'null':
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Encoding (encoding/json on the typed struct; MicroTime/Time MarshalJSON).
// ---------------------------------------------------------------------------------------------------

/** MicroTime.MarshalJSON: UTC, six fractional digits, `Z`. */
export function formatMicroTime(us: bigint): string {
  const ms = Number(us / 1000n - (us % 1000n < 0n ? 1n : 0n));
  const micros = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

/** Time.MarshalJSON: UTC RFC3339 to the second. */
function formatTime(us: bigint): string {
  const ms = Number((us - (((us % 1_000_000n) + 1_000_000n) % 1_000_000n)) / 1000n);
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function isEmpty(type: GoType, v: GoValue): boolean {
  if (v === undefined) return true;
  switch (type.k) {
    case 'string':
      return v === '';
    case 'int':
      return v === 0n;
    case 'bool':
      return v === false;
    case 'map':
      return Object.keys(v as object).length === 0;
    case 'slice':
      return (v as unknown[]).length === 0;
    default:
      // Structs (and Time, a struct) are never "empty" for omitempty.
      return false;
  }
}

function encodeValue(type: GoType, v: GoValue): unknown {
  switch (type.k) {
    case 'microtime':
      return v === undefined || v === ZERO_TIME_US ? null : formatMicroTime(v as bigint);
    case 'time':
      return v === undefined || v === ZERO_TIME_US ? null : formatTime(v as bigint);
    case 'int':
      return Number(v as bigint);
    case 'slice':
      return v === undefined ? null : (v as GoValue[]).map((e) => encodeValue(type.elem, e));
    case 'map':
      return v === undefined ? null : { ...(v as Record<string, string>) };
    case 'struct': {
      const src = (v as Record<string, GoValue> | undefined) ?? {};
      const out: Record<string, unknown> = {};
      for (const f of type.fields) {
        const fv = src[f.json];
        if (f.pointer) {
          if (fv === undefined) continue;
        } else if (f.omitempty && isEmpty(f.type, fv)) {
          continue;
        }
        out[f.json] = encodeValue(f.type, fv ?? zeroOf(f.type));
      }
      return out;
    }
    default:
      return v ?? null;
  }
}

/** The typed value of a plain JSON object (as stored), for re-encoding: no errors expected. */
function fromPlain(obj: unknown): GoValue {
  const d: DecodeState = { strict: false, strictErrors: [], ctxFields: [], strictStack: [] };
  return decodeInto(d, leaseType, parseJson(JSON.stringify(obj)), undefined);
}

// ---------------------------------------------------------------------------------------------------
// The request pipeline: fieldValidation, Interpret (apiVersion/kind), typed decode, strict errors.
// ---------------------------------------------------------------------------------------------------

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/**
 * The `fieldValidation` query parameter: empty means Warn (handlers/rest.go fieldValidation), anything
 * but "", Ignore, Warn, Strict is rejected by ValidateCreateOptions / ValidateUpdateOptions
 * (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go ValidateFieldValidation),
 * a 422 for the options kind, e.g. `CreateOptions.meta.k8s.io "" is invalid: ...`.
 */
export function fieldValidationOf(url: URL, optionsKind: 'CreateOptions' | 'UpdateOptions'): FieldValidation {
  const raw = url.searchParams.get('fieldValidation') ?? '';
  if (raw === '') return 'Warn';
  if (raw === 'Ignore' || raw === 'Warn' || raw === 'Strict') return raw;
  const detail = `Unsupported value: ${JSON.stringify(raw)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw new StatusError(
    422,
    'Invalid',
    `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: ${detail}`,
    {
      name: '',
      group: 'meta.k8s.io',
      kind: optionsKind,
      causes: [{ reason: 'FieldValueNotSupported', message: detail, field: 'fieldValidation' }],
    },
  );
}

/** summarizeData (handlers/rest.go): the first 30 bytes of a body, for "unrecognized" errors. */
function summarizeData(body: Buffer): string {
  if (body.length === 0) return '<empty>';
  if (body[0] === 0x7b)
    return body.length > 30 ? `${body.subarray(0, 30).toString('latin1')} ...` : body.toString('latin1');
  return body.length > 30 ? `${body.subarray(0, 30).toString('hex')} ...` : body.toString('hex');
}

const findKindType =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

export interface DecodedLease {
  /** The lease as the typed struct re-encodes it (Go order, no unknown fields, no nulls). */
  object: KubeObject;
  /** Warning header texts (fieldValidation=Warn): `unknown field "spec.foo"`, `duplicate field "x"`. */
  warnings: string[];
}

/**
 * Decodes a Lease request body as the apiserver's JSON serializer does, or throws the 400 the client gets.
 * The order is the apiserver's: syntax and apiVersion/kind (json/meta.go Interpret), then the typed
 * decode (a type error wins over strict errors), then the strict errors (Strict: 400; Warn: warnings).
 */
export function decodeLease(body: Buffer, directive: FieldValidation): DecodedLease {
  const unrecognized = (err: string) =>
    badRequest(
      `the object provided is unrecognized (must be of type Lease): ${err} (${summarizeData(body)})`,
    );
  let root: JsonNode;
  try {
    root = parseJson(body.toString('utf8'));
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw unrecognized(`couldn't get version/kind; json parse error: ${e.message}`);
    throw e;
  }
  // json/meta.go SimpleMetaFactory.Interpret: encoding/json into struct{apiVersion, kind} (case-insensitive).
  if (root.t !== 'object') {
    if (root.t !== 'null') {
      throw unrecognized(
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${nodeKind(root)} into Go value of type ${findKindType}`,
      );
    }
  }
  let apiVersion = '';
  let kind = '';
  for (const [key, child] of root.t === 'object' ? root.entries : []) {
    const lower = key.toLowerCase();
    if (lower !== 'apiversion' && lower !== 'kind') continue;
    const goField = lower === 'kind' ? 'kind' : 'apiVersion';
    if (child.t === 'null') continue;
    if (child.t !== 'string') {
      throw unrecognized(
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${nodeKind(child)} into Go struct field .${goField} of type string`,
      );
    }
    if (lower === 'kind') kind = child.v;
    else apiVersion = child.v;
  }
  // schema.ParseGroupVersion, then gvkWithDefaults against coordination.k8s.io/v1 Lease.
  const slashes = apiVersion.split('/').length - 1;
  if (slashes > 1) throw unrecognized(`unexpected GroupVersion string: ${apiVersion}`);
  let [group, version] = slashes === 1 ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  if (!kind) kind = 'Lease';
  if (!version && !group) {
    group = 'coordination.k8s.io';
    version = 'v1';
  }
  if (!version && group === 'coordination.k8s.io') version = 'v1';

  const d: DecodeState = { strict: directive !== 'Ignore', strictErrors: [], ctxFields: [], strictStack: [] };
  const cannotHandle = (err: string) =>
    badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a Lease: ${err}`);
  let typed: GoValue;
  try {
    typed = decodeInto(d, leaseType, root, undefined);
  } catch (e) {
    if (e instanceof FatalDecodeError) throw cannotHandle(e.message);
    throw e;
  }
  if (d.saved) throw cannotHandle(d.saved);
  const warnings: string[] = [];
  if (d.strictErrors.length > 0) {
    // handlers/create.go, update.go: Warn turns each strict error into a warning; Strict fails the request.
    if (directive === 'Strict') throw cannotHandle(`strict decoding error: ${d.strictErrors.join(', ')}`);
    warnings.push(...d.strictErrors);
  }
  // handlers/create.go: a decoded object of another group/version is refused after decoding.
  const gv = group ? `${group}/${version}` : version;
  if (gv !== 'coordination.k8s.io/v1') {
    throw badRequest(
      `the API version in the data (${gv}) does not match the expected API version (coordination.k8s.io/v1)`,
    );
  }
  const object = encodeValue(leaseType, typed) as KubeObject;
  object.metadata ??= { name: '' };
  return { object, warnings };
}

/** The Warning header value for one warning text (apimachinery/pkg/util/net/http.go NewWarningHeader). */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A lease re-encoded from the typed struct: unknown fields dropped, Go field order, nulls and omitempty
 * fields gone, MicroTimes in UTC with six digits and `Z`. The server-owned metadata (uid,
 * resourceVersion, creationTimestamp) is placed where ObjectMeta has it, so a store that fills them
 * keeps that order.
 */
export function normalizeLease(
  obj: KubeObject,
  server: {
    namespace?: string | undefined;
    uid?: string | undefined;
    resourceVersion?: string | undefined;
    creationTimestamp?: string | undefined;
  } = {},
): KubeObject {
  const typed = fromPlain({ ...obj, kind: 'Lease', apiVersion: 'coordination.k8s.io/v1' });
  const out = encodeValue(leaseType, typed) as KubeObject;
  const forced: Record<string, unknown> = {};
  for (const key of ['namespace', 'uid', 'resourceVersion', 'creationTimestamp'] as const) {
    if (server[key] !== undefined) forced[key] = server[key];
  }
  // ObjectMeta's field order, with the server-owned fields in place even while still empty (the store
  // fills resourceVersion after us and keeps the key where it is).
  const metadata: Record<string, unknown> = {};
  const current = (out.metadata ?? {}) as Record<string, unknown>;
  for (const f of (objectMeta as { fields: GoField[] }).fields) {
    if (f.json in forced) metadata[f.json] = forced[f.json];
    else if (f.json in current) metadata[f.json] = current[f.json];
  }
  return { ...out, metadata: metadata as KubeObject['metadata'] };
}

/** A fresh uid, as FillObjectMetaSystemFields gives every created object. */
export const newUid = (): string => randomUUID();

/** Reads a request body as bytes (the decoder needs the text as sent, not JSON.parse's view of it). */
export async function readRawBody(req: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

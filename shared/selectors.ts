/**
 * Label and field selectors with the grammar kube-apiserver accepts
 * (k8s.io/apimachinery/pkg/labels and pkg/fields).
 */

export type Labels = Readonly<Record<string, string>>;

export type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: readonly string[] }
  | { op: 'exists' | 'notexists'; key: string };

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

/** Splits on commas that are not inside a `( … )` value set. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  const trimmed = terms.map((t) => t.trim());
  if (trimmed.length === 1 && trimmed[0] === '') return []; // the empty selector selects everything
  if (trimmed.some((t) => t === '')) {
    throw new SelectorParseError(
      `unable to parse requirement: found '', expected: identifier in "${selector}"`,
    );
  }
  return trimmed;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A qualified name: an optional DNS-subdomain prefix (≤ 253) and `/`, then a name of at most 63 characters. */
function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (name.length > 63 || !labelName.test(name)) return false;
  if (slash === -1) return true;
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && prefix.split('.').every((part) => dnsLabel.test(part));
}
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, term: string): string {
  if (!isLabelKey(key))
    throw new SelectorParseError(`unable to parse requirement: invalid label key "${key}" in "${term}"`);
  return key;
}

function checkValue(value: string, term: string): string {
  if (value.length > 63 || !labelValue.test(value)) {
    throw new SelectorParseError(`unable to parse requirement: invalid label value "${value}" in "${term}"`);
  }
  return value;
}

export function parseLabelSelector(selector: string): LabelRequirement[] {
  return splitTerms(selector).map((term) => {
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (set) {
      const [, key = '', op, list = ''] = set;
      const values = list
        .split(',')
        // As in apimachinery, `in ()` and a trailing comma name the empty value.
        .map((v) => checkValue(v.trim(), term));
      return { op: op === 'in' ? 'in' : 'notin', key: checkKey(key, term), values };
    }
    const cmp = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (cmp) {
      const [, key = '', op, value = ''] = cmp;
      return {
        op: op === '!=' ? 'neq' : 'eq',
        key: checkKey(key, term),
        value: checkValue(value.trim(), term),
      };
    }
    if (term.startsWith('!')) return { op: 'notexists', key: checkKey(term.slice(1).trim(), term) };
    return { op: 'exists', key: checkKey(term, term) };
  });
}

export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Labels | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every((r) => matchesRequirement(r, l));
}

function matchesRequirement(r: LabelRequirement, l: Labels): boolean {
  const has = Object.hasOwn(l, r.key);
  const value = l[r.key];
  switch (r.op) {
    case 'eq':
      return has && value === r.value;
    case 'neq':
      return !has || value !== r.value;
    case 'in':
      return has && r.values.includes(value ?? '');
    case 'notin':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

/**
 * Parses a field selector, accepting only the fields the resource supports (as the apiserver does). Kinds
 * with a field-label conversion (pods, nodes…) and kinds without one (leases) word the refusal differently.
 */
export function parseFieldSelector(
  selector: string,
  supported: readonly string[],
  hasConversion = true,
): FieldRequirement[] {
  return splitTerms(selector).map((term) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorParseError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field = '', op, value = ''] = m;
    if (!supported.includes(field)) {
      throw new SelectorParseError(
        hasConversion
          ? `field label not supported: ${field}`
          : `"${field}" is not a known field selector: only ${supported.map((f) => `"${f}"`).join(', ')}`,
      );
    }
    return { field, op: op === '!=' ? 'neq' : 'eq', value: value.trim() };
  });
}

export function matchesFields(
  requirements: readonly FieldRequirement[],
  fieldValue: (field: string) => string | undefined,
): boolean {
  return requirements.every((r) => {
    const v = fieldValue(r.field) ?? '';
    return r.op === 'eq' ? v === r.value : v !== r.value;
  });
}

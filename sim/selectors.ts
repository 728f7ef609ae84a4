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
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, term: string): string {
  if (!labelKey.test(key))
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
        .map((v) => v.trim())
        .filter((v) => v.length > 0)
        .map((v) => checkValue(v, term));
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

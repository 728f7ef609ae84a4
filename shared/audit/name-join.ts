/**
 * Node leases meet their Nodes by name. Both lists arrive from the API in name order (etcd key order), so
 * they are merge-joined: a string comparison per item, where a hash index of 100k names costs ten times
 * more. `HeartbeatJudge` (heartbeat-judge.ts) merges them as they stream in; `joinByName` is the general
 * join the audit falls back on when the lists turn out not to be in order.
 */

interface Named {
  name: string;
}

/** Called once per name, with the item of each list of that name (either may be missing). */
export type Visit<A, B> = (a: A | undefined, b: B | undefined) => void;

/**
 * Calls `visit` once per name that appears in either list, with the item of each list of that name
 * (either may be missing). Inputs out of name order are sorted first (copies; the input is not touched).
 */
export function joinByName<A extends Named, B extends Named>(
  left: readonly A[],
  right: readonly B[],
  visit: Visit<A, B>,
): void {
  const a = isSortedByName(left) ? left : [...left].sort(byName);
  const b = isSortedByName(right) ? right : [...right].sort(byName);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const order = x && y ? compare(x.name, y.name) : x ? -1 : 1;
    if (order === 0) {
      visit(x, y);
      i++;
      // Two leases of one name cannot exist in one namespace; keep the Node for a duplicate anyway.
      if (a[i]?.name !== y?.name) j++;
    } else if (order < 0) {
      visit(x, undefined);
      i++;
    } else {
      visit(undefined, y);
      j++;
    }
  }
}

function isSortedByName(items: readonly Named[]): boolean {
  for (let i = 1; i < items.length; i++) {
    if ((items[i - 1] as Named).name > (items[i] as Named).name) return false;
  }
  return true;
}

function byName(x: Named, y: Named): number {
  return compare(x.name, y.name);
}

/** Code-unit order, as the apiserver (etcd keys) sorts names. */
export function compare(a: string, b: string): number {
  // Equality first: in the join most names match, and one comparison then settles it.
  return a === b ? 0 : a < b ? -1 : 1;
}

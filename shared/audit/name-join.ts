/**
 * Node leases meet their Nodes by name. Both lists arrive from the API in name order (etcd key order), so
 * they are merge-joined: a string comparison per item, where a hash index of 100k names costs ten times
 * more. `OrderedJoin` does it while the audit walks the lease list, in that one pass; `joinByName` is the
 * general join it falls back on when the lists turn out not to be in order.
 */

interface Named {
  name: string;
}

/** Called once per name, with the item of each list of that name (either may be missing). */
export type Visit<A, B> = (a: A | undefined, b: B | undefined) => void;

/**
 * A merge join fed one left item at a time, in list order. It trusts the order only as far as it has
 * checked it: left names must rise strictly, from one contiguous run of the list, and every right item
 * it passes over unmatched must rise too (a matched one rises because its left match does). On the first
 * item that breaks this, `inOrder` turns false and the join stops visiting: the caller then discards what
 * was visited and runs `joinByName`.
 */
export class OrderedJoin<A extends Named, B extends Named> {
  /** False once the input broke the order this join relies on. */
  inOrder = true;
  /** The index in `right` of the next item to meet. */
  private next = 0;
  private lastIndex = -1;
  private lastLeft: A | undefined;
  private lastRight: B | undefined;

  constructor(
    private readonly right: readonly B[],
    private readonly visit: Visit<A, B>,
  ) {}

  /** Meets `item`, found at `index` of its list, with the right item of its name (if any). */
  add(item: A, index: number): void {
    if (!this.inOrder) return;
    const last = this.lastLeft;
    if (last !== undefined && (index !== this.lastIndex + 1 || !(item.name > last.name))) {
      this.inOrder = false;
      return;
    }
    this.lastLeft = item;
    this.lastIndex = index;
    const name = item.name;
    const right = this.right;
    for (let y = right[this.next]; y !== undefined; y = right[this.next]) {
      // Equality first: nearly every lease has its Node, and one comparison then settles it.
      if (y.name === name) {
        this.next++;
        this.lastRight = y;
        this.visit(item, y);
        return;
      }
      if (y.name > name) break;
      if (!this.passUnmatched(y)) return;
    }
    this.visit(item, undefined);
  }

  /** Visits the right items no left item matched; returns whether the whole join kept its order. */
  finish(): boolean {
    for (let y = this.right[this.next]; y !== undefined && this.inOrder; y = this.right[this.next]) {
      this.passUnmatched(y);
    }
    return this.inOrder;
  }

  private passUnmatched(y: B): boolean {
    const last = this.lastRight;
    if (last !== undefined && !(y.name > last.name)) {
      this.inOrder = false;
      return false;
    }
    this.next++;
    this.lastRight = y;
    this.visit(undefined, y);
    return true;
  }
}

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

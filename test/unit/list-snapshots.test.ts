import { describe, expect, it } from 'vitest';
import { ListSnapshots, type Page } from '../../sim/list-snapshots.ts';
import { leases } from '../../sim/resources.ts';
import { StatusError } from '../../sim/status.ts';
import { StoredObject } from '../../sim/store.ts';

const TTL = 60_000;

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const lease = (i: number) =>
  new StoredObject(leases, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: `lease-${String(i).padStart(4, '0')}`,
      namespace: 'kube-node-lease',
      resourceVersion: `${i}`,
    },
    spec: { holderIdentity: `node-${i}` },
  });
const leaseList = (n: number) => Array.from({ length: n }, (_, i) => lease(i));
const keys = (items: readonly StoredObject[]) => items.map((s) => s.key);

/** Reads a whole list page by page; returns the pages. */
function readAll(snapshots: ListSnapshots, items: readonly StoredObject[], limit: number, withCount = false) {
  const pages: Page[] = [snapshots.first(items, '5000', limit, withCount)];
  for (let token = pages[0]?.continueToken; token; token = pages.at(-1)?.continueToken) {
    pages.push(snapshots.next(token, limit, withCount));
  }
  return pages;
}

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

const statusOf = (fn: () => unknown) => {
  const { code, reason } = thrown(fn);
  return { code, reason };
};

describe('ListSnapshots.first', () => {
  it.each([
    { n: 0, limit: 5 },
    { n: 3, limit: 5 },
    { n: 5, limit: 5 },
    { n: 7, limit: 0 },
    { n: 7, limit: -1 },
  ])('returns all $n items without a continue token for limit $limit', ({ n, limit }) => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const items = leaseList(n);

    const page = snapshots.first(items, '5000', limit, true);

    expect(page).toEqual({ items, resourceVersion: '5000' });
    expect(page.continueToken).toBeUndefined();
    expect(page.remainingItemCount).toBeUndefined();
    expect(snapshots.size).toBe(0);
  });

  it('returns the first page and a continue token when more items remain', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const items = leaseList(6);

    const page = snapshots.first(items, '5000', 4, false);

    expect(keys(page.items)).toEqual(keys(items.slice(0, 4)));
    expect(page.resourceVersion).toBe('5000');
    expect(page.continueToken).toEqual(expect.any(String));
    expect(snapshots.size).toBe(1);
  });
});

describe('ListSnapshots pagination', () => {
  it.each([
    { n: 6, limit: 5, pages: 2 },
    { n: 10, limit: 3, pages: 4 },
    { n: 12, limit: 3, pages: 4 },
    { n: 100, limit: 1, pages: 100 },
    { n: 501, limit: 500, pages: 2 },
  ])('covers $n items once in $pages pages of $limit', ({ n, limit, pages: expected }) => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const items = leaseList(n);

    const pages = readAll(snapshots, items, limit);

    expect(pages).toHaveLength(expected);
    expect(keys(pages.flatMap((p) => [...p.items]))).toEqual(keys(items));
    for (const page of pages.slice(0, -1)) expect(page.items).toHaveLength(limit);
    expect(pages.every((p) => p.resourceVersion === '5000')).toBe(true);
    expect(pages.at(-1)?.continueToken).toBeUndefined();
    expect(snapshots.size).toBe(0);
  });

  it('gives remainingItemCount on every page but the last when asked', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);

    const pages = readAll(snapshots, leaseList(10), 3, true);

    expect(pages.map((p) => p.remainingItemCount)).toEqual([7, 4, 1, undefined]);
  });

  it('leaves remainingItemCount out when not asked', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);

    const pages = readAll(snapshots, leaseList(10), 3, false);

    expect(pages.every((p) => !('remainingItemCount' in p))).toBe(true);
  });

  it('serves later pages from the first page snapshot, not from the caller array', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const items = leaseList(6);
    const first = snapshots.first(items, '5000', 2, false);
    const later = leaseList(20);

    // Another list in between gets its own snapshot.
    const other = snapshots.first(later, '6000', 2, false);
    const second = snapshots.next(first.continueToken ?? '', 2, false);

    expect(keys(second.items)).toEqual(keys(items.slice(2, 4)));
    expect(second.resourceVersion).toBe('5000');
    expect(other.resourceVersion).toBe('6000');
  });

  it('lets the page size change between pages', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const items = leaseList(10);
    const first = snapshots.first(items, '5000', 2, true);

    const rest = snapshots.next(first.continueToken ?? '', 0, true);

    expect(keys(rest.items)).toEqual(keys(items.slice(2)));
    expect(rest.continueToken).toBeUndefined();
  });

  it('serves the same page again for a repeated token while the list is unfinished', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const items = leaseList(9);
    const token = snapshots.first(items, '5000', 3, false).continueToken ?? '';

    const once = snapshots.next(token, 3, false);
    const again = snapshots.next(token, 3, false);

    expect(keys(again.items)).toEqual(keys(once.items));
  });
});

describe('ListSnapshots expiry', () => {
  it.each([
    { elapsed: 0, expired: false },
    { elapsed: TTL - 1, expired: false },
    { elapsed: TTL, expired: false },
    { elapsed: TTL + 1, expired: true },
    { elapsed: 10 * TTL, expired: true },
  ])('after $elapsed ms a token is expired: $expired', ({ elapsed, expired }) => {
    const { clock, advance } = fakeClock();
    const snapshots = new ListSnapshots(clock, TTL);
    const token = snapshots.first(leaseList(10), '5000', 3, false).continueToken ?? '';

    advance(elapsed);

    if (expired) {
      expect(statusOf(() => snapshots.next(token, 3, false))).toEqual({ code: 410, reason: 'Expired' });
      expect(snapshots.size).toBe(0);
    } else {
      expect(keys(snapshots.next(token, 3, false).items)).toHaveLength(3);
    }
  });

  it('throws a StatusError whose Status is 410 Expired', () => {
    const { clock, advance } = fakeClock();
    const snapshots = new ListSnapshots(clock, TTL);
    const token = snapshots.first(leaseList(10), '5000', 3, false).continueToken ?? '';
    advance(TTL + 1);

    expect(thrown(() => snapshots.next(token, 3, false)).toStatus()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
  });

  it('honours a ttl changed after construction', () => {
    const { clock, advance } = fakeClock();
    const snapshots = new ListSnapshots(clock, TTL);
    const token = snapshots.first(leaseList(10), '5000', 3, false).continueToken ?? '';
    snapshots.ttlMs = 1_000;
    advance(1_001);

    expect(statusOf(() => snapshots.next(token, 3, false)).code).toBe(410);
  });

  it('expires every outstanding token on expireAll()', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const a = snapshots.first(leaseList(10), '5000', 3, false).continueToken ?? '';
    const b = snapshots.first(leaseList(8), '5001', 3, false).continueToken ?? '';
    expect(snapshots.size).toBe(2);

    snapshots.expireAll();

    expect(snapshots.size).toBe(0);
    expect(statusOf(() => snapshots.next(a, 3, false))).toEqual({ code: 410, reason: 'Expired' });
    expect(statusOf(() => snapshots.next(b, 3, false))).toEqual({ code: 410, reason: 'Expired' });
  });

  it('forgets the oldest snapshots beyond maxSnapshots', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL, 2);
    const tokens = [1, 2, 3].map((i) => snapshots.first(leaseList(5), `${i}`, 2, false).continueToken ?? '');

    expect(snapshots.size).toBe(2);
    expect(statusOf(() => snapshots.next(tokens[0] ?? '', 2, false)).code).toBe(410);
    expect(snapshots.next(tokens[1] ?? '', 2, false).resourceVersion).toBe('2');
    expect(snapshots.next(tokens[2] ?? '', 2, false).resourceVersion).toBe('3');
  });

  it('prunes expired snapshots when a new list starts', () => {
    const { clock, advance } = fakeClock();
    const snapshots = new ListSnapshots(clock, TTL);
    snapshots.first(leaseList(5), '1', 2, false);
    advance(TTL + 1);

    snapshots.first(leaseList(5), '2', 2, false);

    expect(snapshots.size).toBe(1);
  });
});

describe('ListSnapshots with a malformed token', () => {
  const encode = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');

  it.each([
    { name: 'garbage', token: 'garbage' },
    { name: 'not base64 at all', token: '%%%***' },
    { name: 'base64 of plain text', token: Buffer.from('hello').toString('base64url') },
    { name: 'JSON null', token: encode(null) },
    { name: 'a JSON number', token: encode(7) },
    { name: 'a wrong version', token: encode({ v: 'meta.k8s.io/v2', id: 'x', offset: 1 }) },
    { name: 'no id', token: encode({ v: 'meta.k8s.io/v1', offset: 1 }) },
    { name: 'a string offset', token: encode({ v: 'meta.k8s.io/v1', id: 'x', offset: '1' }) },
  ])('rejects $name with 400 BadRequest', ({ token }) => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);

    expect(statusOf(() => snapshots.next(token, 10, false))).toEqual({ code: 400, reason: 'BadRequest' });
  });

  it('answers a well-formed token for an unknown snapshot with 410', () => {
    const snapshots = new ListSnapshots(fakeClock().clock, TTL);
    const token = encode({ v: 'meta.k8s.io/v1', rv: 1, start: 'a', offset: 2, id: 'no-such-list' });

    expect(statusOf(() => snapshots.next(token, 10, false))).toEqual({ code: 410, reason: 'Expired' });
  });
});

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../sim/kube-object.ts';
import { leases, namespaces, nodes, pods } from '../../sim/resources.ts';
import { StatusError } from '../../sim/status.ts';
import { type Preconditions, SimStore } from '../../sim/store.ts';

const NOW = Date.parse('2026-01-02T03:04:05.678Z');
const NODE_LEASE_NS = 'kube-node-lease';

function newStore(...ns: string[]): SimStore {
  const store = new SimStore(() => NOW);
  for (const name of ns) store.create(namespaces, { metadata: { name } });
  return store;
}

const leaseObj = (
  namespace: string,
  name: string,
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  metadata: { name, namespace, ...extra },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: '2026-01-02T03:04:00.000000Z' },
});
const nodeLeaseOwnedBy = (name: string, ownerUid: string, leaseName = name) =>
  leaseObj(NODE_LEASE_NS, leaseName, {
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: ownerUid }],
  });
const nodeObj = (name: string, uid: string): KubeObject => ({ metadata: { name, uid } });

function statusOf(fn: () => unknown): { code: number; reason: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, reason: e.reason };
    throw e;
  }
  throw new Error('expected a StatusError');
}

const rv = (s: { obj: KubeObject }) => Number(s.obj.metadata.resourceVersion);
const names = (store: SimStore, def = leases) => store.list(def).map((s) => s.key);

describe('SimStore.create', () => {
  it('fills apiVersion, kind, uid, resourceVersion and creationTimestamp', () => {
    const store = newStore(NODE_LEASE_NS);

    const stored = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));

    expect(stored.obj.apiVersion).toBe('coordination.k8s.io/v1');
    expect(stored.obj.kind).toBe('Lease');
    expect(stored.obj.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(stored.obj.metadata.resourceVersion).toBe(store.resourceVersion);
    expect(stored.obj.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(stored.key).toBe('kube-node-lease/n1');
    expect(store.get(leases, NODE_LEASE_NS, 'n1')).toBe(stored);
  });

  it('keeps a uid and creationTimestamp the writer set, and replaces its resourceVersion', () => {
    const store = newStore(NODE_LEASE_NS);

    const stored = store.create(
      leases,
      leaseObj(NODE_LEASE_NS, 'n1', {
        uid: 'given',
        creationTimestamp: '2020-01-01T00:00:00Z',
        resourceVersion: '1',
      }),
    );

    expect(stored.obj.metadata.uid).toBe('given');
    expect(stored.obj.metadata.creationTimestamp).toBe('2020-01-01T00:00:00Z');
    expect(stored.obj.metadata.resourceVersion).not.toBe('1');
  });

  it('gives every object its own uid', () => {
    const store = newStore(NODE_LEASE_NS);
    const uids = ['a', 'b', 'c'].map(
      (n) => store.create(leases, leaseObj(NODE_LEASE_NS, n)).obj.metadata.uid,
    );
    expect(new Set(uids).size).toBe(3);
  });

  it('refuses a duplicate with 409 AlreadyExists and keeps the original', () => {
    const store = newStore(NODE_LEASE_NS);
    const original = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));

    expect(statusOf(() => store.create(leases, leaseObj(NODE_LEASE_NS, 'n1')))).toEqual({
      code: 409,
      reason: 'AlreadyExists',
    });
    expect(store.get(leases, NODE_LEASE_NS, 'n1')).toBe(original);
    expect(store.count(leases)).toBe(1);
  });

  it('allows the same name in two namespaces', () => {
    const store = newStore('a', 'b');
    store.create(leases, leaseObj('a', 'x'));
    store.create(leases, leaseObj('b', 'x'));
    expect(names(store)).toEqual(['a/x', 'b/x']);
  });

  it.each([
    { name: 'a namespace that does not exist', namespace: 'missing' as string | undefined },
    { name: 'no namespace', namespace: undefined },
  ])('refuses a namespaced object in $name with 404', ({ namespace }) => {
    const store = newStore(NODE_LEASE_NS);
    const obj: KubeObject = { metadata: { name: 'x', ...(namespace ? { namespace } : {}) } };

    expect(statusOf(() => store.create(leases, obj))).toEqual({ code: 404, reason: 'NotFound' });
    expect(store.count(leases)).toBe(0);
  });

  it('creates cluster-scoped objects without a namespace', () => {
    const store = newStore();
    const node = store.create(nodes, nodeObj('n1', 'u1'));
    expect(node.key).toBe('n1');
    expect(store.get(nodes, undefined, 'n1')).toBe(node);
  });

  it('writes nothing for an update that changes nothing: same resourceVersion, no event (etcd3 GuaranteedUpdate)', () => {
    const store = newStore(NODE_LEASE_NS);
    const created = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));
    const events: string[] = [];
    store.onChange((event) => events.push(event));
    const before = store.resourceVersion;

    const same = store.update(leases, { ...created.obj, metadata: { ...created.obj.metadata } });

    expect(same.obj.metadata.resourceVersion).toBe(created.obj.metadata.resourceVersion);
    expect(store.resourceVersion).toBe(before);
    expect(events).toEqual([]);
    expect(store.update(leases, changed(created.obj)).obj.metadata.resourceVersion).not.toBe(
      created.obj.metadata.resourceVersion,
    );
  });

  it('tells listeners about creates, updates and deletes', () => {
    const store = newStore(NODE_LEASE_NS);
    const events: string[] = [];
    const off = store.onChange((event, stored) => events.push(`${event} ${stored.key}`));

    const created = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));
    store.update(leases, changed(created.obj));
    store.delete(leases, NODE_LEASE_NS, 'n1');
    off();
    store.create(leases, leaseObj(NODE_LEASE_NS, 'n2'));

    expect(events).toEqual([
      'ADDED kube-node-lease/n1',
      'MODIFIED kube-node-lease/n1',
      'DELETED kube-node-lease/n1',
    ]);
  });
});

describe('SimStore.update', () => {
  const renewed = (obj: KubeObject, renewTime: string): KubeObject => ({
    ...obj,
    spec: { ...(obj.spec as object), renewTime },
  });

  it('replaces the object with a new resourceVersion and keeps uid and creationTimestamp', () => {
    const store = newStore(NODE_LEASE_NS);
    const v1 = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));

    const v2 = store.update(leases, {
      ...renewed(v1.obj, '2026-01-02T03:04:10.000000Z'),
      metadata: { ...v1.obj.metadata, uid: undefined, creationTimestamp: undefined },
    });

    expect(rv(v2)).toBeGreaterThan(rv(v1));
    expect(v2.obj.metadata.uid).toBe(v1.obj.metadata.uid);
    expect(v2.obj.metadata.creationTimestamp).toBe(v1.obj.metadata.creationTimestamp);
    expect((v2.obj.spec as { renewTime: string }).renewTime).toBe('2026-01-02T03:04:10.000000Z');
    expect(store.get(leases, NODE_LEASE_NS, 'n1')).toBe(v2);
  });

  it.each([
    { name: 'the current resourceVersion', resourceVersion: (current: string) => current, ok: true },
    { name: 'no resourceVersion (unconditional)', resourceVersion: () => undefined, ok: true },
    { name: 'an empty resourceVersion (unconditional)', resourceVersion: () => '', ok: true },
    {
      name: 'a stale resourceVersion',
      resourceVersion: (current: string) => String(Number(current) - 1),
      ok: false,
    },
    {
      name: 'a future resourceVersion',
      resourceVersion: (current: string) => String(Number(current) + 1),
      ok: false,
    },
  ])('with $name succeeds: $ok', ({ resourceVersion, ok }) => {
    const store = newStore(NODE_LEASE_NS);
    const v1 = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));
    const current = v1.obj.metadata.resourceVersion ?? '';
    const input = renewed(v1.obj, '2026-01-02T03:05:00.000000Z');
    input.metadata = { ...input.metadata, resourceVersion: resourceVersion(current) };

    if (ok) {
      expect(store.update(leases, input).obj.metadata.resourceVersion).toBe(store.resourceVersion);
    } else {
      expect(statusOf(() => store.update(leases, input))).toEqual({ code: 409, reason: 'Conflict' });
      expect(store.get(leases, NODE_LEASE_NS, 'n1')).toBe(v1);
    }
  });

  it('refuses a write based on a version another writer replaced', () => {
    const store = newStore(NODE_LEASE_NS);
    const read = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));
    store.update(leases, renewed(read.obj, '2026-01-02T03:04:10.000000Z'));

    expect(statusOf(() => store.update(leases, renewed(read.obj, '2026-01-02T03:04:20.000000Z')))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
  });

  it('refuses a different uid with 409 Conflict', () => {
    const store = newStore(NODE_LEASE_NS);
    const v1 = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));

    expect(
      statusOf(() =>
        store.update(leases, { ...v1.obj, metadata: { ...v1.obj.metadata, uid: 'someone-else' } }),
      ),
    ).toEqual({ code: 409, reason: 'Conflict' });
  });

  it('refuses a missing object with 404', () => {
    const store = newStore(NODE_LEASE_NS);
    expect(statusOf(() => store.update(leases, leaseObj(NODE_LEASE_NS, 'ghost')))).toEqual({
      code: 404,
      reason: 'NotFound',
    });
  });
});

describe('SimStore.delete', () => {
  function withLease() {
    const store = newStore(NODE_LEASE_NS);
    const stored = store.create(leases, leaseObj(NODE_LEASE_NS, 'n1'));
    const { uid = '', resourceVersion = '' } = stored.obj.metadata;
    return { store, stored, uid, resourceVersion };
  }

  it.each<{ name: string; pre: (uid: string, rv: string) => Preconditions }>([
    { name: 'no preconditions', pre: () => ({}) },
    { name: 'the right uid', pre: (uid) => ({ uid }) },
    { name: 'the right resourceVersion', pre: (_, rv) => ({ resourceVersion: rv }) },
    { name: 'the right uid and resourceVersion', pre: (uid, rv) => ({ uid, resourceVersion: rv }) },
  ])('deletes with $name', ({ pre }) => {
    const { store, stored, uid, resourceVersion } = withLease();

    expect(store.delete(leases, NODE_LEASE_NS, 'n1', pre(uid, resourceVersion))).toBe(stored);
    expect(store.get(leases, NODE_LEASE_NS, 'n1')).toBeUndefined();
    expect(store.list(leases)).toEqual([]);
  });

  it.each<{ name: string; pre: (uid: string, rv: string) => Preconditions }>([
    { name: 'a wrong uid', pre: () => ({ uid: 'previous-incarnation' }) },
    { name: 'a stale resourceVersion', pre: (_, rv) => ({ resourceVersion: String(Number(rv) - 1) }) },
    { name: 'the right uid and a wrong resourceVersion', pre: (uid) => ({ uid, resourceVersion: '1' }) },
    {
      name: 'a wrong uid and the right resourceVersion',
      pre: (_, rv) => ({ uid: 'x', resourceVersion: rv }),
    },
  ])('refuses $name with 409 Conflict and keeps the object', ({ pre }) => {
    const { store, stored, uid, resourceVersion } = withLease();
    const before = store.resourceVersion;

    expect(statusOf(() => store.delete(leases, NODE_LEASE_NS, 'n1', pre(uid, resourceVersion)))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
    expect(store.get(leases, NODE_LEASE_NS, 'n1')).toBe(stored);
    expect(store.resourceVersion).toBe(before);
  });

  it('names the failed precondition in the message', () => {
    const { store, uid } = withLease();
    // rest.BeforeDelete's wording (k8s.io/apiserver pkg/registry/rest/delete.go).
    expect(() => store.delete(leases, NODE_LEASE_NS, 'n1', { uid: 'old' })).toThrow(
      `Operation cannot be fulfilled on Lease.coordination.k8s.io "n1": the UID in the precondition (old) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
    );
  });

  it('refuses a missing object with 404', () => {
    const { store } = withLease();
    expect(statusOf(() => store.delete(leases, NODE_LEASE_NS, 'ghost'))).toEqual({
      code: 404,
      reason: 'NotFound',
    });
    expect(statusOf(() => store.delete(leases, 'elsewhere', 'n1'))).toEqual({
      code: 404,
      reason: 'NotFound',
    });
  });

  it('checks without deleting in checkDelete', () => {
    const { store, stored, uid } = withLease();

    expect(store.checkDelete(leases, NODE_LEASE_NS, 'n1', { uid })).toBe(stored);
    expect(statusOf(() => store.checkDelete(leases, NODE_LEASE_NS, 'n1', { uid: 'x' })).code).toBe(409);
    expect(store.get(leases, NODE_LEASE_NS, 'n1')).toBe(stored);
  });
});

describe('SimStore garbage collection of node leases', () => {
  function cluster() {
    const store = newStore(NODE_LEASE_NS, 'payments');
    store.create(nodes, nodeObj('node-a', 'uid-a'));
    store.create(nodes, nodeObj('node-b', 'uid-b'));
    store.create(leases, nodeLeaseOwnedBy('node-a', 'uid-a'));
    store.create(leases, nodeLeaseOwnedBy('node-b', 'uid-b'));
    // Owned by a previous incarnation of node-a: same name, another uid.
    store.create(leases, nodeLeaseOwnedBy('node-a', 'uid-a-previous', 'node-a-previous'));
    store.create(leases, leaseObj(NODE_LEASE_NS, 'ownerless'));
    // A lease elsewhere that node-a owns too.
    store.create(leases, {
      ...leaseObj('payments', 'node-a-agent'),
      metadata: {
        name: 'node-a-agent',
        namespace: 'payments',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'uid-cm' },
          { apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: 'uid-a' },
        ],
      },
    });
    return store;
  }

  it("deletes the leases that name the Node's uid and only those", () => {
    const store = cluster();

    store.delete(nodes, undefined, 'node-a');

    expect(names(store)).toEqual([
      'kube-node-lease/node-a-previous',
      'kube-node-lease/node-b',
      'kube-node-lease/ownerless',
    ]);
    expect(names(store, nodes)).toEqual(['node-b']);
  });

  it('announces each collected lease as DELETED', () => {
    const store = cluster();
    const deleted: string[] = [];
    store.onChange((event, stored) => {
      if (event === 'DELETED') deleted.push(stored.key);
    });

    store.delete(nodes, undefined, 'node-a');

    expect(deleted.sort()).toEqual(['kube-node-lease/node-a', 'node-a', 'payments/node-a-agent']);
  });

  it('collects nothing when the delete is refused', () => {
    const store = cluster();

    expect(statusOf(() => store.delete(nodes, undefined, 'node-a', { uid: 'uid-a-previous' })).code).toBe(
      409,
    );

    expect(store.count(leases)).toBe(5);
    expect(store.count(nodes)).toBe(2);
  });

  it('leaves leases alone when a lease, not a Node, is deleted', () => {
    const store = cluster();

    store.delete(leases, NODE_LEASE_NS, 'node-a');

    expect(store.count(leases)).toBe(4);
    expect(store.get(leases, 'payments', 'node-a-agent')).toBeDefined();
  });
});

describe('SimStore resourceVersion', () => {
  it('increases on every create, update and delete', () => {
    const store = newStore(NODE_LEASE_NS);
    const seen: number[] = [Number(store.resourceVersion)];
    const note = () => seen.push(Number(store.resourceVersion));

    const a = store.create(leases, leaseObj(NODE_LEASE_NS, 'a'));
    note();
    store.create(leases, leaseObj(NODE_LEASE_NS, 'b'));
    note();
    store.update(leases, changed(a.obj));
    note();
    store.delete(leases, NODE_LEASE_NS, 'b');
    note();
    store.create(nodes, nodeObj('n1', 'u1'));
    note();

    for (let i = 1; i < seen.length; i++)
      expect(seen[i]).toBeGreaterThan(seen[i - 1] ?? Number.POSITIVE_INFINITY);
  });

  it('does not move on reads or refused writes', () => {
    const store = newStore(NODE_LEASE_NS);
    store.create(leases, leaseObj(NODE_LEASE_NS, 'a'));
    const before = store.resourceVersion;

    store.get(leases, NODE_LEASE_NS, 'a');
    store.list(leases);
    statusOf(() => store.create(leases, leaseObj(NODE_LEASE_NS, 'a')));
    statusOf(() => store.update(leases, leaseObj(NODE_LEASE_NS, 'missing')));

    expect(store.resourceVersion).toBe(before);
  });
});

describe('SimStore.list', () => {
  function populated() {
    const store = newStore('b', 'a', 'ab', 'kube-system');
    for (const [ns, name] of [
      ['b', 'z'],
      ['a', 'y'],
      ['ab', 'x'],
      ['a', 'b'],
      ['kube-system', 'kube-scheduler'],
      ['b', 'a'],
    ] as const) {
      store.create(leases, leaseObj(ns, name));
    }
    return store;
  }

  it('returns objects in key order, whatever the creation order', () => {
    expect(names(populated())).toEqual(['a/b', 'a/y', 'ab/x', 'b/a', 'b/z', 'kube-system/kube-scheduler']);
  });

  it('includes objects created after an earlier list, in key order', () => {
    const store = populated();
    store.list(leases);

    store.create(leases, leaseObj('a', 'c'));

    expect(names(store)).toEqual(['a/b', 'a/c', 'a/y', 'ab/x', 'b/a', 'b/z', 'kube-system/kube-scheduler']);
  });

  it('keeps key order after deletes and re-creates', () => {
    const store = populated();
    store.delete(leases, 'a', 'b');
    store.create(leases, leaseObj('a', 'c'));
    expect(names(store)).toEqual(['a/c', 'a/y', 'ab/x', 'b/a', 'b/z', 'kube-system/kube-scheduler']);
  });

  it.each([
    { namespace: 'a', expected: ['a/b', 'a/y'] },
    { namespace: 'ab', expected: ['ab/x'] },
    { namespace: 'b', expected: ['b/a', 'b/z'] },
    { namespace: 'nowhere', expected: [] },
    { namespace: undefined, expected: ['a/b', 'a/y', 'ab/x', 'b/a', 'b/z', 'kube-system/kube-scheduler'] },
  ])('lists namespace $namespace', ({ namespace, expected }) => {
    expect(
      populated()
        .list(leases, { namespace })
        .map((s) => s.key),
    ).toEqual(expected);
  });

  it('filters by predicate', () => {
    const store = populated();
    const list = store.list(leases, {
      predicate: (o) => o.metadata.name.length === 1 && o.metadata.namespace !== 'b',
    });
    expect(list.map((s) => s.key)).toEqual(['a/b', 'a/y', 'ab/x']);
  });

  it('keeps resources apart', () => {
    const store = populated();
    store.create(nodes, nodeObj('n1', 'u1'));
    expect(store.list(nodes).map((s) => s.key)).toEqual(['n1']);
    expect(store.list(pods)).toEqual([]);
    expect(store.count(leases)).toBe(6);
  });

  it('returns snapshots that later updates, creates and deletes do not change', () => {
    const store = populated();
    const snapshot = store.list(leases);
    const before = snapshot.map((s) => s.json);
    const first = snapshot[0];
    if (!first) throw new Error('empty list');

    store.update(leases, { ...first.obj, spec: { holderIdentity: 'new-holder' } });
    store.delete(leases, 'b', 'z');
    store.create(leases, leaseObj('a', 'a'));

    expect(snapshot.map((s) => s.json)).toEqual(before);
    expect((first.obj.spec as { holderIdentity: string }).holderIdentity).toBe('b');
    expect(snapshot.map((s) => s.key)).toEqual([
      'a/b',
      'a/y',
      'ab/x',
      'b/a',
      'b/z',
      'kube-system/kube-scheduler',
    ]);
    const now = store.list(leases);
    expect(now.map((s) => s.key)).toEqual(['a/a', 'a/b', 'a/y', 'ab/x', 'b/a', 'kube-system/kube-scheduler']);
    expect(now[1]?.obj.spec).toMatchObject({ holderIdentity: 'new-holder' });
  });

  it('serves metadata-only JSON as PartialObjectMetadata', () => {
    const store = populated();
    const stored = store.get(leases, 'a', 'y');
    expect(JSON.parse(stored?.metadataJson ?? '{}')).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: stored?.obj.metadata,
    });
    expect(JSON.parse(stored?.json ?? '{}')).toEqual(stored?.obj);
  });
});

/** The object with its holder changed, so an update of it really writes. */
function changed(obj: KubeObject): KubeObject {
  return { ...obj, spec: { ...(obj.spec as object), holderIdentity: `changed-${Math.random()}` } };
}

describe('SimStore stores a cluster-scoped object without its namespace', () => {
  it('stores a Node under its name, dropping the namespace, and refuses a duplicate', () => {
    const store = new SimStore(() => 0);
    store.create(nodes, { metadata: { name: 'n1', namespace: 'stray' } });
    expect(store.get(nodes, undefined, 'n1')?.obj.metadata.namespace).toBeUndefined();
    expect(() => store.create(nodes, { metadata: { name: 'n1' } })).toThrow(/already exists/);
  });
});

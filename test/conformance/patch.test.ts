import { ApiException, PatchStrategy, setHeaderOptions, type V1Lease } from '@kubernetes/client-node';
import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import {
  compareObjects,
  FieldSet,
  managerOrUserAgent,
  pathString,
  recordApply,
  recordUpdate,
  toFieldSet,
} from '../../sim/managed-fields.ts';
import { namespaceObject } from '../../sim/objects.ts';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  parseJsonPatch,
  patchTypeOf,
} from '../../sim/patch.ts';
import { leases, namespaces } from '../../sim/resources.ts';
import { StatusError } from '../../sim/status.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { apis, simClusters } from '../support/sim.ts';

const clusters = simClusters();

/** Throws and returns the StatusError a pure function raised. */
function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('patch functions (table tests)', () => {
  it.each([
    ['null deletes a key', { a: 1, b: 2 }, '{"b":null}', { a: 1 }],
    ['objects merge recursively', { m: { x: 1, y: 2 } }, '{"m":{"y":3,"z":4}}', { m: { x: 1, y: 3, z: 4 } }],
    ['arrays are replaced', { l: [1, 2, 3] }, '{"l":[4]}', { l: [4] }],
    ['a new object loses its nulls', { a: 1 }, '{"n":{"x":null,"y":1}}', { a: 1, n: { y: 1 } }],
    ['a scalar is replaced by an object', { a: 'x' }, '{"a":{"b":null,"c":1}}', { a: { c: 1 } }],
    ['null for a missing key is a no-op', { a: 1 }, '{"zz":null}', { a: 1 }],
  ])('merge patch (RFC 7386): %s', (_name, doc, patch, expected) => {
    expect(applyMergePatch(doc, patch)).toEqual(expected);
  });

  it.each([
    ['not JSON', '{"a":'],
    ['null', 'null'],
    ['a scalar', '5'],
  ])('merge patch that is %s is a 400 "Invalid JSON Patch"', (_name, patch) => {
    const err = statusOf(() => applyMergePatch({ a: 1 }, patch));
    expect([err.code, err.reason, err.message]).toEqual([400, 'BadRequest', 'Invalid JSON Patch']);
  });

  it.each([
    ['add', { a: {} }, [{ op: 'add', path: '/a/b', value: 1 }], { a: { b: 1 } }],
    ['add to the end of an array', { l: [1] }, [{ op: 'add', path: '/l/-', value: 2 }], { l: [1, 2] }],
    ['add inside an array', { l: [1, 3] }, [{ op: 'add', path: '/l/1', value: 2 }], { l: [1, 2, 3] }],
    ['remove', { a: 1, b: 2 }, [{ op: 'remove', path: '/a' }], { b: 2 }],
    ['replace', { a: 1 }, [{ op: 'replace', path: '/a', value: 9 }], { a: 9 }],
    ['move', { a: { x: 1 }, b: {} }, [{ op: 'move', from: '/a/x', path: '/b/y' }], { a: {}, b: { y: 1 } }],
    ['copy', { a: [1] }, [{ op: 'copy', from: '/a', path: '/b' }], { a: [1], b: [1] }],
    [
      'test then replace',
      { a: 'x' },
      [
        { op: 'test', path: '/a', value: 'x' },
        { op: 'replace', path: '/a', value: 'y' },
      ],
      { a: 'y' },
    ],
    [
      '~1 and ~0 escapes',
      { m: { 'a/b': 1, 'c~d': 2 } },
      [
        { op: 'remove', path: '/m/a~1b' },
        { op: 'replace', path: '/m/c~0d', value: 3 },
      ],
      { m: { 'c~d': 3 } },
    ],
  ])('JSON patch (RFC 6902): %s', (_name, doc, ops, expected) => {
    expect(applyJsonPatch(doc, parseJsonPatch(JSON.stringify(ops)))).toEqual(expected);
  });

  it.each([
    ['a failing test', [{ op: 'test', path: '/a', value: 2 }]],
    ['removing a missing key', [{ op: 'remove', path: '/nope' }]],
    ['adding under a missing parent', [{ op: 'add', path: '/x/y', value: 1 }]],
    ['an unknown op', [{ op: 'frobnicate', path: '/a' }]],
  ])('JSON patch with %s is the generic 422 of NewGenericServerResponse', (_name, ops) => {
    const err = statusOf(() => applyJsonPatch({ a: 1 }, parseJsonPatch(JSON.stringify(ops))));
    expect([err.code, err.reason, err.message]).toEqual([
      422,
      'Invalid',
      'the server rejected our request due to an error in our request',
    ]);
  });

  it('a JSON patch body that is not an array is a 400 with the decoder message', () => {
    const err = statusOf(() => parseJsonPatch('{"op":"add"}'));
    expect([err.code, err.message]).toEqual([
      400,
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    ]);
  });

  const owner = (uid: string, name = uid) => ({ apiVersion: 'v1', kind: 'Node', name, uid });
  const withMeta = (metadata: Record<string, unknown>) => ({
    metadata: { name: 'l', ...metadata },
    spec: {},
  });

  it.each([
    [
      'ownerReferences merge by uid',
      withMeta({ ownerReferences: [owner('a'), owner('b')] }),
      { metadata: { ownerReferences: [{ uid: 'b', name: 'renamed' }, owner('c')] } },
      withMeta({ ownerReferences: [owner('a'), { ...owner('b'), name: 'renamed' }, owner('c')] }),
    ],
    [
      '$patch: delete removes one owner reference',
      withMeta({ ownerReferences: [owner('a'), owner('b')] }),
      { metadata: { ownerReferences: [{ uid: 'a', $patch: 'delete' }] } },
      withMeta({ ownerReferences: [owner('b')] }),
    ],
    [
      '$patch: replace replaces the whole list',
      withMeta({ ownerReferences: [owner('a'), owner('b')] }),
      { metadata: { ownerReferences: [{ $patch: 'replace' }, owner('c')] } },
      withMeta({ ownerReferences: [owner('c')] }),
    ],
    [
      'finalizers merge as a set',
      withMeta({ finalizers: ['x', 'y'] }),
      { metadata: { finalizers: ['y', 'z'] } },
      withMeta({ finalizers: ['x', 'y', 'z'] }),
    ],
    [
      '$deleteFromPrimitiveList removes finalizers',
      withMeta({ finalizers: ['x', 'y', 'z'] }),
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['x', 'z'] } },
      withMeta({ finalizers: ['y'] }),
    ],
    [
      '$setElementOrder orders the merged list',
      withMeta({ finalizers: ['x', 'y'] }),
      { metadata: { '$setElementOrder/finalizers': ['z', 'y', 'x'], finalizers: ['z'] } },
      withMeta({ finalizers: ['z', 'y', 'x'] }),
    ],
    [
      'a map with $patch: replace is replaced',
      withMeta({ labels: { a: '1', b: '2' } }),
      { metadata: { labels: { $patch: 'replace', c: '3' } } },
      withMeta({ labels: { c: '3' } }),
    ],
    [
      '$retainKeys keeps only the listed keys',
      { metadata: { name: 'l' }, spec: { holderIdentity: 'h', leaseDurationSeconds: 10 } },
      { spec: { $retainKeys: ['leaseDurationSeconds'], leaseDurationSeconds: 20 } },
      { metadata: { name: 'l' }, spec: { leaseDurationSeconds: 20 } },
    ],
    [
      'labels merge and null deletes, like a merge patch',
      withMeta({ labels: { a: '1', b: '2' } }),
      { metadata: { labels: { a: null, c: '3' } } },
      withMeta({ labels: { b: '2', c: '3' } }),
    ],
  ])('strategic merge patch: %s', (_name, doc, patch, expected) => {
    expect(applyStrategicMergePatch(doc, JSON.stringify(patch))).toEqual(expected);
  });

  it('strategic merge patch: $retainKeys naming too few keys is a 400', () => {
    const err = statusOf(() =>
      applyStrategicMergePatch({ spec: {} }, JSON.stringify({ spec: { $retainKeys: ['a'], b: 1 } })),
    );
    expect([err.code, err.message]).toEqual([400, 'invalid patch format of retainKeys']);
  });

  it.each([
    ['application/merge-patch+json', 'merge'],
    ['application/json-patch+json', 'json'],
    ['application/strategic-merge-patch+json; charset=utf-8', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
  ])('Content-Type %s is the %s patch type', (contentType, type) => {
    expect(patchTypeOf(contentType, 2)).toBe(type);
  });

  it('any other Content-Type is the 415 go-restful answers', () => {
    const err = statusOf(() => patchTypeOf('application/json', 2));
    expect([err.code, err.reason, err.message]).toEqual([
      415,
      'UnsupportedMediaType',
      '415: Unsupported Media Type',
    ]);
  });

  it.each([
    ['kubectl/v1.32.4 (linux/amd64) kubernetes/abc', 'kubectl'],
    ['kubelet/v1.30.0', 'kubelet'],
    ['Go-http-client/1.1', 'Go-http-client'],
    ['tab\there', 'tabhere'],
    ['', ''],
  ])('prefixFromUserAgent(%j) is %j', (ua, manager) => {
    expect(managerOrUserAgent(undefined, ua)).toBe(manager);
  });

  it('the fieldManager parameter wins over the User-Agent', () => {
    expect(managerOrUserAgent('mine', 'kubectl/v1')).toBe('mine');
  });

  it('FieldsV1: members with children carry ".", map and list members are leaves', () => {
    const set = toFieldSet({
      metadata: { labels: { app: 'x' }, ownerReferences: [owner('u1')], finalizers: ['f'] },
      spec: { holderIdentity: 'h' },
    });
    expect(set.toFieldsV1()).toEqual({
      'f:metadata': {
        'f:finalizers': { 'v:"f"': {} },
        'f:labels': { 'f:app': {} },
        'f:ownerReferences': { 'k:{"uid":"u1"}': {} },
      },
      'f:spec': { 'f:holderIdentity': {} },
    });
    expect(FieldSet.fromFieldsV1(set.toFieldsV1()).list()).toEqual(set.list());
    expect(set.list().map(pathString)).toContain('.metadata.ownerReferences[uid="u1"]');
  });

  it('an update entry owns added maps and lists themselves (the "." entries of a create)', () => {
    const created = recordUpdate(
      undefined,
      { metadata: { name: 'l', labels: { a: '1' } }, spec: { holderIdentity: 'h' } },
      { manager: 'm', apiVersion: 'coordination.k8s.io/v1', now: Date.UTC(2026, 0, 2, 3, 4, 5, 678) },
    );
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'm',
        operation: 'Update',
        apiVersion: 'coordination.k8s.io/v1',
        time: '2026-01-02T03:04:05Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
          'f:spec': { 'f:holderIdentity': {} },
        },
      },
    ]);
  });

  it('compare: modified, added and removed fields', () => {
    const c = compareObjects(
      { spec: { a: 1, b: 2 }, metadata: { labels: { x: '1' } } },
      { spec: { a: 1, b: 3, c: 4 }, metadata: {} },
    );
    expect(c.modified.list().map(pathString)).toEqual(['.spec.b']);
    expect(c.added.list().map(pathString)).toEqual(['.spec.c']);
    expect(c.removed.list().map(pathString)).toEqual(['.metadata.labels', '.metadata.labels.x']);
  });

  it('apply: a second manager changing an owned field conflicts, force moves the field', () => {
    const opts = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', now: 0, force: false };
    const cfg = (holder: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l' },
      spec: { holderIdentity: holder },
    });
    const first = recordApply(undefined, cfg('a'), { ...opts, manager: 'one' }).object;
    const err = statusOf(() => recordApply(first, cfg('b'), { ...opts, manager: 'two' }));
    expect([err.code, err.message]).toEqual([
      409,
      'Apply failed with 1 conflict: conflict with "one": .spec.holderIdentity',
    ]);
    const forced = recordApply(first, cfg('b'), { ...opts, manager: 'two', force: true }).object;
    const entries = (forced.metadata.managedFields ?? []) as { manager: string }[];
    expect(entries.map((e) => e.manager)).toEqual(['two']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Over HTTPS with client-node
// ---------------------------------------------------------------------------------------------------------

const NS = 'patching';

async function start(): Promise<SimCluster> {
  const sim = await clusters.start();
  sim.store.create(namespaces, namespaceObject(NS, sim.store.clock()));
  return sim;
}

interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

async function failure(p: Promise<unknown>): Promise<{ code: number; status: KubeStatus }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) {
      const body =
        typeof err.body === 'string' ? (JSON.parse(err.body) as KubeStatus) : (err.body as KubeStatus);
      return { code: err.code, status: body };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

const micro = '2026-01-02T03:04:05.000000Z';

async function createLease(sim: SimCluster, name = 'l1', fieldManager = 'creator'): Promise<V1Lease> {
  return apis(sim).coordination.createNamespacedLease({
    namespace: NS,
    fieldManager,
    body: {
      metadata: { name, labels: { app: 'x' } },
      spec: { holderIdentity: 'h1', leaseDurationSeconds: 15, renewTime: micro as never },
    },
  });
}

function patchLease(
  sim: SimCluster,
  body: unknown,
  strategy: string,
  extra: { name?: string; fieldManager?: string; force?: boolean; dryRun?: string } = {},
): Promise<V1Lease> {
  const { name = 'l1', ...params } = extra;
  return apis(sim).coordination.patchNamespacedLease(
    { name, namespace: NS, body, ...params },
    setHeaderOptions('Content-Type', strategy),
  );
}

const managers = (lease: V1Lease) =>
  (lease.metadata?.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);

describe('PATCH over HTTPS (client-node)', () => {
  it('create records the manager; a merge patch moves the changed field to the patcher', async () => {
    const sim = await start();
    const created = await createLease(sim);
    expect(managers(created)).toEqual(['creator/Update']);
    expect(created.metadata?.managedFields?.[0]?.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
    });
    const patched = await patchLease(sim, { spec: { holderIdentity: 'h2' } }, PatchStrategy.MergePatch, {
      fieldManager: 'patcher',
    });
    expect(patched.spec?.holderIdentity).toBe('h2');
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    const byManager = Object.fromEntries(
      (patched.metadata?.managedFields ?? []).map((e) => [e.manager, e.fieldsV1]),
    );
    expect(byManager.patcher).toEqual({ 'f:spec': { 'f:holderIdentity': {} } });
    expect(byManager.creator).toEqual({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
    });
  });

  it('JSON patch: ops apply; a failing test is 422 "the server rejected our request…" and stores nothing', async () => {
    const sim = await start();
    await createLease(sim);
    const ok = await patchLease(
      sim,
      [
        { op: 'test', path: '/spec/holderIdentity', value: 'h1' },
        { op: 'replace', path: '/spec/holderIdentity', value: 'h3' },
        { op: 'add', path: '/metadata/labels/a~1b', value: 'c' },
      ],
      PatchStrategy.JsonPatch,
    );
    expect(ok.spec?.holderIdentity).toBe('h3');
    expect(ok.metadata?.labels).toEqual({ app: 'x', 'a/b': 'c' });
    const { code, status } = await failure(
      patchLease(sim, [{ op: 'test', path: '/spec/holderIdentity', value: 'nope' }], PatchStrategy.JsonPatch),
    );
    expect([code, status.reason, status.message]).toEqual([
      422,
      'Invalid',
      'the server rejected our request due to an error in our request',
    ]);
    expect(sim.store.get(leases, NS, 'l1')?.obj.spec).toMatchObject({ holderIdentity: 'h3' });
  });

  it('strategic merge patch merges ownerReferences by uid', async () => {
    const sim = await start();
    await createLease(sim);
    const ref = (uid: string) => ({ apiVersion: 'v1', kind: 'Node', name: `n-${uid}`, uid });
    await patchLease(sim, { metadata: { ownerReferences: [ref('u1')] } }, PatchStrategy.StrategicMergePatch);
    const both = await patchLease(
      sim,
      { metadata: { ownerReferences: [ref('u2')] } },
      PatchStrategy.StrategicMergePatch,
    );
    // strategicpatch normalizeElementOrder: items the server did not have yet come first.
    expect(both.metadata?.ownerReferences?.map((o) => o.uid)).toEqual(['u2', 'u1']);
    const merged = await patchLease(
      sim,
      { metadata: { ownerReferences: [{ uid: 'u1', $patch: 'delete' }] } },
      PatchStrategy.StrategicMergePatch,
    );
    expect(merged.metadata?.ownerReferences?.map((o) => o.uid)).toEqual(['u2']);
  });

  it('an unsupported Content-Type is 415 "415: Unsupported Media Type"', async () => {
    const sim = await start();
    await createLease(sim);
    const { code, status } = await failure(patchLease(sim, { spec: {} }, 'application/json'));
    expect([code, status.reason, status.message]).toEqual([
      415,
      'UnsupportedMediaType',
      '415: Unsupported Media Type',
    ]);
  });

  it('PATCH of a missing lease is 404; only apply creates (201)', async () => {
    const sim = await start();
    const { code, status } = await failure(
      patchLease(sim, { spec: {} }, PatchStrategy.MergePatch, { name: 'ghost' }),
    );
    expect([code, status.message]).toEqual([404, 'leases.coordination.k8s.io "ghost" not found']);
    const created = await patchLease(
      sim,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'ghost' },
        spec: { holderIdentity: 'a' },
      },
      PatchStrategy.ServerSideApply,
      { name: 'ghost', fieldManager: 'applier' },
    );
    expect(created.metadata?.uid).toBeTruthy();
    expect(managers(created)).toEqual(['applier/Apply']);
    expect(created.metadata?.managedFields?.[0]?.fieldsV1).toEqual({ 'f:spec': { 'f:holderIdentity': {} } });
  });

  it('resourceVersion in the patch is a precondition (409); name and uid changes are refused', async () => {
    const sim = await start();
    const created = await createLease(sim);
    const stale = await failure(
      patchLease(
        sim,
        { metadata: { resourceVersion: '1' }, spec: { holderIdentity: 'z' } },
        PatchStrategy.MergePatch,
      ),
    );
    expect([stale.code, stale.status.reason, stale.status.message]).toEqual([
      409,
      'Conflict',
      'Operation cannot be fulfilled on leases.coordination.k8s.io "l1": the object has been modified; please apply your changes to the latest version and try again',
    ]);
    const current = await patchLease(
      sim,
      { metadata: { resourceVersion: created.metadata?.resourceVersion }, spec: { holderIdentity: 'z' } },
      PatchStrategy.MergePatch,
    );
    expect(current.spec?.holderIdentity).toBe('z');
    const rename = await failure(patchLease(sim, { metadata: { name: 'other' } }, PatchStrategy.MergePatch));
    expect([rename.code, rename.status.message]).toEqual([
      400,
      'the name of the object (other) does not match the name on the URL (l1)',
    ]);
    const uid = await failure(
      patchLease(sim, { metadata: { uid: 'not-the-uid' } }, PatchStrategy.MergePatch),
    );
    expect([uid.code, uid.status.message]).toEqual([
      422,
      'Lease.coordination.k8s.io "l1" is invalid: metadata.uid: Invalid value: "not-the-uid": field is immutable',
    ]);
  });

  it('patch options: apply needs a fieldManager, force is for apply only (422 PatchOptions)', async () => {
    const sim = await start();
    await createLease(sim);
    const noManager = await failure(
      patchLease(
        sim,
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1' } },
        PatchStrategy.ServerSideApply,
      ),
    );
    expect([noManager.code, noManager.status.message]).toEqual([
      422,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    ]);
    const force = await failure(patchLease(sim, { spec: {} }, PatchStrategy.MergePatch, { force: true }));
    expect([force.code, force.status.message]).toEqual([
      422,
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    ]);
  });

  it('server-side apply: conflicts are 409 with the real message unless forced; dropped fields are pruned', async () => {
    const sim = await start();
    const cfg = (spec: Record<string, unknown>) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l2' },
      spec,
    });
    await patchLease(
      sim,
      cfg({ holderIdentity: 'a', leaseDurationSeconds: 10 }),
      PatchStrategy.ServerSideApply,
      {
        name: 'l2',
        fieldManager: 'one',
      },
    );
    const conflictRes = await failure(
      patchLease(sim, cfg({ holderIdentity: 'b' }), PatchStrategy.ServerSideApply, {
        name: 'l2',
        fieldManager: 'two',
      }),
    );
    expect([conflictRes.code, conflictRes.status.reason, conflictRes.status.message]).toEqual([
      409,
      'Conflict',
      'Apply failed with 1 conflict: conflict with "one": .spec.holderIdentity',
    ]);
    expect(conflictRes.status.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "one"', field: '.spec.holderIdentity' },
    ]);
    const forced = await patchLease(sim, cfg({ holderIdentity: 'b' }), PatchStrategy.ServerSideApply, {
      name: 'l2',
      fieldManager: 'two',
      force: true,
    });
    expect(forced.spec?.holderIdentity).toBe('b');
    const owned = Object.fromEntries(
      (forced.metadata?.managedFields ?? []).map((e) => [e.manager, e.fieldsV1]),
    );
    expect(owned).toEqual({
      one: { 'f:spec': { 'f:leaseDurationSeconds': {} } },
      two: { 'f:spec': { 'f:holderIdentity': {} } },
    });
    // "one" stops applying leaseDurationSeconds: it is removed, since nobody else owns it.
    const { spec: _none, ...noSpec } = cfg({});
    const pruned = await patchLease(sim, noSpec, PatchStrategy.ServerSideApply, {
      name: 'l2',
      fieldManager: 'one',
    });
    expect(pruned.spec).toEqual({ holderIdentity: 'b' });
    expect(managers(pruned)).toEqual(['two/Apply']);
  });

  it('dryRun=All answers the patched lease and stores nothing; a no-op patch keeps the resourceVersion', async () => {
    const sim = await start();
    const created = await createLease(sim);
    const dry = await patchLease(sim, { spec: { holderIdentity: 'dry' } }, PatchStrategy.MergePatch, {
      dryRun: 'All',
    });
    expect(dry.spec?.holderIdentity).toBe('dry');
    expect(sim.store.get(leases, NS, 'l1')?.obj.spec).toMatchObject({ holderIdentity: 'h1' });
    const same = await patchLease(sim, { spec: { holderIdentity: 'h1' } }, PatchStrategy.MergePatch);
    expect(same.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The real kubectl
// ---------------------------------------------------------------------------------------------------------

const kubectl = kubectlRunner();

const leaseYaml = (holder: string, duration?: number) =>
  [
    'apiVersion: coordination.k8s.io/v1',
    'kind: Lease',
    'metadata:',
    '  name: applied',
    `  namespace: ${NS}`,
    'spec:',
    `  holderIdentity: ${holder}`,
    ...(duration === undefined ? [] : [`  leaseDurationSeconds: ${duration}`]),
    '',
  ].join('\n');

describe('kubectl patch, annotate and apply --server-side', () => {
  it(
    'kubectl patch --type merge|json|strategic and kubectl annotate change the lease',
    async () => {
      const sim = await start();
      await createLease(sim);
      const patch = (type: string, body: string) =>
        kubectl.run(sim, ['patch', 'lease', 'l1', '-n', NS, '--type', type, '-p', body]);
      const merge = await patch('merge', '{"spec":{"holderIdentity":"m"}}');
      expect(merge).toMatchObject({ code: 0, stdout: 'lease.coordination.k8s.io/l1 patched\n' });
      const json = await patch('json', '[{"op":"replace","path":"/spec/leaseDurationSeconds","value":42}]');
      expect(json.code).toBe(0);
      const strategic = await patch('strategic', '{"metadata":{"finalizers":["example.com/keep"]}}');
      expect(strategic.code).toBe(0);
      const failedTest = await patch('json', '[{"op":"test","path":"/spec/holderIdentity","value":"x"}]');
      expect(failedTest.code).not.toBe(0);
      expect(failedTest.stderr).toContain('the server rejected our request due to an error in our request');
      const annotate = await kubectl.run(sim, ['annotate', 'lease', 'l1', '-n', NS, 'team=core']);
      expect(annotate).toMatchObject({ code: 0, stdout: 'lease.coordination.k8s.io/l1 annotated\n' });
      const lease = sim.store.get(leases, NS, 'l1')?.obj;
      expect(lease?.spec).toMatchObject({ holderIdentity: 'm', leaseDurationSeconds: 42 });
      expect(lease?.metadata.finalizers).toEqual(['example.com/keep']);
      expect(lease?.metadata.annotations).toEqual({ team: 'core' });
      const fm = ((lease?.metadata.managedFields ?? []) as { manager: string; operation: string }[]).map(
        (e) => `${e.manager}/${e.operation}`,
      );
      expect(fm.sort()).toEqual(['creator/Update', 'kubectl-annotate/Update', 'kubectl-patch/Update']);
    },
    KUBECTL_TIMEOUT_MS * 6,
  );

  it(
    'kubectl apply --server-side creates, updates, conflicts with another manager, and --force-conflicts wins',
    async () => {
      const sim = await start();
      const file = await kubectl.file('lease.yaml', leaseYaml('first', 10));
      const apply = (...args: string[]) => kubectl.run(sim, ['apply', '--server-side', ...args, '-f', file]);
      const create = await apply();
      expect(create).toMatchObject({
        code: 0,
        stdout: 'lease.coordination.k8s.io/applied serverside-applied\n',
      });
      await kubectl.file('lease.yaml', leaseYaml('second'));
      const update = await apply();
      expect(update.code).toBe(0);
      // leaseDurationSeconds was applied before and is no longer: apply removes it.
      expect(sim.store.get(leases, NS, 'applied')?.obj.spec).toEqual({ holderIdentity: 'second' });

      await kubectl.file('lease.yaml', leaseYaml('third'));
      const conflicting = await apply('--field-manager', 'other');
      expect(conflicting.code).not.toBe(0);
      expect(conflicting.stderr).toContain(
        'Apply failed with 1 conflict: conflict with "kubectl": .spec.holderIdentity',
      );
      const forced = await apply('--field-manager', 'other', '--force-conflicts');
      expect(forced.code).toBe(0);

      const shown = await kubectl.run(sim, [
        'get',
        'lease',
        'applied',
        '-n',
        NS,
        '-o',
        'yaml',
        '--show-managed-fields',
      ]);
      expect(shown.code).toBe(0);
      const lease = loadYaml(shown.stdout) as V1Lease;
      expect(lease.spec?.holderIdentity).toBe('third');
      expect(
        (lease.metadata?.managedFields ?? []).map((e) => ({
          manager: e.manager,
          operation: e.operation,
          fields: e.fieldsV1,
        })),
      ).toEqual([{ manager: 'other', operation: 'Apply', fields: { 'f:spec': { 'f:holderIdentity': {} } } }]);
      const hidden = await kubectl.run(sim, ['get', 'lease', 'applied', '-n', NS, '-o', 'yaml']);
      expect(hidden.stdout).not.toContain('managedFields');
    },
    KUBECTL_TIMEOUT_MS * 6,
  );
});

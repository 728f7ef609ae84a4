import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  CoordinationV1Api,
  KubeConfig,
  type V1Lease,
  V1MicroTime,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { podObject } from '../../sim/objects.ts';
import { leases, nodes, pods } from '../../sim/resources.ts';
import type { ScenarioSpec } from '../../sim/scenario.ts';
import { rawRequest } from '../support/raw-request.ts';
import { apis, seedLeases, simClusters } from '../support/sim.ts';

const clusters = simClusters();
const cluster = clusters.start;

interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  metadata?: { continue?: string };
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; uid?: string };
}

/** Awaits a call that must fail with an API error; returns its HTTP code and the Status it carried. */
async function failure(call: Promise<unknown>): Promise<{ code: number; status: KubeStatus }> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    if (typeof error.body !== 'string') {
      throw new Error(`the ${error.code} response carried no Status body the client kept: ${error.message}`);
    }
    return { code: error.code, status: JSON.parse(error.body) as KubeStatus };
  }
  throw new Error(`expected the request to fail, but it succeeded with ${JSON.stringify(outcome)}`);
}

/** A plain GET (no client library) with the given bearer token or none. */
const rawGet = (sim: SimCluster, path: string, token?: string) =>
  rawRequest(sim, 'GET', path, { token: token ?? null });

const keyOf = (lease: V1Lease) => `${lease.metadata?.namespace}/${lease.metadata?.name}`;
const splitKey = (key: string) => {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name };
};
const sorted = (values: Iterable<string>) => [...values].sort();
const storedLease = (sim: SimCluster, key: string) => {
  const { namespace, name } = splitKey(key);
  return sim.store.get(leases, namespace, name);
};

const storedSpec = (sim: SimCluster, key: string) =>
  storedLease(sim, key)?.obj.spec as { holderIdentity?: string; renewTime?: string } | undefined;

const mixedCluster: Partial<ScenarioSpec> = {
  nodes: 3,
  liveApiServers: 2,
  workloadLeases: 5,
  abandonedLeases: 3,
};

function newLease(name: string, renewMs = Date.now()): V1Lease {
  return {
    metadata: { name },
    spec: { holderIdentity: 'holder-a', leaseDurationSeconds: 15, renewTime: new V1MicroTime(renewMs) },
  };
}

describe('leases through the typed client', () => {
  it('lists every lease across namespaces', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);

    const list = await coordination.listLeaseForAllNamespaces();

    expect(list.items).toHaveLength(sim.seeded?.counts.leases ?? -1);
    expect(sorted(list.items.map(keyOf))).toEqual(sim.store.list(leases).map((s) => s.key));
  });

  it('lists only the leases of the namespace asked for', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);

    const list = await coordination.listNamespacedLease({ namespace: 'kube-node-lease' });

    expect(list.items).toHaveLength(sim.seeded?.counts.nodeLeases ?? -1);
    expect(list.items.map((l) => l.metadata?.namespace)).toEqual(list.items.map(() => 'kube-node-lease'));
    expect(sorted(list.items.map((l) => l.metadata?.name ?? ''))).toEqual(
      sim.store.list(nodes).map((s) => s.obj.metadata.name),
    );
  });

  it('gets one lease as it is stored', async () => {
    const sim = await cluster(mixedCluster);
    const key = sim.seeded?.leaderLeases.live[0] ?? '';
    const stored = storedLease(sim, key);
    const { coordination } = apis(sim);

    const lease = await coordination.readNamespacedLease(splitKey(key));

    expect(keyOf(lease)).toBe(key);
    expect(lease.metadata?.uid).toBe(stored?.obj.metadata.uid);
    expect(lease.metadata?.resourceVersion).toBe(stored?.obj.metadata.resourceVersion);
    expect(lease.spec?.holderIdentity).toBe(storedSpec(sim, key)?.holderIdentity);
    expect(lease.spec?.renewTime).toBe(storedSpec(sim, key)?.renewTime);
  });

  it('creates a lease, filling uid, resourceVersion and creationTimestamp', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);
    const before = Number(sim.store.resourceVersion);

    const created = await coordination.createNamespacedLease({
      namespace: 'default',
      body: newLease('created-lease'),
    });

    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(before);
    expect(created.metadata?.creationTimestamp).toBeDefined();
    expect(created.spec?.holderIdentity).toBe('holder-a');
    expect(sim.store.get(leases, 'default', 'created-lease')?.obj.metadata.uid).toBe(created.metadata?.uid);
  });

  it('answers a second create of the same name with a 409 AlreadyExists Status', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);
    await coordination.createNamespacedLease({ namespace: 'default', body: newLease('twice') });

    const { code, status } = await failure(
      coordination.createNamespacedLease({ namespace: 'default', body: newLease('twice') }),
    );

    expect(code).toBe(409);
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'leases.coordination.k8s.io "twice" already exists',
      details: { name: 'twice', group: 'coordination.k8s.io', kind: 'leases' },
    });
  });

  it('updates a lease sent with its current resourceVersion and bumps the resourceVersion', async () => {
    const sim = await cluster(mixedCluster);
    const key = sim.seeded?.leaderLeases.live[0] ?? '';
    const { coordination } = apis(sim);
    const current = await coordination.readNamespacedLease(splitKey(key));

    const updated = await coordination.replaceNamespacedLease({
      ...splitKey(key),
      body: { ...current, spec: { ...current.spec, holderIdentity: 'new-holder' } },
    });

    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(current.metadata?.resourceVersion),
    );
    expect(updated.metadata?.uid).toBe(current.metadata?.uid);
    expect(updated.spec?.holderIdentity).toBe('new-holder');
    const reread = await coordination.readNamespacedLease(splitKey(key));
    expect(reread.spec?.holderIdentity).toBe('new-holder');
    expect(reread.metadata?.resourceVersion).toBe(updated.metadata?.resourceVersion);
  });

  it('refuses an update with a stale resourceVersion with a 409 Conflict Status', async () => {
    const sim = await cluster(mixedCluster);
    const key = sim.seeded?.leaderLeases.live[0] ?? '';
    const { coordination } = apis(sim);
    const stale = await coordination.readNamespacedLease(splitKey(key));
    await coordination.replaceNamespacedLease({
      ...splitKey(key),
      body: { ...stale, spec: { ...stale.spec, holderIdentity: 'first-writer' } },
    });

    const { code, status } = await failure(
      coordination.replaceNamespacedLease({
        ...splitKey(key),
        body: { ...stale, spec: { ...stale.spec, holderIdentity: 'second-writer' } },
      }),
    );

    expect(code).toBe(409);
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      details: { name: splitKey(key).name, group: 'coordination.k8s.io', kind: 'leases' },
    });
    expect(status.message).toContain('the object has been modified');
    expect(storedSpec(sim, key)?.holderIdentity).toBe('first-writer');
  });

  it('deletes a lease, after which reading it is a 404 NotFound Status naming it', async () => {
    const sim = await cluster(mixedCluster);
    const key = sim.seeded?.leaderLeases.abandoned[0] ?? '';
    const { coordination } = apis(sim);

    const deleted = await coordination.deleteNamespacedLease(splitKey(key));
    const { code, status } = await failure(coordination.readNamespacedLease(splitKey(key)));

    expect(deleted).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(storedLease(sim, key)).toBeUndefined();
    expect(code).toBe(404);
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: `leases.coordination.k8s.io "${splitKey(key).name}" not found`,
      details: { name: splitKey(key).name, group: 'coordination.k8s.io', kind: 'leases' },
    });
  });

  // The tests below pin behaviour of kube-apiserver's Lease registry (rest.BeforeCreate,
  // pkg/registry/coordination/lease/strategy.go, metav1.MicroTime) that clients depend on.

  it('assigns a new uid and creationTimestamp on create, ignoring the ones the client sent', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);
    const body = newLease('recreated');
    body.metadata = {
      name: 'recreated',
      uid: '00000000-0000-4000-8000-000000000000',
      creationTimestamp: new Date('2020-01-01T00:00:00Z'),
    };

    const created = await coordination.createNamespacedLease({ namespace: 'default', body });

    expect(created.metadata?.uid).not.toBe('00000000-0000-4000-8000-000000000000');
    expect(new Date(String(created.metadata?.creationTimestamp)).getUTCFullYear()).not.toBe(2020);
  });

  it('refuses an update without a resourceVersion with 422 Invalid (leases allow no unconditional update)', async () => {
    const sim = await cluster(mixedCluster);
    const key = sim.seeded?.leaderLeases.live[0] ?? '';
    const { coordination } = apis(sim);
    const current = await coordination.readNamespacedLease(splitKey(key));

    const { code, status } = await failure(
      coordination.replaceNamespacedLease({
        ...splitKey(key),
        body: {
          ...current,
          metadata: { ...current.metadata, resourceVersion: undefined },
          spec: { ...current.spec, holderIdentity: 'blind-writer' },
        },
      }),
    );

    expect(code).toBe(422);
    expect(status).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(status.message).toContain('metadata.resourceVersion');
    expect(status.message).toContain('must be specified for an update');
  });

  it('creates a missing lease on update, as leases allow create-on-update', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);

    const created = await coordination.replaceNamespacedLease({
      name: 'put-created',
      namespace: 'default',
      body: newLease('put-created'),
    });

    expect(created.metadata?.uid).toBeDefined();
    expect(sim.store.get(leases, 'default', 'put-created')).toBeDefined();
  });

  it('rejects a renewTime that is not a six-digit MicroTime with 400 BadRequest', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);
    const body = newLease('millisecond-renew');
    // A plain Date serializes as 2026-01-02T03:04:05.678Z, which metav1.MicroTime cannot parse.
    body.spec = { ...body.spec, renewTime: new Date() };

    const { code, status } = await failure(
      coordination.createNamespacedLease({ namespace: 'default', body }),
    );

    expect(code).toBe(400);
    expect(status).toMatchObject({ reason: 'BadRequest', code: 400 });
    expect(sim.store.get(leases, 'default', 'millisecond-renew')).toBeUndefined();
  });

  it('rejects a non-positive leaseDurationSeconds with 422 Invalid', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim);
    const body = newLease('negative-duration');
    body.spec = { ...body.spec, leaseDurationSeconds: -15 };

    const { code, status } = await failure(
      coordination.createNamespacedLease({ namespace: 'default', body }),
    );

    expect(code).toBe(422);
    expect(status).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(status.message).toContain('spec.leaseDurationSeconds');
    expect(sim.store.get(leases, 'default', 'negative-duration')).toBeUndefined();
  });
});

describe('pagination through the typed client', () => {
  async function listAllPages(sim: SimCluster, limit: number, labelSelector?: string) {
    const { coordination } = apis(sim);
    const pages: { keys: string[]; continueToken?: string; remaining?: number; resourceVersion?: string }[] =
      [];
    const itemVersions: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await coordination.listLeaseForAllNamespaces({ limit, _continue: token, labelSelector });
      token = page.metadata?._continue || undefined;
      pages.push({
        keys: page.items.map(keyOf),
        continueToken: token,
        remaining: page.metadata?.remainingItemCount,
        resourceVersion: page.metadata?.resourceVersion,
      });
      itemVersions.push(...page.items.map((l) => l.metadata?.resourceVersion));
      if (pages.length > 100) throw new Error('the list never ended');
    } while (token);
    return { pages, itemVersions, keys: pages.flatMap((p) => p.keys) };
  }

  it('returns each of 1,200 leases exactly once over limit and continue', async () => {
    const sim = await cluster();
    const seeded = seedLeases(sim, 1_200);

    const { pages, keys } = await listAllPages(sim, 500);

    expect(pages.map((p) => p.keys.length)).toEqual([500, 500, 200]);
    expect(new Set(keys).size).toBe(1_200);
    expect(sorted(keys)).toEqual(sorted(seeded));
  });

  it('counts remainingItemCount down page by page and leaves it out of the last page', async () => {
    const sim = await cluster();
    seedLeases(sim, 1_200);

    const { pages } = await listAllPages(sim, 500);

    expect(pages.map((p) => p.remaining)).toEqual([700, 200, undefined]);
    expect(pages.map((p) => p.continueToken !== undefined)).toEqual([true, true, false]);
  });

  it('leaves remainingItemCount out when a label selector is used', async () => {
    const sim = await cluster();
    seedLeases(sim, 1_200);

    const { pages, keys } = await listAllPages(sim, 500, '!example.com/never-set');

    expect(keys).toHaveLength(1_200);
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.remaining)).toEqual([undefined, undefined, undefined]);
    expect(pages[0]?.continueToken).toBeDefined();
  });

  it('sets the list resourceVersion, the same on every page, and a resourceVersion on every item', async () => {
    const sim = await cluster();
    seedLeases(sim, 1_200);

    const { pages, itemVersions } = await listAllPages(sim, 500);

    expect(pages[0]?.resourceVersion).toMatch(/^\d+$/);
    expect(pages.map((p) => p.resourceVersion)).toEqual(pages.map(() => pages[0]?.resourceVersion));
    expect(itemVersions).toHaveLength(1_200);
    expect(itemVersions.filter((v) => !/^\d+$/.test(v ?? ''))).toEqual([]);
  });

  it('answers a continue token older than the TTL with a 410 Expired Status', async () => {
    const sim = await cluster({}, { continueTtlMs: 200 });
    seedLeases(sim, 10);
    const { coordination } = apis(sim);
    const first = await coordination.listLeaseForAllNamespaces({ limit: 4 });
    expect(first.metadata?._continue).toBeTruthy();

    await sleep(300);
    const { code, status } = await failure(
      coordination.listLeaseForAllNamespaces({ limit: 4, _continue: first.metadata?._continue }),
    );

    expect(code).toBe(410);
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
  });
});

describe('label selectors', () => {
  const identityCluster: Partial<ScenarioSpec> = { liveApiServers: 2, expiredApiServers: 3 };

  /** Identity leases by generation: 1.27+ are `apiserver-…`, 1.26 and 1.20 are `kube-apiserver-…`. */
  function identities(sim: SimCluster) {
    const ids = sim.seeded?.apiServerIdentities;
    const all = [...(ids?.live ?? []), ...(ids?.expired ?? []), ...(ids?.orphaned ?? [])];
    return {
      all: sorted(all),
      modern: sorted(all.filter((k) => splitKey(k).name.startsWith('apiserver-'))),
      legacy: sorted(all.filter((k) => splitKey(k).name.startsWith('kube-apiserver-'))),
    };
  }

  const cases: { selector: string; expect: 'modern' | 'legacy' }[] = [
    { selector: 'apiserver.kubernetes.io/identity=kube-apiserver', expect: 'modern' },
    { selector: 'apiserver.kubernetes.io/identity==kube-apiserver', expect: 'modern' },
    { selector: 'k8s.io/component!=kube-apiserver', expect: 'modern' },
    { selector: 'k8s.io/component in (kube-apiserver, etcd)', expect: 'legacy' },
    { selector: 'apiserver.kubernetes.io/identity notin (kube-apiserver)', expect: 'legacy' },
    { selector: 'k8s.io/component', expect: 'legacy' },
    { selector: '!k8s.io/component', expect: 'modern' },
    { selector: 'kubernetes.io/hostname,!apiserver.kubernetes.io/identity', expect: 'legacy' },
  ];

  it.each(cases)('selects the $expect identity leases with "$selector"', async (c) => {
    const sim = await cluster(identityCluster);
    const expected = identities(sim);
    expect(expected.modern).toHaveLength(3);
    expect(expected.legacy).toHaveLength(2);
    const { coordination } = apis(sim);

    const list = await coordination.listNamespacedLease({
      namespace: 'kube-system',
      labelSelector: c.selector,
    });

    expect(sorted(list.items.map(keyOf))).toEqual(expected[c.expect]);
  });

  it('selects one apiserver by its hostname label', async () => {
    const sim = await cluster(identityCluster);
    const live = sim.seeded?.apiServerIdentities.live[0] ?? '';
    const { coordination } = apis(sim);

    const list = await coordination.listLeaseForAllNamespaces({
      labelSelector: 'kubernetes.io/hostname=ip-10-0-0-10.ec2.internal',
    });

    expect(list.items.map(keyOf)).toEqual([live]);
  });

  it('answers an unparsable label selector with a 400 BadRequest Status', async () => {
    const sim = await cluster(identityCluster);
    const { coordination } = apis(sim);

    const { code, status } = await failure(
      coordination.listLeaseForAllNamespaces({ labelSelector: 'k8s.io/component in (kube-apiserver' }),
    );

    expect(code).toBe(400);
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
  });
});

describe('field selectors', () => {
  async function bulkCluster() {
    const sim = await cluster();
    const keys = seedLeases(sim, 20, 4);
    return { sim, keys, coordination: apis(sim).coordination };
  }

  const fieldCases: { selector: string; keep: (k: { namespace: string; name: string }) => boolean }[] = [
    { selector: 'metadata.name=lease-000003', keep: (k) => k.name === 'lease-000003' },
    { selector: 'metadata.name==lease-000003', keep: (k) => k.name === 'lease-000003' },
    { selector: 'metadata.name!=lease-000003', keep: (k) => k.name !== 'lease-000003' },
    { selector: 'metadata.namespace=bulk-1', keep: (k) => k.namespace === 'bulk-1' },
    { selector: 'metadata.namespace!=bulk-1', keep: (k) => k.namespace !== 'bulk-1' },
    {
      selector: 'metadata.namespace=bulk-1,metadata.name!=lease-000001',
      keep: (k) => k.namespace === 'bulk-1' && k.name !== 'lease-000001',
    },
  ];

  it.each(fieldCases)('selects leases across namespaces with "$selector"', async (c) => {
    const { keys, coordination } = await bulkCluster();
    const expected = sorted(keys.filter((k) => c.keep(splitKey(k))));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(keys.length);

    const list = await coordination.listLeaseForAllNamespaces({ fieldSelector: c.selector });

    expect(sorted(list.items.map(keyOf))).toEqual(expected);
  });

  it('answers a field leases do not register with a 400 BadRequest Status', async () => {
    const { coordination } = await bulkCluster();

    const { code, status } = await failure(
      coordination.listLeaseForAllNamespaces({ fieldSelector: 'spec.holderIdentity=holder-1' }),
    );

    expect(code).toBe(400);
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(status.message).toContain('spec.holderIdentity');
  });

  it('words the unsupported lease field error as kube-apiserver does for kinds without field conversions', async () => {
    const { coordination } = await bulkCluster();

    const { status } = await failure(
      coordination.listLeaseForAllNamespaces({ fieldSelector: 'spec.holderIdentity=holder-1' }),
    );

    // Lease registers no field label conversion, so runtime.DefaultMetaV1FieldSelectorConversion answers.
    expect(status.message).toBe(
      '"spec.holderIdentity" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it('answers a field pods do not register with 400 "field label not supported"', async () => {
    const sim = await cluster({ nodes: 2, workloadLeases: 2 });
    const { core } = apis(sim);

    const { code, status } = await failure(
      core.listPodForAllNamespaces({ fieldSelector: 'spec.holderIdentity=x' }),
    );

    expect(code).toBe(400);
    expect(status).toMatchObject({ reason: 'BadRequest', code: 400 });
    expect(status.message).toContain('field label not supported');
  });

  it('selects pods by status.phase=Running', async () => {
    const sim = await cluster({ nodes: 2, workloadLeases: 3 });
    const now = sim.store.clock();
    sim.store.create(
      pods,
      podObject('payments', 'finished-job-1', 'ip-10-0-0-0.ec2.internal', 'Succeeded', now),
    );
    sim.store.create(
      pods,
      podObject('checkout', 'pending-job-1', 'ip-10-0-0-1.ec2.internal', 'Pending', now),
    );
    const runningPods = sim.store
      .list(pods)
      .filter((s) => (s.obj.status as { phase: string }).phase === 'Running')
      .map((s) => s.key);
    expect(runningPods).toHaveLength(3);
    const { core } = apis(sim);

    const list = await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running' });

    expect(sorted(list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`))).toEqual(
      sorted(runningPods),
    );
  });
});

describe('deleting with preconditions through the typed client', () => {
  async function oneLease() {
    const sim = await cluster();
    seedLeases(sim, 3, 1);
    const { coordination } = apis(sim);
    const lease = await coordination.readNamespacedLease({ name: 'lease-000001', namespace: 'bulk-0' });
    return { sim, coordination, lease, target: { name: 'lease-000001', namespace: 'bulk-0' } };
  }

  it('refuses a delete whose uid precondition does not match with a 409 Conflict', async () => {
    const { sim, coordination, target } = await oneLease();

    const { code, status } = await failure(
      coordination.deleteNamespacedLease({
        ...target,
        body: { preconditions: { uid: '00000000-0000-4000-8000-000000000000' } },
      }),
    );

    expect(code).toBe(409);
    expect(status).toMatchObject({ reason: 'Conflict', code: 409 });
    // rest.BeforeDelete's wording (k8s.io/apiserver pkg/registry/rest/delete.go).
    expect(status.message).toBe(
      `Operation cannot be fulfilled on Lease.coordination.k8s.io "lease-000001": the UID in the precondition (00000000-0000-4000-8000-000000000000) does not match the UID in record (${sim.store.get(leases, target.namespace, target.name)?.obj.metadata.uid}). The object might have been deleted and then recreated`,
    );
    expect(sim.store.get(leases, target.namespace, target.name)).toBeDefined();
  });

  it('refuses a delete whose resourceVersion precondition is stale with a 409 Conflict', async () => {
    const { sim, coordination, lease, target } = await oneLease();
    await coordination.replaceNamespacedLease({
      ...target,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'renewed-meanwhile' } },
    });

    const { code, status } = await failure(
      coordination.deleteNamespacedLease({
        ...target,
        body: {
          preconditions: { uid: lease.metadata?.uid, resourceVersion: lease.metadata?.resourceVersion },
        },
      }),
    );

    expect(code).toBe(409);
    expect(status).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(status.message).toMatch(
      /^Operation cannot be fulfilled on Lease\.coordination\.k8s\.io "lease-000001": the ResourceVersion in the precondition \(\d+\) does not match the ResourceVersion in record \(\d+\)\. The object might have been modified$/,
    );
    expect(sim.store.get(leases, target.namespace, target.name)).toBeDefined();
  });

  it('deletes a lease whose uid and resourceVersion preconditions match', async () => {
    const { sim, coordination, lease, target } = await oneLease();

    const result = await coordination.deleteNamespacedLease({
      ...target,
      body: {
        preconditions: { uid: lease.metadata?.uid, resourceVersion: lease.metadata?.resourceVersion },
      },
    });

    expect(result).toMatchObject({
      status: 'Success',
      details: { name: target.name, uid: lease.metadata?.uid },
    });
    expect(sim.store.get(leases, target.namespace, target.name)).toBeUndefined();
  });

  it('leaves the lease in place on a delete whose DeleteOptions body says dryRun: [All]', async () => {
    const { sim, coordination, lease, target } = await oneLease();

    const result = await coordination.deleteNamespacedLease({
      ...target,
      body: {
        preconditions: { uid: lease.metadata?.uid, resourceVersion: lease.metadata?.resourceVersion },
        dryRun: ['All'],
      },
    });

    expect(result).toMatchObject({ status: 'Success' });
    expect(sim.store.get(leases, target.namespace, target.name)?.obj.metadata.resourceVersion).toBe(
      lease.metadata?.resourceVersion,
    );
  });

  it('ignores ?dryRun=All when a body is sent, and deletes, as kube-apiserver does (handlers/delete.go)', async () => {
    const { sim, coordination, lease, target } = await oneLease();

    await coordination.deleteNamespacedLease({
      ...target,
      body: {
        preconditions: { uid: lease.metadata?.uid, resourceVersion: lease.metadata?.resourceVersion },
      },
      dryRun: 'All',
    });

    expect(sim.store.get(leases, target.namespace, target.name)).toBeUndefined();
  });

  it('checks preconditions on a dryRun=All delete too', async () => {
    const { sim, coordination, target } = await oneLease();

    const { code } = await failure(
      coordination.deleteNamespacedLease({
        ...target,
        body: { preconditions: { uid: '00000000-0000-4000-8000-000000000000' }, dryRun: ['All'] },
      }),
    );

    expect(code).toBe(409);
    expect(sim.store.get(leases, target.namespace, target.name)).toBeDefined();
  });
});

describe('authentication and authorization', () => {
  it('answers an unknown bearer token with a 401 Unauthorized Status', async () => {
    const sim = await cluster(mixedCluster);
    const unknownToken = 'sim-admin-not-a-known-token';
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig().replace(sim.tokens.admin, unknownToken));

    const error = await kc
      .makeApiClient(CoordinationV1Api)
      .listLeaseForAllNamespaces()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // client-node drops the body of a 401, so the Status itself is read with a plain HTTPS request.
    const raw = await rawGet(sim, '/apis/coordination.k8s.io/v1/leases', unknownToken);

    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(401);
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body)).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('lets the read-only user list leases', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim, 'read-only');

    const list = await coordination.listLeaseForAllNamespaces();

    expect(list.items).toHaveLength(sim.seeded?.counts.leases ?? -1);
  });

  it('answers a delete by the read-only user with a 403 Forbidden Status and keeps the lease', async () => {
    const sim = await cluster(mixedCluster);
    const key = sim.seeded?.leaderLeases.abandoned[0] ?? '';
    const { coordination } = apis(sim, 'read-only');

    const { code, status } = await failure(coordination.deleteNamespacedLease(splitKey(key)));

    expect(code).toBe(403);
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(status.message).toContain('cannot delete resource "leases" in API group "coordination.k8s.io"');
    expect(storedLease(sim, key)).toBeDefined();
  });

  it('answers a create by the read-only user with a 403 Forbidden Status', async () => {
    const sim = await cluster(mixedCluster);
    const { coordination } = apis(sim, 'read-only');

    const { code, status } = await failure(
      coordination.createNamespacedLease({ namespace: 'default', body: newLease('not-allowed') }),
    );

    expect(code).toBe(403);
    expect(status).toMatchObject({ reason: 'Forbidden', code: 403 });
    expect(status.message).toContain('cannot create resource "leases"');
    expect(sim.store.get(leases, 'default', 'not-allowed')).toBeUndefined();
  });
});

describe('garbage collection of node leases', () => {
  it('deletes the lease of a Node deleted through the API', async () => {
    const sim = await cluster({ nodes: 3 });
    const { core, coordination } = apis(sim);
    const name = sim.store.list(nodes)[1]?.obj.metadata.name ?? '';
    expect(sim.store.get(leases, 'kube-node-lease', name)).toBeDefined();

    await core.deleteNode({ name });

    const { code } = await failure(coordination.readNamespacedLease({ name, namespace: 'kube-node-lease' }));
    expect(code).toBe(404);
    expect(sim.store.list(leases)).toHaveLength((sim.seeded?.counts.nodeLeases ?? 0) - 1);
  });

  it('keeps a lease owned by a previous incarnation when the current Node of that name is deleted', async () => {
    const sim = await cluster({ nodes: 0, orphanedNodeLeases: 2 });
    const key = sim.seeded?.orphanedNodeLeases.previousIncarnation[0] ?? '';
    const { name } = splitKey(key);
    const { core, coordination } = apis(sim);
    const node = await core.readNode({ name });
    const lease = await coordination.readNamespacedLease(splitKey(key));
    const ownerUid = lease.metadata?.ownerReferences?.[0]?.uid;
    expect(ownerUid).toBeDefined();
    expect(ownerUid).not.toBe(node.metadata?.uid);

    await core.deleteNode({ name });

    expect(sim.store.get(nodes, undefined, name)).toBeUndefined();
    const after = await coordination.readNamespacedLease(splitKey(key));
    expect(after.metadata?.uid).toBe(lease.metadata?.uid);
  });
});

describe('renewer', () => {
  it('advances renewTime and resourceVersion of every node lease when they are due', async () => {
    const sim = await cluster({ nodes: 5 });
    const { coordination } = apis(sim);
    const before = await coordination.listNamespacedLease({ namespace: 'kube-node-lease' });
    expect(before.items).toHaveLength(5);

    const renewed = sim.renewer?.tick(sim.store.clock() + 11_000);
    const after = await coordination.listNamespacedLease({ namespace: 'kube-node-lease' });

    expect(renewed).toBe(5);
    const old = new Map(before.items.map((l) => [keyOf(l), l]));
    for (const lease of after.items) {
      const previous = old.get(keyOf(lease));
      expect(Date.parse(String(lease.spec?.renewTime))).toBeGreaterThan(
        Date.parse(String(previous?.spec?.renewTime)),
      );
      expect(Number(lease.metadata?.resourceVersion)).toBeGreaterThan(
        Number(previous?.metadata?.resourceVersion),
      );
    }
  });

  it('re-creates a deleted node lease, owned by its Node, while the Node exists', async () => {
    const sim = await cluster({ nodes: 5 });
    const { core, coordination } = apis(sim);
    const name = sim.store.list(nodes)[2]?.obj.metadata.name ?? '';
    const node = await core.readNode({ name });
    const original = await coordination.readNamespacedLease({ name, namespace: 'kube-node-lease' });
    await coordination.deleteNamespacedLease({ name, namespace: 'kube-node-lease' });

    sim.renewer?.tick(sim.store.clock() + 11_000);
    const recreated = await coordination.readNamespacedLease({ name, namespace: 'kube-node-lease' });

    expect(recreated.metadata?.uid).not.toBe(original.metadata?.uid);
    expect(recreated.spec?.holderIdentity).toBe(name);
    expect(recreated.metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid },
    ]);
  });
});

describe('server clock', () => {
  it('sends a Date header from the cluster clock, an hour behind when skewed so', async () => {
    const sim = await cluster({}, { clock: () => Date.now() - 3_600_000 });

    const response = await rawGet(sim, '/api/v1/namespaces', sim.tokens.admin);

    expect(response.status).toBe(200);
    const behindMs = Date.now() - Date.parse(String(response.headers.date));
    expect(behindMs).toBeGreaterThan(3_600_000 - 5_000);
    expect(behindMs).toBeLessThan(3_600_000 + 5_000);
  });
});

describe('discovery documents', () => {
  it('serves /version without credentials', async () => {
    const sim = await cluster();

    const response = await rawGet(sim, '/version');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      major: '1',
      gitVersion: expect.stringMatching(/^v1\./),
    });
  });

  it('serves /api with the v1 version', async () => {
    const sim = await cluster();

    const response = await rawGet(sim, '/api', sim.tokens.admin);

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
  });

  it('serves /api/v1 listing nodes, pods and namespaces', async () => {
    const sim = await cluster();

    const response = await rawGet(sim, '/api/v1', sim.tokens.admin);
    const doc = JSON.parse(response.body) as {
      kind: string;
      groupVersion: string;
      resources: { name: string; namespaced: boolean; kind: string }[];
    };

    expect(response.status).toBe(200);
    expect(doc).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    expect(doc.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'nodes', namespaced: false, kind: 'Node' }),
        expect.objectContaining({ name: 'pods', namespaced: true, kind: 'Pod' }),
        expect.objectContaining({ name: 'namespaces', namespaced: false, kind: 'Namespace' }),
      ]),
    );
  });

  it('serves /apis with the coordination.k8s.io group', async () => {
    const sim = await cluster();

    const response = await rawGet(sim, '/apis', sim.tokens.admin);
    const doc = JSON.parse(response.body) as { kind: string; groups: { name: string }[] };

    expect(response.status).toBe(200);
    expect(doc.kind).toBe('APIGroupList');
    expect(doc.groups).toContainEqual(
      expect.objectContaining({
        name: 'coordination.k8s.io',
        preferredVersion: { groupVersion: 'coordination.k8s.io/v1', version: 'v1' },
      }),
    );
  });

  it('serves /apis/coordination.k8s.io/v1 with namespaced leases', async () => {
    const sim = await cluster();

    const response = await rawGet(sim, '/apis/coordination.k8s.io/v1', sim.tokens.admin);
    const doc = JSON.parse(response.body) as {
      kind: string;
      groupVersion: string;
      resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
    };

    expect(response.status).toBe(200);
    expect(doc).toMatchObject({ kind: 'APIResourceList', groupVersion: 'coordination.k8s.io/v1' });
    expect(doc.resources.find((r) => r.name === 'leases')).toMatchObject({
      namespaced: true,
      kind: 'Lease',
      verbs: expect.arrayContaining(['list', 'get', 'delete']),
    });
  });
});

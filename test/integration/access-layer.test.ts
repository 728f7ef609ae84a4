import { describe, expect, it } from 'vitest';
import {
  ClusterForbiddenError,
  ClusterListExpiredError,
  ClusterServerError,
  ClusterThrottledError,
  ClusterTimeoutError,
  ClusterUnauthorizedError,
  ClusterUnreachableError,
} from '../../shared/errors.ts';
import { readClusterSnapshot } from '../../shared/kube/cluster-snapshot.ts';
import { kubeConfigFromEndpoint } from '../../shared/kube/connect.ts';
import { deleteLease } from '../../shared/kube/delete-lease.ts';
import { KubeClient } from '../../shared/kube/kube-client.ts';
import { listAll } from '../../shared/kube/list-all.ts';
import { toLeaseRecord, toNodeRecord } from '../../shared/kube/records.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases, nodes } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { clientFor, fastRetry, seedLeases, simClusters } from '../support/sim.ts';

const ALL_LEASES = '/apis/coordination.k8s.io/v1/leases';
const clusters = simClusters();
const cluster = clusters.start;

const keyOf = (l: { namespace: string; name: string }) => `${l.namespace}/${l.name}`;

describe('listing with pagination', () => {
  it('returns each of 12,345 leases exactly once in pages of 500', async () => {
    const sim = await cluster();
    const seeded = seedLeases(sim, 12_345);

    const result = await listAll(clientFor(sim), ALL_LEASES, 'leases', toLeaseRecord, { pageSize: 500 });

    expect(result.pages).toBe(25);
    expect(result.items).toHaveLength(12_345);
    expect(new Set(result.items.map(keyOf)).size).toBe(12_345);
    expect([...result.items.map(keyOf)].sort()).toEqual([...seeded].sort());
  });

  it('restarts a list whose continue token expired midway and still returns each lease once', async () => {
    const sim = await cluster();
    seedLeases(sim, 3_000);
    sim.faults.add({ action: { type: 'expireContinue' }, match: { hasContinue: true }, after: 3, times: 1 });

    const result = await listAll(clientFor(sim), ALL_LEASES, 'leases', toLeaseRecord, { pageSize: 500 });

    expect(sim.faults.hits.expireContinue).toBe(1);
    expect(result.restarts).toBe(1);
    expect(result.items).toHaveLength(3_000);
    expect(new Set(result.items.map(keyOf)).size).toBe(3_000);
  });

  it('gives up with a typed error when continue tokens keep expiring', async () => {
    const sim = await cluster();
    seedLeases(sim, 1_200);
    sim.faults.add({ action: { type: 'expireContinue' }, match: { hasContinue: true } });

    const error = await listAll(clientFor(sim), ALL_LEASES, 'leases', toLeaseRecord, {
      pageSize: 500,
      maxRestarts: 2,
    }).catch((e) => e);

    expect(error).toBeInstanceOf(ClusterListExpiredError);
    expect(sim.faults.hits.expireContinue).toBe(3);
  });

  it('serves later pages from the first page’s snapshot while leases change', async () => {
    const sim = await cluster();
    seedLeases(sim, 1_000, 1);
    const client = clientFor(sim);
    const first = await client.request({
      method: 'GET',
      path: ALL_LEASES,
      query: { limit: 500 },
      operation: 'list leases',
    });
    const page1 = JSON.parse(first.text) as { metadata: { continue: string; resourceVersion: string } };
    sim.store.delete(leases, 'bulk-0', 'lease-000999');
    const second = await client.request({
      method: 'GET',
      path: ALL_LEASES,
      query: { limit: 500, continue: page1.metadata.continue },
      operation: 'list leases',
    });
    const page2 = JSON.parse(second.text) as {
      items: { metadata: { name: string } }[];
      metadata: { resourceVersion: string };
    };

    expect(page2.items.at(-1)?.metadata.name).toBe('lease-000999');
    expect(page2.metadata.resourceVersion).toBe(page1.metadata.resourceVersion);
  });

  it('lists nodes metadata-only, with names and uids', async () => {
    const sim = await cluster({ nodes: 30 });
    const client = clientFor(sim);

    const result = await listAll(client, '/api/v1/nodes', 'nodes', toNodeRecord, {
      metadataOnly: true,
      pageSize: 7,
    });
    const raw = await client.request({
      method: 'GET',
      path: '/api/v1/nodes',
      query: { limit: 1 },
      accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
      operation: 'list nodes',
    });

    expect(result.items).toHaveLength(30);
    expect(result.pages).toBe(5);
    const stored = sim.store.list(nodes).map((s) => ({ name: s.obj.metadata.name, uid: s.obj.metadata.uid }));
    expect(result.items.map((n) => ({ name: n.name, uid: n.uid }))).toEqual(stored);
    expect(JSON.parse(raw.text)).toMatchObject({
      kind: 'PartialObjectMetadataList',
      items: [{ kind: 'PartialObjectMetadata' }],
    });
    expect(raw.text).not.toContain('nodeInfo');
  });

  it('reads a whole cluster snapshot that matches what the scenario seeded', async () => {
    const sim = await cluster(defaultScenario);
    const snapshot = await readClusterSnapshot(clientFor(sim), { pageSize: 50 });

    expect(snapshot.leases).toHaveLength(sim.seeded?.counts.leases ?? -1);
    expect(snapshot.nodes).toHaveLength(sim.seeded?.counts.nodes ?? -1);
    expect(snapshot.pods).toHaveLength(sim.seeded?.counts.pods ?? -1);
    expect(snapshot.stats.pages).toBeGreaterThan(3);
    const kubeletLease = snapshot.leases.find((l) => l.namespace === 'kube-node-lease');
    expect(kubeletLease).toMatchObject({ leaseDurationSeconds: 40, ownerReferences: [{ kind: 'Node' }] });
    expect(typeof kubeletLease?.renewTime).toBe('string');
  });
});

describe('retries and faults', () => {
  it('retries a 429 after the Retry-After it was given, then succeeds', async () => {
    const sim = await cluster();
    seedLeases(sim, 10);
    sim.faults.add({ action: { type: 'throttle', retryAfterSeconds: 1 }, times: 1 });
    const client = clientFor(sim);

    const started = performance.now();
    const result = await listAll(client, ALL_LEASES, 'leases', toLeaseRecord);
    const elapsed = performance.now() - started;

    expect(result.items).toHaveLength(10);
    expect(sim.faults.hits.throttle).toBe(1);
    expect(client.stats.retries).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('fails with a typed error within the retry budget when the server always answers 503', async () => {
    const sim = await cluster();
    sim.faults.add({ action: { type: 'error', status: 503 } });
    const client = clientFor(sim, { retry: { ...fastRetry, maxAttempts: 4 } });

    const error = await listAll(client, ALL_LEASES, 'leases', toLeaseRecord).catch((e) => e);

    expect(error).toBeInstanceOf(ClusterServerError);
    expect(error).toMatchObject({ cluster: 'sim', kind: 'server', details: { status: 503, attempts: 4 } });
    expect(sim.faults.hits.error).toBe(4);
    expect(error.message).toMatch(/cluster "sim": server error \(503\).*gave up after 4 attempts/);
  });

  it('gives up on endless throttling with a typed error', async () => {
    const sim = await cluster();
    sim.faults.add({ action: { type: 'throttle', retryAfterSeconds: 0 } });

    const error = await listAll(
      clientFor(sim, { retry: { ...fastRetry, maxAttempts: 3 } }),
      ALL_LEASES,
      'leases',
      toLeaseRecord,
    ).catch((e) => e);

    expect(error).toBeInstanceOf(ClusterThrottledError);
    expect(sim.faults.hits.throttle).toBe(3);
  });

  it('recovers from dropped connections and transient 500s', async () => {
    const sim = await cluster();
    seedLeases(sim, 1_500);
    sim.faults.add({ action: { type: 'drop' }, match: { hasContinue: true }, times: 2 });
    sim.faults.add({ action: { type: 'error', status: 500 }, after: 1, times: 1 });
    const client = clientFor(sim);

    const result = await listAll(client, ALL_LEASES, 'leases', toLeaseRecord, { pageSize: 500 });

    expect(result.items).toHaveLength(1_500);
    expect(sim.faults.hits.drop).toBe(2);
    expect(sim.faults.hits.error).toBe(1);
    expect(client.stats.retries).toBe(3);
  });

  it('times out a slow server per attempt and reports a timeout', async () => {
    const sim = await cluster();
    sim.faults.add({ action: { type: 'latency', ms: 1_000 } });
    const client = clientFor(sim, { requestTimeoutMs: 100, retry: { ...fastRetry, maxAttempts: 2 } });

    const error = await listAll(client, ALL_LEASES, 'leases', toLeaseRecord).catch((e) => e);

    expect(error).toBeInstanceOf(ClusterTimeoutError);
    expect(error.message).toMatch(/no response within 100 ms.*gave up after 2 attempts/);
  });

  it('stops at the run deadline with a typed error', async () => {
    const sim = await cluster();
    sim.faults.add({ action: { type: 'throttle', retryAfterSeconds: 30 } });
    const client = clientFor(sim, { signal: AbortSignal.timeout(200) });

    const started = performance.now();
    const error = await listAll(client, ALL_LEASES, 'leases', toLeaseRecord).catch((e) => e);

    expect(error).toBeInstanceOf(ClusterTimeoutError);
    expect(error.message).toMatch(/deadline/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports an unreachable server after bounded retries', async () => {
    const sim = await cluster();
    const url = sim.url;
    const ca = sim.caCertPem;
    await sim.close();
    clusters.forget(sim);
    const kc = kubeConfigFromEndpoint({
      name: 'gone',
      server: url,
      caData: Buffer.from(ca ?? '').toString('base64'),
      token: 't',
    });
    const client = new KubeClient('gone', kc, { retry: { ...fastRetry, maxAttempts: 3 } });

    const error = await listAll(client, ALL_LEASES, 'leases', toLeaseRecord).catch((e) => e);

    expect(error).toBeInstanceOf(ClusterUnreachableError);
    expect(error).toMatchObject({ cluster: 'gone', details: { attempts: 3 } });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('verifies TLS: a server whose certificate is not signed by the configured CA is refused at once', async () => {
    const sim = await cluster();
    const other = await cluster();
    const kc = kubeConfigFromEndpoint({
      name: 'mitm',
      server: sim.url,
      caData: Buffer.from(other.caCertPem ?? '').toString('base64'),
      token: sim.tokens.admin,
    });

    const error = await listAll(new KubeClient('mitm', kc), ALL_LEASES, 'leases', toLeaseRecord).catch(
      (e) => e,
    );

    expect(error).toBeInstanceOf(ClusterUnreachableError);
    expect(error.message).toMatch(/TLS verification failed/);
    expect(error.details.attempts).toBe(1);
  });
});

describe('authentication and authorization', () => {
  it('gives a typed 401 error that does not contain the token', async () => {
    const sim = await cluster();
    const token = 'sk-super-secret-token-value-0123456789';

    const error = await listAll(clientFor(sim, { token }), ALL_LEASES, 'leases', toLeaseRecord).catch(
      (e) => e,
    );

    expect(error).toBeInstanceOf(ClusterUnauthorizedError);
    expect(error.details.attempts).toBe(1);
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(token);
  });

  it('gives a typed 403 error that does not contain the token', async () => {
    const token = 'no-list-token-abcdef0123456789';
    const sim = await cluster({}, { extraUsers: [{ token, name: 'nobody', verbs: ['get'] }] });

    const error = await listAll(clientFor(sim, { token }), ALL_LEASES, 'leases', toLeaseRecord).catch(
      (e) => e,
    );

    expect(error).toBeInstanceOf(ClusterForbiddenError);
    expect(error.message).toContain('User "nobody" cannot list resource "leases"');
    expect(`${error.message} ${error.stack}`).not.toContain(token);
  });
});

describe('a snapshot that fails', () => {
  it('cancels its other lists at once: no request reaches the server after the failure is reported', async () => {
    const token = 'no-pods-token-0123456789abcdef';
    const sim = await cluster(
      { nodes: 40 },
      {
        extraUsers: [
          {
            token,
            name: 'no-pods',
            rules: [
              { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list'] },
              { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
            ],
          },
        ],
      },
    );
    // Nodes are read slowly, page by page; pods are refused at once.
    sim.faults.add({ action: { type: 'latency', ms: 100 }, match: { path: '/api/v1/nodes' } });

    const error = await readClusterSnapshot(clientFor(sim, { token }), { pageSize: 2 }).catch((e) => e);
    const nodePagesAtFailure = sim.faults.hits.latency;
    await new Promise((r) => setTimeout(r, 500));

    expect(error).toBeInstanceOf(ClusterForbiddenError);
    expect(error.message).toContain('cannot list resource "pods"');
    // Without cancellation the node list would go on for ~20 pages (2 s).
    expect(nodePagesAtFailure).toBeGreaterThan(0);
    expect(sim.faults.hits.latency).toBe(nodePagesAtFailure);
  });
});

describe('deleting with preconditions', () => {
  async function oneLease() {
    const sim = await cluster();
    seedLeases(sim, 3, 1);
    const client = clientFor(sim);
    const listed = (await listAll(client, ALL_LEASES, 'leases', toLeaseRecord)).items;
    const lease = listed[0];
    if (!lease) throw new Error('no lease seeded');
    return { sim, client, lease };
  }
  const exists = (sim: SimCluster, l: { namespace: string; name: string }) =>
    sim.store.get(leases, l.namespace, l.name) !== undefined;

  it('deletes a lease that is unchanged since it was listed', async () => {
    const { sim, client, lease } = await oneLease();
    expect(await deleteLease(client, lease, { dryRun: false })).toMatchObject({
      result: 'deleted',
      dryRun: false,
    });
    expect(exists(sim, lease)).toBe(false);
  });

  it('reports changed, and keeps the lease, when it was renewed after listing', async () => {
    const { sim, client, lease } = await oneLease();
    const current = sim.store.get(leases, lease.namespace, lease.name);
    if (!current) throw new Error('missing');
    sim.store.update(leases, {
      ...current.obj,
      spec: { ...(current.obj.spec as object), renewTime: '2030-01-01T00:00:00.000000Z' },
    });

    const outcome = await deleteLease(client, lease, { dryRun: false });

    expect(outcome).toMatchObject({
      result: 'changed',
      message: expect.stringContaining('the ResourceVersion in the precondition'),
    });
    expect(exists(sim, lease)).toBe(true);
  });

  it('reports changed when the lease was replaced by a new one of the same name', async () => {
    const { sim, client, lease } = await oneLease();
    const current = sim.store.get(leases, lease.namespace, lease.name);
    if (!current) throw new Error('missing');
    sim.store.delete(leases, lease.namespace, lease.name);
    sim.store.create(leases, {
      ...current.obj,
      metadata: { ...current.obj.metadata, uid: undefined, resourceVersion: undefined },
    });

    const outcome = await deleteLease(client, lease, { dryRun: false });

    expect(outcome).toMatchObject({
      result: 'changed',
      message: expect.stringContaining('the UID in the precondition'),
    });
    expect(exists(sim, lease)).toBe(true);
  });

  it('reports alreadyGone for a lease deleted by someone else', async () => {
    const { sim, client, lease } = await oneLease();
    sim.store.delete(leases, lease.namespace, lease.name);
    expect(await deleteLease(client, lease, { dryRun: false })).toEqual({ result: 'alreadyGone' });
  });

  it('dry-run checks preconditions and RBAC on the server and deletes nothing', async () => {
    const { sim, client, lease } = await oneLease();
    expect(await deleteLease(client, lease, { dryRun: true })).toMatchObject({
      result: 'deleted',
      dryRun: true,
    });
    expect(exists(sim, lease)).toBe(true);

    const stale = { ...lease, resourceVersion: '1' };
    expect(await deleteLease(client, stale, { dryRun: true })).toMatchObject({ result: 'changed' });

    const readOnly = clientFor(sim, { token: sim.tokens.readOnly });
    expect(await deleteLease(readOnly, lease, { dryRun: true })).toMatchObject({
      result: 'forbidden',
      message: expect.stringContaining('cannot delete resource "leases"'),
    });
    expect(exists(sim, lease)).toBe(true);
  });

  it('refuses to send a delete without both preconditions', async () => {
    const { sim, client, lease } = await oneLease();
    const outcome = await deleteLease(client, { ...lease, uid: '' }, { dryRun: false });
    expect(outcome.result).toBe('failed');
    expect(exists(sim, lease)).toBe(true);
  });
});

describe('server clock', () => {
  it('reads the API server clock from the Date header, skew included', async () => {
    const skewMs = 90_000;
    const sim = await cluster({}, { clock: () => Date.now() + skewMs });
    const snapshot = await readClusterSnapshot(clientFor(sim), { includePods: false });

    expect(snapshot.serverClock?.skewMs).toBeGreaterThan(skewMs - 1_000);
    expect(snapshot.serverClock?.skewMs).toBeLessThan(skewMs + 1_000);
  });
});

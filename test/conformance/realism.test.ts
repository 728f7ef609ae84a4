import diagnostics from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { simCommand } from '../../cli/sim-command.ts';
import { listAll } from '../../shared/kube/list-all.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases, nodes } from '../../sim/resources.ts';
import { buildScenario, defaultScenario, emptyScenario } from '../../sim/scenario.ts';
import { rawRequest } from '../support/raw-request.ts';
import { apis, clientFor, seedLeases, simClusters } from '../support/sim.ts';

/**
 * The realism switch (`realistic: true`, `lease-reaper sim --realistic`): gzip for responses over 128 KiB
 * (responsewriters/writers.go), Warning headers for unknown fields, API Priority and Fairness headers and
 * rejections (filters/priority-and-fairness.go); and real-sized EKS Nodes and node leases.
 */

const clusters = simClusters();
const cluster = clusters.start;
const LEASES = '/apis/coordination.k8s.io/v1/leases';

/** A request with the admin token (GET unless told): what the sim sends, compressed bytes included. */
const raw = (
  sim: SimCluster,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
) => rawRequest(sim, method, path, { body, headers });

/** Content-Encoding of every response the simulated clusters finish while `fn` runs. */
async function encodingsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (message: unknown) => {
    const res = (message as { response: ServerResponse }).response;
    seen.push(String(res.getHeader('content-encoding') ?? 'identity'));
  };
  diagnostics.subscribe('http.server.response.finish', listener);
  try {
    await fn();
  } finally {
    diagnostics.unsubscribe('http.server.response.finish', listener);
  }
  return seen;
}

describe('gzip for large responses', () => {
  it('compresses a list over 128 KiB for a client that accepts gzip, sent chunked', async () => {
    const sim = await cluster({}, { realistic: true });
    seedLeases(sim, 1_000);

    const res = await raw(sim, LEASES, { 'Accept-Encoding': 'gzip' });

    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const plain = gunzipSync(res.bytes);
    expect(plain.length).toBeGreaterThan(128 * 1024);
    expect(res.bytes.length).toBeLessThan(plain.length / 4);
    expect((JSON.parse(plain.toString('utf8')) as { items: unknown[] }).items).toHaveLength(1_000);
  });

  it('leaves a large list uncompressed for a client that does not accept gzip', async () => {
    const sim = await cluster({}, { realistic: true });
    seedLeases(sim, 1_000);

    const res = await raw(sim, LEASES);

    expect(res.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(res.body) as { items: unknown[] }).items).toHaveLength(1_000);
  });

  it('leaves a response of 128 KiB or less uncompressed', async () => {
    const sim = await cluster({}, { realistic: true });
    seedLeases(sim, 5);

    const res = await raw(sim, LEASES, { 'Accept-Encoding': 'gzip' });

    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.bytes.length).toBeLessThanOrEqual(128 * 1024);
  });

  it('never compresses when the cluster is not realistic', async () => {
    const sim = await cluster();
    seedLeases(sim, 1_000);

    const res = await raw(sim, LEASES, { 'Accept-Encoding': 'gzip' });

    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBe(String(res.bytes.length));
  });

  it('still lets the product lister read every lease when the lists come gzip-compressed', async () => {
    const sim = await cluster({}, { realistic: true });
    const keys = seedLeases(sim, 1_500);
    const client = clientFor(sim);

    let result: Awaited<ReturnType<typeof listAll<string>>> | undefined;
    const encodings = await encodingsDuring(async () => {
      result = await listAll(
        client,
        LEASES,
        'leases',
        (item) => {
          const m = (item as { metadata: { namespace: string; name: string } }).metadata;
          return `${m.namespace}/${m.name}`;
        },
        { pageSize: 1_000 },
      );
    });
    await client.close();

    expect(encodings).toContain('gzip');
    expect(result?.pages).toBe(2);
    expect([...(result?.items ?? [])].sort()).toEqual([...keys].sort());
  });

  it('lets client-node list real-sized Nodes through gzip', async () => {
    const sim = await cluster({ nodes: 30 }, { realistic: true });

    let count = 0;
    const encodings = await encodingsDuring(async () => {
      count = (await apis(sim).core.listNode()).items.length;
    });

    expect(count).toBe(30);
    expect(encodings).toContain('gzip');
  });
});

describe('API Priority and Fairness', () => {
  it('names the FlowSchema and PriorityLevel UIDs on every served request', async () => {
    const sim = await cluster({}, { realistic: true });

    const res = await raw(sim, LEASES);

    expect(res.headers['x-kubernetes-pf-flowschema-uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-kubernetes-pf-prioritylevel-uid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends no APF headers when the cluster is not realistic', async () => {
    const sim = await cluster();

    const res = await raw(sim, LEASES);

    expect(res.headers['x-kubernetes-pf-flowschema-uid']).toBeUndefined();
  });

  it('rejects a throttled request as APF does: 429, Retry-After, plain-text body and the APF headers', async () => {
    const sim = await cluster({}, { realistic: true });
    sim.faults.add({ action: { type: 'throttle', retryAfterSeconds: 1 }, times: 1 });

    const res = await raw(sim, LEASES);

    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toBe('Too many requests, please try again later.\n');
    expect(res.headers['x-kubernetes-pf-flowschema-uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-kubernetes-pf-prioritylevel-uid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lets the product client retry an APF rejection and succeed', async () => {
    const sim = await cluster({}, { realistic: true });
    seedLeases(sim, 3);
    sim.faults.add({ action: { type: 'throttle', retryAfterSeconds: 1 }, times: 2 });
    const client = clientFor(sim);

    const res = await client.request({ method: 'GET', path: LEASES, operation: 'list leases' });
    await client.close();

    expect(res.status).toBe(200);
    expect(client.stats.retries).toBe(2);
    expect(sim.faults.hits.throttle).toBe(2);
  });
});

describe('Warning headers', () => {
  const lease = (extra: Record<string, unknown>) =>
    JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'warned', colour: 'blue' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, ...extra },
    });

  it('keeps the Warning headers of a lease write with unknown fields on a realistic cluster', async () => {
    const sim = await cluster({}, { realistic: true });

    const res = await raw(
      sim,
      '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      { 'Content-Type': 'application/json' },
      'POST',
      lease({ renewInterval: 5 }),
    );

    expect(res.status).toBe(201);
    expect(res.headers.warning).toBe(
      '299 - "unknown field \\"metadata.colour\\"", 299 - "unknown field \\"spec.renewInterval\\""',
    );
    expect(sim.store.get(leases, 'default', 'warned')).toBeDefined();
  });
});

describe('real-sized objects', () => {
  it('seeds EKS Nodes with their labels, managedFields and dozens of images', async () => {
    const sim = await cluster({ nodes: 12 });

    const list = await apis(sim).core.listNode();

    for (const node of list.items) {
      const labels = node.metadata?.labels ?? {};
      expect(labels['topology.kubernetes.io/zone']).toMatch(/^us-east-1[abc]$/);
      expect(
        Boolean(labels['eks.amazonaws.com/nodegroup']) !== Boolean(labels['karpenter.sh/nodepool']),
      ).toBe(true);
      expect(node.metadata?.managedFields?.map((m) => m.manager)).toEqual(
        expect.arrayContaining(['kubelet', 'aws-cloud-controller-manager', 'kube-controller-manager']),
      );
      expect(node.metadata?.managedFields?.find((m) => m.subresource === 'status')?.manager).toBe('kubelet');
      const images = node.status?.images ?? [];
      expect(images.length).toBeGreaterThanOrEqual(28);
      expect(images.length).toBeLessThanOrEqual(50);
      const sizes = images.map((i) => i.sizeBytes ?? 0);
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    }
    const bytes = list.items.map((n) => JSON.stringify(n).length);
    expect(Math.min(...bytes)).toBeGreaterThan(8_000);
  });

  it('gives node leases the managedFields the kubelet leaves', async () => {
    const sim = await cluster({ nodes: 2 });

    const list = await apis(sim).coordination.listNamespacedLease({ namespace: 'kube-node-lease' });

    for (const l of list.items) {
      const owner = l.metadata?.ownerReferences?.[0]?.uid ?? '';
      expect(l.metadata?.managedFields).toEqual([
        expect.objectContaining({
          manager: 'kubelet',
          operation: 'Update',
          apiVersion: 'coordination.k8s.io/v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:ownerReferences': { '.': {}, [`k:{"uid":"${owner}"}`]: {} } },
            'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
          },
        }),
      ]);
    }
  });

  it('builds the same Nodes from the same seed, and other Nodes from another seed', () => {
    const now = Date.parse('2026-01-02T03:04:05Z');
    const nodesOf = (seed: number) =>
      buildScenario({ ...emptyScenario, nodes: 3 }, seed, now)
        .objects.filter((o) => o.def === nodes)
        .map((o) => JSON.stringify(o.obj));

    expect(nodesOf(7)).toEqual(nodesOf(7));
    expect(nodesOf(8)).not.toEqual(nodesOf(7));
  });

  it('makes the default scenario list of leases weigh over 128 KiB, so a realistic sim gzips it', async () => {
    const sim = await cluster(defaultScenario, { realistic: true });

    const res = await raw(sim, LEASES, { 'Accept-Encoding': 'gzip' });

    expect(res.headers['content-encoding']).toBe('gzip');
  });
});

describe('lease-reaper sim --realistic', () => {
  it('offers the flag, off by default', () => {
    const option = simCommand().options.find((o) => o.long === '--realistic');

    expect(option?.defaultValue).toBe(false);
    expect(option?.description).toContain('gzip');
  });
});

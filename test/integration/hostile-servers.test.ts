import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterLimitError, ClusterProtocolError, ClusterTimeoutError } from '../../shared/errors.ts';
import { readClusterSnapshot } from '../../shared/kube/cluster-snapshot.ts';
import { kubeConfigFromEndpoint } from '../../shared/kube/connect.ts';
import { KubeClient, type KubeClientOptions } from '../../shared/kube/kube-client.ts';
import { defaultReadLimits } from '../../shared/kube/read-limits.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import {
  type ClusterEndpoint,
  type HostileKind,
  type HostileServer,
  runAuditInChild,
  SKEW_MS,
  startHostileServer,
} from '../support/hostile-servers.ts';
import { fastRetry, startTestCluster } from '../support/sim.ts';

/**
 * One hostile API server in a fleet of three: it gets a typed error for itself alone, the two simulated
 * clusters beside it are audited as usual, the run ends in bounded time, and the auditing process (a
 * child, so the hostile servers' own memory is not counted) stays under 300 MB peak RSS.
 */

const hostile: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(hostile.splice(0).map((s) => s.close()));
});

async function start(kind: HostileKind): Promise<HostileServer> {
  const server = await startHostileServer(kind);
  hostile.push(server);
  return server;
}

/** Short per-attempt timeouts and two attempts: the slow drip would otherwise take 5 × 30 s. */
const fleetClient = { requestTimeoutMs: 2_000, retry: { ...fastRetry, maxAttempts: 2 } };

const goodSpec = { nodes: 20, workloadLeases: 3, systemLeaderLeases: 2 };
let good: SimCluster[] = [];
beforeAll(async () => {
  good = await Promise.all(
    ['good-a', 'good-b'].map((name) => startTestCluster(goodSpec, { name, seed: name.length })),
  );
});
afterAll(async () => {
  await Promise.all(good.map((s) => s.close()));
});

const endpoint = (sim: SimCluster): ClusterEndpoint => ({
  name: sim.name,
  server: sim.url,
  caCertPem: sim.caCertPem ?? '',
  token: sim.tokens.admin,
});

const cases: {
  kind: HostileKind;
  errorKind: string;
  message: RegExp;
  maxWallMs: number;
  /** The client's request timeout, when the limit must be reached before it (a loaded CI machine). */
  requestTimeoutMs?: number;
}[] = [
  {
    kind: 'endless-pages',
    errorKind: 'limit',
    message: /list exceeded 1000 pages \(limit maxListPages\) while trying to list leases/,
    maxWallMs: 60_000,
  },
  {
    kind: 'repeated-continue',
    errorKind: 'protocol',
    message: /page 2 of list leases repeats the continue token of an earlier page/,
    maxWallMs: 10_000,
  },
  {
    kind: 'gzip-bomb',
    errorKind: 'limit',
    message:
      /response inflated beyond 64 MiB \(limit maxDecodedBytes; .* received\) while trying to list leases$/,
    maxWallMs: 20_000,
    // Inflating 64 MiB takes well under a second alone, but seconds on 2 busy cores: the limit, not the
    // timeout, is what this case must show.
    requestTimeoutMs: 8_000,
  },
  {
    kind: 'huge-body',
    errorKind: 'limit',
    message: /response exceeded 64 MiB \(limit maxResponseBytes; Content-Length 2147483648\)/,
    maxWallMs: 10_000,
  },
  {
    kind: 'endless-chunked',
    errorKind: 'limit',
    // An attempt may time out before 64 MiB arrive when the server is slow; the limit ends the next.
    message: /response exceeded 64 MiB \(limit maxResponseBytes\) while trying to list leases/,
    maxWallMs: 10_000,
  },
  {
    kind: 'million-items',
    errorKind: 'limit',
    message: /list exceeded 400000 items \(limit maxListItems\) while trying to list leases/,
    maxWallMs: 90_000,
  },
  {
    kind: 'slow-drip',
    errorKind: 'timeout',
    message: /no response within 2000 ms while trying to list leases \(gave up after 2 attempts\)/,
    maxWallMs: 10_000,
  },
  {
    kind: 'duplicate-items',
    errorKind: 'protocol',
    message: /list leases returned "hostile\/lease-0000000" twice/,
    maxWallMs: 10_000,
  },
];

describe('a fleet audit with one hostile cluster', () => {
  it.each(cases)(
    '$kind: a typed error for that cluster, the others audited, bounded time and memory',
    async ({ kind, errorKind, message, maxWallMs, requestTimeoutMs }) => {
      const bad = await start(kind);
      const [goodA, goodB] = good.map(endpoint);
      if (!goodA || !goodB) throw new Error('the good clusters did not start');

      const run = await runAuditInChild(
        [goodA, bad, goodB],
        requestTimeoutMs ? { ...fleetClient, requestTimeoutMs } : fleetClient,
      );

      process.stdout.write(
        `hostile ${kind}: wall ${run.wallMs} ms, peak RSS ${run.peakRssMb} MB, server wrote ${Math.round(bad.stats.bytesWritten / 1024)} KiB in ${bad.stats.requests} requests\n`,
      );
      const byName = new Map(run.results.map((r) => [r.cluster, r]));
      const failed = byName.get(bad.name);
      expect(failed?.status).toBe('error');
      expect(failed?.error?.kind).toBe(errorKind);
      expect(failed?.error?.message).toMatch(message);
      expect(failed?.error?.message).toContain(`cluster "${bad.name}"`);
      for (const sim of good) {
        expect(byName.get(sim.name)).toMatchObject({
          status: 'ok',
          leases: sim.seeded?.counts.leases,
          nodes: sim.seeded?.counts.nodes,
        });
      }
      expect(run.wallMs).toBeLessThan(maxWallMs);
      expect(run.peakRssMb).toBeLessThan(300);
    },
    180_000,
  );

  it('skewed-date: the cluster is audited and its 40-day clock skew is recorded', async () => {
    const bad = await start('skewed-date');
    const [goodA, goodB] = good.map(endpoint);
    if (!goodA || !goodB) throw new Error('the good clusters did not start');

    const run = await runAuditInChild([goodA, bad, goodB], fleetClient);

    process.stdout.write(`hostile skewed-date: wall ${run.wallMs} ms, peak RSS ${run.peakRssMb} MB\n`);
    expect(run.results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    const skewed = run.results.find((r) => r.cluster === bad.name);
    expect(Math.abs((skewed?.skewMs ?? 0) - SKEW_MS)).toBeLessThan(5_000);
    expect(Math.abs(run.results[0]?.skewMs ?? Number.NaN)).toBeLessThan(5_000);
  }, 60_000);
});

function clientFor(server: HostileServer, options: KubeClientOptions = {}): KubeClient {
  const kc = kubeConfigFromEndpoint({
    name: server.name,
    server: server.server,
    caData: Buffer.from(server.caCertPem).toString('base64'),
    token: server.token,
  });
  return new KubeClient(server.name, kc, { retry: fastRetry, ...options });
}

async function snapshotError(client: KubeClient): Promise<Error> {
  try {
    await readClusterSnapshot(client);
  } catch (err) {
    return err as Error;
  } finally {
    await client.close();
  }
  throw new Error('the snapshot was read');
}

describe('KubeClient against a hostile server', () => {
  it.each([
    { kind: 'gzip-bomb', limit: 'maxDecodedBytes' },
    { kind: 'huge-body', limit: 'maxResponseBytes' },
    { kind: 'endless-chunked', limit: 'maxResponseBytes' },
  ] as const)('$kind: a ClusterLimitError on the first attempt, never retried', async ({ kind, limit }) => {
    const client = clientFor(await start(kind));

    const error = await snapshotError(client);

    expect(error).toBeInstanceOf(ClusterLimitError);
    expect(error).toMatchObject({ kind: 'limit', details: { limit, attempts: 1, operation: 'list leases' } });
    expect(client.stats.retries).toBe(0);
  });

  it('enforces byte limits set in KubeClientOptions while streaming, before the body ends', async () => {
    const server = await start('endless-chunked');
    const client = clientFor(server, { limits: { maxResponseBytes: 256 * 1024 } });

    const error = await snapshotError(client);

    expect(error.message).toMatch(/response exceeded 256 KiB \(limit maxResponseBytes\)/);
    // The connection was closed near the limit: the server could not push much more into the socket.
    expect(server.stats.bytesWritten).toBeLessThan(16 * 1024 * 1024);
  });

  it('enforces page and item limits set in KubeClientOptions', async () => {
    const pages = await snapshotError(
      clientFor(await start('endless-pages'), { limits: { maxListPages: 25 } }),
    );
    const items = await snapshotError(
      clientFor(await start('million-items'), { limits: { maxListItems: 1_200 } }),
    );

    expect(pages).toBeInstanceOf(ClusterLimitError);
    expect(pages).toMatchObject({ details: { limit: 'maxListPages' } });
    expect(pages.message).toContain('list exceeded 25 pages (limit maxListPages)');
    expect(items).toBeInstanceOf(ClusterLimitError);
    expect(items.message).toContain('list exceeded 1200 items (limit maxListItems)');
  });

  it.each(['repeated-continue', 'duplicate-items'] as const)('%s: a ClusterProtocolError', async (kind) => {
    const error = await snapshotError(clientFor(await start(kind)));

    expect(error).toBeInstanceOf(ClusterProtocolError);
    expect(error).toMatchObject({ kind: 'protocol', cluster: `hostile-${kind}` });
  });

  it('slow-drip: the per-attempt timeout ends each attempt', async () => {
    const client = clientFor(await start('slow-drip'), {
      requestTimeoutMs: 300,
      retry: { ...fastRetry, maxAttempts: 2 },
    });

    const error = await snapshotError(client);

    expect(error).toBeInstanceOf(ClusterTimeoutError);
    expect(error.message).toMatch(/no response within 300 ms.*gave up after 2 attempts/);
  });

  it('skewed-date: client.clock records the server clock 40 days ahead', async () => {
    const client = clientFor(await start('skewed-date'));

    await readClusterSnapshot(client);
    await client.close();

    expect(Math.abs((client.clock.latest?.skewMs ?? 0) - SKEW_MS)).toBeLessThan(5_000);
  });

  it('refuses limits that would refuse everything', () => {
    const kc = kubeConfigFromEndpoint({ name: 'x', server: 'https://127.0.0.1:1', token: 't' });
    expect(() => new KubeClient('x', kc, { limits: { maxListItems: 0 } })).toThrow(
      /maxListItems must be a positive integer/,
    );
    expect(new KubeClient('x', kc).limits).toEqual(defaultReadLimits);
  });
});

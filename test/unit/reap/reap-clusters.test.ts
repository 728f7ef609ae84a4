import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterProgress } from '../../../shared/fleet/audit-clusters.ts';
import type { ActionRecord } from '../../../shared/reap/execute-plan.ts';
import { type ClusterReap, reapClusters } from '../../../shared/reap/reap-clusters.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import type { SimCluster } from '../../../sim/cluster.ts';
import { leaderLease, namespaceObject, podObject } from '../../../sim/objects.ts';
import { events, leases, namespaces, pods } from '../../../sim/resources.ts';
import { startBlackHole } from '../../support/hostile-servers.ts';
import { simClusters, simTarget } from '../../support/sim.ts';

/**
 * reapClusters, the fleet reaper (audit → plan → execute per cluster), against simulated clusters over
 * HTTPS with the real client. Each cluster holds a handful of leases seeded by its own clock, so what the
 * audit calls abandoned, and what a run may delete, is known by hand.
 */

const clusters = simClusters();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const SECOND = 1_000;
const DAY = 86_400_000;
const NAMESPACE = 'payments';

/** The default policy's thresholds (minExpiredFor = abandonedAfter = 1 d), deleting in `payments`. */
const policy = (extra: Record<string, unknown> = {}) =>
  parseReapPolicy({ dryRun: false, namespaces: { include: [NAMESPACE] }, ...extra });

function ensureNamespace(sim: SimCluster, name: string): void {
  if (!sim.store.get(namespaces, undefined, name))
    sim.store.create(namespaces, namespaceObject(name, sim.store.clock() - 30 * DAY));
}

/**
 * Leader leases `payments/legacy-operator-<i>` last renewed `daysAgo[i]` days ago by the cluster's clock
 * (15 s duration), whose holder Pods are gone: abandoned, and older than minExpiredFor.
 */
function seedAbandoned(sim: SimCluster, daysAgo: readonly number[]): string[] {
  ensureNamespace(sim, NAMESPACE);
  const now = sim.store.clock();
  return daysAgo.map((days, i) => {
    const name = `legacy-operator-${i}`;
    const renewMs = now - days * DAY;
    sim.store.create(
      leases,
      leaderLease({
        namespace: NAMESPACE,
        name,
        holder: `legacy-operator-${i}-7d9f8c6b5-x2x9q_3f0c2a9e-1b4d-4c8e-9a7f-${String(i).padStart(12, '0')}`,
        renewMs,
        acquireMs: renewMs - DAY,
        createdMs: now - 30 * DAY,
      }),
    );
    return `${NAMESPACE}/${name}`;
  });
}

const keyOf = (o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`;
const storedLeases = (sim: SimCluster) =>
  sim.store
    .list(leases)
    .map((s) => s.key)
    .sort();
const deletesSent = (sim: SimCluster) => sim.requests.filter((r) => r.method === 'DELETE');

function reaped(result: ClusterReap | undefined): Extract<ClusterReap, { status: 'ok' }> {
  if (result?.status !== 'ok') throw new Error(`cluster not reaped: ${JSON.stringify(result)}`);
  return result;
}

/**
 * A TCP proxy in front of a sim (TLS passes through, verified end to end against the sim's CA). It counts
 * the connections still open, and after `holdNewConnections()` accepts new ones and never forwards a byte:
 * a TLS handshake then never completes, as with an endpoint whose packets are dropped.
 */
async function startTcpProxy(sim: SimCluster) {
  const upstream = new URL(sim.url);
  const open = new Set<Socket>();
  let holding = false;
  let held = 0;
  let onHeld: ((count: number) => void) | undefined;
  const server = net.createServer((client) => {
    open.add(client);
    client.on('error', () => undefined);
    client.on('close', () => open.delete(client));
    if (holding) {
      held++;
      onHeld?.(held);
      return;
    }
    const toSim = net.connect(Number(upstream.port), upstream.hostname);
    toSim.on('error', () => client.destroy());
    client.on('close', () => toSim.destroy());
    toSim.on('close', () => client.destroy());
    client.pipe(toSim).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: `https://127.0.0.1:${port}`,
    open: () => open.size,
    held: () => held,
    holdNewConnections(then?: (count: number) => void) {
      holding = true;
      onHeld = then;
    },
  };
}

/** Polls `check` every 10 ms until it holds or `ms` pass; returns whether it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

describe('reapClusters: the time leases are judged by', () => {
  it('judges a dry run by a fixed time when one is given (source override), and by the server clock without one', async () => {
    // Prepare: a lease its holder renewed 2 s ago, whose holder Pod is not listed. By the server's clock it is
    // live; at a fixed time 10 days later it has been expired for ~10 days, more than abandonedAfter (1 d).
    const sim = await clusters.start();
    ensureNamespace(sim, NAMESPACE);
    const now = sim.store.clock();
    sim.store.create(
      leases,
      leaderLease({
        namespace: NAMESPACE,
        name: 'checkout-controller',
        holder: 'checkout-controller-6f9c8d7b5-q2w3e_2b7e1c9a-0d4f-4e8a-9b6c-5a3d2e1f0c9b',
        renewMs: now - 2 * SECOND,
        acquireMs: now - 3_600_000,
        createdMs: now - 30 * DAY,
      }),
    );
    const fixed = now + 10 * DAY;

    // Act
    const [atFixedTime] = await reapClusters([simTarget(sim)], {
      policy: policy(),
      dryRun: true,
      nowMs: fixed,
    });
    const [byServer] = await reapClusters([simTarget(sim)], { policy: policy(), dryRun: true });

    // Assess: judged at the fixed time, the lease is planned (and the dry-run delete confirmed by the server)...
    const fixedRun = reaped(atFixedTime);
    expect(fixedRun.clock).toMatchObject({
      source: 'override',
      nowMs: fixed,
      now: new Date(fixed).toISOString(),
    });
    expect(fixedRun.plan.deletions.map(keyOf)).toEqual(['payments/checkout-controller']);
    expect(fixedRun.execution).toMatchObject({ dryRun: true, planned: 1, deleted: 1 });
    // ...judged by the server's clock it is live, so nothing is planned.
    const serverRun = reaped(byServer);
    expect(serverRun.clock.source).toBe('server');
    expect(Math.abs(serverRun.clock.nowMs - Date.now())).toBeLessThan(10 * SECOND);
    expect(serverRun.plan.deletions).toEqual([]);
    // A dry run deletes nothing.
    expect(storedLeases(sim)).toEqual(['payments/checkout-controller']);
  });

  it('reports the skew the Date header showed in the result and in each action record', async () => {
    // Prepare: a cluster on this machine's clock (its skew is under the Date header's 1 s resolution).
    const sim = await clusters.start();
    seedAbandoned(sim, [3]);
    const records: ActionRecord[] = [];

    // Act
    const [result] = await reapClusters([simTarget(sim)], {
      policy: policy(),
      dryRun: true,
      log: (r) => records.push(r),
    });

    // Assess
    const run = reaped(result);
    expect(run.clock.source).toBe('server');
    expect(run.clock.skewMs).toEqual(expect.any(Number));
    expect(Math.abs(run.clock.skewMs ?? Number.NaN)).toBeLessThan(2 * SECOND);
    expect(records).toHaveLength(1);
    expect(records[0]?.clock).toEqual({ source: 'server', now: run.clock.now, skewMs: run.clock.skewMs });
  });

  it('refuses the deletes of a cluster whose clock is 40 days ahead, and reaps the others', async () => {
    // Prepare: leases abandoned 2-4 days ago by the skewed cluster's own clock (so planned), and a cluster on
    // time with one abandoned lease.
    const skewed = await clusters.start({}, { name: 'skewed', clock: () => Date.now() + 40 * DAY });
    const onTime = await clusters.start({}, { name: 'on-time' });
    const skewedKeys = seedAbandoned(skewed, [2, 3, 4]);
    seedAbandoned(onTime, [3]);

    // Act
    const [first, second] = await reapClusters([simTarget(skewed), simTarget(onTime)], {
      policy: policy(),
      dryRun: false,
    });

    // Assess: planned, but no delete sent; every planned deletion notAttempted with the refusal as detail.
    expect(first?.status).toBe('refused');
    if (first?.status !== 'refused') throw new Error('not refused');
    expect(first.refusal).toMatchObject({ reason: 'clockSkew', maxClockSkewSeconds: 300 });
    expect(first.clock.source).toBe('server');
    expect(Math.abs((first.clock.skewMs ?? 0) - 40 * DAY)).toBeLessThan(2 * SECOND);
    expect(first.plan.deletions).toHaveLength(3);
    expect(first.execution).toMatchObject({ planned: 3, deleted: 0, notAttempted: 3 });
    expect(first.execution.actions.map((a) => a.detail)).toEqual(Array(3).fill(first.refusal.message));
    expect(deletesSent(skewed)).toEqual([]);
    expect(storedLeases(skewed)).toEqual([...skewedKeys].sort());
    // The cluster on time is reaped.
    expect(reaped(second).execution).toMatchObject({ planned: 1, deleted: 1 });
    expect(storedLeases(onTime)).toEqual([]);
  });
});

describe('reapClusters: the run-wide budget (maxDeletionsPerRun)', () => {
  it('is spent across clusters in order: 3 deleted in the first, the 1 left in the second', async () => {
    // Prepare: two clusters with three abandoned leases each (2, 3 and 4 days), a budget of 4 (so a cluster
    // cap of min(10, 4) = 4). The first takes all 3; 4 - 3 = 1 is left for the second: its oldest.
    const a = await clusters.start({}, { name: 'a' });
    const b = await clusters.start({}, { name: 'b' });
    const aKeys = seedAbandoned(a, [2, 3, 4]);
    seedAbandoned(b, [2, 3, 4]);
    const records: ActionRecord[] = [];

    // Act
    const results = await reapClusters([simTarget(a), simTarget(b)], {
      policy: policy({ maxDeletionsPerRun: 4 }),
      dryRun: false,
      log: (r) => records.push(r),
    });

    // Assess
    const [first, second] = results.map(reaped);
    if (!first || !second) throw new Error('two results expected');
    expect(first.plan.deletions.map(keyOf)).toEqual([
      'payments/legacy-operator-2',
      'payments/legacy-operator-1',
      'payments/legacy-operator-0',
    ]);
    expect(first.execution).toMatchObject({ dryRun: false, planned: 3, deleted: 3, alreadyGone: 0 });
    expect(second.plan.deletions.map(keyOf)).toEqual(['payments/legacy-operator-2']);
    expect(second.plan.skipped.map((s) => [keyOf(s), s.skip])).toEqual([
      ['payments/legacy-operator-1', 'capReached'],
      ['payments/legacy-operator-0', 'capReached'],
    ]);
    expect(second.execution).toMatchObject({ planned: 1, deleted: 1 });
    expect(storedLeases(a)).toEqual([]);
    expect(storedLeases(b)).toEqual(['payments/legacy-operator-0', 'payments/legacy-operator-1']);
    expect(aKeys).toHaveLength(3);
    // One action record per planned deletion, in the order they were executed.
    expect(records).toEqual([...first.execution.actions, ...second.execution.actions]);
    expect(records.map((r) => [r.cluster, r.name, r.outcome])).toEqual([
      ['a', 'legacy-operator-2', 'deleted'],
      ['a', 'legacy-operator-1', 'deleted'],
      ['a', 'legacy-operator-0', 'deleted'],
      ['b', 'legacy-operator-2', 'deleted'],
    ]);
  });

  it('counts a lease someone else deleted between plan and delete (alreadyGone) as spent', async () => {
    // Prepare: as above, but once cluster a is read (before any delete), another actor deletes one of its
    // three planned leases. a: 2 deleted + 1 alreadyGone = 3 spent; 4 - 3 = 1 left for b.
    const a = await clusters.start({}, { name: 'a' });
    const b = await clusters.start({}, { name: 'b' });
    seedAbandoned(a, [2, 3, 4]);
    seedAbandoned(b, [2, 3, 4]);
    const deleteBehindTheReaper = (cluster: string) => {
      if (cluster === 'a') a.store.delete(leases, NAMESPACE, 'legacy-operator-1');
    };

    // Act
    const [first, second] = await reapClusters([simTarget(a), simTarget(b)], {
      policy: policy({ maxDeletionsPerRun: 4 }),
      dryRun: false,
      onClusterRead: deleteBehindTheReaper,
    });

    // Assess
    expect(reaped(first).execution).toMatchObject({ planned: 3, deleted: 2, alreadyGone: 1 });
    expect(reaped(second).plan.deletions.map(keyOf)).toEqual(['payments/legacy-operator-2']);
    expect(reaped(second).execution).toMatchObject({ planned: 1, deleted: 1 });
    expect(storedLeases(b)).toEqual(['payments/legacy-operator-0', 'payments/legacy-operator-1']);
  });
});

describe('reapClusters: the Kubernetes Events of deletions', () => {
  it('writes a LeaseReaped Event per real deletion when the policy records Events, and none when it does not', async () => {
    // Prepare: two clusters with two abandoned leases each; only the first cluster's run records Events.
    const withEvents = await clusters.start({}, { name: 'with-events' });
    const without = await clusters.start({}, { name: 'without-events' });
    seedAbandoned(withEvents, [2, 3]);
    seedAbandoned(without, [2, 3]);

    // Act
    const [recorded] = await reapClusters([simTarget(withEvents)], {
      policy: policy({ recordEvents: true }),
      dryRun: false,
    });
    const [unrecorded] = await reapClusters([simTarget(without)], {
      policy: policy({ recordEvents: false }),
      dryRun: false,
    });

    // Assess: each Event names its lease, in the lease's namespace; the deletions stand either way.
    expect(reaped(recorded).execution).toMatchObject({ deleted: 2, eventsRecorded: 2, eventsFailed: 0 });
    const written = withEvents.store.list(events).map(({ obj }) => {
      const regarding = obj.regarding as { name: string };
      return [obj.metadata.namespace, obj.reason, regarding.name];
    });
    expect(written.sort()).toEqual([
      [NAMESPACE, 'LeaseReaped', 'legacy-operator-0'],
      [NAMESPACE, 'LeaseReaped', 'legacy-operator-1'],
    ]);
    expect(reaped(unrecorded).execution).toMatchObject({ deleted: 2, eventsRecorded: 0, eventsFailed: 0 });
    expect(without.store.count(events)).toBe(0);
    expect(storedLeases(without)).toEqual([]);
  });
});

describe('reapClusters: what each cluster is read for', () => {
  it('lists Pods (a lease whose holder Pod runs is not planned) and no LeaseCandidates', async () => {
    // Prepare: a cluster that serves LeaseCandidates; an abandoned lease, and a lease expired 3 days ago
    // whose holder Pod is Running (the holder is `<pod>_<uuid>`).
    const sim = await clusters.start({}, { coordinatedLeaderElection: true });
    expect(sim.leaseCandidates).toBeDefined();
    seedAbandoned(sim, [2]);
    const now = sim.store.clock();
    const pod = 'ledger-controller-5d8f7c9b4-abcde';
    sim.store.create(pods, podObject(NAMESPACE, pod, 'ip-10-0-0-1.ec2.internal', 'Running', now - DAY));
    sim.store.create(
      leases,
      leaderLease({
        namespace: NAMESPACE,
        name: 'ledger-controller',
        holder: `${pod}_8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f`,
        renewMs: now - 3 * DAY,
        acquireMs: now - 4 * DAY,
        createdMs: now - 30 * DAY,
      }),
    );

    // Act
    const [result] = await reapClusters([simTarget(sim)], { policy: policy(), dryRun: true });

    // Assess
    expect(reaped(result).plan.deletions.map(keyOf)).toEqual(['payments/legacy-operator-0']);
    expect(deletesSent(sim).map((r) => r.url)).toEqual([
      '/apis/coordination.k8s.io/v1/namespaces/payments/leases/legacy-operator-0',
    ]);
    const paths = sim.requests.map((r) => new URL(r.url, 'https://sim').pathname);
    expect(paths).toContain('/api/v1/pods');
    expect(paths.filter((p) => p.includes('leasecandidates'))).toEqual([]);
  });

  it('plans an orphaned node lease when reapOrphanedNodeLeases is on (node leases behind findings are kept)', async () => {
    // Prepare: one node lease whose Node is gone, unrenewed for 2 h to 3 d (more than minExpiredFor 10m).
    const sim = await clusters.start({ orphanedNodeLeases: 1 });
    const orphaned = sim.seeded?.orphanedNodeLeases.ownerless ?? [];
    expect(orphaned).toHaveLength(1);

    // Act
    const [result] = await reapClusters([simTarget(sim)], {
      policy: parseReapPolicy({ reapOrphanedNodeLeases: true, minExpiredFor: '10m' }),
      dryRun: true,
    });

    // Assess
    const run = reaped(result);
    expect(run.plan.deletions.map((d) => [keyOf(d), d.finding])).toEqual([
      [orphaned[0], 'OrphanedNodeLease'],
    ]);
    expect(run.execution).toMatchObject({ dryRun: true, planned: 1, deleted: 1 });
  });
});

describe('reapClusters: one cluster at a time fails', () => {
  it('makes a cluster that cannot be read an error of its kind, reports each read and its progress, and completes the others', async () => {
    // Prepare: the same cluster twice, once with a token it does not know (401: never retried).
    const sim = await clusters.start({}, { name: 'good' });
    seedAbandoned(sim, [3]);
    const lockedOut = simTarget(sim, { name: 'locked-out', token: 'not-a-token-the-cluster-knows' });
    const reads: [string, boolean][] = [];
    const progress: [string, ClusterProgress][] = [];

    // Act
    const results = await reapClusters([lockedOut, simTarget(sim)], {
      policy: policy(),
      dryRun: true,
      onClusterRead: (cluster, ok) => reads.push([cluster, ok]),
      onProgress: (cluster, p) => progress.push([cluster, p]),
    });

    // Assess
    expect(results[0]).toEqual({
      cluster: 'locked-out',
      status: 'error',
      error: { kind: 'unauthorized', message: expect.stringContaining('(401)') },
    });
    expect(reaped(results[1]).execution).toMatchObject({ cluster: 'good', planned: 1, deleted: 1 });
    expect(reads.sort()).toEqual([
      ['good', true],
      ['locked-out', false],
    ]);
    // Each cluster's progress starts at nothing read; the good one ends having read its one lease
    // (no Nodes, no Pods).
    for (const cluster of ['locked-out', 'good'])
      expect(progress.find(([c]) => c === cluster)?.[1]).toEqual({ pages: 0, objects: 0, retries: 0 });
    expect(progress.findLast(([c]) => c === 'good')?.[1]).toMatchObject({ objects: 1, retries: 0 });
  });

  it('reads at most `concurrency` clusters at a time', async () => {
    // Prepare
    const a = await clusters.start({}, { name: 'a' });
    const b = await clusters.start({}, { name: 'b' });
    const events: string[] = [];
    const started = new Set<string>();

    // Act
    await reapClusters([simTarget(a), simTarget(b)], {
      policy: policy(),
      dryRun: true,
      concurrency: 1,
      onProgress: (cluster) => {
        if (!started.has(cluster)) events.push(`start ${cluster}`);
        started.add(cluster);
      },
      onClusterRead: (cluster) => events.push(`read ${cluster}`),
    });

    // Assess: b is not started before a has been read.
    expect(events).toEqual(['start a', 'read a', 'start b', 'read b']);
  });

  it('makes a cluster whose list exceeds a read limit an error of kind limit', async () => {
    // Prepare: two leases, at most one item per list.
    const sim = await clusters.start();
    const keys = seedAbandoned(sim, [2, 3]);

    // Act
    const [result] = await reapClusters([simTarget(sim)], {
      policy: policy(),
      dryRun: false,
      readLimits: { maxListItems: 1 },
    });

    // Assess
    expect(result).toMatchObject({ cluster: sim.name, status: 'error', error: { kind: 'limit' } });
    expect(deletesSent(sim)).toEqual([]);
    expect(storedLeases(sim)).toEqual([...keys].sort());
  });
});

describe('reapClusters: the run deadline (signal)', () => {
  it('with a signal already aborted, reads nothing and makes each cluster a timeout error', async () => {
    // Prepare
    const sim = await clusters.start();
    const keys = seedAbandoned(sim, [3]);

    // Act
    const results = await reapClusters([simTarget(sim)], {
      policy: policy(),
      dryRun: false,
      signal: AbortSignal.abort(),
    });

    // Assess
    expect(results).toEqual([
      {
        cluster: sim.name,
        status: 'error',
        error: { kind: 'timeout', message: expect.stringContaining("the run's deadline passed") },
      },
    ]);
    expect(sim.requests).toEqual([]);
    expect(storedLeases(sim)).toEqual(keys);
  });

  it('aborted after the read, sends no delete: every planned deletion is notAttempted', async () => {
    // Prepare
    const sim = await clusters.start();
    const keys = seedAbandoned(sim, [2, 3]);
    const deadline = new AbortController();

    // Act
    const [result] = await reapClusters([simTarget(sim)], {
      policy: policy(),
      dryRun: false,
      signal: deadline.signal,
      onClusterRead: () => deadline.abort(),
    });

    // Assess
    const run = reaped(result);
    expect(run.execution).toMatchObject({ planned: 2, deleted: 0, notAttempted: 2, stoppedEarly: true });
    expect(run.execution.actions.map((a) => a.detail)).toEqual([
      'the run reached its deadline',
      'the run reached its deadline',
    ]);
    expect(deletesSent(sim)).toEqual([]);
    expect(storedLeases(sim)).toEqual([...keys].sort());
  });

  it('aborted while a delete is in flight, cuts that delete short and attempts no other', async () => {
    // Prepare: the API server holds each delete 3 s; the deadline passes as soon as the first one arrives.
    const sim = await clusters.start();
    seedAbandoned(sim, [2, 3]);
    sim.faults.add({ action: { type: 'latency', ms: 3_000 }, match: { method: 'DELETE' } });
    const deadline = new AbortController();
    const abortOnFirstDelete = () => {
      const timer = setInterval(() => {
        if (deletesSent(sim).length > 0) deadline.abort();
      }, 5);
      cleanups.push(async () => clearInterval(timer));
    };
    const started = Date.now();

    // Act
    const [result] = await reapClusters([simTarget(sim)], {
      policy: policy(),
      dryRun: true,
      signal: deadline.signal,
      onClusterRead: abortOnFirstDelete,
    });

    // Assess: the oldest lease's delete failed on the deadline (it was not waited for), the other was not sent.
    const run = reaped(result);
    expect(run.execution.actions.map((a) => [a.name, a.outcome])).toEqual([
      ['legacy-operator-1', 'failed'],
      ['legacy-operator-0', 'notAttempted'],
    ]);
    expect(run.execution.actions[0]?.detail).toBe(
      `cluster "${sim.name}": the run's deadline passed while trying to delete lease payments/legacy-operator-1`,
    );
    expect(run.execution.stoppedEarly).toBe(true);
    expect(deletesSent(sim)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('reapClusters: connections', () => {
  it('gives up a read connection that never completes after connectTimeoutMs', async () => {
    // Prepare: an endpoint that accepts TCP and never answers the TLS handshake. The run's deadline passes
    // as soon as the first retry is reported (or after 3 s, the default 10 s connect timeout being longer).
    const hole = await startBlackHole();
    cleanups.push(() => hole.close());
    const sim = await clusters.start();
    const target = simTarget(sim, { name: 'private', server: hole.server });
    const deadline = new AbortController();
    const safety = setTimeout(() => deadline.abort(), 3_000);
    cleanups.push(async () => clearTimeout(safety));
    const retries: string[] = [];

    // Act
    const [result] = await reapClusters([target], {
      policy: policy(),
      dryRun: false,
      connectTimeoutMs: 100,
      signal: deadline.signal,
      onProgress: (_, p) => {
        if (!p.lastRetry) return;
        retries.push(p.lastRetry.reason);
        deadline.abort();
      },
    });

    // Assess
    expect(retries[0]).toMatch(/no connection within 0\.1 s \(connect timeout\)/);
    expect(result).toMatchObject({ cluster: 'private', status: 'error' });
  });

  it('gives up a delete connection that never completes after connectTimeoutMs, and retries', async () => {
    // Prepare: the cluster is read through a proxy that, once the read is done, holds every new connection
    // without a word. A delete's connection is then given up after connectTimeoutMs (1 s) and retried: a
    // second held connection comes ~1.0-1.2 s later. The deadline passes then (or after 4 s at the latest).
    const sim = await clusters.start();
    seedAbandoned(sim, [2, 3]);
    const proxy = await startTcpProxy(sim);
    const deadline = new AbortController();
    const safety = setTimeout(() => deadline.abort(), 4_000);
    cleanups.push(async () => clearTimeout(safety));

    // Act
    const [result] = await reapClusters([simTarget(sim, { server: proxy.url })], {
      policy: policy(),
      dryRun: false,
      connectTimeoutMs: 1_000,
      signal: deadline.signal,
      onClusterRead: () =>
        proxy.holdNewConnections((held) => {
          if (held >= 2) deadline.abort();
        }),
    });

    // Assess
    expect(proxy.held()).toBe(2);
    const run = reaped(result);
    expect(run.execution.actions.map((a) => a.outcome)).toEqual(['failed', 'notAttempted']);
    expect(deletesSent(sim)).toEqual([]);
  });

  it('closes its connections to each cluster once the cluster is done', async () => {
    // Prepare: the cluster reached through a proxy that counts the connections still open.
    const sim = await clusters.start();
    seedAbandoned(sim, [3]);
    const proxy = await startTcpProxy(sim);

    // Act
    const [result] = await reapClusters([simTarget(sim, { server: proxy.url })], {
      policy: policy(),
      dryRun: true,
    });

    // Assess: a delete was sent (over a connection of its own), and no connection is left open.
    expect(reaped(result).execution).toMatchObject({ planned: 1, deleted: 1 });
    expect(deletesSent(sim)).toHaveLength(1);
    expect(await eventually(() => proxy.open() === 0, 2_000)).toBe(true);
  });
});

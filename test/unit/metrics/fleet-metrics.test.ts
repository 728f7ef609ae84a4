import { describe, expect, it } from 'vitest';
import type { ClusterResult } from '../../../shared/fleet/audit-clusters.ts';
import { fleetMetrics, type MetricSelection } from '../../../shared/metrics/fleet-metrics.ts';
import {
  DEFAULT_FLEET_METRICS,
  DEFAULT_PER_CLUSTER_METRICS,
  MetricName,
} from '../../../shared/metrics/metric-names.ts';
import type { ExecutionSummary } from '../../../shared/reap/execute-plan.ts';
import { auditOf, DAY, leaderLease, node, nodeLease } from '../audit/builders.ts';

const ok = (cluster: string, staleNodes: number): ClusterResult => {
  const names = Array.from({ length: 3 }, (_, i) => `n${i}`);
  const audit = auditOf({
    leases: [
      ...names.map((n, i) => nodeLease(n, { renewAgoMs: i < staleNodes ? 10 * 60_000 : 1_000 })),
      leaderLease({ renewAgoMs: 3 * DAY }),
    ],
    nodes: names.map((n) => node(n)),
  });
  return {
    status: 'ok',
    cluster,
    clock: { source: 'server', nowMs: 0 },
    audit: { ...audit, cluster },
    stats: { requests: 3, retries: 0, pages: 3, restarts: 0, durationMs: 120 },
  };
};
const value = (points: ReturnType<typeof fleetMetrics>, name: string, cluster?: string) =>
  points.filter((p) => p.name === name && p.cluster === cluster).map((p) => p.value);

describe('fleetMetrics', () => {
  it('publishes per-cluster values with the Cluster dimension and fleet totals without it', () => {
    const points = fleetMetrics([ok('a', 1), ok('b', 2)]);

    expect(value(points, 'StaleNodeHeartbeats', 'a')).toEqual([1]);
    expect(value(points, 'StaleNodeHeartbeats', 'b')).toEqual([2]);
    expect(value(points, 'StaleNodeHeartbeats')).toEqual([3]);
    expect(value(points, 'NodeLeases')).toEqual([6]);
    expect(value(points, 'AbandonedLeases')).toEqual([2]);
    expect(value(points, 'ScanDurationMs', 'a')).toEqual([120]);
    expect(value(points, 'ScanDurationMs')).toEqual([]); // durations are not summed across clusters
  });

  it('publishes ClusterScanErrors = 1 for a cluster that could not be audited, 0 for the others', () => {
    const points = fleetMetrics([
      ok('a', 0),
      { status: 'error', cluster: 'gone', error: { kind: 'unreachable', message: 'x' } },
    ]);

    expect(value(points, 'ClusterScanErrors', 'gone')).toEqual([1]);
    expect(value(points, 'ClusterScanErrors', 'a')).toEqual([0]);
    expect(value(points, 'ClusterScanErrors')).toEqual([1]);
    expect(points.filter((p) => p.cluster === 'gone')).toHaveLength(1);
  });

  it('counts real deletes, conflicts and failures, and no deletes for a dry run', () => {
    const run = (dryRun: boolean): ExecutionSummary => ({
      cluster: 'a',
      dryRun,
      planned: 4,
      deleted: 2,
      alreadyGone: 0,
      changed: 1,
      forbidden: 0,
      failed: 1,
      notAttempted: 0,
      eventsRecorded: 0,
      eventsFailed: 0,
      stoppedEarly: false,
      actions: [],
    });

    const applied = fleetMetrics([], [run(false)]);
    const dry = fleetMetrics([], [run(true)]);

    expect(value(applied, 'LeasesDeleted', 'a')).toEqual([2]);
    expect(value(applied, 'DeleteConflicts', 'a')).toEqual([1]);
    expect(value(applied, 'DeleteFailures', 'a')).toEqual([1]);
    expect(value(dry, 'LeasesDeleted', 'a')).toEqual([0]);
  });
});

describe('fleetMetrics with the registry’s metric selection', () => {
  const selection: MetricSelection = {
    perCluster: DEFAULT_PER_CLUSTER_METRICS,
    fleet: DEFAULT_FLEET_METRICS,
  };
  const gone: ClusterResult = {
    status: 'error',
    cluster: 'gone',
    error: { kind: 'unreachable', message: 'x' },
  };
  const names = (points: ReturnType<typeof fleetMetrics>, cluster?: string) =>
    points
      .filter((p) => p.cluster === cluster)
      .map((p) => p.name)
      .sort();

  it('publishes per cluster only StaleNodeHeartbeats and ClusterScanErrors, and the default fleet totals', () => {
    const points = fleetMetrics([ok('a', 1), ok('b', 2)], [], { selection });

    expect(names(points, 'a')).toEqual(['ClusterScanErrors', 'StaleNodeHeartbeats']);
    expect(names(points)).toEqual([...DEFAULT_FLEET_METRICS].sort());
    expect(value(points, 'StaleNodeHeartbeats')).toEqual([3]);
    expect(value(points, 'AbandonedLeases')).toEqual([2]);
    expect(value(points, 'NodeLeases')).toEqual([]);
    expect(value(points, 'ScanDurationMs', 'a')).toEqual([]);
  });

  it('totals every cluster, also for a metric no cluster publishes on its own', () => {
    const points = fleetMetrics([ok('a', 1), ok('b', 2)], [], {
      selection: { perCluster: [], fleet: [MetricName.StaleNodeHeartbeats] },
    });

    expect(points.filter((p) => p.cluster !== undefined)).toEqual([]);
    expect(value(points, 'StaleNodeHeartbeats')).toEqual([3]);
  });

  it('always publishes the ClusterScanErrors total, the heartbeat of every run, whatever the lists say', () => {
    const points = fleetMetrics([ok('a', 0), gone], [], { selection: { perCluster: [], fleet: [] } });

    expect(points).toEqual([{ name: 'ClusterScanErrors', value: 1, unit: 'Count' }]);
  });

  it('publishes LiveApiServers for a cluster that expects apiservers, and only for it', () => {
    const points = fleetMetrics([ok('a', 0), ok('b', 0)], [], {
      selection,
      liveApiServerClusters: new Set(['b']),
    });

    expect(value(points, 'LiveApiServers', 'b')).toEqual([0]);
    expect(value(points, 'LiveApiServers', 'a')).toEqual([]);
    expect(value(points, 'LiveApiServers')).toEqual([]);
  });

  it('carries the stored finding counts forward for a cluster whose scan failed, totals included', () => {
    const points = fleetMetrics([ok('a', 1), gone], [], {
      selection,
      carried: new Map([['gone', { StaleNodeHeartbeat: 4, AbandonedLease: 2 }]]),
    });

    expect(value(points, 'ClusterScanErrors', 'gone')).toEqual([1]);
    expect(value(points, 'StaleNodeHeartbeats', 'gone')).toEqual([4]);
    expect(value(points, 'StaleNodeHeartbeats')).toEqual([5]);
    expect(value(points, 'AbandonedLeases')).toEqual([3]);
    expect(value(points, 'OrphanedNodeLeases')).toEqual([0]);
    expect(names(points, 'gone')).toEqual(['ClusterScanErrors', 'StaleNodeHeartbeats']);
  });

  it('publishes nothing it could not measure for a failed cluster with no stored state', () => {
    const points = fleetMetrics([gone], [], { selection });

    expect(names(points, 'gone')).toEqual(['ClusterScanErrors']);
    expect(value(points, 'StaleNodeHeartbeats')).toEqual([]);
  });
});

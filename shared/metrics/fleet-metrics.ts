import type { FindingType } from '../audit/findings.ts';
import type { ClusterResult } from '../fleet/audit-clusters.ts';
import type { ExecutionSummary } from '../reap/execute-plan.ts';
import { CLUSTER_DIMENSION, MetricName } from './metric-names.ts';

/** One value of one metric, for one cluster or (without `cluster`) for the fleet. */
export interface MetricPoint {
  name: MetricName;
  value: number;
  unit: 'Count' | 'Milliseconds';
  cluster?: string;
}

const findingMetrics: Partial<Record<FindingType, MetricName>> = {
  StaleNodeHeartbeat: MetricName.StaleNodeHeartbeats,
  OrphanedNodeLease: MetricName.OrphanedNodeLeases,
  NodeWithoutLease: MetricName.NodesWithoutLease,
  ExpiredApiServerIdentity: MetricName.ExpiredApiServerIdentities,
  OrphanedApiServerIdentity: MetricName.OrphanedApiServerIdentities,
  ExpiredLease: MetricName.ExpiredLeases,
  AbandonedLease: MetricName.AbandonedLeases,
  MalformedLease: MetricName.MalformedLeases,
};

/**
 * The metrics of a fleet run: per cluster (dimension `Cluster`) and fleet-wide totals (no dimension).
 * A cluster that could not be audited publishes ClusterScanErrors = 1 and nothing it could not measure;
 * the others publish 0 for it, so an alarm sees "no error" rather than missing data. Pure.
 */
export function fleetMetrics(
  results: readonly ClusterResult[],
  executions: readonly ExecutionSummary[] = [],
): MetricPoint[] {
  const points: MetricPoint[] = [];
  const totals = new Map<MetricName, number>();
  const add = (cluster: string, name: MetricName, value: number, unit: MetricPoint['unit'] = 'Count') => {
    points.push({ name, value, unit, cluster });
    if (unit === 'Count') totals.set(name, (totals.get(name) ?? 0) + value);
  };

  for (const r of results) {
    if (r.status === 'error') {
      add(r.cluster, MetricName.ClusterScanErrors, 1);
      continue;
    }
    add(r.cluster, MetricName.ClusterScanErrors, 0);
    add(r.cluster, MetricName.NodeLeases, r.audit.counts.byKind.nodeHeartbeat);
    add(r.cluster, MetricName.LiveApiServers, r.audit.counts.liveApiServers);
    for (const [type, metric] of Object.entries(findingMetrics) as [FindingType, MetricName][]) {
      add(r.cluster, metric, r.audit.counts.findings[type]);
    }
    add(r.cluster, MetricName.ScanDurationMs, r.stats.durationMs, 'Milliseconds');
  }
  for (const e of executions) {
    // Dry-run deletes are checks, not deletions: they are not counted as deleted.
    add(e.cluster, MetricName.LeasesDeleted, e.dryRun ? 0 : e.deleted);
    add(e.cluster, MetricName.DeleteConflicts, e.changed);
    add(e.cluster, MetricName.DeleteFailures, e.failed + e.forbidden);
  }
  for (const [name, value] of totals) points.push({ name, value, unit: 'Count' });
  return points;
}

export { CLUSTER_DIMENSION };

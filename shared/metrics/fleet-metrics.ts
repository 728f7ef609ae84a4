import type { FindingType } from '../audit/findings.ts';
import type { ClusterResult } from '../fleet/audit-clusters.ts';
import type { ExecutionSummary } from '../reap/execute-plan.ts';
import { CLUSTER_DIMENSION, MetricName, OPT_IN_METRICS } from './metric-names.ts';

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
  ControlPlaneLeaderMissing: MetricName.ControlPlaneLeadersMissing,
  LeaderChurn: MetricName.ChurningLeaderLeases,
  StaleLeaseCandidate: MetricName.StaleLeaseCandidates,
  CoordinatedLeaseWithoutCandidate: MetricName.CoordinatedLeasesWithoutCandidate,
  LeaseNamingAdvice: MetricName.LeaseNamingAdvice,
};

/** Which audit metrics a run publishes per cluster and as fleet totals (the registry's `metrics`). */
export interface MetricSelection {
  perCluster: readonly MetricName[];
  fleet: readonly MetricName[];
}

export interface FleetMetricsOptions {
  /** Unset: every metric but the opt-in ones, per cluster and as a total (the reap function's deletion metrics). */
  selection?: MetricSelection;
  /** Clusters that publish LiveApiServers whatever the selection: they set `expectedApiServers`. */
  liveApiServerClusters?: ReadonlySet<string>;
  /**
   * For clusters whose scan failed: the finding counts last stored, published again as they were, so a
   * failed scan never reads as recovery to an alarm.
   */
  carried?: ReadonlyMap<string, Partial<Record<FindingType, number>>>;
}

/**
 * The metrics of a fleet run: per cluster (dimension `Cluster`) and fleet-wide totals (no dimension).
 * A cluster that could not be audited publishes ClusterScanErrors = 1 and nothing it could not measure,
 * except the finding counts carried forward for it; the others publish 0 for it, so an alarm sees "no
 * error" rather than missing data. With a selection, a cluster publishes only its `perCluster` names
 * (and LiveApiServers where expected), and totals only the `fleet` names — ClusterScanErrors always, the
 * heartbeat that tells an "auditor silent" alarm a run happened. Totals count every cluster either way.
 * Pure.
 */
export function fleetMetrics(
  results: readonly ClusterResult[],
  executions: readonly ExecutionSummary[] = [],
  options: FleetMetricsOptions = {},
): MetricPoint[] {
  const points: MetricPoint[] = [];
  const totals = new Map<MetricName, number>();
  const { selection } = options;
  const perCluster = selection ? new Set(selection.perCluster) : undefined;
  const fleet = selection
    ? new Set<MetricName>([...selection.fleet, MetricName.ClusterScanErrors])
    : undefined;
  const add = (cluster: string, name: MetricName, value: number, unit: MetricPoint['unit'] = 'Count') => {
    // Opt-in metrics (LeaseNamingAdvice) only where a selection names them.
    if (!selection && OPT_IN_METRICS.has(name)) return;
    const published =
      !perCluster ||
      perCluster.has(name) ||
      (name === MetricName.LiveApiServers && options.liveApiServerClusters?.has(cluster) === true);
    if (published) points.push({ name, value, unit, cluster });
    if (unit === 'Count') totals.set(name, (totals.get(name) ?? 0) + value);
  };

  for (const r of results) {
    if (r.status === 'error') {
      add(r.cluster, MetricName.ClusterScanErrors, 1);
      const carried = options.carried?.get(r.cluster);
      if (carried) {
        for (const [type, metric] of Object.entries(findingMetrics) as [FindingType, MetricName][]) {
          add(r.cluster, metric, carried[type] ?? 0);
        }
      }
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
  for (const [name, value] of totals) {
    if (!fleet || fleet.has(name)) points.push({ name, value, unit: 'Count' });
  }
  return points;
}

export { CLUSTER_DIMENSION };

/**
 * The CloudWatch metrics lease-reaper publishes. This module is the single source of the names: the
 * functions publish them and the CDK stack's alarms and dashboard import them, never retype them.
 */
export const DEFAULT_METRICS_NAMESPACE = 'LeaseReaper';

/** The per-cluster dimension; fleet totals are published without it. Never a lease name (cardinality). */
export const CLUSTER_DIMENSION = 'Cluster';

/**
 * A deployed stack adds `Stack=<stack name>` to every datum (totals included), so two stacks sharing a
 * namespace never add to each other's alarms, and one's totals never hide the other's silence. The stack
 * passes its name to the functions in this environment variable; without it (CLI), no such dimension.
 */
export const STACK_DIMENSION = 'Stack';
export const METRICS_STACK_ENV = 'LEASE_REAPER_METRICS_STACK';

/**
 * A run that failed outright (bad configuration, an invalid event, a crash, its deadline): value 1, published
 * by the functions' onError with dimensions `Function` (audit or reap) and `Stack`. Not a MetricName: no
 * registry selects it. The namespace and sink come from the stack's environment, so a run that failed before
 * it could read its registry still publishes it.
 */
export const RUN_FAILED_METRIC = 'RunFailed';
export const FUNCTION_DIMENSION = 'Function';
export const METRICS_NAMESPACE_ENV = 'LEASE_REAPER_METRICS_NAMESPACE';
export const METRICS_SINK_ENV = 'LEASE_REAPER_METRICS_SINK';

export const MetricName = {
  NodeLeases: 'NodeLeases',
  StaleNodeHeartbeats: 'StaleNodeHeartbeats',
  OrphanedNodeLeases: 'OrphanedNodeLeases',
  NodesWithoutLease: 'NodesWithoutLease',
  LiveApiServers: 'LiveApiServers',
  ExpiredApiServerIdentities: 'ExpiredApiServerIdentities',
  OrphanedApiServerIdentities: 'OrphanedApiServerIdentities',
  ExpiredLeases: 'ExpiredLeases',
  AbandonedLeases: 'AbandonedLeases',
  MalformedLeases: 'MalformedLeases',
  ControlPlaneLeadersMissing: 'ControlPlaneLeadersMissing',
  ChurningLeaderLeases: 'ChurningLeaderLeases',
  StaleLeaseCandidates: 'StaleLeaseCandidates',
  CoordinatedLeasesWithoutCandidate: 'CoordinatedLeasesWithoutCandidate',
  LeaseNamingAdvice: 'LeaseNamingAdvice',
  LeasesDeleted: 'LeasesDeleted',
  DeleteConflicts: 'DeleteConflicts',
  DeleteFailures: 'DeleteFailures',
  ClusterScanErrors: 'ClusterScanErrors',
  ScanDurationMs: 'ScanDurationMs',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/**
 * Published at 1-second storage resolution, so their alarms can use 30-second periods, evaluated every
 * 10 s (CloudWatch: alarms with a 10- or 30-second period): the stale-heartbeat alarm's latency budget, and
 * the "auditor silent" alarm's (it counts the ClusterScanErrors total's samples per 30 s). Same price per
 * metric as standard resolution; only the alarms cost more.
 */
export const HIGH_RESOLUTION_METRICS: ReadonlySet<MetricName> = new Set([
  MetricName.StaleNodeHeartbeats,
  MetricName.ClusterScanErrors,
]);

/**
 * Cost: CloudWatch bills each metric (name + dimensions) per month, so each cluster publishes only what the
 * alarms watch per cluster; the fleet-wide totals (dimension `Stack` only) cover the rest, and every count
 * is in the `cluster audited` log line anyway. Both lists are configurable in the registry (`metrics`).
 */
export const DEFAULT_PER_CLUSTER_METRICS: readonly MetricName[] = [
  MetricName.StaleNodeHeartbeats,
  MetricName.ClusterScanErrors,
];

/**
 * Fleet totals published by default. ClusterScanErrors is always published (every run's heartbeat: the
 * "auditor silent" alarm counts its samples), whatever the list says.
 */
export const DEFAULT_FLEET_METRICS: readonly MetricName[] = [
  MetricName.ClusterScanErrors,
  MetricName.StaleNodeHeartbeats,
  MetricName.OrphanedNodeLeases,
  MetricName.NodesWithoutLease,
  MetricName.ExpiredApiServerIdentities,
  MetricName.OrphanedApiServerIdentities,
  MetricName.AbandonedLeases,
  MetricName.ControlPlaneLeadersMissing,
];

/**
 * Published only where a registry's `metrics` names them: a run without a selection (every metric) leaves
 * them out too. LeaseNamingAdvice is advice about nearly every unlabelled custom lease, not a state to alarm on.
 */
export const OPT_IN_METRICS: ReadonlySet<MetricName> = new Set([MetricName.LeaseNamingAdvice]);

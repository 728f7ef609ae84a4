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
  LeasesDeleted: 'LeasesDeleted',
  DeleteConflicts: 'DeleteConflicts',
  DeleteFailures: 'DeleteFailures',
  ClusterScanErrors: 'ClusterScanErrors',
  ScanDurationMs: 'ScanDurationMs',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

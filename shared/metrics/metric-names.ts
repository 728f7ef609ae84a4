/**
 * The CloudWatch metrics lease-reaper publishes. This module is the single source of the names: the
 * functions publish them and the CDK stack's alarms and dashboard import them, never retype them.
 */
export const DEFAULT_METRICS_NAMESPACE = 'LeaseReaper';

/** The one dimension; fleet totals are published without it. Never a lease name (cardinality). */
export const CLUSTER_DIMENSION = 'Cluster';

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

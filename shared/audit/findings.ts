/**
 * The audit's vocabulary. Finding type names are the JSON contract and the base of metric names: keep them.
 */
export const findingTypes = [
  'StaleNodeHeartbeat',
  'OrphanedNodeLease',
  'NodeWithoutLease',
  'ExpiredApiServerIdentity',
  'OrphanedApiServerIdentity',
  'DuplicateApiServerHostname',
  'ExpiredLease',
  'AbandonedLease',
  'MalformedLease',
  'ControlPlaneLeaderMissing',
  'LeaderChurn',
  'StaleLeaseCandidate',
  'CoordinatedLeaseWithoutCandidate',
  'LeaseNamingAdvice',
] as const;

export type FindingType = (typeof findingTypes)[number];

export const severities = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof severities)[number];

export const severityRank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** What a lease is for, decided explicitly from its namespace, labels, name and spec. */
export type LeaseKind =
  /** A kubelet heartbeat in kube-node-lease. */
  | 'nodeHeartbeat'
  /** A kube-apiserver identity in kube-system (any generation's labels or names). */
  | 'apiServerIdentity'
  /** Managed by coordinated leader election (`spec.strategy` / `spec.preferredHolder`). */
  | 'coordinated'
  /** A leader lease in kube-system: kube-controller-manager, kube-scheduler, cloud-controller-manager… */
  | 'systemLeader'
  /** Leader election of any other controller or workload. */
  | 'leader';

/** The lease facts a finding rests on, as read (times as RFC 3339 strings, unparsed values as sent). */
export interface FindingFacts {
  renewTime?: string;
  leaseDurationSeconds?: number;
  holderIdentity?: string;
  /** `Node/<name>/<uid>` for owner references. */
  owner?: string;
  /** The Node involved, and its uid when it exists. */
  node?: string;
  nodeUid?: string;
  hostname?: string;
  /** What is wrong with a malformed lease. */
  problems?: string[];
  /** Whether the holder Pod was found running (undefined when Pods were not listed). */
  holderPodRunning?: boolean;
  /** LeaderChurn: the lease's acquireTime and leaseTransitions as read, and the rate the rule measured. */
  acquireTime?: string;
  leaseTransitions?: number;
  transitionsPerHour?: number;
  /** LeaderChurn: `lifetime` (estimated over the lease's age) or `sample` (since a previous run's count). */
  churnMeasuredOver?: 'lifetime' | 'sample';
  /** LeaseCandidate findings: the lease the candidate runs for; its last ping as read. */
  leaseName?: string;
  pingTime?: string;
  /** LeaseNamingAdvice: what the advice is about. */
  advice?: ('genericName' | 'noOwnerLink' | 'sharedName')[];
  /** LeaseNamingAdvice (sharedName): the other namespaces holding a lease of this name. */
  sharedWith?: string[];
}

export interface Finding {
  type: FindingType;
  severity: Severity;
  namespace: string;
  name: string;
  /** A sentence a person understands. */
  reason: string;
  /** How long the condition has held (e.g. since the lease expired), in whole seconds; 0 when unknown. */
  ageSeconds: number;
  leaseKind?: LeaseKind;
  /** Identity of the lease as listed, so a later delete can carry preconditions. */
  uid?: string;
  resourceVersion?: string;
  facts: FindingFacts;
}

/**
 * The findings a reaper may act on (its policy decides whether it does); everything else is report-only.
 * Coordinated-leader-election leases never are: that controller owns them.
 */
export function isDeletionCandidate(f: Finding): boolean {
  if (f.type === 'OrphanedNodeLease') return true;
  return f.type === 'AbandonedLease' && f.leaseKind !== 'coordinated';
}

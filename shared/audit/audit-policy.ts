import { CONTROL_PLANE_LEADER_LEASES } from './rules/control-plane-leaders.ts';

/** Thresholds of the audit. Defaults follow Kubernetes' own (see the README's policy section). */
export interface AuditPolicy {
  /** kube-controller-manager's --node-monitor-grace-period (50 s since 1.32). */
  nodeGracePeriodSeconds: number;
  /** A stale heartbeat becomes critical past this age. */
  nodeCriticalAfterSeconds: number;
  /** Allowance for clock differences between the writer of a lease, the API server and us. */
  clockSkewMarginSeconds: number;
  /** An identity lease expired for longer than this means the apiserver's hourly GC is not running. */
  apiServerGcGraceSeconds: number;
  /**
   * An identity lease renewed within this many seconds counts as a live apiserver (`liveApiServers`).
   * kube-apiserver renews its identity every 10 s for 3600 s: by expiry alone a dead apiserver would count
   * as live for an hour, too late for an "apiservers below expected" alarm.
   */
  liveApiServerWindowSeconds: number;
  /** A leader lease expired for longer than this (and with no live holder) is abandoned. */
  abandonedAfterSeconds: number;
  /** Durations above this are absurd (a year). */
  maxLeaseDurationSeconds: number;
  /**
   * kube-system leader leases of control-plane components: one not renewed past its duration (+ the skew
   * margin) means no instance of that component is active (ControlPlaneLeaderMissing, critical).
   */
  controlPlaneLeaderLeases: readonly string[];
  /**
   * LeaderChurn: a live leader lease whose holder changed at least this many times — in the lease's life, or
   * since the previous run's sample when there is one. One rollout hands a lease over a few times at most.
   */
  leaderChurnMinTransitions: number;
  /** LeaderChurn: holder changes per hour at or above this rate (over the lease's life, or since the sample). */
  leaderChurnTransitionsPerHour: number;
  /** LeaderChurn: the current holder acquired the lease within this many seconds (the churn goes on now). */
  leaderChurnRecentSeconds: number;
  /**
   * A LeaseCandidate not renewed for this long is no longer eligible, and the apiserver's GC deletes it:
   * kube-apiserver's leaseCandidateValidDuration, 30 min. Not a tuning knob; match the server.
   */
  leaseCandidateValidSeconds: number;
  /**
   * A candidate answers a ping (spec.pingTime) by renewing at once (client-go leasecandidate.go). A pingTime
   * after its renewTime, older than this (+ the skew margin), means it no longer responds.
   */
  leaseCandidatePingGraceSeconds: number;
  /**
   * Report LeaseNamingAdvice (info) for custom leader leases. Off by default: the advice concerns nearly every
   * unlabelled custom lease (most real ones), so it is asked for (`lease-reaper audit --naming-advice`).
   */
  leaseNamingAdvice: boolean;
  /** Lease names that say nothing of their component (compared lower-case): LeaseNamingAdvice. */
  genericLeaseNames: readonly string[];
}

export const defaultAuditPolicy: Readonly<AuditPolicy> = Object.freeze({
  nodeGracePeriodSeconds: 50,
  nodeCriticalAfterSeconds: 300,
  clockSkewMarginSeconds: 10,
  apiServerGcGraceSeconds: 7200,
  liveApiServerWindowSeconds: 60,
  abandonedAfterSeconds: 86_400,
  maxLeaseDurationSeconds: 365 * 86_400,
  controlPlaneLeaderLeases: CONTROL_PLANE_LEADER_LEASES,
  leaderChurnMinTransitions: 10,
  leaderChurnTransitionsPerHour: 1,
  leaderChurnRecentSeconds: 900,
  leaseCandidateValidSeconds: 1800,
  leaseCandidatePingGraceSeconds: 30,
  leaseNamingAdvice: false,
  genericLeaseNames: Object.freeze([
    'leader',
    'leaders',
    'lock',
    'lease',
    'election',
    'leader-election',
    'leaderelection',
    'leader-elect',
    'leader-lock',
    'leader-lease',
    'controller-leader',
    'controller-lock',
    'operator-lock',
  ]),
});

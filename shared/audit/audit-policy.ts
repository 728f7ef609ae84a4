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
}

export const defaultAuditPolicy: Readonly<AuditPolicy> = Object.freeze({
  nodeGracePeriodSeconds: 50,
  nodeCriticalAfterSeconds: 300,
  clockSkewMarginSeconds: 10,
  apiServerGcGraceSeconds: 7200,
  liveApiServerWindowSeconds: 60,
  abandonedAfterSeconds: 86_400,
  maxLeaseDurationSeconds: 365 * 86_400,
});

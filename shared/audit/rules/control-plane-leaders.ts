import type { LeaseRecord } from '../../kube/records.ts';
import type { AuditPolicy } from '../audit-policy.ts';
import type { Finding, LeaseKind } from '../findings.ts';
import { SYSTEM_NAMESPACE } from '../lease-kind.ts';
import { holderOf, type LeaseTiming } from '../lease-shape.ts';
import { ageSeconds, describeAge, factsOf } from './facts.ts';

/**
 * kube-controller-manager, kube-scheduler and cloud-controller-manager run active/standby through a leader
 * lease in kube-system (client-go: 15 s, renewed every 2 s; a standby takes over within 2 s of expiry). When
 * that lease is not renewed past its duration, no instance is active: Nodes are not marked NotReady, Pods
 * not rescheduled, garbage not collected. So this critical finding comes on top of the lease's ExpiredLease
 * or AbandonedLease, which stay as they are (the reaper skips them as kube-system leases, as before). It is
 * never a deletion candidate, and the reaper refuses these leases even where allowSystemLeases names them
 * (reap/plan.ts): a standby recreating the lease could overlap a leader that is only partitioned.
 */

/** The control-plane components that lead through a kube-system lease of their name: the policy's default. */
export const CONTROL_PLANE_LEADER_LEASES: readonly string[] = Object.freeze([
  'kube-controller-manager',
  'kube-scheduler',
  'cloud-controller-manager',
]);

/** A kube-system leader lease (coordinated or not) of a component the policy names as control plane. */
export function isControlPlaneLeader(lease: LeaseRecord, kind: LeaseKind, policy: AuditPolicy): boolean {
  return (
    (kind === 'systemLeader' || kind === 'coordinated') &&
    lease.namespace === SYSTEM_NAMESPACE &&
    policy.controlPlaneLeaderLeases.includes(lease.name)
  );
}

/** ControlPlaneLeaderMissing once the lease is past its duration and the skew margin; else nothing. */
export function controlPlaneLeaderFinding(
  lease: LeaseRecord,
  kind: LeaseKind,
  timing: LeaseTiming,
  nowMs: number,
  policy: AuditPolicy,
): Finding | undefined {
  const expiredFor = nowMs - timing.expiresMs;
  if (expiredFor <= policy.clockSkewMarginSeconds * 1000) return undefined;
  const released = holderOf(lease) === '';
  return {
    type: 'ControlPlaneLeaderMissing',
    severity: 'critical',
    namespace: lease.namespace,
    name: lease.name,
    reason: `No ${lease.name} instance leads: its lease expired ${describeAge(expiredFor)} ago${released ? ' after its last holder released it' : ''} and no standby took it over (${timing.durationSeconds} s lease + ${policy.clockSkewMarginSeconds} s skew margin).`,
    ageSeconds: ageSeconds(nowMs, timing.expiresMs),
    leaseKind: kind,
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts: factsOf(lease, timing),
  };
}

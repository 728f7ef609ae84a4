import type { LeaseRecord } from '../../kube/records.ts';
import type { AuditPolicy } from '../audit-policy.ts';
import type { Finding, LeaseKind } from '../findings.ts';
import { holderOf, type LeaseTiming } from '../lease-shape.ts';
import { ageSeconds, describeAge, factsOf } from './facts.ts';

/**
 * Leader-election leases (client-go: 15 s, renewed every 2 s; released with an empty holder and 1 s).
 * Expired is normal for a moment (failover, release); expired for a long time with nobody to renew it is
 * abandoned — nothing upstream deletes those.
 */

/** client-go's identity is `<hostname>_<uuid>`; in a Pod the hostname is the Pod's name. */
export function holderPodName(holder: string): string {
  const i = holder.indexOf('_');
  return i === -1 ? holder : holder.slice(0, i);
}

export function leaderFinding(
  lease: LeaseRecord,
  kind: LeaseKind,
  timing: LeaseTiming,
  nowMs: number,
  policy: AuditPolicy,
  livePodNames: ReadonlySet<string> | undefined,
): Finding | undefined {
  const expiredFor = nowMs - timing.expiresMs;
  if (expiredFor <= policy.clockSkewMarginSeconds * 1000) return undefined;
  const holder = holderOf(lease);
  const released = holder === '';
  // Control-plane holders are `<node hostname>_<uuid>`, not Pods: only workload holders are looked up.
  const podName = released || kind === 'systemLeader' ? undefined : holderPodName(holder);
  const holderPodRunning = livePodNames && podName !== undefined ? livePodNames.has(podName) : undefined;
  const abandoned = expiredFor > policy.abandonedAfterSeconds * 1000 && holderPodRunning !== true;
  const facts = {
    ...factsOf(lease, timing),
    ...(holderPodRunning !== undefined ? { holderPodRunning } : {}),
  };
  const base = {
    namespace: lease.namespace,
    name: lease.name,
    ageSeconds: ageSeconds(nowMs, timing.expiresMs),
    leaseKind: kind,
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts,
  };
  const ago = describeAge(expiredFor);
  if (abandoned) {
    const why = released
      ? 'its last holder released it'
      : holderPodRunning === false
        ? `its holder Pod ${podName} is not running`
        : kind === 'systemLeader'
          ? 'no control-plane instance has renewed it'
          : 'no holder has renewed it (Pods were not checked)';
    return {
      ...base,
      type: 'AbandonedLease',
      severity: 'warning',
      reason: `Lease ${lease.namespace}/${lease.name} expired ${ago} ago and ${why}.`,
    };
  }
  const why = released
    ? ', released by its holder'
    : holderPodRunning
      ? `; holder Pod ${podName} is still running`
      : '';
  return {
    ...base,
    type: 'ExpiredLease',
    // An expired control-plane leader lease (coordinated or not) means that controller is not running.
    severity: lease.namespace === 'kube-system' ? 'warning' : 'info',
    reason: `Lease ${lease.namespace}/${lease.name} expired ${ago} ago${why}.`,
  };
}

import type { LeaseRecord } from '../../kube/records.ts';
import type { AuditPolicy } from '../audit-policy.ts';
import type { Finding } from '../findings.ts';
import type { LeaseTiming } from '../lease-shape.ts';
import { ageSeconds, describeAge, factsOf } from './facts.ts';

/**
 * kube-apiserver identity leases (kube-system). Each apiserver renews its own every 10 s for 3600 s, and
 * every apiserver runs a GC that deletes expired ones hourly. So an expired identity is normal for up to
 * an hour after an apiserver went away; one that stays expired past the GC's grace means the GC is not
 * running. Report only — never delete: the storage-version GC and the mixed-version proxy read them.
 */

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function isExpired(timing: LeaseTiming, nowMs: number, policy: AuditPolicy): boolean {
  return nowMs - timing.expiresMs > policy.clockSkewMarginSeconds * 1000;
}

/**
 * Renewed within the policy's window (default 60 s, six missed 10 s renewals): the apiserver runs now. A
 * renewal slightly in the future (clock skew) counts too.
 */
export function isLiveApiServer(timing: LeaseTiming, nowMs: number, policy: AuditPolicy): boolean {
  return nowMs - timing.renewMs <= policy.liveApiServerWindowSeconds * 1000;
}

export function identityFinding(
  lease: LeaseRecord,
  timing: LeaseTiming,
  nowMs: number,
  policy: AuditPolicy,
): Finding | undefined {
  if (!isExpired(timing, nowMs, policy)) return undefined;
  const expiredFor = nowMs - timing.expiresMs;
  const orphaned = expiredFor > policy.apiServerGcGraceSeconds * 1000;
  const hostname = lease.labels[HOSTNAME_LABEL];
  return {
    type: orphaned ? 'OrphanedApiServerIdentity' : 'ExpiredApiServerIdentity',
    severity: orphaned ? 'warning' : 'info',
    namespace: lease.namespace,
    name: lease.name,
    reason: orphaned
      ? `kube-apiserver identity ${lease.name} expired ${describeAge(expiredFor)} ago, longer than the apiserver's hourly lease GC allows (${policy.apiServerGcGraceSeconds} s): that GC is not running.`
      : `kube-apiserver identity ${lease.name} expired ${describeAge(expiredFor)} ago: that apiserver stopped; its GC should remove the lease within the hour.`,
    ageSeconds: ageSeconds(nowMs, timing.expiresMs),
    leaseKind: 'apiServerIdentity',
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts: { ...factsOf(lease, timing), ...(hostname ? { hostname } : {}) },
  };
}

/** Two live identity leases claiming one host: a duplicate apiserver, or an identity that was not cleaned up. */
export function duplicateHostnameFindings(live: readonly LeaseRecord[], nowMs: number): Finding[] {
  const byHost = new Map<string, LeaseRecord[]>();
  for (const lease of live) {
    const host = lease.labels[HOSTNAME_LABEL];
    if (!host) continue;
    const group = byHost.get(host) ?? [];
    group.push(lease);
    byHost.set(host, group);
  }
  const findings: Finding[] = [];
  for (const [host, group] of byHost) {
    if (group.length < 2) continue;
    for (const lease of group) {
      const others = group.filter((l) => l !== lease).map((l) => l.name);
      const created = lease.creationTimestamp ? Date.parse(lease.creationTimestamp) : Number.NaN;
      findings.push({
        type: 'DuplicateApiServerHostname',
        severity: 'warning',
        namespace: lease.namespace,
        name: lease.name,
        reason: `Live kube-apiserver identity ${lease.name} claims host ${host}, as ${others.join(', ')} also ${others.length > 1 ? 'do' : 'does'}.`,
        ageSeconds: Number.isNaN(created) ? 0 : ageSeconds(nowMs, created),
        leaseKind: 'apiServerIdentity',
        uid: lease.uid,
        resourceVersion: lease.resourceVersion,
        facts: { hostname: host },
      });
    }
  }
  return findings;
}

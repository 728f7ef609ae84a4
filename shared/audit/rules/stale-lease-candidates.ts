import type { LeaseCandidateRecord } from '../../kube/records.ts';
import type { AuditPolicy } from '../audit-policy.ts';
import type { Finding } from '../findings.ts';
import { parseKubeTime } from '../kube-time.ts';
import { ageSeconds, describeAge } from './facts.ts';

/**
 * LeaseCandidates (coordination.k8s.io v1alpha2 in 1.32, v1beta1 from 1.33): each instance of a component
 * under coordinated leader election offers itself for a lease. The apiserver's leader-election controller
 * elects only among candidates renewed within the last 30 minutes, and its GC deletes older ones
 * (leaseCandidateValidDuration, pkg/controlplane/controller/leaderelection). client-go renews every 5 minutes,
 * and at once when the controller pings it (spec.pingTime after spec.renewTime; tools/leaderelection/
 * leasecandidate.go). So a candidate is stale when it is past that window, or when a ping went unanswered.
 */

export type CandidateState = { live: true } | { live: false; why: string; sinceMs: number | undefined };

/** Whether the apiserver would still elect this candidate, and if not, why and since when. */
export function candidateState(c: LeaseCandidateRecord, nowMs: number, policy: AuditPolicy): CandidateState {
  const skewMs = policy.clockSkewMarginSeconds * 1000;
  const renewMs = parseKubeTime(c.renewTime);
  if (renewMs === undefined) {
    const why =
      c.renewTime === undefined || c.renewTime === null
        ? 'it was never renewed (no spec.renewTime)'
        : `its spec.renewTime ${JSON.stringify(c.renewTime)} is not a time`;
    return { live: false, why, sinceMs: undefined };
  }
  const validMs = policy.leaseCandidateValidSeconds * 1000;
  if (nowMs - renewMs > validMs + skewMs) {
    return {
      live: false,
      why: `it was last renewed ${describeAge(nowMs - renewMs)} ago, past the ${describeAge(validMs)} a candidate stays eligible (the apiserver's GC deletes it after that)`,
      sinceMs: renewMs + validMs,
    };
  }
  const pingMs = parseKubeTime(c.pingTime);
  const graceMs = policy.leaseCandidatePingGraceSeconds * 1000;
  if (pingMs !== undefined && pingMs > renewMs && nowMs - pingMs > graceMs + skewMs) {
    return {
      live: false,
      why: `the apiserver pinged it ${describeAge(nowMs - pingMs)} ago and it has not renewed since (a live client-go candidate answers at once)`,
      sinceMs: pingMs + graceMs,
    };
  }
  return { live: true };
}

/** StaleLeaseCandidate for a candidate the apiserver would no longer elect; else nothing. */
export function staleCandidateFinding(
  c: LeaseCandidateRecord,
  state: CandidateState,
  nowMs: number,
): Finding | undefined {
  if (state.live) return undefined;
  const leaseName = typeof c.leaseName === 'string' ? c.leaseName : undefined;
  return {
    type: 'StaleLeaseCandidate',
    severity: 'warning',
    namespace: c.namespace,
    name: c.name,
    reason: `LeaseCandidate ${c.namespace}/${c.name}${leaseName ? ` (for lease ${leaseName})` : ''} is stale: ${state.why}.`,
    ageSeconds: state.sinceMs === undefined ? 0 : ageSeconds(nowMs, state.sinceMs),
    uid: c.uid,
    resourceVersion: c.resourceVersion,
    facts: {
      ...(typeof c.renewTime === 'string' ? { renewTime: c.renewTime } : {}),
      ...(typeof c.pingTime === 'string' ? { pingTime: c.pingTime } : {}),
      ...(leaseName !== undefined ? { leaseName } : {}),
    },
  };
}

/** Live and stale candidates per lease, by `leaseKey(namespace, leaseName)`. */
export type CandidatesByLease = ReadonlyMap<string, { live: number; stale: number }>;

/** The key of a lease among the candidates (namespace and name can hold no NUL). */
export function leaseKey(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}

/**
 * Judges every candidate once: the stale ones' findings, and the count of live and stale candidates per
 * lease (for CoordinatedLeaseWithoutCandidate).
 */
export function judgeCandidates(
  candidates: readonly LeaseCandidateRecord[],
  nowMs: number,
  policy: AuditPolicy,
): { findings: Finding[]; byLease: CandidatesByLease } {
  const findings: Finding[] = [];
  const byLease = new Map<string, { live: number; stale: number }>();
  for (const c of candidates) {
    const state = candidateState(c, nowMs, policy);
    const finding = staleCandidateFinding(c, state, nowMs);
    if (finding) findings.push(finding);
    if (typeof c.leaseName !== 'string') continue;
    const key = leaseKey(c.namespace, c.leaseName);
    const counts = byLease.get(key) ?? { live: 0, stale: 0 };
    if (state.live) counts.live++;
    else counts.stale++;
    byLease.set(key, counts);
  }
  return { findings, byLease };
}

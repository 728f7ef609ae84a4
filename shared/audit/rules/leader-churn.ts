import type { LeaseRecord } from '../../kube/records.ts';
import type { AuditPolicy } from '../audit-policy.ts';
import type { Finding, LeaseKind } from '../findings.ts';
import { parseKubeTime } from '../kube-time.ts';
import { holderOf, type LeaseTiming } from '../lease-shape.ts';
import { factsOf } from './facts.ts';

/**
 * Leader churn: a live leader lease whose holder keeps changing. client-go adds 1 to leaseTransitions and
 * resets acquireTime each time another identity takes the lease over, so crash-looping or partitioned
 * replicas show as many transitions and a recent acquireTime — a failure "is it expired" never sees.
 *
 * Stateless, the rate is an estimate over the lease's whole life (transitions / hours since its
 * creationTimestamp): it understates churn that began late in a long life. Given the transitions a previous
 * run saw (`PreviousTransitions`, by lease uid), the rate is measured exactly over the span since then.
 * Keep a sample an hour or more old rather than the last run's, so the span holds the minimum count.
 */

/** What a run saw of a lease's leaseTransitions, and when (the audit's `now`). */
export interface TransitionsSeen {
  leaseTransitions: number;
  atMs: number;
}

/** Earlier samples by lease uid: a re-created lease (new uid) starts over. */
export type PreviousTransitions = ReadonlyMap<string, TransitionsSeen>;

/** The samples of this snapshot, for the next run's `previousTransitions` (leases with transitions only). */
export function transitionsSeen(leases: readonly LeaseRecord[], nowMs: number): Map<string, TransitionsSeen> {
  const seen = new Map<string, TransitionsSeen>();
  for (const lease of leases) {
    const t = lease.leaseTransitions;
    if (typeof t === 'number' && Number.isSafeInteger(t) && t > 0 && lease.uid !== '')
      seen.set(lease.uid, { leaseTransitions: t, atMs: nowMs });
  }
  return seen;
}

interface ChurnRate {
  count: number;
  spanMs: number;
  perHour: number;
  over: 'lifetime' | 'sample';
}

const HOUR_MS = 3_600_000;

/** Transitions and their rate: since the previous sample when one is usable, else over the lease's life. */
export function churnRate(
  lease: LeaseRecord,
  transitions: number,
  nowMs: number,
  previous: PreviousTransitions | undefined,
): ChurnRate | undefined {
  const seen = lease.uid === '' ? undefined : previous?.get(lease.uid);
  // A sample from the future or above today's count (a counter rewritten) is no baseline: fall back.
  if (seen && seen.atMs < nowMs && seen.leaseTransitions <= transitions) {
    const count = transitions - seen.leaseTransitions;
    const spanMs = nowMs - seen.atMs;
    return { count, spanMs, perHour: (count * HOUR_MS) / spanMs, over: 'sample' };
  }
  const createdMs = parseKubeTime(lease.creationTimestamp);
  if (createdMs === undefined || createdMs >= nowMs) return undefined;
  const spanMs = nowMs - createdMs;
  return { count: transitions, spanMs, perHour: (transitions * HOUR_MS) / spanMs, over: 'lifetime' };
}

/**
 * LeaderChurn for a live, held leader lease whose current holder acquired it recently and whose holder
 * changed at least `leaderChurnMinTransitions` times at `leaderChurnTransitionsPerHour` or faster; else
 * nothing. Expired leases are left to the expiry rules (a lease carries one finding about its state).
 */
export function leaderChurnFinding(
  lease: LeaseRecord,
  kind: LeaseKind,
  timing: LeaseTiming,
  nowMs: number,
  policy: AuditPolicy,
  previous?: PreviousTransitions,
): Finding | undefined {
  const transitions = lease.leaseTransitions;
  // Most leases stop here: few transitions (or none written).
  if (typeof transitions !== 'number' || !(transitions >= policy.leaderChurnMinTransitions)) return undefined;
  if (nowMs - timing.expiresMs > policy.clockSkewMarginSeconds * 1000) return undefined;
  if (holderOf(lease) === '') return undefined;
  const acquireMs = parseKubeTime(lease.acquireTime);
  if (acquireMs === undefined || nowMs - acquireMs > policy.leaderChurnRecentSeconds * 1000) return undefined;
  const rate = churnRate(lease, transitions, nowMs, previous);
  if (
    !rate ||
    rate.count < policy.leaderChurnMinTransitions ||
    !(rate.perHour >= policy.leaderChurnTransitionsPerHour)
  ) {
    return undefined;
  }
  const perHour = Math.round(rate.perHour * 10) / 10;
  const span =
    rate.over === 'lifetime'
      ? `in its ${hoursOf(rate.spanMs)} of life`
      : `in the last ${hoursOf(rate.spanMs)}`;
  return {
    type: 'LeaderChurn',
    severity: 'warning',
    namespace: lease.namespace,
    name: lease.name,
    reason: `Lease ${lease.namespace}/${lease.name} changed holder ${rate.count} times ${span} (${perHour} an hour), the latest ${Math.max(0, Math.round((nowMs - acquireMs) / 1000))} s ago: its replicas keep losing it (crash-looping, or cut off from the API server).`,
    ageSeconds: 0,
    leaseKind: kind,
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts: {
      ...factsOf(lease, timing),
      acquireTime: String(lease.acquireTime),
      leaseTransitions: transitions,
      transitionsPerHour: perHour,
      churnMeasuredOver: rate.over,
    },
  };
}

/** "6 h", "40 min", "3 d": the span a rate was measured over. */
function hoursOf(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${Math.max(1, min)} min`;
  const h = Math.round(min / 60);
  return h < 72 ? `${h} h` : `${Math.round(h / 24)} d`;
}

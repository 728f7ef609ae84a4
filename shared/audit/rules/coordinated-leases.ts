import type { LeaseRecord } from '../../kube/records.ts';
import type { Finding } from '../findings.ts';
import type { LeaseTiming } from '../lease-shape.ts';
import { factsOf } from './facts.ts';
import { type CandidatesByLease, leaseKey } from './stale-lease-candidates.ts';

/**
 * A lease under coordinated leader election (spec.strategy or spec.preferredHolder) is handed out by the
 * apiserver's leader-election controller, which elects only among live LeaseCandidates for that lease. A
 * live coordinated lease with none has no successor: when its holder stops, nobody is elected. Judged only
 * when LeaseCandidates were listed (the API is served), and only for live leases — an expired one already
 * carries its expiry finding.
 */
export function coordinatedWithoutCandidateFinding(
  lease: LeaseRecord,
  timing: LeaseTiming,
  candidates: CandidatesByLease,
): Finding | undefined {
  const counts = candidates.get(leaseKey(lease.namespace, lease.name));
  if (counts && counts.live > 0) return undefined;
  const stale = counts?.stale ?? 0;
  return {
    type: 'CoordinatedLeaseWithoutCandidate',
    severity: 'warning',
    namespace: lease.namespace,
    name: lease.name,
    reason: `Coordinated lease ${lease.namespace}/${lease.name} has no live LeaseCandidate${stale > 0 ? ` (${stale} stale)` : ''}: if its holder stops, the apiserver can elect no successor.`,
    ageSeconds: 0,
    leaseKind: 'coordinated',
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts: factsOf(lease, timing),
  };
}

import { isApiServerIdentity, isCoordinated, NODE_LEASE_NAMESPACE } from '../shared/audit/lease-kind.ts';
import type { LeaseRecord } from '../shared/kube/records.ts';
import type { SkipReason } from '../shared/reap/plan.ts';
import { protection } from '../shared/reap/protect-annotation.ts';
import { globMatcher, type ReapPolicy } from '../shared/reap/reap-policy.ts';
import { matchesLabels, parseLabelSelector } from '../shared/selectors.ts';
import type { PlannedLease } from './plan-file.ts';

/**
 * The planner's guards that can be checked again on the live lease when a saved plan is applied, without
 * re-planning: the protect annotation, coordinated leader election, apiserver identity, and the plan's
 * own policy (system leases, node leases, namespaces, names, labels). They matter for a plan file edited
 * by hand: a lease that changed since the plan fails its delete's preconditions anyway (409).
 *
 * Not checked again: `holderRunning` (it needs the cluster's Pods listed, i.e. a new plan; a running holder
 * renews its lease, which moves its resourceVersion, so the delete answers 409) and `tooYoung` (the plan
 * file is refused when an age is under minExpiredFor, and an unchanged lease has only aged since). Pure.
 */
export function liveRefusal(
  planned: PlannedLease,
  live: LeaseRecord,
  policy: ReapPolicy,
): [SkipReason, string] | undefined {
  const protectedBy = protection(live.annotations);
  if (protectedBy) return ['protected', protectedBy];
  if (isCoordinated(live)) return ['coordinated', 'managed by coordinated leader election'];
  if (isApiServerIdentity(live)) return ['systemLease', 'a kube-apiserver identity lease'];
  if (planned.finding === 'OrphanedNodeLease') {
    if (!policy.reapOrphanedNodeLeases) return ['nodeLeasesNotEnabled', 'reapOrphanedNodeLeases is false'];
  } else {
    if (live.namespace === 'kube-system' && !policy.allowSystemLeases.includes(`kube-system/${live.name}`))
      return ['systemLease', 'a kube-system leader lease not named in allowSystemLeases'];
    if (!globMatcher(policy.namespaces.include)(live.namespace))
      return ['namespaceNotIncluded', `namespace ${live.namespace} is not in namespaces.include`];
  }
  if (globMatcher(policy.namespaces.exclude)(live.namespace))
    return ['namespaceExcluded', `namespace ${live.namespace} is in namespaces.exclude`];
  if (!globMatcher(policy.names)(live.name)) return ['nameNotIncluded', 'the name matches none of names'];
  if (policy.labelSelector && !matchesLabels(parseLabelSelector(policy.labelSelector), live.labels))
    return ['labelsNotSelected', `labels do not match ${policy.labelSelector}`];
  return undefined;
}

/** A plan's finding type must fit the lease's namespace, as the audit files them (kube-node-lease: node leases). */
export function findingFitsNamespace(planned: Pick<PlannedLease, 'finding' | 'namespace'>): boolean {
  return (planned.finding === 'OrphanedNodeLease') === (planned.namespace === NODE_LEASE_NAMESPACE);
}

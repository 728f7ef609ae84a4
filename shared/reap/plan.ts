import type { ClusterAudit } from '../audit/audit.ts';
import { type Finding, isDeletionCandidate } from '../audit/findings.ts';
import { isCoordinated } from '../audit/lease-kind.ts';
import { holderOf } from '../audit/lease-shape.ts';
import { CONTROL_PLANE_LEADER_LEASES } from '../audit/rules/control-plane-leaders.ts';
import { holderPodName } from '../audit/rules/leader-leases.ts';
import type { LeaseRecord, PodRecord } from '../kube/records.ts';
import { matchesLabels, parseLabelSelector } from '../selectors.ts';
import { globMatcher } from './glob.ts';
import { protection } from './protect-annotation.ts';
import type { ReapPolicy } from './reap-policy.ts';

export { PROTECT_ANNOTATION } from './protect-annotation.ts';

export interface PlannedDeletion {
  namespace: string;
  name: string;
  /** The lease as listed: the delete's preconditions. */
  uid: string;
  resourceVersion: string;
  finding: Finding['type'];
  ageSeconds: number;
  /** Why it qualifies, in words. */
  reason: string;
}

export type SkipReason =
  | 'protected'
  | 'holderRunning'
  | 'systemLease'
  | 'coordinated'
  | 'nodeLeasesNotEnabled'
  | 'namespaceExcluded'
  | 'namespaceNotIncluded'
  | 'nameNotIncluded'
  | 'labelsNotSelected'
  | 'tooYoung'
  | 'notListed'
  | 'capReached';

export interface SkippedCandidate {
  namespace: string;
  name: string;
  finding: Finding['type'];
  skip: SkipReason;
  detail: string;
}

export interface ReapPlan {
  cluster: string;
  deletions: PlannedDeletion[];
  skipped: SkippedCandidate[];
}

/** namespace/name@uid/resourceVersion: one exact object, as listed. */
function identityKey(o: { namespace: string; name: string; uid: string; resourceVersion: string }): string {
  return JSON.stringify([o.namespace, o.name, o.uid, o.resourceVersion]);
}

/**
 * The planner: audit findings + policy → which leases to delete, oldest first and capped, each with why it
 * qualifies, and every candidate left out with why. Pure: no I/O, no clock (ages come from the audit).
 * The guards below are independent of the audit's own rules, so a rule change cannot widen deletion.
 */
export function planDeletions(
  audit: ClusterAudit,
  leases: readonly LeaseRecord[],
  policy: ReapPolicy,
  runBudget = policy.maxDeletionsPerRun,
  /** Unfinished Pods, when listed: a lease whose holder Pod is among them is never planned. */
  pods?: readonly PodRecord[],
): ReapPlan {
  const livePods = pods ? new Set(pods.map((p) => p.name)) : undefined;
  // By exact identity, never by name alone: a list can hold two copies of one name (a stale and a live
  // one), and the delete must carry the preconditions of the very object the finding judged.
  const byIdentity = new Map<string, LeaseRecord[]>();
  for (const l of leases) {
    const k = identityKey(l);
    byIdentity.set(k, [...(byIdentity.get(k) ?? []), l]);
  }
  const included = globMatcher(policy.namespaces.include);
  const excluded = globMatcher(policy.namespaces.exclude);
  const namedOk = globMatcher(policy.names);
  const selector = policy.labelSelector ? parseLabelSelector(policy.labelSelector) : undefined;
  const allowedSystem = new Set(policy.allowSystemLeases);
  // Control-plane leader leases are never deleted, whatever allowSystemLeases says: the default components by
  // name (whatever the audit was configured with), and any other the audit found without a leader.
  const controlPlane = new Set(CONTROL_PLANE_LEADER_LEASES);
  for (const f of audit.findings) if (f.type === 'ControlPlaneLeaderMissing') controlPlane.add(f.name);

  const eligible: PlannedDeletion[] = [];
  const skipped: SkippedCandidate[] = [];
  const skip = (f: Finding, why: SkipReason, detail: string) =>
    skipped.push({ namespace: f.namespace, name: f.name, finding: f.type, skip: why, detail });

  for (const f of audit.findings) {
    if (!isDeletionCandidate(f)) continue;
    const uid = f.uid;
    const resourceVersion = f.resourceVersion;
    const copies =
      uid && resourceVersion ? (byIdentity.get(identityKey({ ...f, uid, resourceVersion })) ?? []) : [];
    if (!uid || !resourceVersion || copies.length === 0) {
      skip(f, 'notListed', 'not in the snapshot with the uid and resourceVersion the audit judged');
      continue;
    }
    // Every record of that exact identity must pass (identical in a sane list; any one refusing wins).
    const why = copies.map((lease) => refusal(f, lease)).find((r) => r !== undefined);
    if (why) {
      skip(f, why[0], why[1]);
      continue;
    }
    eligible.push({
      namespace: f.namespace,
      name: f.name,
      uid,
      resourceVersion,
      finding: f.type,
      ageSeconds: f.ageSeconds,
      reason: f.reason,
    });
  }

  // Oldest first: the longest-abandoned leases are the safest and the most worth removing.
  eligible.sort(
    (a, b) => b.ageSeconds - a.ageSeconds || (a.namespace + a.name < b.namespace + b.name ? -1 : 1),
  );
  const capped = applyDeletionCap(eligible, policy, runBudget);
  skipped.push(...capped.skipped);
  return { cluster: audit.cluster, deletions: capped.deletions, skipped };

  /** Why a candidate must be left alone, or undefined when the policy allows deleting it. */
  function refusal(f: Finding, lease: LeaseRecord): [SkipReason, string] | undefined {
    // Fails closed: any value but a clear "false" protects (see protect-annotation.ts).
    const protectedBy = protection(lease.annotations);
    if (protectedBy) return ['protected', protectedBy];
    // Checked on the lease itself, not only through the audit's classification (which files anything in
    // kube-node-lease as a heartbeat first).
    if (f.leaseKind === 'coordinated' || isCoordinated(lease))
      return ['coordinated', 'managed by coordinated leader election'];
    // (No holder names no Pod: every listed Pod has a name.)
    if (f.facts.holderPodRunning === true || livePods?.has(holderPodName(holderOf(lease)))) {
      return ['holderRunning', 'its holder Pod is running'];
    }
    if (f.type === 'OrphanedNodeLease') {
      if (!policy.reapOrphanedNodeLeases) return ['nodeLeasesNotEnabled', 'reapOrphanedNodeLeases is false'];
    } else {
      if (f.namespace === 'kube-system' && !allowedSystem.has(`kube-system/${f.name}`)) {
        return ['systemLease', 'a kube-system leader lease not named in allowSystemLeases'];
      }
      if (f.namespace === 'kube-system' && controlPlane.has(f.name)) {
        return [
          'systemLease',
          'a control-plane leader lease: never deleted, even when allowSystemLeases names it (a standby may still take it over)',
        ];
      }
      if (!included(f.namespace))
        return ['namespaceNotIncluded', `namespace ${f.namespace} is not in namespaces.include`];
    }
    if (excluded(f.namespace))
      return ['namespaceExcluded', `namespace ${f.namespace} is in namespaces.exclude`];
    if (!namedOk(f.name)) return ['nameNotIncluded', 'the name matches none of names'];
    if (selector && !matchesLabels(selector, lease.labels))
      return ['labelsNotSelected', `labels do not match ${policy.labelSelector}`];
    if (f.ageSeconds < policy.minExpiredFor) {
      return [
        'tooYoung',
        `${f.type === 'OrphanedNodeLease' ? 'unrenewed' : 'expired'} for ${f.ageSeconds} s, less than minExpiredFor ${policy.minExpiredFor} s`,
      ];
    }
    return undefined;
  }
}

/**
 * The cluster's cap: the first min(maxDeletionsPerCluster, what the run has left) deletions, in the order
 * given; the rest are skipped as `capReached`. The one place the cap is decided, for a fresh plan and for a
 * saved plan applied later alike. Pure.
 */
export function applyDeletionCap(
  deletions: readonly PlannedDeletion[],
  policy: Pick<ReapPolicy, 'maxDeletionsPerCluster'>,
  runBudget: number,
): { deletions: PlannedDeletion[]; skipped: SkippedCandidate[] } {
  const cap = Math.max(0, Math.min(policy.maxDeletionsPerCluster, runBudget));
  return {
    deletions: deletions.slice(0, cap),
    skipped: deletions.slice(cap).map((d) => ({
      namespace: d.namespace,
      name: d.name,
      finding: d.finding,
      skip: 'capReached',
      detail: `over the cap of ${cap} deletions (maxDeletionsPerCluster ${policy.maxDeletionsPerCluster}, ${runBudget} left in this run)`,
    })),
  };
}

import type { LeaseRecord, NodeRecord, OwnerRef } from '../../kube/records.ts';
import type { AuditPolicy } from '../audit-policy.ts';
import type { Finding } from '../findings.ts';
import { isCanonicalMicroTimeIn, type MicroTimeSpan, microTimeSpan, parseKubeTime } from '../kube-time.ts';
import { durationOf, hasWellFormedSpec, holderOf, type LeaseTiming } from '../lease-shape.ts';
import { ageSeconds, describeAge, factsOf } from './facts.ts';

/**
 * Kubelet heartbeats (kube-node-lease). kube-controller-manager marks a Node NotReady when its lease has
 * not moved for --node-monitor-grace-period (50 s since 1.32), judging by its own clock; we judge from
 * outside, so a skew margin is added. Orphans: a Node deleted while its kubelet ran leaves a lease that
 * the kubelet re-created without an owner (fixed in 1.29), and a lease whose owner uid is not the live
 * Node's belongs to a previous Node of the same name.
 */

/** Problems that make an object in kube-node-lease not a kubelet heartbeat at all. */
export function nodeLeaseShapeProblems(lease: LeaseRecord): string[] {
  const problems: string[] = [];
  const holder = holderOf(lease);
  if (holder !== '' && holder !== lease.name)
    problems.push(`holderIdentity "${holder}" is not the lease name, as a kubelet writes it`);
  let foreign: OwnerRef | undefined;
  const owners = lease.ownerReferences;
  // Indexed loops on this path: it runs once per node lease, 100k times per cluster.
  for (let i = 0; i < owners.length && !foreign; i++) if (owners[i]?.kind !== 'Node') foreign = owners[i];
  if (foreign) problems.push(`owned by a ${foreign.kind}, not a Node`);
  return problems;
}

/** `nodeLeaseShapeProblems(lease).length === 0`, without building the list: asked of every node lease. */
export function isKubeletShaped(lease: LeaseRecord): boolean {
  const holder = holderOf(lease);
  if (holder !== '' && holder !== lease.name) return false;
  const owners = lease.ownerReferences;
  for (let i = 0; i < owners.length; i++) if (owners[i]?.kind !== 'Node') return false;
  return true;
}

export function nodeOwner(lease: LeaseRecord): OwnerRef | undefined {
  const owners = lease.ownerReferences;
  for (let i = 0; i < owners.length; i++) if (owners[i]?.kind === 'Node') return owners[i];
  return undefined;
}

/** Stale when not renewed within max(leaseDuration, grace period) plus the skew margin. */
export function isStaleHeartbeat(timing: LeaseTiming, nowMs: number, policy: AuditPolicy): boolean {
  return isStaleRenewal(timing.renewMs, timing.durationSeconds, nowMs, policy);
}

/** `isStaleHeartbeat` on plain numbers, for the healthy path that builds no LeaseTiming. */
function isStaleRenewal(
  renewMs: number,
  durationSeconds: number,
  nowMs: number,
  policy: AuditPolicy,
): boolean {
  const allowedSeconds =
    Math.max(durationSeconds, policy.nodeGracePeriodSeconds) + policy.clockSkewMarginSeconds;
  return nowMs - renewMs > allowedSeconds * 1000;
}

/** Why a node lease has lost its Node, or undefined when its Node is there and is its owner. */
export function orphanReason(lease: LeaseRecord, node: NodeRecord | undefined): string | undefined {
  const owner = nodeOwner(lease);
  if (!node) {
    return owner
      ? `its Node ${lease.name} no longer exists (owner uid ${owner.uid}); the garbage collector has not removed it`
      : `it has no owner and Node ${lease.name} does not exist (a kubelet re-created it after its Node was deleted)`;
  }
  if (owner && owner.uid !== node.uid) {
    return `it belongs to a previous incarnation of Node ${lease.name}: owner uid ${owner.uid}, live Node uid ${node.uid}`;
  }
  return undefined;
}

export function nodeHeartbeatFindings(
  lease: LeaseRecord,
  timing: LeaseTiming,
  node: NodeRecord | undefined,
  nowMs: number,
  policy: AuditPolicy,
): Finding | undefined {
  const orphan = orphanReason(lease, node);
  if (orphan) {
    return {
      type: 'OrphanedNodeLease',
      severity: 'warning',
      namespace: lease.namespace,
      name: lease.name,
      reason: `Node lease ${lease.name} is orphaned: ${orphan}.`,
      ageSeconds: ageSeconds(nowMs, timing.renewMs),
      leaseKind: 'nodeHeartbeat',
      uid: lease.uid,
      resourceVersion: lease.resourceVersion,
      facts: { ...factsOf(lease, timing), node: lease.name, ...(node ? { nodeUid: node.uid } : {}) },
    };
  }
  if (!isStaleHeartbeat(timing, nowMs, policy)) return undefined;
  const age = nowMs - timing.renewMs;
  return {
    type: 'StaleNodeHeartbeat',
    severity: age > policy.nodeCriticalAfterSeconds * 1000 ? 'critical' : 'warning',
    namespace: lease.namespace,
    name: lease.name,
    reason: `Node ${lease.name} last renewed its heartbeat ${describeAge(age)} ago (allowed: ${Math.max(timing.durationSeconds, policy.nodeGracePeriodSeconds)} s + ${policy.clockSkewMarginSeconds} s skew margin).`,
    ageSeconds: ageSeconds(nowMs, timing.renewMs),
    leaseKind: 'nodeHeartbeat',
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts: { ...factsOf(lease, timing), node: lease.name, ...(node ? { nodeUid: node.uid } : {}) },
  };
}

/**
 * True when a node lease is a well-formed kubelet heartbeat, owned (if at all) by this very `node`, and
 * fresh: the lease of a healthy Node, which yields no finding — as `nodeHeartbeatFindings` would decide,
 * but with no LeaseTiming, problem list or reason built. Nearly every lease of a fleet takes this path;
 * false sends the lease down the general path, which says what is wrong.
 */
export function isQuietHeartbeat(
  lease: LeaseRecord,
  node: NodeRecord,
  nowMs: number,
  policy: AuditPolicy,
): boolean {
  if (!isOwnKubeletLease(lease, node) || !hasWellFormedSpec(lease, policy)) return false;
  const skewSeconds = policy.clockSkewMarginSeconds;
  const allowedSeconds = Math.max(durationOf(lease), policy.nodeGracePeriodSeconds) + skewSeconds;
  // A renewTime in the layout the apiserver writes, inside the fresh span, settles it without a parse
  // (about half the cost of this check); any other renewTime is parsed and judged as `wellFormedRenewMs`
  // and `isStaleRenewal` would.
  const span = freshSpan(nowMs, allowedSeconds, skewSeconds);
  if (span !== undefined && isCanonicalMicroTimeIn(lease.renewTime, span)) return true;
  const renewMs = parseKubeTime(lease.renewTime);
  return (
    renewMs !== undefined &&
    renewMs - nowMs <= skewSeconds * 1000 &&
    !isStaleRenewal(renewMs, durationOf(lease), nowMs, policy)
  );
}

/**
 * `isKubeletShaped(lease)` and owned by `node` if by anyone, in one walk of the owners: a kubelet-shaped
 * lease has only Node owners, so its Node owner is the first.
 */
function isOwnKubeletLease(lease: LeaseRecord, node: NodeRecord): boolean {
  const holder = lease.holderIdentity;
  if (typeof holder === 'string' && holder !== '' && holder !== lease.name) return false;
  const owners = lease.ownerReferences;
  for (let i = 0; i < owners.length; i++) if ((owners[i] as OwnerRef).kind !== 'Node') return false;
  return owners.length === 0 || (owners[0] as OwnerRef).uid === node.uid;
}

/**
 * The span of renewTimes that are neither in the future (beyond the skew margin) nor stale, for a lease
 * allowed `allowedSeconds`: [nowMs - allowed, nowMs + skew]. Undefined unless every bound is a whole
 * number of ms, where `renewMs` inside the span is exactly `!isStaleRenewal` and the skew check.
 * Exported for its tests: the memo below must never change an answer.
 */
export function freshSpan(
  nowMs: number,
  allowedSeconds: number,
  skewSeconds: number,
): MicroTimeSpan | undefined {
  // An audit asks with one nowMs and policy, and nearly always with one lease duration (a cluster's
  // kubelets share one): the last answer serves almost every lease. Node pools with different durations
  // take the per-duration memo, so leases of mixed durations do not rebuild the bounds one after another.
  if (allowedSeconds === lastAllowedSeconds && nowMs === spansNowMs && skewSeconds === spansSkewSeconds)
    return lastSpan;
  if (nowMs !== spansNowMs || skewSeconds !== spansSkewSeconds) {
    spans.clear();
    spansNowMs = nowMs;
    spansSkewSeconds = skewSeconds;
  }
  let known = spans.get(allowedSeconds);
  if (known === undefined) {
    const allowedMs = allowedSeconds * 1000;
    const skewMs = skewSeconds * 1000;
    known =
      (Number.isSafeInteger(nowMs) &&
        Number.isSafeInteger(allowedMs) &&
        Number.isSafeInteger(skewMs) &&
        microTimeSpan(nowMs - allowedMs, nowMs + skewMs)) ||
      null;
    if (spans.size < 64) spans.set(allowedSeconds, known);
  }
  lastAllowedSeconds = allowedSeconds;
  lastSpan = known ?? undefined;
  return lastSpan;
}

// The memo of `freshSpan`: answers of a pure function for the current nowMs and skew (null: no span), so
// it never changes one.
const spans = new Map<number, MicroTimeSpan | null>();
let spansNowMs = Number.NaN;
let spansSkewSeconds = Number.NaN;
let lastAllowedSeconds = Number.NaN;
let lastSpan: MicroTimeSpan | undefined;

export function nodeWithoutLeaseFinding(node: NodeRecord, nowMs: number): Finding {
  const created = node.creationTimestamp ? Date.parse(node.creationTimestamp) : Number.NaN;
  return {
    type: 'NodeWithoutLease',
    severity: 'warning',
    namespace: '',
    name: node.name,
    reason: `Node ${node.name} has no heartbeat lease in kube-node-lease: its kubelet is not heartbeating (or cannot write leases).`,
    ageSeconds: Number.isNaN(created) ? 0 : ageSeconds(nowMs, created),
    facts: { node: node.name, nodeUid: node.uid },
  };
}

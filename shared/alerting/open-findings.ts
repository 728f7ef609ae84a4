import { type Finding, type FindingType, type Severity, severityRank } from '../audit/findings.ts';
import { parseKubeTime } from '../audit/kube-time.ts';

/**
 * What the finding state remembers of one open finding between runs: enough to say when it began, to
 * announce its resolution and to log it. Pure data; no clock here (`nowMs` is always passed in).
 */
export interface OpenFinding {
  type: FindingType;
  severity: Severity;
  /** '' for cluster-scoped findings (a Node without a lease). */
  namespace: string;
  name: string;
  /** RFC 3339 UTC: when the condition began as the lease shows it, else when a run first saw it. */
  since: string;
  /** As the run that opened (or escalated) it wrote it, cut to MAX_REASON_CHARS. */
  reason: string;
  node?: string;
}

/** One cluster's open findings, as stored between runs. */
export interface ClusterFindingState {
  /** The findings tracked (at most the cap), in key order. */
  open: OpenFinding[];
  /** Every open finding by type, those over the cap included: what a failed scan carries forward. */
  counts: Partial<Record<FindingType, number>>;
  /** Open findings over the cap: counted, but neither tracked nor announced. */
  untracked: number;
  /**
   * RFC 3339 UTC: when a run last logged every open finding. Between such runs only transitions are
   * logged (see FINDING_RELIST_SECONDS): a line per finding per minute was most of the log bill.
   */
  listedAt?: string;
}

export const emptyFindingState: ClusterFindingState = Object.freeze({
  open: [],
  counts: {},
  untracked: 0,
}) as ClusterFindingState;

/**
 * Findings one cluster's state tracks at most. A gzip-compressed item of 5,000 findings stays well under
 * DynamoDB's 400 KB; the rest are counted (and an item that would still be too big keeps fewer).
 */
export const MAX_TRACKED_FINDINGS = 5_000;

/** Reasons are cut to this many characters in the state and the events (a holder name can be long). */
export const MAX_REASON_CHARS = 512;

/**
 * A finding's identity across runs: cluster, type, namespace and name (JSON, so no separator can be
 * forged by a name). Severity is not part of it: a stale heartbeat turning critical is the same finding.
 */
export function findingKey(cluster: string, f: Pick<OpenFinding, 'type' | 'namespace' | 'name'>): string {
  return JSON.stringify([cluster, f.type, f.namespace, f.name]);
}

/**
 * Findings whose condition began at the lease's last renewal: a heartbeat that stopped, an identity or
 * leader lease nobody renews. The others (orphans, missing leases, duplicates, malformed leases) show no
 * start time, so they date from the run that first saw them.
 */
const datedByRenewal: ReadonlySet<FindingType> = new Set<FindingType>([
  'StaleNodeHeartbeat',
  'ExpiredApiServerIdentity',
  'OrphanedApiServerIdentity',
  'ExpiredLease',
  'AbandonedLease',
  'ControlPlaneLeaderMissing',
]);

/** When a finding began: its lease's last renewTime for renewal findings (never after now), else now. */
export function sinceOf(f: Finding, nowMs: number): string {
  if (datedByRenewal.has(f.type)) {
    const renewMs = parseKubeTime(f.facts.renewTime);
    if (renewMs !== undefined && renewMs <= nowMs) return new Date(renewMs).toISOString();
  }
  return new Date(nowMs).toISOString();
}

export function cutReason(reason: string): string {
  return reason.length <= MAX_REASON_CHARS ? reason : `${reason.slice(0, MAX_REASON_CHARS - 1)}…`;
}

/** The finding as a run sees it now, dated `since`. */
export function toOpenFinding(f: Finding, since: string): OpenFinding {
  return {
    type: f.type,
    severity: f.severity,
    namespace: f.namespace,
    name: f.name,
    since,
    reason: cutReason(f.reason),
    ...(f.facts.node !== undefined ? { node: f.facts.node } : {}),
  };
}

/** Critical first, then the oldest, then by type, namespace and name (a total order: deterministic). */
export function byUrgency(a: OpenFinding, b: OpenFinding): number {
  return (
    severityRank[b.severity] - severityRank[a.severity] ||
    compare(a.since, b.since) ||
    compare(a.type, b.type) ||
    compare(a.namespace, b.namespace) ||
    compare(a.name, b.name)
  );
}

export function byKey(a: OpenFinding, b: OpenFinding): number {
  return compare(a.type, b.type) || compare(a.namespace, b.namespace) || compare(a.name, b.name);
}

function compare(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

import { type Finding, type FindingType, type Severity, severityRank } from '../audit/findings.ts';
import {
  byKey,
  byUrgency,
  type ClusterFindingState,
  findingKey,
  MAX_TRACKED_FINDINGS,
  type OpenFinding,
  sinceOf,
  toOpenFinding,
} from './open-findings.ts';

/** A finding this run saw, with its state: new since the stored state, or still open (original `since`). */
export interface CurrentFinding {
  state: 'opened' | 'open';
  finding: OpenFinding;
  /** Still open, but more severe than stored (a stale heartbeat turning critical): announced again. */
  escalatedFrom?: Severity;
  /** Over the cap: logged, neither stored nor announced. */
  untracked?: true;
}

/** What one run changes in one cluster's finding state. */
export interface FindingDiff {
  /** The state to store. */
  next: ClusterFindingState;
  /** Every finding this run saw, most urgent first. */
  current: CurrentFinding[];
  opened: OpenFinding[];
  /** Stored findings this run no longer saw (as stored). */
  resolved: OpenFinding[];
  escalated: { finding: OpenFinding; from: Severity }[];
  /** Whether `next` differs from the stored state (else a write can be skipped). */
  changed: boolean;
}

export interface DiffOptions {
  cluster: string;
  /** The run's time for this cluster (its API server's clock): the `since` of findings with no lease time. */
  nowMs: number;
  /** Findings tracked at most (default MAX_TRACKED_FINDINGS). */
  maxTracked?: number;
  /** Whether a state can be stored (its encoded size); when not, fewer findings are tracked. Default: yes. */
  fits?: (state: ClusterFindingState) => boolean;
}

/**
 * Diffs a run's findings against the stored open set. A finding not stored is opened (`since`: the lease's
 * last renewal for renewal findings, else now); a stored one still seen keeps its original `since` (and is
 * escalated when its severity rose); a stored one not seen is resolved. Only a complete scan may be
 * diffed: a failed scan must keep the stored state as it is. Pure.
 *
 * Caps: the most urgent `maxTracked` findings (critical first, then the oldest) are tracked; the rest are
 * counted in `untracked`, with no events — a tracked finding pushed out by more urgent ones is neither
 * resolved nor forgotten by the counts.
 */
export function diffFindings(
  stored: ClusterFindingState,
  findings: readonly Finding[],
  options: DiffOptions,
): FindingDiff {
  const { cluster, nowMs } = options;
  const storedByKey = new Map(stored.open.map((f) => [findingKey(cluster, f), f]));
  const seen = new Map<string, Seen>();
  const counts: Partial<Record<FindingType, number>> = {};
  for (const f of findings) {
    const key = findingKey(cluster, f);
    if (seen.has(key)) continue; // one lease cannot be two findings of one type; keep the first
    const before = storedByKey.get(key);
    const finding = toOpenFinding(f, before?.since ?? sinceOf(f, nowMs));
    // The stored copy keeps the reason it was announced with (its age would change every run), unless
    // the finding escalates.
    const kept =
      before && severityRank[finding.severity] <= severityRank[before.severity]
        ? { ...finding, reason: before.reason }
        : finding;
    seen.set(key, { finding, kept, before });
    counts[f.type] = (counts[f.type] ?? 0) + 1;
  }
  const ranked = [...seen.values()].sort((a, b) => byUrgency(a.finding, b.finding));

  let limit = Math.min(options.maxTracked ?? MAX_TRACKED_FINDINGS, ranked.length);
  let next = stateOf(ranked, limit, counts);
  // Shrink by a fifth until the item fits: the encoded size is not known before encoding.
  while (limit > 0 && options.fits && !options.fits(next)) {
    limit = Math.floor(limit * 0.8);
    next = stateOf(ranked, limit, counts);
  }

  const current: CurrentFinding[] = [];
  const opened: OpenFinding[] = [];
  const escalated: FindingDiff['escalated'] = [];
  ranked.forEach(({ finding, before }, i) => {
    if (i >= limit) {
      current.push({ state: before ? 'open' : 'opened', finding, untracked: true });
      return;
    }
    if (!before) {
      opened.push(finding);
      current.push({ state: 'opened', finding });
    } else if (severityRank[finding.severity] > severityRank[before.severity]) {
      escalated.push({ finding, from: before.severity });
      current.push({ state: 'open', finding, escalatedFrom: before.severity });
    } else current.push({ state: 'open', finding });
  });
  const resolved = stored.open.filter((f) => !seen.has(findingKey(cluster, f))).sort(byUrgency);

  return { next, current, opened, resolved, escalated, changed: !sameState(stored, next) };
}

/** A complete scan's view with no stored state to diff against: every finding open, dated as if new. */
export function statelessView(
  cluster: string,
  findings: readonly Finding[],
  nowMs: number,
): CurrentFinding[] {
  return diffFindings({ open: [], counts: {}, untracked: 0 }, findings, {
    cluster,
    nowMs,
    maxTracked: Number.POSITIVE_INFINITY,
  }).current.map(({ finding }) => ({ state: 'open', finding }));
}

interface Seen {
  /** As this run sees it (its current reason), dated by the stored `since` when there is one. */
  finding: OpenFinding;
  /** What the state keeps. */
  kept: OpenFinding;
  before: OpenFinding | undefined;
}

function stateOf(
  ranked: readonly Seen[],
  limit: number,
  counts: Partial<Record<FindingType, number>>,
): ClusterFindingState {
  return {
    open: ranked
      .slice(0, limit)
      .map((r) => r.kept)
      .sort(byKey),
    counts,
    untracked: ranked.length - limit,
  };
}

/** Equal as stored: same findings (severity, since and reason included), counts and untracked. */
function sameState(a: ClusterFindingState, b: ClusterFindingState): boolean {
  if (a.untracked !== b.untracked || a.open.length !== b.open.length) return false;
  const types = new Set([...Object.keys(a.counts), ...Object.keys(b.counts)]) as Set<FindingType>;
  for (const t of types) if ((a.counts[t] ?? 0) !== (b.counts[t] ?? 0)) return false;
  const sorted = [...a.open].sort(byKey);
  return sorted.every((f, i) => {
    const g = b.open[i];
    return (
      g !== undefined &&
      byKey(f, g) === 0 &&
      f.severity === g.severity &&
      f.since === g.since &&
      f.reason === g.reason &&
      f.node === g.node
    );
  });
}

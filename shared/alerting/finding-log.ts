import type { CurrentFinding } from './finding-diff.ts';
import { byUrgency, type OpenFinding } from './open-findings.ts';

export const FINDING_LOG_MESSAGE = 'lease finding';
export const FINDINGS_NOT_LOGGED_MESSAGE = 'lease findings not logged';

/**
 * The fields of one "lease finding" log line (Logs Insights reads them; the dashboard table too): the
 * finding as the state keeps it, its cluster and its state.
 */
export interface FindingLogFields extends OpenFinding {
  cluster: string;
  /** `opened`: new this run; `open`: still open (or not diffed: no state); `resolved`: gone this run. */
  state: 'open' | 'opened' | 'resolved';
}

export interface FindingLogLines {
  lines: FindingLogFields[];
  /** Findings beyond the limit, for one "lease findings not logged" line (0: no such line). */
  notLogged: number;
}

/**
 * One cluster's finding log lines: one per current or resolved finding, at most `limit`, the most urgent
 * first (critical, then the oldest); the rest are only counted. Pure.
 */
export function findingLogLines(
  cluster: string,
  current: readonly CurrentFinding[],
  resolved: readonly OpenFinding[],
  limit: number,
): FindingLogLines {
  const all: { state: FindingLogFields['state']; finding: OpenFinding }[] = [
    ...current.map((c) => ({ state: c.state, finding: c.finding })),
    ...resolved.map((finding) => ({ state: 'resolved' as const, finding })),
  ].sort((a, b) => byUrgency(a.finding, b.finding));
  const shown = all.slice(0, Math.max(0, limit));
  return {
    lines: shown.map(({ state, finding: f }) => ({
      cluster,
      type: f.type,
      severity: f.severity,
      namespace: f.namespace,
      name: f.name,
      since: f.since,
      state,
      reason: f.reason,
      ...(f.node !== undefined ? { node: f.node } : {}),
    })),
    notLogged: all.length - shown.length,
  };
}

import type { Severity } from '../shared/audit/findings.ts';
import { severities, severityRank } from '../shared/audit/findings.ts';
import type { ClusterReap } from '../shared/reap/reap-clusters.ts';
import type { AuditReport } from '../shared/report/audit-report.ts';

/** Exit codes of `lease-reaper` (documented in the README and in each command's --help). */
export const ExitCode = {
  ok: 0,
  /** audit: a finding at or above --fail-on. */
  findings: 1,
  /** A cluster could not be read, refused a delete, or was refused by the clock guard (takes precedence over findings). */
  clusterError: 2,
  /** Bad arguments or configuration: nothing was sent. */
  usage: 64,
} as const;

/** `audit`: a failed cluster first, then a finding at or above `failOn` when one is given. */
export function auditExitCode(report: AuditReport, failOn: Severity | undefined): number {
  if (report.summary.failedClusters > 0) return ExitCode.clusterError;
  if (failOn === undefined) return ExitCode.ok;
  const threshold = severityRank[failOn];
  const hit = severities.some((s) => severityRank[s] >= threshold && report.summary.bySeverity[s] > 0);
  return hit ? ExitCode.findings : ExitCode.ok;
}

/**
 * `reap`: a cluster that failed, was refused by the clock guard, or refused or failed a delete did not do
 * what was asked, so it fails the run like an unreachable one.
 */
export function reapExitCode(results: readonly ClusterReap[]): number {
  const failed = results.some(
    (r) => r.status !== 'ok' || r.execution.failed > 0 || r.execution.forbidden > 0,
  );
  return failed ? ExitCode.clusterError : ExitCode.ok;
}

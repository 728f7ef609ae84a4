import type { AuditCounts } from '../audit/audit.ts';
import type { AuditPolicy } from '../audit/audit-policy.ts';
import {
  type Finding,
  type FindingType,
  findingTypes,
  type Severity,
  severities,
} from '../audit/findings.ts';
import type { ClusterResult } from '../fleet/audit-clusters.ts';

/**
 * The JSON report of `lease-reaper audit --output json` (and the Lambda's result). It is a stable,
 * versioned contract: fields may be added, none renamed or removed without a new apiVersion.
 */
export interface AuditReport {
  apiVersion: 'lease-reaper.io/v1';
  kind: 'AuditReport';
  generatedAt: string;
  policy: AuditPolicy;
  /** Present when the CLI reported only some findings (`-n`, `-l`); summary and findings are those. */
  scope?: { namespace?: string; labelSelector?: string };
  summary: {
    clusters: number;
    failedClusters: number;
    findings: Record<FindingType, number>;
    bySeverity: Record<Severity, number>;
  };
  clusters: ClusterReport[];
}

export type ClusterReport =
  | {
      cluster: string;
      status: 'ok';
      clock: { source: 'server' | 'local' | 'override'; now: string; skewMs?: number };
      counts: AuditCounts;
      findings: Finding[];
      stats: { durationMs: number; requests: number; pages: number; retries: number; restarts: number };
    }
  | { cluster: string; status: 'error'; error: { kind: string; message: string } };

export function buildAuditReport(
  results: readonly ClusterResult[],
  policy: AuditPolicy,
  generatedAtMs: number,
): AuditReport {
  const findings = Object.fromEntries(findingTypes.map((t) => [t, 0])) as Record<FindingType, number>;
  const bySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
  const clusters: ClusterReport[] = results.map((r) => {
    if (r.status === 'error') return { cluster: r.cluster, status: 'error', error: r.error };
    for (const f of r.audit.findings) {
      findings[f.type]++;
      bySeverity[f.severity]++;
    }
    return {
      cluster: r.cluster,
      status: 'ok',
      clock: {
        source: r.clock.source,
        now: new Date(r.clock.nowMs).toISOString(),
        ...(r.clock.skewMs !== undefined ? { skewMs: r.clock.skewMs } : {}),
      },
      counts: r.audit.counts,
      findings: r.audit.findings,
      stats: r.stats,
    };
  });
  return {
    apiVersion: 'lease-reaper.io/v1',
    kind: 'AuditReport',
    generatedAt: new Date(generatedAtMs).toISOString(),
    policy,
    summary: {
      clusters: results.length,
      failedClusters: clusters.filter((c) => c.status === 'error').length,
      findings,
      bySeverity,
    },
    clusters,
  };
}

import type { ClusterReap } from '../reap/reap-clusters.ts';
import type { ReapPolicy } from '../reap/reap-policy.ts';

/**
 * The JSON report of `lease-reaper reap --output json`. Like the AuditReport, a stable, versioned
 * contract: fields may be added, none renamed or removed without a new apiVersion.
 */
export interface ReapReport {
  apiVersion: 'lease-reaper.io/v1';
  kind: 'ReapReport';
  generatedAt: string;
  /** Whether this run was a dry run: the policy's dryRun, or (in the CLI) no --apply; the safer wins. */
  dryRun: boolean;
  /** The policy the run judged by, every default filled in. */
  policy: ReapPolicy;
  /**
   * The threshold that judged "abandoned" in this run (the policy's abandonedAfter), in seconds: a leader
   * lease expired for longer, with no live holder, was a candidate. `lease-reaper audit` judges by its own
   * --abandoned-after (the AuditReport's policy.abandonedAfterSeconds).
   */
  abandonedAfterSeconds: number;
  /** The clock-guard limit used (the policy's maxClockSkew or --max-clock-skew), in seconds. */
  maxClockSkewSeconds: number;
  clusters: ClusterReap[];
  /** The plan file this dry run wrote (`--plan-out`). */
  planOut?: string;
  /** The saved plan this run executed (`--plan`). */
  plan?: { file: string; createdAt: string };
}

export function buildReapReport(
  results: readonly ClusterReap[],
  policy: ReapPolicy,
  dryRun: boolean,
  generatedAtMs: number,
): ReapReport {
  return {
    apiVersion: 'lease-reaper.io/v1',
    kind: 'ReapReport',
    generatedAt: new Date(generatedAtMs).toISOString(),
    dryRun,
    policy,
    abandonedAfterSeconds: policy.abandonedAfter,
    maxClockSkewSeconds: policy.maxClockSkew,
    clusters: [...results],
  };
}

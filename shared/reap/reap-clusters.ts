import { type ArchiveSink, kubeTombstones } from '../archive/kube-tombstones.ts';
import { type AuditPolicy, defaultAuditPolicy } from '../audit/audit-policy.ts';
import { ConfigError } from '../errors.ts';
import {
  type AuditClock,
  auditClusters,
  type ClusterProgress,
  type ClusterResult,
} from '../fleet/audit-clusters.ts';
import type { ClusterTarget } from '../fleet/cluster-target.ts';
import { KubeClient } from '../kube/kube-client.ts';
import type { ReadLimits } from '../kube/read-limits.ts';
import { type ClockRefusal, clockRefusal } from './clock-guard.ts';
import {
  type ActionClock,
  type ActionRecord,
  type ExecutionSummary,
  executePlan,
  kubeDeleter,
  kubeEventRecorder,
} from './execute-plan.ts';
import { planDeletions, type ReapPlan } from './plan.ts';
import type { ReapPolicy } from './reap-policy.ts';

/**
 * One cluster's reap. `refused`: its clock failed the clock guard, so its plan was made but no delete was
 * sent (every planned deletion is `notAttempted` with the refusal as its detail).
 */
export type ClusterReap =
  | {
      cluster: string;
      status: 'ok';
      clock: AuditClock & { now: string };
      plan: ReapPlan;
      execution: ExecutionSummary;
    }
  | {
      cluster: string;
      status: 'refused';
      clock: AuditClock & { now: string };
      refusal: ClockRefusal;
      plan: ReapPlan;
      execution: ExecutionSummary;
    }
  | { cluster: string; status: 'error'; error: { kind: string; message: string } };

export interface ReapRunOptions {
  policy: ReapPolicy;
  dryRun: boolean;
  /** Judge leases at this time (dry run only: deleting by a given time is refused). */
  nowMs?: number;
  /** Overrides the policy's maxClockSkew (the CLI's --max-clock-skew). */
  maxClockSkewSeconds?: number;
  concurrency?: number;
  signal?: AbortSignal;
  log?: (record: ActionRecord) => void;
  /** Caps on what one cluster may make the run read (shared/kube/read-limits.ts). */
  readLimits?: Partial<ReadLimits>;
  /** Per new connection (KubeClientOptions.connectTimeoutMs); the client's default when absent. */
  connectTimeoutMs?: number;
  /** Live progress of the reads (see AuditRunOptions.onProgress). */
  onProgress?: (cluster: string, progress: ClusterProgress) => void;
  /** Called as each cluster's read and audit finish (before any delete). */
  onClusterRead?: (cluster: string, ok: boolean) => void;
  /** Where each cluster's tombstones go; when given, no real delete is sent before its tombstone is kept. */
  archive?: (cluster: string) => ArchiveSink;
}

/**
 * The audit a reap run judges by: the audit's defaults, with "abandoned" meaning what the policy's
 * abandonedAfter says (shown in the reap report, so a reap and an audit that disagree say why). Pure.
 */
export function reapAuditPolicy(policy: Pick<ReapPolicy, 'abandonedAfter'>): AuditPolicy {
  return { ...defaultAuditPolicy, abandonedAfterSeconds: policy.abandonedAfter };
}

/**
 * audit → plan → execute for each cluster. Clusters are read concurrently; deletes then run cluster by
 * cluster so the run-wide cap (maxDeletionsPerRun) is spent in order and never exceeded. Leader leases
 * need their holder Pods checked, so Pods are always listed here.
 */
export async function reapClusters(
  targets: readonly ClusterTarget[],
  options: ReapRunOptions,
): Promise<ClusterReap[]> {
  if (options.nowMs !== undefined && !options.dryRun) {
    // Deletes are judged by each API server's clock, checked against this machine's; never by a given time.
    throw new ConfigError('a fixed time (--now) can only be used for a dry run, never to delete');
  }
  const maxClockSkewSeconds = options.maxClockSkewSeconds ?? options.policy.maxClockSkew;
  const audits = await auditClusters(targets, {
    policy: reapAuditPolicy(options.policy),
    nowMs: options.nowMs,
    concurrency: options.concurrency ?? 4,
    ...(options.signal ? { signal: options.signal } : {}),
    client: {
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.readLimits ? { limits: options.readLimits } : {}),
    },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onClusterRead
      ? { onClusterDone: (r: ClusterResult) => options.onClusterRead?.(r.cluster, r.status === 'ok') }
      : {}),
    snapshot: { includePods: true, leaseCandidates: false },
    keepSnapshots: true,
  });
  let budget = options.policy.maxDeletionsPerRun;
  const results: ClusterReap[] = [];
  for (const [i, a] of audits.entries()) {
    if (a.status === 'error') {
      results.push({ cluster: a.cluster, status: 'error', error: a.error });
      continue;
    }
    // auditClusters answers one result per target, in the targets' order.
    const target = targets[i] as ClusterTarget;
    // Node leases were judged as they were listed: those behind findings are all the planner may need.
    const leases = [...a.snapshot.leases, ...(a.snapshot.heartbeats?.flagged ?? [])];
    const plan = planDeletions(a.audit, leases, options.policy, budget, a.snapshot.pods);
    // The guard holds in a dry run too: a dry run shows what --apply would do.
    const refusal = clockRefusal(a.clock, maxClockSkewSeconds);
    const clock = { ...a.clock, now: new Date(a.clock.nowMs).toISOString() };
    // What each action line says of the clock: the audit's, as a time (skewMs only where it was measured).
    const { nowMs: _judgedAtMs, ...actionClock }: AuditClock & ActionClock = clock;
    const client = new KubeClient(target.name, target.kubeConfig, {
      ...(options.signal ? { signal: options.signal } : {}),
      connectTimeoutMs: options.connectTimeoutMs,
    });
    try {
      const execution = await executePlan(plan, kubeDeleter(client), {
        dryRun: options.dryRun,
        clock: actionClock,
        ...(refusal ? { refusal: refusal.message } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(options.policy.recordEvents ? { recordEvent: kubeEventRecorder(client) } : {}),
        ...(options.archive
          ? { tombstones: kubeTombstones(client, options.archive(a.cluster), a.cluster) }
          : {}),
      });
      budget -= execution.deleted + execution.alreadyGone;
      results.push(
        refusal
          ? { cluster: a.cluster, status: 'refused', clock, refusal, plan, execution }
          : { cluster: a.cluster, status: 'ok', clock, plan, execution },
      );
    } finally {
      await client.close();
    }
  }
  return results;
}

import { defaultAuditPolicy } from '../audit/audit-policy.ts';
import { type AuditClock, auditClusters, type ClusterTarget } from '../fleet/audit-clusters.ts';
import { KubeClient } from '../kube/kube-client.ts';
import { type ActionRecord, type ExecutionSummary, executePlan, kubeDeleter } from './execute-plan.ts';
import { planDeletions, type ReapPlan } from './plan.ts';
import type { ReapPolicy } from './reap-policy.ts';

export type ClusterReap =
  | { cluster: string; status: 'ok'; clock: AuditClock; plan: ReapPlan; execution: ExecutionSummary }
  | { cluster: string; status: 'error'; error: { kind: string; message: string } };

export interface ReapRunOptions {
  policy: ReapPolicy;
  dryRun: boolean;
  nowMs?: number;
  concurrency?: number;
  signal?: AbortSignal;
  log?: (record: ActionRecord) => void;
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
  const audits = await auditClusters(targets, {
    // "Abandoned" means what the policy says it means: expired for at least minExpiredFor.
    policy: { ...defaultAuditPolicy, abandonedAfterSeconds: options.policy.minExpiredFor },
    ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}),
    concurrency: options.concurrency ?? 4,
    ...(options.signal ? { signal: options.signal } : {}),
    snapshot: { includePods: true },
    keepSnapshots: true,
  });
  let budget = options.policy.maxDeletionsPerRun;
  const results: ClusterReap[] = [];
  for (const [i, a] of audits.entries()) {
    const target = targets[i];
    if (a.status === 'error' || !a.snapshot || !target) {
      results.push({
        cluster: a.cluster,
        status: 'error',
        error: a.status === 'error' ? a.error : { kind: 'internal', message: 'no snapshot' },
      });
      continue;
    }
    const plan = planDeletions(a.audit, a.snapshot.leases, options.policy, budget, a.snapshot.pods);
    const client = new KubeClient(
      target.name,
      target.kubeConfig,
      options.signal ? { signal: options.signal } : {},
    );
    try {
      const execution = await executePlan(plan, kubeDeleter(client), {
        dryRun: options.dryRun,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      budget -= execution.deleted + execution.alreadyGone;
      results.push({ cluster: a.cluster, status: 'ok', clock: a.clock, plan, execution });
    } finally {
      await client.close();
    }
  }
  return results;
}

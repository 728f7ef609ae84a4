import { type ArchiveSink, kubeTombstones } from '../shared/archive/kube-tombstones.ts';
import { ClusterAccessError } from '../shared/errors.ts';
import type { AuditClock } from '../shared/fleet/audit-clusters.ts';
import type { ClusterTarget } from '../shared/fleet/cluster-target.ts';
import type { ConnectFailure } from '../shared/fleet/connect-all.ts';
import { KubeClient } from '../shared/kube/kube-client.ts';
import { readLease } from '../shared/kube/read-lease.ts';
import type { ReadLimits } from '../shared/kube/read-limits.ts';
import { type LeaseRecord, toLeaseRecord } from '../shared/kube/records.ts';
import { clockRefusal } from '../shared/reap/clock-guard.ts';
import {
  type ActionOutcome,
  type ActionRecord,
  executePlan,
  kubeDeleter,
  kubeEventRecorder,
} from '../shared/reap/execute-plan.ts';
import {
  applyDeletionCap,
  type PlannedDeletion,
  type ReapPlan,
  type SkippedCandidate,
} from '../shared/reap/plan.ts';
import type { ClusterReap } from '../shared/reap/reap-clusters.ts';
import type { ReapPolicy } from '../shared/reap/reap-policy.ts';
import { liveRefusal } from './live-lease-guards.ts';
import type { PlannedCluster, ReapPlanFile } from './plan-file.ts';

export interface ApplyPlanOptions {
  /** The plan's policy, with --max-clock-skew applied. */
  policy: ReapPolicy;
  dryRun: boolean;
  signal?: AbortSignal;
  log?: (record: ActionRecord) => void;
  readLimits?: Partial<ReadLimits>;
  /** Per new connection (KubeClientOptions.connectTimeoutMs). */
  connectTimeoutMs?: number;
  /** Where each cluster has got, as it goes (the live display on a terminal). */
  onProgress?: (cluster: string, progress: PlanApplyProgress) => void;
  /** A cluster is finished: `ok`, refused by the clock guard, or failed. */
  onClusterDone?: (cluster: string, status: ClusterReap['status']) => void;
  /** Where each cluster's tombstones go (--archive); no real delete is sent before its tombstone is kept. */
  archive?: (cluster: string) => ArchiveSink;
}

/** How far one cluster of a saved plan has got. */
export interface PlanApplyProgress {
  /** Leases the plan has for this cluster. */
  planned: number;
  /** Planned leases read back so far. */
  reread: number;
  /** Once all are read back: the deletes to send, after the live guards and the caps left some out. */
  toDelete?: number;
  skipped?: number;
  /** Deletes answered so far, by outcome. */
  outcomes?: Partial<Record<ActionOutcome, number>>;
}

/**
 * Executes a saved plan: no audit, no planning. Per cluster, in the plan's order: read each planned lease
 * back (a list by name — the `list` the audit's RBAC already grants), re-check the guards that are about
 * the live object (live-lease-guards.ts), hold the cluster to the clock guard (the reads' Date headers),
 * spend the run's cap, then delete each lease with the plan's uid and resourceVersion as preconditions —
 * never the live ones — so a lease changed since the plan answers 409 (`changed`) and stays. A lease not
 * in the plan is never addressed. Clusters go one after another so the run-wide cap is spent in order.
 */
export async function applySavedPlan(
  plan: ReapPlanFile,
  targets: readonly ClusterTarget[],
  failures: readonly ConnectFailure[],
  options: ApplyPlanOptions,
): Promise<ClusterReap[]> {
  let budget = options.policy.maxDeletionsPerRun;
  const results: ClusterReap[] = [];
  for (const planned of plan.clusters) {
    const failure = failures.find((f) => f.cluster === planned.cluster);
    const target = targets.find((t) => t.name === planned.cluster);
    if (failure || !target) {
      results.push(
        failure ?? {
          cluster: planned.cluster,
          status: 'error',
          error: { kind: 'internal', message: 'not addressed' },
        },
      );
      options.onClusterDone?.(planned.cluster, 'error');
      continue;
    }
    const progress: PlanApplyProgress = { planned: planned.deletions.length, reread: 0 };
    const report = () => options.onProgress?.(planned.cluster, { ...progress });
    report();
    const client = new KubeClient(target.name, target.kubeConfig, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.readLimits ? { limits: options.readLimits } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    });
    try {
      let live: Map<string, LeaseRecord>;
      try {
        live = await readPlannedLeases(client, planned, () => {
          progress.reread++;
          report();
        });
      } catch (err) {
        const e = err instanceof ClusterAccessError ? err : undefined;
        results.push({
          cluster: planned.cluster,
          status: 'error',
          error: { kind: e?.kind ?? 'internal', message: e?.message ?? String(err) },
        });
        options.onClusterDone?.(planned.cluster, 'error');
        continue;
      }
      const localMs = Date.now();
      const skewMs = client.clock.latest?.skewMs;
      const clock: AuditClock =
        skewMs === undefined
          ? { source: 'local', nowMs: localMs }
          : { source: 'server', nowMs: localMs + skewMs, skewMs };
      const refusal = clockRefusal(clock, options.policy.maxClockSkew);
      const reapPlan = checkedPlan(planned, live, options.policy, budget);
      const now = new Date(clock.nowMs).toISOString();
      const outcomes: Partial<Record<ActionOutcome, number>> = {};
      Object.assign(progress, {
        toDelete: reapPlan.deletions.length,
        skipped: reapPlan.skipped.length,
        outcomes,
      });
      report();
      const execution = await executePlan(reapPlan, kubeDeleter(client), {
        dryRun: options.dryRun,
        clock: { source: clock.source, now, ...(skewMs !== undefined ? { skewMs } : {}) },
        ...(refusal ? { refusal: refusal.message } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.policy.recordEvents ? { recordEvent: kubeEventRecorder(client) } : {}),
        ...(options.archive
          ? { tombstones: kubeTombstones(client, options.archive(planned.cluster), planned.cluster) }
          : {}),
        log: (record) => {
          options.log?.(record);
          outcomes[record.outcome] = (outcomes[record.outcome] ?? 0) + 1;
          report();
        },
      });
      budget -= execution.deleted + execution.alreadyGone;
      const common = { cluster: planned.cluster, clock: { ...clock, now }, plan: reapPlan, execution };
      results.push(refusal ? { ...common, status: 'refused', refusal } : { ...common, status: 'ok' });
      options.onClusterDone?.(planned.cluster, refusal ? 'refused' : 'ok');
    } finally {
      await client.close();
    }
  }
  return results;
}

/** `namespace/name` → the lease as it is now, for the plan's leases that still exist. */
async function readPlannedLeases(
  client: KubeClient,
  planned: PlannedCluster,
  onRead: () => void,
): Promise<Map<string, LeaseRecord>> {
  const live = new Map<string, LeaseRecord>();
  for (const d of planned.deletions) {
    const object = await readLease(client, d.namespace, d.name);
    const found = object ? toLeaseRecord(object) : undefined;
    if (found) live.set(`${d.namespace}/${d.name}`, found);
    onRead();
  }
  return live;
}

/**
 * The plan's deletions for one cluster, as the executor takes them: those the live guards refuse are
 * skipped (only when the live lease is still the planned object — otherwise the delete's preconditions
 * answer for it), and the cap leaves out what is over the cluster's or the run's remaining budget. Pure.
 */
export function checkedPlan(
  planned: PlannedCluster,
  live: ReadonlyMap<string, LeaseRecord>,
  policy: ReapPolicy,
  runBudget: number,
): ReapPlan {
  const deletions: PlannedDeletion[] = [];
  const skipped: SkippedCandidate[] = [];
  for (const d of planned.deletions) {
    const lease = live.get(`${d.namespace}/${d.name}`);
    const unchanged = lease?.uid === d.uid && lease.resourceVersion === d.resourceVersion;
    const why = lease && unchanged ? liveRefusal(d, lease, policy) : undefined;
    if (why) {
      skipped.push({
        namespace: d.namespace,
        name: d.name,
        finding: d.finding,
        skip: why[0],
        detail: why[1],
      });
      continue;
    }
    deletions.push({ ...d });
  }
  const capped = applyDeletionCap(deletions, policy, runBudget);
  skipped.push(...capped.skipped);
  return { cluster: planned.cluster, deletions: capped.deletions, skipped };
}

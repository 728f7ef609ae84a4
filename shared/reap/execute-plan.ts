import { type DeleteOutcome, deleteLease, type LeaseIdentity } from '../kube/delete-lease.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { PlannedDeletion, ReapPlan } from './plan.ts';

/** The narrow port the executor deletes through (the real one is `deleteLease` over a KubeClient). */
export type LeaseDeleter = (lease: LeaseIdentity, options: { dryRun: boolean }) => Promise<DeleteOutcome>;

export function kubeDeleter(client: KubeClient): LeaseDeleter {
  return (lease, options) => deleteLease(client, lease, options);
}

export type ActionOutcome = DeleteOutcome['result'] | 'notAttempted';

/** The clock a cluster's leases were judged by, as written in each action line and report. */
export interface ActionClock {
  source: 'server' | 'local' | 'override';
  /** The time the leases were judged at (RFC 3339). */
  now: string;
  /** Server minus local clock in ms, when measured. */
  skewMs?: number;
}

/** One structured audit line per action. */
export interface ActionRecord {
  event: 'lease-reaper.delete';
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  finding: PlannedDeletion['finding'];
  reason: string;
  outcome: ActionOutcome;
  dryRun: boolean;
  detail?: string;
  clock?: ActionClock;
}

export interface ExecutionSummary {
  cluster: string;
  dryRun: boolean;
  planned: number;
  deleted: number;
  alreadyGone: number;
  changed: number;
  forbidden: number;
  failed: number;
  notAttempted: number;
  /** True when the deadline signal stopped the run before the plan was done. */
  stoppedEarly: boolean;
  actions: ActionRecord[];
}

/**
 * Executes a plan, one delete at a time, each with the preconditions of the lease as listed. A renewed or
 * replaced lease answers 409 and is left alone (`changed`); one already gone is counted; 403 means RBAC
 * will refuse the rest too, so it is recorded once and the cluster stops there. The deadline signal stops
 * the run between deletes, leaving the remainder `notAttempted`. Dry-run is only this executor's mode:
 * the same plan, sent with dryRun=All.
 */
export async function executePlan(
  plan: ReapPlan,
  deleter: LeaseDeleter,
  options: {
    dryRun: boolean;
    signal?: AbortSignal;
    log?: (record: ActionRecord) => void;
    /** Written into every action record. */
    clock?: ActionClock;
    /** Send nothing: every deletion is recorded notAttempted with this as its detail (e.g. the clock guard). */
    refusal?: string;
  },
): Promise<ExecutionSummary> {
  const summary: ExecutionSummary = {
    cluster: plan.cluster,
    dryRun: options.dryRun,
    planned: plan.deletions.length,
    deleted: 0,
    alreadyGone: 0,
    changed: 0,
    forbidden: 0,
    failed: 0,
    notAttempted: 0,
    stoppedEarly: false,
    actions: [],
  };
  let stopReason: string | undefined = options.refusal;
  for (const d of plan.deletions) {
    if (!stopReason && options.signal?.aborted) {
      stopReason = 'the run reached its deadline';
      summary.stoppedEarly = true;
    }
    let outcome: ActionOutcome;
    let detail: string | undefined;
    if (stopReason) {
      outcome = 'notAttempted';
      detail = stopReason;
    } else {
      // A deleter that throws (instead of answering `failed`) must not lose the summary of the run.
      // Exactly the object the finding judged: its uid and resourceVersion, never looked up again by name.
      const identity: LeaseIdentity = {
        namespace: d.namespace,
        name: d.name,
        uid: d.uid,
        resourceVersion: d.resourceVersion,
      };
      const result = await deleter(identity, { dryRun: options.dryRun }).catch(
        (error: unknown): DeleteOutcome => ({
          result: 'failed',
          error: error instanceof Error ? error : new Error(String(error)),
        }),
      );
      outcome = result.result;
      if (result.result === 'changed' || result.result === 'forbidden') detail = result.message;
      if (result.result === 'failed') detail = result.error.message;
      if (result.result === 'forbidden') stopReason = 'RBAC refused a delete in this cluster';
    }
    summary[outcome]++;
    const record: ActionRecord = {
      event: 'lease-reaper.delete',
      cluster: plan.cluster,
      namespace: d.namespace,
      name: d.name,
      uid: d.uid,
      resourceVersion: d.resourceVersion,
      finding: d.finding,
      reason: d.reason,
      outcome,
      dryRun: options.dryRun,
      ...(detail ? { detail } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    };
    summary.actions.push(record);
    options.log?.(record);
  }
  return summary;
}

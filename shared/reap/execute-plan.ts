import { type DeleteOutcome, deleteLease, type LeaseIdentity } from '../kube/delete-lease.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import {
  defaultReportingInstance,
  type EventOutcome,
  leaseReapedEvent,
  postEvent,
  wallClockNs,
} from '../kube/lease-event.ts';
import type { PlannedDeletion, ReapPlan } from './plan.ts';

/** The narrow port the executor deletes through (the real one is `deleteLease` over a KubeClient). */
export type LeaseDeleter = (lease: LeaseIdentity, options: { dryRun: boolean }) => Promise<DeleteOutcome>;

export function kubeDeleter(client: KubeClient): LeaseDeleter {
  return (lease, options) => deleteLease(client, lease, options);
}

/** The narrow port a deletion's Kubernetes Event is written through (the real one is `kubeEventRecorder`). */
export type LeaseEventRecorder = (deletion: PlannedDeletion) => Promise<EventOutcome>;

/** Records a `LeaseReaped` Event for each deletion, in the lease's namespace (shared/kube/lease-event.ts). */
export function kubeEventRecorder(
  client: KubeClient,
  reportingInstance: string = defaultReportingInstance(),
): LeaseEventRecorder {
  return (d) =>
    postEvent(
      client,
      leaseReapedEvent({ lease: d, reason: d.reason, nowNs: wallClockNs(), reportingInstance }),
    );
}

/** What keeping a deletion's tombstone came to: its delete is sent only once the tombstone is `kept`. */
export type KeepOutcome =
  | { result: 'kept' }
  /** Not there when read back for its tombstone: nothing to delete. */
  | { result: 'alreadyGone' }
  /** Read back with another uid or resourceVersion: the delete's preconditions would refuse it (409). */
  | { result: 'changed'; message: string }
  | { result: 'failed'; message: string };

/**
 * The narrow port tombstones are kept through (the real one is `kubeTombstones`, shared/archive): `keep`
 * before a delete, `settle` with its answer after.
 */
export interface TombstoneKeeper {
  keep(deletion: PlannedDeletion): Promise<KeepOutcome>;
  settle(deletion: PlannedDeletion, outcome: DeleteOutcome): Promise<void>;
}

export type ActionOutcome = DeleteOutcome['result'] | 'notAttempted';

/** The Kubernetes Event of a deletion: its name, or why there is none (a deletion stands either way). */
export type ActionEvent = { recorded: string } | { failed: string };

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
  /** Only on a real deletion (never in a dry run), when the policy records Events. */
  kubernetesEvent?: ActionEvent;
  /** True when the lease's tombstone was kept before its delete was sent (only with an archive). */
  archived?: true;
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
  /** Deletions whose Kubernetes Event was written. */
  eventsRecorded: number;
  /** Deletions whose Kubernetes Event could not be written (best effort: the deletion stands). */
  eventsFailed: number;
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
 *
 * After each real deletion, `recordEvent` (when given) writes a Kubernetes Event. It is best effort: an Event
 * that cannot be written is counted (`eventsFailed`) and written into the action record, never a failed
 * deletion; after RBAC refuses one, the cluster's other Events are not sent.
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
    /** Records an Event for each real deletion (never in a dry run); none when absent. */
    recordEvent?: LeaseEventRecorder;
    /**
     * Keeps each lease's tombstone before its real delete (never in a dry run). A delete whose tombstone is
     * not kept is not sent; one that failed to be written stops the cluster's deletes (the archive is down).
     */
    tombstones?: TombstoneKeeper;
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
    eventsRecorded: 0,
    eventsFailed: 0,
    stoppedEarly: false,
    actions: [],
  };
  let stopReason: string | undefined = options.refusal;
  // RBAC that refuses one Event refuses them all: the rest are not sent, each counted with this reason.
  let eventsRefused: string | undefined;
  for (const d of plan.deletions) {
    if (!stopReason && options.signal?.aborted) {
      stopReason = 'the run reached its deadline';
      summary.stoppedEarly = true;
    }
    let outcome: ActionOutcome;
    let detail: string | undefined;
    let archived = false;
    if (stopReason) {
      outcome = 'notAttempted';
      detail = stopReason;
    } else {
      const sent = await deleteOne(
        d,
        deleter,
        options.dryRun ? undefined : options.tombstones,
        options.dryRun,
      );
      outcome = sent.outcome;
      detail = sent.detail;
      archived = sent.archived;
      if (sent.stop) stopReason = sent.stop;
    }
    summary[outcome]++;
    let kubernetesEvent: ActionEvent | undefined;
    if (outcome === 'deleted' && !options.dryRun && options.recordEvent) {
      const written = eventsRefused
        ? { event: { failed: `not sent: ${eventsRefused}` }, forbidden: false }
        : await recordEventOf(d, options.recordEvent);
      kubernetesEvent = written.event;
      if ('recorded' in kubernetesEvent) summary.eventsRecorded++;
      else summary.eventsFailed++;
      if (written.forbidden) eventsRefused = 'RBAC refused an earlier event in this cluster';
    }
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
      ...(kubernetesEvent ? { kubernetesEvent } : {}),
      ...(archived ? { archived: true as const } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    };
    summary.actions.push(record);
    options.log?.(record);
  }
  return summary;
}

/**
 * One deletion: its tombstone kept first when there is an archive, then the delete with the listed uid and
 * resourceVersion as preconditions, then its answer archived. `stop` says why the cluster's other deletes
 * must not be sent (RBAC refused this one, or the archive is down).
 */
async function deleteOne(
  d: PlannedDeletion,
  deleter: LeaseDeleter,
  tombstones: TombstoneKeeper | undefined,
  dryRun: boolean,
): Promise<{ outcome: DeleteOutcome['result']; detail?: string; archived: boolean; stop?: string }> {
  const kept = tombstones ? await keepTombstone(d, tombstones) : undefined;
  if (kept?.result === 'alreadyGone')
    return {
      outcome: 'alreadyGone',
      detail: 'gone when read back for its tombstone: no delete sent',
      archived: false,
    };
  if (kept?.result === 'changed') return { outcome: 'changed', detail: kept.message, archived: false };
  if (kept?.result === 'failed')
    return {
      outcome: 'failed',
      detail: `its tombstone could not be written, so no delete was sent: ${kept.message}`,
      archived: false,
      stop: 'a tombstone could not be kept in this cluster',
    };
  // Exactly the object the finding judged: its uid and resourceVersion, never looked up again by name.
  const identity: LeaseIdentity = {
    namespace: d.namespace,
    name: d.name,
    uid: d.uid,
    resourceVersion: d.resourceVersion,
  };
  // A deleter that throws (instead of answering `failed`) must not lose the summary of the run.
  const result = await deleter(identity, { dryRun }).catch(
    (error: unknown): DeleteOutcome => ({
      result: 'failed',
      error: error instanceof Error ? error : new Error(String(error)),
    }),
  );
  let detail: string | undefined;
  if (result.result === 'changed' || result.result === 'forbidden') detail = result.message;
  if (result.result === 'failed') detail = result.error.message;
  const stop = result.result === 'forbidden' ? 'RBAC refused a delete in this cluster' : undefined;
  if (tombstones) {
    // The tombstone is kept already: an answer that cannot be written costs the record of the answer only.
    const unsettled = await tombstones.settle(d, result).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (unsettled)
      detail = `${detail ? `${detail}; ` : ''}the delete's answer was not archived: ${unsettled}`;
  }
  return {
    outcome: result.result,
    ...(detail !== undefined ? { detail } : {}),
    archived: tombstones !== undefined,
    ...(stop ? { stop } : {}),
  };
}

/** A keeper that throws (instead of answering `failed`) keeps no tombstone: the delete is not sent. */
function keepTombstone(d: PlannedDeletion, tombstones: TombstoneKeeper): Promise<KeepOutcome> {
  return tombstones.keep(d).catch(
    (error: unknown): KeepOutcome => ({
      result: 'failed',
      message: error instanceof Error ? error.message : String(error),
    }),
  );
}

/** A recorder that throws (instead of answering `failed`) costs the Event, never the deletion or the run. */
async function recordEventOf(
  d: PlannedDeletion,
  record: LeaseEventRecorder,
): Promise<{ event: ActionEvent; forbidden: boolean }> {
  const outcome = await record(d).catch(
    (error: unknown): EventOutcome => ({
      result: 'failed',
      message: error instanceof Error ? error.message : String(error),
      forbidden: false,
    }),
  );
  return outcome.result === 'recorded'
    ? { event: { recorded: outcome.name }, forbidden: false }
    : { event: { failed: outcome.message }, forbidden: outcome.forbidden };
}

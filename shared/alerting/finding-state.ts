import type { FindingDiff } from './finding-diff.ts';
import type { ClusterFindingState } from './open-findings.ts';

/** One cluster's stored state, with the revision a conditional write must still find. */
export interface LoadedFindingState {
  state: ClusterFindingState;
  /** 0 when the cluster has no item yet. */
  revision: number;
  /** The item's TTL (epoch seconds), when it has one. */
  expiresAt?: number;
  /** When it was last written (RFC 3339). */
  updatedAt?: string;
  /** Why the stored findings could not be read (then `state` is empty and the next write replaces them). */
  unreadable?: string;
}

export type SaveOutcome = 'saved' | 'conflict';

/**
 * The port to the finding state kept between runs (a DynamoDB table when deployed). `save` writes only if
 * the item still has the revision `load` returned: of two overlapping runs one wins, and the loser (which
 * gets `conflict`) sends no events — so a transition is announced once.
 */
export interface FindingStateStore {
  load(cluster: string, signal?: AbortSignal): Promise<LoadedFindingState>;
  save(
    cluster: string,
    state: ClusterFindingState,
    previousRevision: number,
    nowMs: number,
  ): Promise<SaveOutcome>;
}

/** An item expires this long after its last write: a cluster that leaves the registry is forgotten. */
export const STATE_TTL_SECONDS = 30 * 86_400;

/** An unchanged state is rewritten once a day anyway, to push its expiry back. */
export const STATE_REFRESH_SECONDS = 86_400;

/**
 * Whether a run must write: when the state changed (that write claims the transitions), or to refresh an
 * item's TTL once a day. Skipping unchanged writes keeps a one-minute schedule from paying a write per
 * cluster per minute.
 */
export function needsWrite(
  diff: Pick<FindingDiff, 'changed'>,
  loaded: LoadedFindingState,
  nowMs: number,
): boolean {
  if (diff.changed || loaded.revision === 0 || loaded.expiresAt === undefined) return true;
  return loaded.expiresAt - Math.floor(nowMs / 1000) < STATE_TTL_SECONDS - STATE_REFRESH_SECONDS;
}

/**
 * Every open finding is logged at least this often (and on the run that opens or resolves it): enough for
 * the dashboard's table of current findings over any window of an hour or more, at a sixtieth of the log
 * volume of a line per finding per one-minute run.
 */
export const FINDING_RELIST_SECONDS = 3_600;

/** Whether this run logs every open finding (and records that it did), rather than only transitions. */
export function relistDue(state: Pick<ClusterFindingState, 'listedAt'>, nowMs: number): boolean {
  if (state.listedAt === undefined) return true;
  return nowMs - Date.parse(state.listedAt) >= FINDING_RELIST_SECONDS * 1000;
}

/** The TTL attribute's value for a write at `nowMs`. */
export function expiresAtFor(nowMs: number): number {
  return Math.floor(nowMs / 1000) + STATE_TTL_SECONDS;
}

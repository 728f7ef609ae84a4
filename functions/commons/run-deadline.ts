/**
 * The one deadline of a run, all from a single reading of `context.getRemainingTimeInMillis()`:
 *
 *   start ──read──▶ read stops ──publish──▶ publish stops ──onError──▶ Lambda's deadline
 *                   (−10 s)                 (−2 s)
 *
 * - Reading (and deleting) stops 10 s before Lambda's deadline, so the run can still keep its finding
 *   state and publish what it did: a slow cluster must read as ClusterScanErrors, never as silence.
 * - Publishing (state, events, metrics) is aborted 2 s before the deadline; a run still going then is
 *   abandoned and fails with RunDeadlineError, so its last 2 s go to onError (RunFailed and the error line)
 *   rather than to a Lambda timeout that publishes nothing.
 *
 * middy's own early timeout is off (`timeoutEarlyInMillis: 0`, lambda-handler.ts): it would read the
 * remaining time again, at another moment, and its signal cannot be combined with ours, so two deadlines
 * would drift apart. Here they are derived from the same constants, in one place.
 */

/** The last this-many ms of an invocation belong to onError: the RunFailed metric and the error line. */
export const FAILURE_RESERVE_MS = 2_000;
/** Reading stops this long before Lambda's deadline: publishing gets what is left of it. */
export const READ_RESERVE_MS = 10_000;
/** Reading gets at least this long, even when an invocation starts with less than the reserve left. */
export const MIN_READ_MS = 1_000;
/** onError's RunFailed may take at most this long (less when the deadline is nearer). */
export const RUN_FAILED_PUBLISH_MS = 1_500;

export interface RunDeadline {
  /** Aborts when the run must stop reading clusters (and deleting). */
  read: AbortSignal;
  /** Aborts when publishing must stop; the run is then abandoned (`withinDeadline` rejects). */
  publish: AbortSignal;
  readStopsInMs: number;
  publishStopsInMs: number;
}

/** A run stopped by its deadline before it returned: onError reports it (RunFailed). */
export class RunDeadlineError extends Error {
  constructor(publishStopsInMs: number) {
    super(
      `the run did not finish within ${publishStopsInMs} ms, ${FAILURE_RESERVE_MS} ms before the Lambda deadline`,
    );
    this.name = 'RunDeadlineError';
  }
}

export function runDeadline(remainingMs: number): RunDeadline {
  const readStopsInMs = Math.max(MIN_READ_MS, remainingMs - READ_RESERVE_MS);
  const publishStopsInMs = Math.max(readStopsInMs, remainingMs - FAILURE_RESERVE_MS);
  return {
    read: AbortSignal.timeout(readStopsInMs),
    publish: AbortSignal.timeout(publishStopsInMs),
    readStopsInMs,
    publishStopsInMs,
  };
}

/** The run's result, or RunDeadlineError once publishing must stop (the run itself is left behind). */
export async function withinDeadline<R>(run: Promise<R>, deadline: RunDeadline): Promise<R> {
  let onAbort = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(new RunDeadlineError(deadline.publishStopsInMs));
    if (deadline.publish.aborted) onAbort();
    else deadline.publish.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run, stopped]);
  } finally {
    deadline.publish.removeEventListener('abort', onAbort);
  }
}

/** How long onError may spend publishing RunFailed, with `remainingMs` left (at least 100 ms: try anyway). */
export function runFailedBudgetMs(remainingMs: number | undefined): number {
  if (remainingMs === undefined) return RUN_FAILED_PUBLISH_MS;
  return Math.max(100, Math.min(RUN_FAILED_PUBLISH_MS, remainingMs - 250));
}

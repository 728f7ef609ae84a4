import type { Context } from 'aws-lambda';
import type { Logger } from '../logger.ts';

/**
 * The context the handler and its middlewares share for one invocation: Lambda's, plus what the
 * middlewares add. `logContext` (the first middleware) derives it from Lambda's context, so these fields
 * never land on a context object a caller reuses across invocations (tests, the fan-out's shards).
 */
export interface RunContext<D = unknown> extends Context {
  /** The invocation's logger (logContext): every line carries the request id, cold start and function. */
  log: Logger;
  /** What the function's setup built (setupOnce); unset while setup has not succeeded. */
  deps?: D;
  /** The clusters the event names (eventValidation); unset: the whole fleet. */
  subset?: readonly string[];
  /** A reap shard's share of the run-wide cap on deletions (eventValidation); unset: the policy's. */
  maxDeletions?: number;
}

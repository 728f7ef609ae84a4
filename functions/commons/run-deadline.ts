import type { Context } from 'aws-lambda';

/**
 * Aborts 10 s before the Lambda deadline, so a run can stop and still publish what it did; middy's own
 * early timeout (the `signal` given here) is the backstop.
 */
export function runDeadline(signal: AbortSignal, context: Context): AbortSignal {
  return AbortSignal.any([
    signal,
    AbortSignal.timeout(Math.max(1_000, context.getRemainingTimeInMillis() - 10_000)),
  ]);
}

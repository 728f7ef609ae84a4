import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { retriesWithin } from '../../infra/shard-state-machine.ts';

/** The longest a step's retries can wait in all: waits of Interval × Rate^k, k < MaxAttempts (FULL jitter only shortens them). */
const longestWait = (r: { IntervalSeconds: number; MaxAttempts: number; BackoffRate: number }) =>
  Array.from({ length: r.MaxAttempts }, (_, k) => r.IntervalSeconds * r.BackoffRate ** k).reduce(
    (a, b) => a + b,
    0,
  );

describe('the fan-out’s retries fit the execution', () => {
  it.each([
    // [execution timeout s, attempts, longest wait s]
    [60, 4, 15],
    [110, 4, 15],
    [124, 5, 31],
    [290, 6, 63],
    [890, 6, 63],
  ])('an execution of %i s retries a step %i times, waiting at most %i s', (timeout, attempts, wait) => {
    const r = retriesWithin(Duration.seconds(timeout));
    expect(r.MaxAttempts).toBe(attempts);
    expect(longestWait(r)).toBe(wait);
    // Two steps retried back to back (the shard's invocation, then its scan errors) take at most half.
    expect(2 * longestWait(r)).toBeLessThanOrEqual(timeout / 2);
  });

  it('retries at least once, however short the execution', () => {
    expect(retriesWithin(Duration.seconds(2)).MaxAttempts).toBe(1);
  });
});

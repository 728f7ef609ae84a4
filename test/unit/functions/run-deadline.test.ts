import { describe, expect, it } from 'vitest';
import {
  RunDeadlineError,
  runDeadline,
  runFailedBudgetMs,
  withinDeadline,
} from '../../../functions/commons/run-deadline.ts';

describe('the run deadline', () => {
  it.each([
    // remaining → reading stops, publishing stops (ms from now)
    [900_000, 890_000, 898_000],
    [60_000, 50_000, 58_000],
    [11_000, 1_000, 9_000],
    // Less than the reserve left: reading still gets a second, publishing no less.
    [5_000, 1_000, 3_000],
    [1_500, 1_000, 1_000],
  ])('with %i ms left reading stops in %i ms and publishing in %i ms', (remaining, read, publish) => {
    const deadline = runDeadline(remaining);
    expect([deadline.readStopsInMs, deadline.publishStopsInMs]).toEqual([read, publish]);
    expect([deadline.read.aborted, deadline.publish.aborted]).toEqual([false, false]);
  });

  it('gives the run’s result when it finishes first', async () => {
    await expect(withinDeadline(Promise.resolve('summary'), runDeadline(60_000))).resolves.toBe('summary');
  });

  it('abandons a run still going when publishing must stop', async () => {
    const controller = new AbortController();
    const deadline = { ...runDeadline(60_000), publish: controller.signal };
    const never = new Promise<string>(() => {});

    const result = withinDeadline(never, deadline);
    controller.abort();

    await expect(result).rejects.toBeInstanceOf(RunDeadlineError);
  });

  it('bounds the RunFailed publish by what is left', () => {
    expect([undefined, 60_000, 1_000, 300, 0].map(runFailedBudgetMs)).toEqual([1_500, 1_500, 750, 100, 100]);
  });
});

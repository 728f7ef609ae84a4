import * as z from 'zod/mini';
import { describeIssues } from '../../shared/validation.ts';
import type { Logger } from './logger.ts';

/**
 * The event of both schedules (EventBridge Scheduler passes its input verbatim): optionally the clusters
 * to run on, e.g. a shard from a fan-out state machine, and for a reap shard its share of the run-wide cap
 * on deletions. Unknown keys are ignored, so an EventBridge envelope also works.
 */
export const runEventSchema = z.looseObject({
  clusters: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  maxDeletions: z.optional(z.int().check(z.gte(0))),
});

/** What an event asks of a run: its clusters (unset: the whole fleet) and a cap on its deletions. */
export interface RunEvent {
  clusters?: readonly string[];
  maxDeletions?: number;
}

/** The event, checked; an invalid event is logged, then thrown. */
export function parseRunEvent(event: unknown, log: Logger): RunEvent {
  const parsed = runEventSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    log.log('error', 'invalid event', { issues });
    throw new Error(`invalid event: ${issues.join('; ')}`);
  }
  const { clusters, maxDeletions } = parsed.data;
  return {
    ...(clusters ? { clusters } : {}),
    ...(maxDeletions !== undefined ? { maxDeletions } : {}),
  };
}

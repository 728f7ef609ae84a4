import * as z from 'zod/mini';
import { describeIssues } from '../../shared/validation.ts';
import type { Logger } from './logger.ts';

/**
 * The event of both schedules (EventBridge Scheduler passes its input verbatim): optionally the clusters
 * to run on, e.g. a shard from the fan-out state machine. Unknown keys are ignored, so an EventBridge
 * envelope also works.
 */
export const runEventSchema = z.looseObject({
  clusters: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
});

/** The clusters an event names (undefined: the whole fleet); an invalid event is logged, then thrown. */
export function clustersOfEvent(event: unknown, log: Logger): readonly string[] | undefined {
  const parsed = runEventSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    log.log('error', 'invalid event', { issues });
    throw new Error(`invalid event: ${issues.join('; ')}`);
  }
  return parsed.data.clusters;
}

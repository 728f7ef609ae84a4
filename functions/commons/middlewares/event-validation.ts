import type { MiddlewareObj } from '@middy/core';
import type { Logger } from '../logger.ts';
import { parseRunEvent } from '../run-event.ts';
import type { RunContext } from './run-context.ts';

/**
 * Checks the event against runEventSchema before the run: the clusters it names become `context.subset`, a
 * shard's cap `context.maxDeletions`; an invalid event is logged (`invalid event`, with every issue) and
 * fails the invocation.
 */
export function eventValidation<D extends { log: Logger }>(): MiddlewareObj<
  unknown,
  unknown,
  Error,
  RunContext<D>
> {
  return {
    name: 'eventValidation',
    before: function validateEvent(request) {
      const event = parseRunEvent(request.event, request.context.log);
      if (event.clusters) request.context.subset = event.clusters;
      if (event.maxDeletions !== undefined) request.context.maxDeletions = event.maxDeletions;
    },
  };
}

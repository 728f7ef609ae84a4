import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../functions/commons/logger.ts';
import { eventValidation } from '../../../functions/commons/middlewares/event-validation.ts';
import { logContext } from '../../../functions/commons/middlewares/log-context.ts';
import { context, handlerWith, recordingLogger } from './support.ts';

function validated() {
  const { log, lines } = recordingLogger();
  const { handler, seen } = handlerWith<{ log: Logger }>([
    logContext({ functionName: 'audit', fallback: log, env: {} }),
    eventValidation(),
  ]);
  return { handler, seen, lines };
}

describe('the event validation middleware', () => {
  it.each([
    [{}, undefined],
    [null, undefined],
    [{ source: 'aws.scheduler', detail: {} }, undefined],
    [{ clusters: ['prod-eu', 'prod-us'] }, ['prod-eu', 'prod-us']],
  ])('gives the run the clusters %j names: %j', async (event, subset) => {
    const { handler, seen } = validated();
    await handler(event, context());
    expect(seen[0]?.subset).toEqual(subset);
  });

  it.each([[{ clusters: 'prod-eu' }], [{ clusters: [] }], [{ clusters: [''] }]])(
    'logs %j as an invalid event and fails the invocation before the run',
    async (event) => {
      const { handler, seen, lines } = validated();
      await expect(handler(event, context())).rejects.toThrow(/^invalid event: clusters/);
      expect(seen).toEqual([]);
      expect(lines).toEqual([
        expect.objectContaining({ level: 'error', message: 'invalid event', requestId: 'req-1' }),
      ]);
    },
  );

  it.each([
    [{ clusters: ['a'], maxDeletions: 2 }, 2],
    [{ clusters: ['a'], maxDeletions: 0 }, 0],
    [{ clusters: ['a'] }, undefined],
  ])("gives a reap shard's run its share of the cap from %j: %j", async (event, maxDeletions) => {
    const { handler, seen } = validated();
    await handler(event, context());
    expect(seen[0]?.maxDeletions).toEqual(maxDeletions);
  });

  it.each([[{ maxDeletions: -1 }], [{ maxDeletions: 1.5 }], [{ maxDeletions: '2' }]])(
    'refuses %j: a share of the cap is a whole number, 0 or more',
    async (event) => {
      const { handler, seen } = validated();
      await expect(handler(event, context())).rejects.toThrow(/^invalid event: maxDeletions/);
      expect(seen).toEqual([]);
    },
  );
});

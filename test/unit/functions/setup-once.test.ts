import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../functions/commons/logger.ts';
import { logContext } from '../../../functions/commons/middlewares/log-context.ts';
import { setupOnce } from '../../../functions/commons/middlewares/setup-once.ts';
import { context, handlerWith, recordingLogger } from './support.ts';

describe('the setup middleware', () => {
  it('builds the dependencies at the first invocation and keeps them for the next ones', async () => {
    const { log } = recordingLogger();
    let calls = 0;
    const { handler, seen } = handlerWith<{ log: Logger; n: number }>([
      logContext({ functionName: 'audit', fallback: log, env: {} }),
      setupOnce(async () => ({ log, n: ++calls })),
    ]);

    await handler({}, context('a'));
    await handler({}, context('b'));

    expect(calls).toBe(1);
    expect(seen.map((c) => c.deps?.n)).toEqual([1, 1]);
  });

  it('does not keep a failed setup: the invocation fails and the next one tries again', async () => {
    const { log } = recordingLogger();
    const outcomes = [new Error('registry unreadable'), 'ok'];
    let calls = 0;
    const { handler, seen } = handlerWith<{ log: Logger }>([
      logContext({ functionName: 'audit', fallback: log, env: {} }),
      setupOnce(async () => {
        const outcome = outcomes[calls++];
        if (outcome instanceof Error) throw outcome;
        return { log };
      }),
    ]);

    await expect(handler({}, context('a'))).rejects.toThrow('registry unreadable');
    await expect(handler({}, context('b'))).resolves.toBe('ok');
    await expect(handler({}, context('c'))).resolves.toBe('ok');

    expect(calls).toBe(2);
    expect(seen).toHaveLength(2);
  });
});

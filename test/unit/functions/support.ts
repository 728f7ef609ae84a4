import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger, LogLevel } from '../../../functions/commons/logger.ts';
import type { RunContext } from '../../../functions/commons/middlewares/run-context.ts';

/** A Lambda context with `remainingMs` left and this request id. */
export const context = (awsRequestId = 'req-1', remainingMs = 60_000) =>
  ({
    awsRequestId,
    functionName: 'lease-reaper-test',
    getRemainingTimeInMillis: () => remainingMs,
  }) as Context;

/** A logger that keeps what it is given, as objects. */
export function recordingLogger() {
  const lines: ({ level: LogLevel; message: string } & Record<string, unknown>)[] = [];
  const log: Logger = { log: (level, message, fields = {}) => lines.push({ level, message, ...fields }) };
  return { log, lines };
}

/** A middy handler with the given middlewares whose body records the context it ran with. */
export function handlerWith<D>(
  middlewares: Parameters<ReturnType<typeof middy>['use']>[0][],
  body: (context: RunContext<D>) => unknown = () => 'ok',
) {
  const seen: RunContext<D>[] = [];
  let handler = middy({ timeoutEarlyInMillis: 0 });
  for (const m of middlewares) handler = handler.use(m);
  const wrapped = handler.handler(async (_event: unknown, ctx: Context) => {
    seen.push(ctx as RunContext<D>);
    return body(ctx as RunContext<D>);
  });
  return { handler: wrapped as (event: unknown, context: Context) => Promise<unknown>, seen };
}

import type { MiddlewareObj } from '@middy/core';
import { isLogged, jsonLogger, type Logger, type LogLevel, logLevelFromEnv } from '../logger.ts';
import type { RunContext } from './run-context.ts';

export interface LogContextOptions {
  /** The job, `audit` or `reap`: the `function` field of every line. */
  functionName: string;
  /** Where lines go before setup has given a logger (a failed setup): stdout by default. */
  fallback?: Logger;
  /** Read once, when the handler is built: `AWS_LAMBDA_LOG_LEVEL` or `LOG_LEVEL` (logLevelFromEnv). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Before anything else: the invocation's own context (over Lambda's) with a logger whose every line carries
 * `function`, `requestId` (context.awsRequestId) and `coldStart` (true on this handler's first invocation
 * only, i.e. the container's), and which drops lines below the environment's level. The lines go to the
 * setup's logger once there is one, to the fallback before (so a failed setup is logged with its request id).
 */
export function logContext<D extends { log: Logger }>(
  options: LogContextOptions,
): MiddlewareObj<unknown, unknown, Error, RunContext<D>> {
  const threshold = logLevelFromEnv(options.env ?? process.env);
  const fallback = options.fallback ?? jsonLogger();
  let invocations = 0;
  return {
    name: 'logContext',
    before: function bindLogContext(request) {
      const lambda = request.context;
      const fields = {
        function: options.functionName,
        ...(lambda.awsRequestId !== undefined ? { requestId: lambda.awsRequestId } : {}),
        coldStart: invocations++ === 0,
      };
      // Object.create: Lambda's fields and methods stay readable (getRemainingTimeInMillis among them).
      const context = Object.create(lambda) as RunContext<D>;
      context.log = invocationLogger(() => context.deps?.log ?? fallback, fields, threshold);
      request.context = context;
    },
  };
}

/** A logger that adds `fields` to every line and drops those below `threshold`, writing to `base()`. */
export function invocationLogger(
  base: () => Logger,
  fields: Readonly<Record<string, unknown>>,
  threshold: LogLevel,
): Logger {
  return {
    log(level, message, more = {}) {
      if (isLogged(level, threshold)) base().log(level, message, { ...fields, ...more });
    },
  };
}

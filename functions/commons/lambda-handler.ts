import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from './logger.ts';
import { eventValidation } from './middlewares/event-validation.ts';
import { logContext } from './middlewares/log-context.ts';
import type { RunContext } from './middlewares/run-context.ts';
import { runFailedMetric } from './middlewares/run-failed-metric.ts';
import { setupOnce } from './middlewares/setup-once.ts';
import type { MetricsDeps } from './publish-metrics.ts';
import { type RunDeadline, runDeadline, withinDeadline } from './run-deadline.ts';

/** What every function's setup builds: its registry and metrics clients, and its logger. */
export interface FunctionDeps extends MetricsDeps {
  log: Logger;
}

/** What a run is given besides its dependencies. */
export interface RunInput {
  /** The clusters the event names; unset: the whole fleet. */
  subset?: readonly string[];
  /** A reap shard's share of the run-wide cap on deletions; unset: the policy's maxDeletionsPerRun. */
  maxDeletions?: number;
  deadline: Pick<RunDeadline, 'read' | 'publish'>;
}

export interface LambdaFunction<D extends FunctionDeps, R extends { perCluster: readonly unknown[] }> {
  /** `audit` or `reap`: the `function` field of the log lines and the `Function` dimension of RunFailed. */
  name: string;
  /** Builds the dependencies, once per container (the deployed one reads the environment; tests mock). */
  setup: () => Promise<D>;
  /** The run as plain code; its deps' `log` is the invocation's logger. */
  run: (deps: D, input: RunInput) => Promise<R>;
  /** The message of the run's one summary line (the summary without its per-cluster list). */
  summaryMessage: string;
}

/**
 * The one way a function becomes a Lambda handler, deployed or tested alike (only `setup` differs):
 * - logContext: the invocation's logger (request id, cold start, function, level from the environment);
 * - runFailedMetric: onError logs the error and publishes RunFailed, whatever failed (setup included);
 * - setupOnce: the dependencies, built at the first invocation and kept (a failed setup is retried);
 * - eventValidation: the clusters the event names, or an invalid event failing the invocation;
 * then the run under its one deadline (run-deadline.ts) and its summary line. middy's early timeout is off:
 * run-deadline.ts is the only deadline.
 */
export function lambdaHandler<D extends FunctionDeps, R extends { perCluster: readonly unknown[] }>(
  fn: LambdaFunction<D, R>,
): MiddyfiedHandler<unknown, R, Error, Context> {
  const handler = middy<unknown, R, Error, RunContext<D>>({ timeoutEarlyInMillis: 0 })
    .use(logContext<D>({ functionName: fn.name }))
    .use(runFailedMetric<D>({ functionName: fn.name }))
    .use(setupOnce(fn.setup))
    .use(eventValidation<D>())
    .handler(async (_event: unknown, context: RunContext<D>): Promise<R> => {
      const { deps, log, subset, maxDeletions } = context;
      // setupOnce sets deps or throws; a handler without it is a wiring mistake, not a run to attempt.
      if (!deps) throw new Error(`${fn.name}: setup did not run before the handler`);
      const deadline = runDeadline(context.getRemainingTimeInMillis());
      log.log('debug', 'run deadline', {
        readStopsInMs: deadline.readStopsInMs,
        publishStopsInMs: deadline.publishStopsInMs,
      });
      const summary = await withinDeadline(
        fn.run(
          { ...deps, log },
          {
            ...(subset ? { subset } : {}),
            ...(maxDeletions !== undefined ? { maxDeletions } : {}),
            deadline,
          },
        ),
        deadline,
      );
      log.log('info', fn.summaryMessage, { ...summary, perCluster: undefined });
      return summary;
    });
  // Callers give Lambda's context; logContext, the first middleware, derives the RunContext from it.
  return handler as unknown as MiddyfiedHandler<unknown, R, Error, Context>;
}

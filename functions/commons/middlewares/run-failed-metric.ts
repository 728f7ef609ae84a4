import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { MiddlewareObj } from '@middy/core';
import { cloudWatchClient } from '../../../shared/metrics/cloudwatch-sink.ts';
import {
  DEFAULT_METRICS_NAMESPACE,
  FUNCTION_DIMENSION,
  METRICS_NAMESPACE_ENV,
  METRICS_SINK_ENV,
  METRICS_STACK_ENV,
  RUN_FAILED_METRIC,
  STACK_DIMENSION,
} from '../../../shared/metrics/metric-names.ts';
import { jsonLogger } from '../logger.ts';
import type { MetricsDeps } from '../publish-metrics.ts';
import { runFailedBudgetMs } from '../run-deadline.ts';
import type { RunContext } from './run-context.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface RunFailedOptions {
  /** The job, `audit` or `reap`: the `Function` dimension. */
  functionName: string;
  env?: Env;
  /** The client when setup gave none (it failed): built at the first such failure, then kept. */
  cloudWatch?: () => Promise<CloudWatchClient>;
}

/** Where RunFailed goes: the setup's registry and clients when there are some, else the stack's environment. */
interface Target {
  namespace: string;
  sink: 'cloudwatch' | 'emf';
  dimensions: { Name: string; Value: string }[];
  cloudWatch: () => Promise<CloudWatchClient>;
  emfWrite: (line: string) => void;
}

/**
 * onError: logs the error (through the invocation's logger, so redacted) and publishes `RunFailed` = 1
 * within a bounded time (runFailedBudgetMs), then lets the error fail the invocation. It depends on nothing
 * the setup builds: a registry that cannot be loaded is exactly the failure it must report.
 */
export function runFailedMetric<D extends MetricsDeps>(
  options: RunFailedOptions,
): MiddlewareObj<unknown, unknown, Error, RunContext<D>> {
  const env = options.env ?? process.env;
  let client: Promise<CloudWatchClient> | undefined;
  const ownClient = () => {
    client ??= (options.cloudWatch ?? (() => cloudWatchClient({ maxAttempts: 2 })))().catch(
      (err: unknown) => {
        client = undefined;
        throw err;
      },
    );
    return client;
  };
  return {
    name: 'runFailedMetric',
    onError: async function publishRunFailed(request) {
      const { context } = request;
      const log = context.log ?? jsonLogger();
      log.log('error', 'run failed', { error: request.error });
      const target = targetOf(options.functionName, context.deps, env, ownClient);
      const budgetMs = runFailedBudgetMs(context.getRemainingTimeInMillis?.());
      const signal = AbortSignal.timeout(budgetMs);
      try {
        // Raced against the signal too: the bound holds even for a client that ignores abortSignal.
        await Promise.race([sendRunFailed(target, signal), aborted(signal)]);
      } catch (err) {
        log.log('warn', 'the RunFailed metric could not be published', { error: err, budgetMs });
      }
      // No response is set: middy rethrows the error and the invocation fails.
    },
  };
}

function targetOf(
  functionName: string,
  deps: MetricsDeps | undefined,
  env: Env,
  ownClient: () => Promise<CloudWatchClient>,
): Target {
  const stack = deps?.stack ?? env[METRICS_STACK_ENV];
  return {
    namespace: deps?.registry.metricsNamespace ?? env[METRICS_NAMESPACE_ENV] ?? DEFAULT_METRICS_NAMESPACE,
    sink: deps?.registry.metricsSink ?? (env[METRICS_SINK_ENV] === 'emf' ? 'emf' : 'cloudwatch'),
    dimensions: [
      { Name: FUNCTION_DIMENSION, Value: functionName },
      ...(stack ? [{ Name: STACK_DIMENSION, Value: stack }] : []),
    ],
    cloudWatch: deps?.cloudWatch ? async () => deps.cloudWatch : ownClient,
    emfWrite: deps?.emfWrite ?? ((line) => process.stdout.write(`${line}\n`)),
  };
}

async function sendRunFailed(target: Target, signal: AbortSignal): Promise<void> {
  const timestamp = new Date();
  if (target.sink === 'emf') {
    target.emfWrite(
      JSON.stringify({
        _aws: {
          Timestamp: timestamp.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: target.namespace,
              Dimensions: [target.dimensions.map((d) => d.Name)],
              Metrics: [{ Name: RUN_FAILED_METRIC, Unit: 'Count' }],
            },
          ],
        },
        ...Object.fromEntries(target.dimensions.map((d) => [d.Name, d.Value])),
        [RUN_FAILED_METRIC]: 1,
      }),
    );
    return;
  }
  const [{ PutMetricDataCommand }, client] = await Promise.all([
    import('@aws-sdk/client-cloudwatch'),
    target.cloudWatch(),
  ]);
  await client.send(
    new PutMetricDataCommand({
      Namespace: target.namespace,
      MetricData: [
        {
          MetricName: RUN_FAILED_METRIC,
          Unit: 'Count',
          Value: 1,
          Timestamp: timestamp,
          Dimensions: target.dimensions,
        },
      ],
    }),
    { abortSignal: signal },
  );
}

/** Rejects with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

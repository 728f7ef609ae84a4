import { Aws, Duration, Stack } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  CustomState,
  JitterType,
  JsonPath,
  Map as MapState,
  Pass,
  Result,
  type StateMachine,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FUNCTION_DIMENSION, RUN_FAILED_METRIC, STACK_DIMENSION } from '../shared/metrics/metric-names.ts';
import { retriesWithin, shardClusters } from './audit-fan-out.ts';
import { logGroupNames } from './compliance.ts';
import { shardStateMachine } from './shard-state-machine.ts';

/** A shard of a reap: its clusters and its share of the run-wide cap on deletions. */
export interface ReapShard {
  clusters: string[];
  maxDeletions: number;
}

/**
 * The run-wide cap split ahead of time: each shard may delete its share and no more, so the shards together
 * never pass `maxDeletionsPerRun` however they run (at once, retried, some failing) — no counter to keep
 * consistent across invocations. Shares differ by at most one; the first shards take the remainder (they run
 * first). A shard with a share of 0 still runs: it audits and plans, and its plan says the cap was reached.
 */
export function reapShards(
  names: readonly string[],
  shardSize: number,
  maxDeletionsPerRun: number,
): ReapShard[] {
  const shards = shardClusters(names, shardSize);
  const share = Math.floor(maxDeletionsPerRun / shards.length);
  const remainder = maxDeletionsPerRun % shards.length;
  return shards.map((clusters, i) => ({ clusters, maxDeletions: share + (i < remainder ? 1 : 0) }));
}

export interface ReapFanOutProps {
  reapFunction: IFunction;
  clusters: readonly string[];
  shardSize: number;
  maxConcurrency: number;
  /** The policy's run-wide cap, split across the shards. */
  maxDeletionsPerRun: number;
  /** Where a failed shard is published as RunFailed of the reap (the functions' namespace and stack). */
  metrics: { namespace: string; stack: string };
  /** An execution ends before the next scheduled one starts. */
  timeout: Duration;
  logRetention: RetentionDays;
  logEncryptionKey?: IKey;
  tracing?: boolean;
}

/**
 * A reap too large for one invocation, on the audit's engine: a Standard state machine maps over shards of
 * the fleet, at most `maxConcurrency` at once, invoking the reap function with `{ clusters, maxDeletions }`.
 * Each shard deletes at most its share of the cap (reapShards). A shard whose invocation fails (throttled past
 * its retries, timed out, crashed) is caught, so the other shards still complete, and published as the
 * reap's RunFailed (the metric the reap function publishes when a run fails), which the RunFailed alarm
 * watches; the execution's output names its clusters with the error.
 */
export class ReapFanOut extends Construct {
  readonly stateMachine: StateMachine;
  readonly shards: ReapShard[];

  constructor(scope: Construct, id: string, props: ReapFanOutProps) {
    super(scope, id);
    this.shards = reapShards(props.clusters, props.shardSize, props.maxDeletionsPerRun);

    const reapShard = new LambdaInvoke(this, 'ReapShard', {
      lambdaFunction: props.reapFunction,
      payload: TaskInput.fromObject({
        clusters: JsonPath.listAt('$.clusters'),
        maxDeletions: JsonPath.numberAt('$.maxDeletions'),
      }),
      payloadResponseOnly: true,
      // Throttles and Lambda service errors are retried (the run has not happened); a failed run is not: it
      // may have deleted, and its next run plans again from what is left.
      retryOnServiceExceptions: true,
      resultSelector: {
        'clusters.$': '$.clusters',
        'failedClusters.$': '$.failedClusters',
        'deleted.$': '$.deleted',
      },
    });
    const retry = retriesWithin(props.timeout);
    reapShard.addRetry({
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(retry.IntervalSeconds),
      maxAttempts: retry.MaxAttempts,
      backoffRate: retry.BackoffRate,
      jitterStrategy: JitterType.FULL,
    });
    const publishRunFailed = new CustomState(this, 'PublishRunFailed', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:cloudwatch:putMetricData`,
        Parameters: {
          Namespace: props.metrics.namespace,
          MetricData: [
            {
              MetricName: RUN_FAILED_METRIC,
              Unit: 'Count',
              Value: 1,
              // As the reap function's onError sends it (run-failed-metric.ts).
              Dimensions: [
                { Name: FUNCTION_DIMENSION, Value: 'reap' },
                { Name: STACK_DIMENSION, Value: props.metrics.stack },
              ],
            },
          ],
        },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.ALL'], ...retry, JitterStrategy: 'FULL' }],
      },
    });
    reapShard.addCatch(
      publishRunFailed.next(
        new Pass(this, 'ShardFailed', {
          parameters: { 'clusters.$': '$.clusters', 'error.$': '$.failure.Error' },
        }),
      ),
      { resultPath: '$.failure' },
    );

    const map = new MapState(this, 'ReapShards', {
      itemsPath: '$.shards',
      maxConcurrency: props.maxConcurrency,
      itemSelector: {
        'clusters.$': '$$.Map.Item.Value.clusters',
        'maxDeletions.$': '$$.Map.Item.Value.maxDeletions',
      },
    });
    map.itemProcessor(reapShard);
    const definition = new Pass(this, 'Shards', {
      result: Result.fromObject({ shards: this.shards }),
    }).next(map);

    this.stateMachine = shardStateMachine(this, {
      definition,
      shardFunction: props.reapFunction,
      metrics: { namespace: props.metrics.namespace, sid: 'PublishShardRunFailed' },
      logGroupName: logGroupNames(Stack.of(this).stackName).reapFanOut,
      timeout: props.timeout,
      logRetention: props.logRetention,
      ...(props.logEncryptionKey ? { logEncryptionKey: props.logEncryptionKey } : {}),
      ...(props.tracing ? { tracing: true } : {}),
    });
  }
}

import { Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { JsonPath, type StateMachine, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FUNCTION_DIMENSION, RUN_FAILED_METRIC, STACK_DIMENSION } from '../shared/metrics/metric-names.ts';
import { logGroupNames } from './compliance.ts';
import {
  type FanOutExecution,
  putMetricDataState,
  shardClusters,
  shardStateMachine,
} from './shard-state-machine.ts';

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

export interface ReapFanOutProps extends FanOutExecution {
  reapFunction: IFunction;
  clusters: readonly string[];
  shardSize: number;
  maxConcurrency: number;
  /** The policy's run-wide cap, split across the shards. */
  maxDeletionsPerRun: number;
  /** Where a failed shard is published as RunFailed of the reap (the functions' namespace and stack). */
  metrics: { namespace: string; stack: string };
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

    // A shard that fails (throttled past the retries, timed out, crashed) is the reap's RunFailed, which its
    // alarm watches. A failed run is not retried: it may have deleted, and the next run plans from what is left.
    const publishRunFailed = putMetricDataState(this, 'PublishRunFailed', {
      namespace: props.metrics.namespace,
      timeout: props.timeout,
      metricData: [
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
    });

    this.stateMachine = shardStateMachine(this, {
      shards: this.shards,
      names: { map: 'ReapShards', shard: 'ReapShard' },
      maxConcurrency: props.maxConcurrency,
      itemSelector: {
        'clusters.$': '$$.Map.Item.Value.clusters',
        'maxDeletions.$': '$$.Map.Item.Value.maxDeletions',
      },
      shardFunction: props.reapFunction,
      payload: TaskInput.fromObject({
        clusters: JsonPath.listAt('$.clusters'),
        maxDeletions: JsonPath.numberAt('$.maxDeletions'),
      }),
      resultSelector: {
        'clusters.$': '$.clusters',
        'failedClusters.$': '$.failedClusters',
        'deleted.$': '$.deleted',
      },
      onFailure: publishRunFailed,
      metrics: { namespace: props.metrics.namespace, sid: 'PublishShardRunFailed' },
      logGroupName: logGroupNames(Stack.of(this).stackName).reapFanOut,
      execution: props,
    });
  }
}

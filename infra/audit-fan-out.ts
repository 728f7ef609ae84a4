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
import { CLUSTER_DIMENSION, MetricName, STACK_DIMENSION } from '../shared/metrics/metric-names.ts';
import { logGroupNames } from './compliance.ts';
import { shardStateMachine } from './shard-state-machine.ts';

/** The fleet's cluster names cut into shards of at most `size`, in registry order. */
export function shardClusters(names: readonly string[], size: number): string[][] {
  const shards: string[][] = [];
  for (let i = 0; i < names.length; i += size) shards.push(names.slice(i, i + size));
  return shards;
}

/**
 * The retries of one step, sized so the worst case fits a quarter of the execution's time: waits of 1, 2,
 * 4… s (before FULL jitter, which only shortens them), as many as add up to at most `timeout / 4`, and no
 * more than 6 (63 s). A throttled shard's retries and then its scan errors' retries take at most half the
 * execution together, so the Catch runs and the alarms hear of the shard before the execution times out
 * (with 6 attempts from 2 s, a 1-minute audit's 60 s execution usually timed out first, and the failed
 * shard's clusters published nothing).
 */
export function retriesWithin(timeout: Duration): {
  IntervalSeconds: number;
  MaxAttempts: number;
  BackoffRate: number;
} {
  const budget = timeout.toSeconds() / 4;
  // Waits 1 + 2 + … + 2^(n-1) = 2^n - 1 seconds in all.
  const attempts = Math.min(6, Math.max(1, Math.floor(Math.log2(budget + 1))));
  return { IntervalSeconds: 1, MaxAttempts: attempts, BackoffRate: 2 };
}

export interface AuditFanOutProps {
  auditFunction: IFunction;
  clusters: readonly string[];
  shardSize: number;
  maxConcurrency: number;
  /** Where a failed shard's clusters are published as scan errors (the functions' namespace and stack). */
  metrics: { namespace: string; stack: string };
  /** An execution ends before the next scheduled one starts. */
  timeout: Duration;
  logRetention: RetentionDays;
  /** Encrypt the execution log group with this key (compliance mode). */
  logEncryptionKey?: IKey;
  /** X-Ray tracing of executions (compliance mode: CT.STEPFUNCTIONS.PR.2). */
  tracing?: boolean;
}

/**
 * A fleet too large for one invocation: a Standard state machine maps over shards of the fleet, at most
 * `maxConcurrency` at once, invoking the audit function with `{ clusters: [...] }` for each. Step Functions
 * is the distributed engine; each shard's metrics are published by its own invocation. A shard whose
 * invocation fails (throttling included, once retries are spent) is caught, so the other shards still
 * complete, and each of its clusters is published as a scan error (ClusterScanErrors = 1, the same
 * metric and dimensions the function publishes), so the scan-error alarms report it.
 */
export class AuditFanOut extends Construct {
  readonly stateMachine: StateMachine;
  readonly shards: string[][];

  constructor(scope: Construct, id: string, props: AuditFanOutProps) {
    super(scope, id);
    this.shards = shardClusters(props.clusters, props.shardSize);

    const auditShard = new LambdaInvoke(this, 'AuditShard', {
      lambdaFunction: props.auditFunction,
      payload: TaskInput.fromObject({ clusters: JsonPath.listAt('$.clusters') }),
      payloadResponseOnly: true,
      // Throttles and Lambda service errors are retried (the run has not happened); a failed run is not.
      retryOnServiceExceptions: true,
      resultSelector: {
        'clusters.$': '$.clusters',
        'failedClusters.$': '$.failedClusters',
        'findings.$': '$.findings',
      },
    });
    // Throttling (the account's or the function's concurrency) is not among the service exceptions above.
    const retry = retriesWithin(props.timeout);
    auditShard.addRetry({
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(retry.IntervalSeconds),
      maxAttempts: retry.MaxAttempts,
      backoffRate: retry.BackoffRate,
      jitterStrategy: JitterType.FULL,
    });
    // A shard that still fails (throttled past the retries, timed out, crashed) published nothing: its
    // clusters become scan errors here, as if each had failed inside the run, so the scan-error alarm
    // sees them instead of silence. If even that cannot be published, the execution fails (its alarm).
    const publishScanError = new CustomState(this, 'PublishScanError', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:cloudwatch:putMetricData`,
        Parameters: {
          Namespace: props.metrics.namespace,
          MetricData: [
            {
              MetricName: MetricName.ClusterScanErrors,
              Unit: 'Count',
              Value: 1,
              // As the audit function sends it (HIGH_RESOLUTION_METRICS): one resolution per metric.
              StorageResolution: 1,
              Dimensions: [
                { Name: CLUSTER_DIMENSION, 'Value.$': '$.cluster' },
                { Name: STACK_DIMENSION, Value: props.metrics.stack },
              ],
            },
            // The Stack-only total a fleet-wide alarm reads (with Maximum): a 1 for the failed shard.
            {
              MetricName: MetricName.ClusterScanErrors,
              Unit: 'Count',
              Value: 1,
              // As the audit function sends it (HIGH_RESOLUTION_METRICS): one resolution per metric.
              StorageResolution: 1,
              Dimensions: [{ Name: STACK_DIMENSION, Value: props.metrics.stack }],
            },
          ],
        },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.ALL'], ...retry, JitterStrategy: 'FULL' }],
      },
    });
    const publishShardErrors = new MapState(this, 'PublishShardScanErrors', {
      itemsPath: '$.clusters',
      itemSelector: { 'cluster.$': '$$.Map.Item.Value' },
      maxConcurrency: 5,
      resultPath: JsonPath.DISCARD,
    });
    publishShardErrors.itemProcessor(publishScanError);
    auditShard.addCatch(
      publishShardErrors.next(
        new Pass(this, 'ShardFailed', {
          parameters: { 'clusters.$': '$.clusters', 'error.$': '$.failure.Error' },
        }),
      ),
      { resultPath: '$.failure' },
    );

    const map = new MapState(this, 'AuditShards', {
      itemsPath: '$.shards',
      maxConcurrency: props.maxConcurrency,
      itemSelector: { 'clusters.$': '$$.Map.Item.Value' },
    });
    map.itemProcessor(auditShard);

    const definition = new Pass(this, 'Shards', {
      result: Result.fromObject({ shards: this.shards }),
    }).next(map);

    this.stateMachine = shardStateMachine(this, {
      definition,
      shardFunction: props.auditFunction,
      metrics: { namespace: props.metrics.namespace, sid: 'PublishShardScanErrors' },
      logGroupName: logGroupNames(Stack.of(this).stackName).fanOut,
      timeout: props.timeout,
      logRetention: props.logRetention,
      ...(props.logEncryptionKey ? { logEncryptionKey: props.logEncryptionKey } : {}),
      ...(props.tracing ? { tracing: true } : {}),
    });
  }
}

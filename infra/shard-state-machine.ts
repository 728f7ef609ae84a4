import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  CustomState,
  DefinitionBody,
  type IChainable,
  type INextable,
  JitterType,
  LogLevel,
  Map as MapState,
  Pass,
  Result,
  StateMachine,
  StateMachineType,
  type TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** The fleet's cluster names cut into shards of at most `size`, in registry order. */
export function shardClusters(names: readonly string[], size: number): string[][] {
  const shards: string[][] = [];
  for (let i = 0; i < names.length; i += size) shards.push(names.slice(i, i + size));
  return shards;
}

/**
 * The retries of one step, sized so the worst case fits a quarter of the execution's time: waits of 1, 2,
 * 4… s (before FULL jitter, which only shortens them), as many as add up to at most `timeout / 4`, and no
 * more than 6 (63 s). A throttled shard's retries and then its failure metric's retries take at most half
 * the execution together, so the Catch runs and the alarms hear of the shard before the execution times
 * out (with 6 attempts from 2 s, a 1-minute audit's 60 s execution usually timed out first, and the failed
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

/**
 * A task state that publishes `metricData` in `namespace` through the AWS SDK integration (no Lambda),
 * retried within the execution's time. Its result is dropped: the state's input goes on unchanged.
 */
export function putMetricDataState(
  scope: Construct,
  id: string,
  props: { namespace: string; metricData: unknown[]; timeout: Duration },
): CustomState {
  return new CustomState(scope, id, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:cloudwatch:putMetricData`,
      Parameters: { Namespace: props.namespace, MetricData: props.metricData },
      ResultPath: null,
      Retry: [{ ErrorEquals: ['States.ALL'], ...retriesWithin(props.timeout), JitterStrategy: 'FULL' }],
    },
  });
}

/** How a fan-out's executions run and are logged: alike for the audit's and the reap's. */
export interface FanOutExecution {
  /** An execution ends before the next scheduled one starts. */
  timeout: Duration;
  logRetention: RetentionDays;
  /** Encrypt the execution log group with this key (compliance mode). */
  logEncryptionKey?: IKey;
  /** X-Ray tracing of executions (compliance mode: CT.STEPFUNCTIONS.PR.2). */
  tracing?: boolean;
}

export interface ShardStateMachineProps {
  /** The shards the execution maps over, written into the definition (the `Shards` state's result). */
  shards: readonly unknown[];
  /** The state names of the Map and of the invocation it runs per shard. */
  names: { map: string; shard: string };
  maxConcurrency: number;
  /** A shard's input, from its item (`$$.Map.Item.Value`). */
  itemSelector: Record<string, unknown>;
  /** The function each shard invokes (its qualifiers are in the grant), with this payload. */
  shardFunction: IFunction;
  payload: TaskInput;
  /** What a shard's output keeps of the function's response. */
  resultSelector: Record<string, string>;
  /**
   * What a failed shard publishes, so the alarms hear of it: it runs on the shard's input with the error
   * at `$.failure`, and `ShardFailed` then reports the shard's clusters with the error.
   */
  onFailure: IChainable & INextable;
  /** The failure's metric is published to this namespace (the functions'), under this statement id. */
  metrics: { namespace: string; sid: string };
  logGroupName: string;
  execution: FanOutExecution;
}

/**
 * The Standard state machine of a fan-out (the audit's and the reap's): a Map over the shards, at most
 * `maxConcurrency` at once, invoking the shard function for each. Throttles and Lambda service errors are
 * retried (the run has not happened); a failed run is not (it may have deleted or published, and the next
 * run starts over), it is caught instead, so the other shards still complete, and `onFailure` publishes
 * it. Around that: the ALL-level execution log group, the permission to publish in the functions'
 * namespace only, and the cdk-nag findings it leaves, acknowledged with why. Created as `Logs` and
 * `StateMachine` (and the states) in `scope`.
 */
export function shardStateMachine(scope: Construct, props: ShardStateMachineProps): StateMachine {
  const invoke = new LambdaInvoke(scope, props.names.shard, {
    lambdaFunction: props.shardFunction,
    payload: props.payload,
    payloadResponseOnly: true,
    retryOnServiceExceptions: true,
    resultSelector: props.resultSelector,
  });
  // Throttling (the account's or the function's concurrency) is not among the service exceptions above.
  const { timeout, logRetention, logEncryptionKey, tracing } = props.execution;
  const retry = retriesWithin(timeout);
  invoke.addRetry({
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(retry.IntervalSeconds),
    maxAttempts: retry.MaxAttempts,
    backoffRate: retry.BackoffRate,
    jitterStrategy: JitterType.FULL,
  });
  invoke.addCatch(
    props.onFailure.next(
      new Pass(scope, 'ShardFailed', {
        parameters: { 'clusters.$': '$.clusters', 'error.$': '$.failure.Error' },
      }),
    ),
    { resultPath: '$.failure' },
  );
  const map = new MapState(scope, props.names.map, {
    itemsPath: '$.shards',
    maxConcurrency: props.maxConcurrency,
    itemSelector: props.itemSelector,
  });
  map.itemProcessor(invoke);
  const definition = new Pass(scope, 'Shards', { result: Result.fromObject({ shards: props.shards }) }).next(
    map,
  );

  const logs = new LogGroup(scope, 'Logs', {
    logGroupName: props.logGroupName,
    retention: logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
    ...(logEncryptionKey ? { encryptionKey: logEncryptionKey } : {}),
  });
  const machine = new StateMachine(scope, 'StateMachine', {
    definitionBody: DefinitionBody.fromChainable(definition),
    stateMachineType: StateMachineType.STANDARD,
    timeout,
    logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    ...(tracing ? { tracingEnabled: true } : {}),
  });
  machine.addToRolePolicy(
    new PolicyStatement({
      sid: props.metrics.sid,
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': props.metrics.namespace } },
    }),
  );
  const fn = Stack.of(scope).getLogicalId(props.shardFunction.node.defaultChild as CfnFunction);
  Validations.of(machine.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${fn}.Arn>:*]`,
    reason: 'The LambdaInvoke grant covers the qualifiers (versions, aliases) of the shard function only.',
  });
  Validations.of(machine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups…), X-Ray trace writes (compliance mode) and cloudwatch:PutMetricData (conditioned on the namespace) have no resource-level permissions.',
  });
  Validations.of(machine).acknowledge({
    id: 'AwsSolutions-SF2',
    reason:
      'One Map over Lambda invocations: execution history and ALL-level logs show every shard, and the function logs carry per-cluster detail; X-Ray would add cost and no insight.',
  });
  return machine;
}

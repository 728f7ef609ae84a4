import { type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  type IChainable,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface ShardStateMachineProps {
  definition: IChainable;
  /** The function each shard invokes (its qualifiers are in the grant). */
  shardFunction: IFunction;
  /** A failed shard is published to this namespace (the functions'), under this statement id. */
  metrics: { namespace: string; sid: string };
  logGroupName: string;
  timeout: Duration;
  logRetention: RetentionDays;
  logEncryptionKey?: IKey;
  tracing?: boolean;
}

/**
 * The Standard state machine of a fan-out (the audit's and the reap's): its ALL-level execution log group,
 * its permission to publish a failed shard's metric in the functions' namespace only, and the cdk-nag
 * findings it leaves, acknowledged with why. Created as `Logs` and `StateMachine` in `scope`.
 */
export function shardStateMachine(scope: Construct, props: ShardStateMachineProps): StateMachine {
  const logs = new LogGroup(scope, 'Logs', {
    logGroupName: props.logGroupName,
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
    ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
  });
  const machine = new StateMachine(scope, 'StateMachine', {
    definitionBody: DefinitionBody.fromChainable(props.definition),
    stateMachineType: StateMachineType.STANDARD,
    timeout: props.timeout,
    logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    ...(props.tracing ? { tracingEnabled: true } : {}),
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

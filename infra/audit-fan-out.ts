import { Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { JsonPath, Map as MapState, type StateMachine, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CLUSTER_DIMENSION, MetricName, STACK_DIMENSION } from '../shared/metrics/metric-names.ts';
import { logGroupNames } from './compliance.ts';
import {
  type FanOutExecution,
  putMetricDataState,
  shardClusters,
  shardStateMachine,
} from './shard-state-machine.ts';

export interface AuditFanOutProps extends FanOutExecution {
  auditFunction: IFunction;
  clusters: readonly string[];
  shardSize: number;
  maxConcurrency: number;
  /** Where a failed shard's clusters are published as scan errors (the functions' namespace and stack). */
  metrics: { namespace: string; stack: string };
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

    // A shard that fails (throttled past the retries, timed out, crashed) published nothing: its clusters
    // become scan errors here, as if each had failed inside the run, so the scan-error alarm sees them
    // instead of silence. If even that cannot be published, the execution fails (its alarm).
    const publishScanError = putMetricDataState(this, 'PublishScanError', {
      namespace: props.metrics.namespace,
      timeout: props.timeout,
      metricData: [
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
          StorageResolution: 1,
          Dimensions: [{ Name: STACK_DIMENSION, Value: props.metrics.stack }],
        },
      ],
    });
    const publishShardErrors = new MapState(this, 'PublishShardScanErrors', {
      itemsPath: '$.clusters',
      itemSelector: { 'cluster.$': '$$.Map.Item.Value' },
      maxConcurrency: 5,
      resultPath: JsonPath.DISCARD,
    });
    publishShardErrors.itemProcessor(publishScanError);

    this.stateMachine = shardStateMachine(this, {
      shards: this.shards,
      names: { map: 'AuditShards', shard: 'AuditShard' },
      maxConcurrency: props.maxConcurrency,
      itemSelector: { 'clusters.$': '$$.Map.Item.Value' },
      shardFunction: props.auditFunction,
      payload: TaskInput.fromObject({ clusters: JsonPath.listAt('$.clusters') }),
      resultSelector: {
        'clusters.$': '$.clusters',
        'failedClusters.$': '$.failedClusters',
        'findings.$': '$.findings',
      },
      onFailure: publishShardErrors,
      metrics: { namespace: props.metrics.namespace, sid: 'PublishShardScanErrors' },
      logGroupName: logGroupNames(Stack.of(this).stackName).fanOut,
      execution: props,
    });
  }
}

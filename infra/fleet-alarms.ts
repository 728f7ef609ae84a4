import { type Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { MetricName } from '../shared/metrics/metric-names.ts';
import type { LeaseMetrics } from './lease-metrics.ts';
import type { AlarmThreshold } from './stack-props.ts';

export interface FleetAlarmsProps {
  metrics: LeaseMetrics;
  topic: ITopic;
  auditFunction: IFunction;
  reapFunction: IFunction;
  reapPeriod: Duration;
  silentAfter: Duration;
  perCluster: boolean;
  staleNodeHeartbeats: Required<AlarmThreshold>;
  clusterScanErrors: Required<AlarmThreshold>;
  orphanedApiServerIdentities: Required<AlarmThreshold>;
  deleteFailures: Required<AlarmThreshold>;
  fanOut?: StateMachine;
}

/**
 * The alarms an SRE is paged by, all to one SNS topic (alarm and recovery). A finding metric that is
 * missing is not an alarm — the "auditor silent" alarm is the one that watches for silence, with missing
 * data breaching.
 */
export class FleetAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: FleetAlarmsProps,
  ) {
    super(scope, id);
    const { metrics } = props;

    this.add('StaleNodeHeartbeats-fleet', {
      metric: metrics.fleetSum(MetricName.StaleNodeHeartbeats),
      ...props.staleNodeHeartbeats,
      description:
        'Kubelets across the fleet stopped renewing their node leases while their Nodes still exist.',
    });
    this.add('ClusterScanErrors-fleet', {
      metric: metrics.fleetSum(MetricName.ClusterScanErrors),
      ...props.clusterScanErrors,
      description: 'Clusters could not be audited (credentials, network, API errors): see the audit logs.',
    });
    this.add('OrphanedApiServerIdentities-fleet', {
      metric: metrics.fleetSum(MetricName.OrphanedApiServerIdentities),
      ...props.orphanedApiServerIdentities,
      description:
        'kube-apiserver identity leases expired long ago and were not garbage-collected: a stale control plane member.',
    });
    if (props.perCluster) {
      for (const cluster of metrics.clusters) {
        this.add(`StaleNodeHeartbeats-${cluster}`, {
          metric: metrics.cluster(MetricName.StaleNodeHeartbeats, cluster),
          ...props.staleNodeHeartbeats,
          description: `Kubelets in ${cluster} stopped renewing their node leases.`,
        });
        this.add(`ClusterScanErrors-${cluster}`, {
          metric: metrics.cluster(MetricName.ClusterScanErrors, cluster),
          ...props.clusterScanErrors,
          description: `${cluster} could not be audited: see the audit logs for the error kind.`,
        });
      }
    }
    // The reaper publishes one run's totals for the whole fleet (it is never sharded).
    this.add('DeleteFailures', {
      metric: metrics.total(MetricName.DeleteFailures, Stats.SUM, props.reapPeriod),
      ...props.deleteFailures,
      description: 'Lease deletes the reaper was refused (403) or that failed after retries.',
    });
    // Every audit run publishes ClusterScanErrors (0 when all is well): no sample at all is silence.
    this.add('AuditorSilent', {
      metric: metrics.total(MetricName.ClusterScanErrors, Stats.SAMPLE_COUNT, props.silentAfter),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
      description: 'No audit metrics arrived: the audit is not running, failing, or cannot publish.',
    });
    this.add('AuditFunctionErrors', {
      metric: props.auditFunction.metricErrors({ period: metrics.period, statistic: Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 2,
      description: 'Audit invocations failed outright (bad configuration, crash or timeout).',
    });
    this.add('ReapFunctionErrors', {
      metric: props.reapFunction.metricErrors({ period: props.reapPeriod, statistic: Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'A reap invocation failed outright (bad configuration or policy, crash or timeout).',
    });
    if (props.fanOut) {
      this.add('FanOutFailures', {
        metric: new MathExpression({
          expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
          usingMetrics: {
            failed: props.fanOut.metricFailed({ statistic: Stats.SUM }),
            timedOut: props.fanOut.metricTimedOut({ statistic: Stats.SUM }),
          },
          period: metrics.period,
          label: 'fan-out executions failed or timed out',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        description: 'The audit fan-out state machine failed or timed out.',
      });
    }
  }

  private add(
    name: string,
    spec: {
      metric: IMetric;
      threshold: number;
      evaluationPeriods: number;
      description: string;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
    },
  ): void {
    const alarm = new Alarm(this, name, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      comparisonOperator: spec.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: spec.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.props.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}

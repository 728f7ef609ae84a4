import { type Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  FUNCTION_DIMENSION,
  MetricName,
  RUN_FAILED_METRIC,
  STACK_DIMENSION,
} from '../shared/metrics/metric-names.ts';
import type { AlarmPlan, AlarmScope, ResolvedAlarm } from './alarm-settings.ts';
import type { LeaseMetrics } from './lease-metrics.ts';

/**
 * What a page for a leaderless control plane means and what to check first (CloudWatch allows 1,024
 * characters). The audit's `ControlPlaneLeaderMissing` finding names the cluster and the lease.
 */
export function leaderlessControlPlane(where: string): string {
  return [
    `${where} has a control-plane component with no active leader in consecutive audits: its kube-system leader lease (kube-controller-manager, kube-scheduler or cloud-controller-manager) was not renewed within its duration, so no instance runs that component's loops (no scheduling, no NotReady marking or pod eviction, no garbage collection).`,
    'The ControlPlaneLeaderMissing finding in the audit logs names the cluster and lease.',
    "Check first: kubectl -n kube-system get lease kube-controller-manager kube-scheduler -o wide (the holder; -o yaml shows spec.renewTime), then that component's pods and logs (kubectl -n kube-system get pods -l component=kube-scheduler; kubectl -n kube-system logs <pod>; static pods on the control-plane nodes).",
    'On EKS the control plane is AWS-managed: open an AWS Support case for the cluster.',
  ].join(' ');
}

export interface FleetAlarmsProps {
  metrics: LeaseMetrics;
  topic: ITopic;
  plan: AlarmPlan;
  auditFunction: IFunction;
  auditEvery: Duration;
  /** The reaper, when reaping is enabled (its alarms exist only then). */
  reap?: { function: IFunction; every: Duration };
  fanOut?: StateMachine;
  /** The reap's fan-out state machine, when the fleet is fanned out (alarmed only when reaping). */
  reapFanOut?: StateMachine;
}

/**
 * The alarms an SRE is paged by, all to one SNS topic (alarm and recovery). A finding alarm treats missing
 * data as "ignore" (CloudWatch keeps the alarm's state): a failed or absent scan never reads as a recovery,
 * and a recovery is a run that reports 0. Silence is the "auditor silent" alarm's, with missing data breaching.
 */
export class FleetAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: FleetAlarmsProps,
  ) {
    super(scope, id);
    const { metrics, plan } = props;

    this.finding(MetricName.StaleNodeHeartbeats, plan.staleNodeHeartbeats, {
      fleet: 'Kubelets across the fleet stopped renewing their node leases while their Nodes still exist.',
      cluster: (c) => `Kubelets in ${c} stopped renewing their node leases while their Nodes still exist.`,
    });
    this.finding(MetricName.ClusterScanErrors, plan.clusterScanErrors, {
      fleet: 'Clusters could not be audited (credentials, network, API errors): see the audit logs.',
      cluster: (c) => `${c} could not be audited: see the audit logs for the error kind.`,
    });
    this.finding(
      MetricName.OrphanedApiServerIdentities,
      { ...plan.orphanedApiServerIdentities, scope: 'fleet' },
      {
        fleet:
          'kube-apiserver identity leases expired long ago and were not garbage-collected: a stale control plane member.',
      },
    );
    this.finding(MetricName.ControlPlaneLeadersMissing, plan.controlPlaneLeadersMissing, {
      fleet: leaderlessControlPlane('A cluster of the fleet'),
      cluster: (c) => leaderlessControlPlane(c),
    });
    for (const { cluster, expected } of plan.apiServersBelowExpected.clusters) {
      this.add(`ApiServersBelowExpected-${cluster}`, {
        metric: metrics.cluster(
          MetricName.LiveApiServers,
          cluster,
          Stats.MAXIMUM,
          plan.apiServersBelowExpected.period,
        ),
        ...plan.apiServersBelowExpected,
        threshold: expected,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.IGNORE,
        description: `${cluster} has fewer than ${expected} kube-apiservers renewing their identity leases.`,
      });
    }
    // Every audit run publishes the ClusterScanErrors total (0 when all is well): no sample at all is silence.
    // FILL turns each period without a sample into a real 0, so the alarm fires once N periods are empty.
    // On the bare metric, missing periods are filled only when fewer real datapoints than N remain in the
    // evaluation range (CloudWatch, "Configuring how CloudWatch alarms treat missing data"), and the last
    // runs' samples keep it OK for several periods more: 5–7 minutes instead of 3.
    this.add('AuditorSilent', {
      metric: new MathExpression({
        expression: 'FILL(samples, 0)',
        usingMetrics: {
          samples: metrics.total(MetricName.ClusterScanErrors, Stats.SAMPLE_COUNT, plan.auditorSilent.period),
        },
        period: plan.auditorSilent.period,
        label: 'audit runs (samples of the ClusterScanErrors total)',
      }),
      ...plan.auditorSilent,
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
      description: 'No audit metrics arrived: the audit is not running, failing, or cannot publish.',
    });
    this.add('AuditFunctionErrors', {
      metric: props.auditFunction.metricErrors({ period: props.auditEvery, statistic: Stats.SUM }),
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description: 'Audit invocations failed outright (bad configuration, crash or timeout).',
    });
    this.runFailed(
      'audit',
      plan.runFailed.audit,
      'An audit run failed outright: bad configuration or registry, an invalid event, a crash or its deadline; see the `run failed` log line.',
    );
    if (props.reap && plan.deleteFailures) {
      // The reaper publishes one run's totals for the whole fleet (it is never sharded).
      this.add('DeleteFailures', {
        metric: metrics.total(MetricName.DeleteFailures, Stats.SUM, plan.deleteFailures.period),
        ...plan.deleteFailures,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description: 'Lease deletes the reaper was refused (403) or that failed after retries.',
      });
      this.add('ReapFunctionErrors', {
        metric: props.reap.function.metricErrors({ period: props.reap.every, statistic: Stats.SUM }),
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description: 'A reap invocation failed outright (bad configuration or policy, crash or timeout).',
      });
      if (plan.runFailed.reap)
        this.runFailed(
          'reap',
          plan.runFailed.reap,
          'A reap run failed outright: bad configuration or policy, an invalid event, a crash or its deadline; see the `run failed` log line.',
        );
    }
    if (props.fanOut) this.executionFailures('FanOutFailures', props.fanOut, props.auditEvery, 'audit');
    if (props.reapFanOut && props.reap)
      this.executionFailures('ReapFanOutFailures', props.reapFanOut, props.reap.every, 'reap');
  }

  /** A fan-out state machine's executions that failed or timed out, over its schedule's period. */
  private executionFailures(
    id: string,
    machine: StateMachine,
    period: Duration,
    job: 'audit' | 'reap',
  ): void {
    this.add(id, {
      metric: new MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
        usingMetrics: {
          failed: machine.metricFailed({ statistic: Stats.SUM }),
          timedOut: machine.metricTimedOut({ statistic: Stats.SUM }),
        },
        period,
        label: `${job === 'audit' ? '' : 'reap '}fan-out executions failed or timed out`,
      }),
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description: `The ${job} fan-out state machine failed or timed out.`,
    });
  }

  /**
   * `RunFailed` of one function (dimensions Function, Stack), which its onError publishes even when the run
   * failed before reading its registry. A run that never starts publishes nothing: missing data is not a
   * failure (AuditorSilent and the Lambda `Errors` alarms watch that).
   */
  private runFailed(job: 'audit' | 'reap', alarm: ResolvedAlarm, description: string): void {
    this.add(`RunFailed-${job}`, {
      metric: new Metric({
        namespace: this.props.metrics.namespace,
        metricName: RUN_FAILED_METRIC,
        dimensionsMap: { [FUNCTION_DIMENSION]: job, [STACK_DIMENSION]: this.props.metrics.stack },
        statistic: Stats.SUM,
        period: alarm.period,
      }),
      ...alarm,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description,
    });
  }

  /**
   * A finding metric's alarm(s): one per cluster, or one on the fleet total — never both, so one condition
   * pages once. The fleet total is read with Maximum: a run's figure (under fan-out, the largest shard's).
   */
  private finding(
    name: MetricName,
    alarm: ResolvedAlarm & { scope: AlarmScope },
    description: { fleet: string; cluster?: (cluster: string) => string },
  ): void {
    const common = {
      ...alarm,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.IGNORE,
    };
    if (alarm.scope === 'fleet' || !description.cluster) {
      this.add(`${name}-fleet`, {
        ...common,
        metric: this.props.metrics.total(name, Stats.MAXIMUM, alarm.period),
        description: description.fleet,
      });
      return;
    }
    const perCluster = description.cluster;
    for (const cluster of this.props.metrics.clusters)
      this.add(`${name}-${cluster}`, {
        ...common,
        metric: this.props.metrics.cluster(name, cluster, Stats.MAXIMUM, alarm.period),
        description: perCluster(cluster),
      });
  }

  private add(
    name: string,
    spec: {
      metric: IMetric;
      evaluationPeriods: number;
      datapointsToAlarm: number;
      threshold: number;
      comparisonOperator?: ComparisonOperator;
      treatMissingData: TreatMissingData;
      description: string;
    },
  ): void {
    const alarm = new Alarm(this, name, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      comparisonOperator: spec.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: spec.treatMissingData,
    });
    const action = new SnsAction(this.props.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}

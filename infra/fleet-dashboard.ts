import { Stack } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  LogQueryWidget,
  SingleValueWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MetricName } from '../shared/metrics/metric-names.ts';
import type { LeaseMetrics } from './lease-metrics.ts';

export interface FleetDashboardProps {
  metrics: LeaseMetrics;
  alarms: readonly Alarm[];
  auditFunction: IFunction;
  reapFunction: IFunction;
  auditLogs: ILogGroup;
  reapLogs: ILogGroup;
}

/**
 * The fleet on one page: totals, then one line per cluster (Metrics Insights, so any number of
 * clusters), the reaper's deletions, the functions' health, the alarms, and the latest cluster errors
 * and delete actions from the logs.
 */
export class FleetDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const { metrics: m } = props;
    const perCluster = (title: string, name: MetricName) =>
      new GraphWidget({ title, left: [m.byCluster(name)], width: 12, height: 6, leftYAxis: { min: 0 } });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-fleet`,
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# lease-reaper: ${m.clusters.length} clusters\nNamespace \`${m.namespace}\`; each point is one audit (every ${m.period.toHumanString()}).`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Fleet now',
        metrics: [
          m.fleetSum(MetricName.StaleNodeHeartbeats, 'Stale heartbeats'),
          m.fleetSum(MetricName.OrphanedNodeLeases, 'Orphaned node leases'),
          m.fleetSum(MetricName.NodesWithoutLease, 'Nodes without lease'),
          m.fleetSum(MetricName.ExpiredApiServerIdentities, 'Expired apiserver identities'),
          m.fleetSum(MetricName.OrphanedApiServerIdentities, 'Orphaned apiserver identities'),
          m.fleetSum(MetricName.AbandonedLeases, 'Abandoned leases'),
          m.fleetSum(MetricName.ClusterScanErrors, 'Clusters not audited'),
        ],
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      perCluster('Stale node heartbeats', MetricName.StaleNodeHeartbeats),
      perCluster('Cluster scan errors', MetricName.ClusterScanErrors),
    );
    this.dashboard.addWidgets(
      perCluster('Orphaned node leases', MetricName.OrphanedNodeLeases),
      perCluster('Nodes without a lease', MetricName.NodesWithoutLease),
    );
    this.dashboard.addWidgets(
      perCluster('Live kube-apiservers', MetricName.LiveApiServers),
      perCluster('Expired / orphaned apiserver identities', MetricName.ExpiredApiServerIdentities),
    );
    this.dashboard.addWidgets(
      perCluster('Abandoned leases', MetricName.AbandonedLeases),
      perCluster('Scan duration (ms)', MetricName.ScanDurationMs),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Reaper',
        left: [
          m.total(MetricName.LeasesDeleted, Stats.SUM),
          m.total(MetricName.DeleteConflicts, Stats.SUM),
          m.total(MetricName.DeleteFailures, Stats.SUM),
        ],
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Functions',
        left: [
          props.auditFunction.metricErrors({ label: 'audit errors' }),
          props.reapFunction.metricErrors({ label: 'reap errors' }),
        ],
        right: [
          props.auditFunction.metricDuration({ statistic: Stats.MAXIMUM, label: 'audit duration (max)' }),
          props.reapFunction.metricDuration({ statistic: Stats.MAXIMUM, label: 'reap duration (max)' }),
        ],
        width: 12,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Clusters not audited (latest)',
        logGroupNames: [props.auditLogs.logGroupName],
        queryLines: [
          'fields @timestamp, cluster, errorKind, error',
          "filter message = 'cluster could not be audited'",
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 12,
        height: 6,
      }),
      new LogQueryWidget({
        title: 'Reaper actions (latest)',
        logGroupNames: [props.reapLogs.logGroupName],
        queryLines: [
          'fields @timestamp, cluster, namespace, name, outcome, dryRun, reason',
          "filter message = 'lease action'",
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 12,
        height: 6,
      }),
    );
  }
}

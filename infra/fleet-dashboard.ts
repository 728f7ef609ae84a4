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

const ALARMS_PER_WIDGET = 100;

export interface FleetDashboardProps {
  metrics: LeaseMetrics;
  alarms: readonly Alarm[];
  auditFunction: IFunction;
  reapFunction: IFunction;
  auditLogs: ILogGroup;
  reapLogs: ILogGroup;
}

/**
 * The fleet on one page: totals, then one line per cluster (Metrics Insights: every cluster of a small
 * fleet, the highest 50 of a large one), the reaper's deletions, the functions' health, the alarms, and the
 * latest cluster errors and delete actions from the logs. Every widget stays inside CloudWatch's limits at
 * any fleet size (test/infra/dashboard-limits.test.ts).
 */
export class FleetDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const { metrics: m } = props;
    // Past TOP_CLUSTERS clusters a graph shows the highest ones, and says so.
    const top =
      m.shownClusters < m.clusters.length ? ` (top ${m.shownClusters} of ${m.clusters.length})` : '';
    const perCluster = (title: string, name: MetricName) =>
      new GraphWidget({
        title: `${title}${top}`,
        left: [m.byCluster(name)],
        width: 12,
        height: 6,
        leftYAxis: { min: 0 },
      });

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
    // "Fleet now": one widget per figure. A widget is one GetMetricData call, which takes one Metrics
    // Insights query (GetMetricData, CloudWatch API Reference): past 10 clusters each figure is a query.
    const now: [MetricName, string][] = [
      [MetricName.StaleNodeHeartbeats, 'Stale heartbeats'],
      [MetricName.OrphanedNodeLeases, 'Orphaned node leases'],
      [MetricName.NodesWithoutLease, 'Nodes without lease'],
      [MetricName.ExpiredApiServerIdentities, 'Expired apiserver identities'],
      [MetricName.OrphanedApiServerIdentities, 'Orphaned apiserver identities'],
      [MetricName.AbandonedLeases, 'Abandoned leases'],
      [MetricName.ClusterScanErrors, 'Clusters not audited'],
    ];
    this.dashboard.addWidgets(
      ...now.map(
        ([name, label], i) =>
          new SingleValueWidget({
            ...(i === 0 ? { title: 'Fleet now' } : {}),
            metrics: [m.fleetSum(name, label)],
            // 24 columns: 4 + 4 + 4 + 3 + 3 + 3 + 3.
            width: i < 3 ? 4 : 3,
            height: 4,
          }),
      ),
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
    // An alarm status widget lists at most 100 alarms (Dashboard Body Structure, CloudWatch API Reference).
    for (let i = 0; i < props.alarms.length; i += ALARMS_PER_WIDGET) {
      this.dashboard.addWidgets(
        new AlarmStatusWidget({
          title: i === 0 ? 'Alarms' : `Alarms (${i + 1}–)`,
          alarms: props.alarms.slice(i, i + ALARMS_PER_WIDGET),
          width: 24,
          height: 4,
        }),
      );
    }
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

import { Duration, Stack } from 'aws-cdk-lib';
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
  /** What each cluster publishes (a line per cluster), and what only the fleet totals carry. */
  published: { perCluster: readonly MetricName[]; fleet: readonly MetricName[] };
  /** Under fan-out each shard publishes its own totals: the fleet's figure is their sum. */
  fanOut: boolean;
  alarms: readonly Alarm[];
  auditFunction: IFunction;
  reapFunction: IFunction;
  auditLogs: ILogGroup;
  reapLogs: ILogGroup;
}

/** How each metric reads on the dashboard. */
const LABELS: Partial<Record<MetricName, string>> = {
  [MetricName.StaleNodeHeartbeats]: 'Stale heartbeats',
  [MetricName.OrphanedNodeLeases]: 'Orphaned node leases',
  [MetricName.NodesWithoutLease]: 'Nodes without lease',
  [MetricName.ExpiredApiServerIdentities]: 'Expired apiserver identities',
  [MetricName.OrphanedApiServerIdentities]: 'Orphaned apiserver identities',
  [MetricName.ControlPlaneLeadersMissing]: 'Leaderless control-plane components',
  [MetricName.AbandonedLeases]: 'Abandoned leases',
  [MetricName.ClusterScanErrors]: 'Clusters not audited',
  [MetricName.LiveApiServers]: 'Live kube-apiservers',
};
const labelOf = (name: MetricName) => LABELS[name] ?? name;

/**
 * The current findings, from the audit's "lease finding" log lines (one per finding per run, shared/alerting):
 * the latest line of each finding, those whose latest state is "resolved" dropped, critical first, then
 * oldest. `rank` orders severities (critical 2, warning 1, info 0): Logs Insights sorts fields, not expressions.
 */
export const CURRENT_FINDINGS_QUERY = [
  "filter message = 'lease finding'",
  "fields cluster, type, namespace, name, state, severity, since, node, reason, strcontains(severity, 'critical') * 2 + strcontains(severity, 'warning') as rank",
  'stats latest(state) as current, latest(severity) as sev, latest(rank) as sevRank, latest(since) as openSince, latest(node) as onNode, latest(reason) as why, max(@timestamp) as lastLogged by cluster, type, namespace, name',
  "filter current != 'resolved'",
  'sort sevRank desc, openSince asc',
  'limit 1000',
];

/**
 * The fleet on one page: the fleet's totals now, the current findings (Logs Insights), one line per cluster
 * for what each cluster publishes (Metrics Insights: every cluster of a small fleet, the highest 50 of a large
 * one), the totals over time, the reaper's deletions, the functions' health, the alarms, and the latest
 * cluster errors and delete actions from the logs. Every widget stays inside CloudWatch's limits at any fleet
 * size (test/infra/dashboard-limits.test.ts).
 */
export class FleetDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const { metrics: m, published } = props;
    // Past TOP_CLUSTERS clusters a graph shows the highest ones, and says so.
    const top =
      m.shownClusters < m.clusters.length ? ` (top ${m.shownClusters} of ${m.clusters.length})` : '';
    const perCluster = (name: MetricName) =>
      new GraphWidget({
        title: `${labelOf(name)}${top}`,
        left: [m.byCluster(name)],
        width: 12,
        height: 6,
        leftYAxis: { min: 0 },
      });
    // A run's totals: Maximum is the run's figure; under fan-out, the shards' totals add up.
    const total = (name: MetricName) =>
      m.total(name, props.fanOut ? Stats.SUM : Stats.MAXIMUM).with({ label: labelOf(name) });
    // ClusterScanErrors' total is always published (the auditor's heartbeat).
    const totals = [...new Set([MetricName.ClusterScanErrors, ...published.fleet])];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-fleet`,
      // Open findings are logged at least once an hour (the audit's listing): a 3-hour window always
      // holds the latest line of each, so the current-findings table is complete.
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# lease-reaper: ${m.clusters.length} clusters\nNamespace \`${m.namespace}\`; each point is one audit (every ${m.period.toHumanString()}).`,
        width: 24,
        height: 2,
      }),
    );
    // "Fleet now": one widget per total, as many to a row as fit.
    const width = Math.max(3, Math.floor(24 / totals.length));
    this.dashboard.addWidgets(
      ...totals.map(
        (name, i) =>
          new SingleValueWidget({
            ...(i === 0 ? { title: 'Fleet now' } : {}),
            metrics: [total(name)],
            width,
            height: 4,
          }),
      ),
    );
    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Current findings (critical first)',
        logGroupNames: [props.auditLogs.logGroupName],
        queryLines: CURRENT_FINDINGS_QUERY,
        width: 24,
        height: 8,
      }),
    );
    const lines = published.perCluster.map(perCluster);
    for (let i = 0; i < lines.length; i += 2) this.dashboard.addWidgets(...lines.slice(i, i + 2));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Fleet totals',
        left: totals.map(total),
        width: 24,
        height: 6,
        leftYAxis: { min: 0 },
      }),
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

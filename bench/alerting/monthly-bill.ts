import type { RunCapture } from './measure-runs.ts';
import { CUSTOM_METRIC_TIERS, FREE_TIER, PRICES } from './price-list.ts';
import type { StackFacts, TemplateAlarm } from './template-reader.ts';

/**
 * The monthly bill of one deployment, from its template (what exists, how often it runs, how big the
 * function is) and from measured runs of the real handler (datums, requests, durations, log bytes, DynamoDB
 * and EventBridge calls). A month is 730 hours, as AWS bills.
 */

export const HOURS_PER_MONTH = 730;

/** What the bill does not measure, stated. */
export const BILL_ASSUMPTIONS = {
  /** START/END/REPORT lines Lambda writes per invocation (not the handler's). */
  lambdaPlatformLogBytes: 350,
  /** Step Functions execution log (level ALL): events per state transition and bytes per event. */
  stateMachineLogEventsPerTransition: 2,
  stateMachineLogBytesPerEvent: 350,
  /** Finding openings + resolutions per cluster-month (each one EventBridge entry). */
  findingEventsPerClusterMonth: 30,
  /** Critical openings mailed through the optional rule → SNS, per cluster-month. */
  criticalEmailsPerClusterMonth: 5,
};

export interface LineItem {
  item: string;
  quantity: string;
  list: number;
  afterFreeTier: number;
}

export interface MeasuredInputs {
  /** Unique metric series (name + dimensions) per cluster, and fleet-wide (no Cluster dimension). */
  seriesPerCluster: { name: string; highResolution: boolean }[];
  fleetSeries: number;
  /** Per-invocation figures as a function of the clusters it audits (interpolated from measured runs). */
  durationMs: (clusters: number) => number;
  logBytes: (clusters: number) => number;
  datums: (clusters: number) => number;
  dynamoReadUnits: (clusters: number) => number;
  dynamoWriteUnits: (clusters: number) => number;
  /** GetSecretValue calls per kubeconfig cluster and run. */
  secretReadsPerKubeconfigCluster: number;
  kubeconfigClusters: number;
}

function tieredMetrics(count: number, free: number): number {
  let remaining = Math.max(0, count - free);
  let usd = 0;
  let floor = free;
  for (const tier of CUSTOM_METRIC_TIERS) {
    const room = Math.max(0, tier.upTo - floor);
    const n = Math.min(room, remaining);
    usd += n * tier.usd;
    remaining -= n;
    floor += n;
    if (remaining <= 0) break;
  }
  return usd;
}

/** How many alarm metrics CloudWatch bills for an alarm, and at which rate. */
export function alarmMetrics(
  alarm: TemplateAlarm,
  perClusterSeries: number,
): { count: number; kind: 'standard' | 'high' | 'insights' } {
  if (alarm.kind === 'insights') return { count: perClusterSeries, kind: 'insights' };
  const count = alarm.kind === 'metric' ? 1 : alarm.metrics.length;
  return { count, kind: alarm.spec.periodSeconds < 60 ? 'high' : 'standard' };
}

/** Linear interpolation through measured points (clusters → value), extrapolating from the last two. */
export function interpolate(points: readonly [number, number][]): (x: number) => number {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  return (x) => {
    if (sorted.length === 1) return sorted[0]?.[1] ?? 0;
    let i = sorted.findIndex(([px]) => px >= x);
    if (i <= 0) i = i === 0 ? 1 : sorted.length - 1;
    const [x0, y0] = sorted[i - 1] as [number, number];
    const [x1, y1] = sorted[i] as [number, number];
    return Math.max(0, y0 + ((y1 - y0) * (x - x0)) / (x1 - x0 || 1));
  };
}

export function monthlyBill(facts: StackFacts, clusters: number, m: MeasuredInputs): LineItem[] {
  const runs = (HOURS_PER_MONTH * 3600) / facts.auditEverySeconds;
  const invocations = facts.fanOut ? facts.fanOut.clustersPerShard : [clusters];
  const sumOver = (f: (k: number) => number) => invocations.reduce((s, k) => s + f(k), 0);
  const items: LineItem[] = [];
  const add = (item: string, quantity: string, list: number, afterFreeTier: number) =>
    items.push({ item, quantity, list, afterFreeTier });

  const metrics = m.seriesPerCluster.length * clusters + m.fleetSeries;
  add(
    'CloudWatch custom metrics',
    `${metrics} metrics (${m.seriesPerCluster.length}/cluster + ${m.fleetSeries} fleet)`,
    tieredMetrics(metrics, 0),
    tieredMetrics(metrics, FREE_TIER.customMetrics),
  );

  const byKind = { standard: 0, high: 0, insights: 0 };
  for (const alarm of facts.alarms) {
    const name = alarm.insights?.metricName;
    const perCluster = name ? m.seriesPerCluster.filter((s) => s.name === name).length * clusters : 0;
    const { count, kind } = alarmMetrics(alarm, perCluster);
    byKind[kind] += count;
  }
  const standardFree = Math.max(0, byKind.standard - FREE_TIER.standardAlarmMetrics);
  add(
    'CloudWatch alarms',
    `${facts.alarms.length} alarms, alarm metrics: ${byKind.standard} standard, ${byKind.high} high-res, ${byKind.insights} Insights-analyzed`,
    byKind.standard * PRICES.standardAlarmMetric.usd +
      byKind.high * PRICES.highResolutionAlarmMetric.usd +
      byKind.insights * PRICES.insightsAlarmMetric.usd,
    standardFree * PRICES.standardAlarmMetric.usd +
      byKind.high * PRICES.highResolutionAlarmMetric.usd +
      byKind.insights * PRICES.insightsAlarmMetric.usd,
  );
  add(
    'CloudWatch dashboards',
    `${facts.dashboards}`,
    facts.dashboards * PRICES.dashboard.usd,
    Math.max(0, facts.dashboards - FREE_TIER.dashboards) * PRICES.dashboard.usd,
  );

  const putCalls = runs * sumOver((k) => Math.max(1, Math.ceil(m.datums(k) / 1000)));
  add(
    'PutMetricData requests',
    `${fmt(putCalls)}`,
    (putCalls / 1000) * PRICES.apiRequests.usd,
    (Math.max(0, putCalls - FREE_TIER.apiRequests) / 1000) * PRICES.apiRequests.usd,
  );

  const lambdaRequests = runs * invocations.length;
  const gbSeconds = runs * sumOver((k) => (facts.auditMemoryMb / 1024) * (m.durationMs(k) / 1000));
  add(
    'Lambda requests + GB-s (arm64)',
    `${fmt(lambdaRequests)} req, ${fmt(gbSeconds)} GB-s (${facts.auditMemoryMb} MB)`,
    (lambdaRequests / 1e6) * PRICES.lambdaRequests.usd + gbSeconds * PRICES.lambdaArmGbSecond.usd,
    (Math.max(0, lambdaRequests - FREE_TIER.lambdaRequests) / 1e6) * PRICES.lambdaRequests.usd +
      Math.max(0, gbSeconds - FREE_TIER.lambdaGbSeconds) * PRICES.lambdaArmGbSecond.usd,
  );

  add(
    'EventBridge Scheduler',
    `${fmt(runs)} invocations`,
    (runs / 1e6) * PRICES.schedulerInvocations.usd,
    (Math.max(0, runs - FREE_TIER.schedulerInvocations) / 1e6) * PRICES.schedulerInvocations.usd,
  );

  let stateMachineLogBytes = 0;
  if (facts.fanOut) {
    const transitions = runs * facts.fanOut.transitionsPerExecution;
    stateMachineLogBytes =
      transitions *
      BILL_ASSUMPTIONS.stateMachineLogEventsPerTransition *
      BILL_ASSUMPTIONS.stateMachineLogBytesPerEvent;
    add(
      'Step Functions transitions',
      `${fmt(transitions)} (${facts.fanOut.transitionsPerExecution}/execution, ${facts.fanOut.shards} shards)`,
      (transitions / 1000) * PRICES.stepFunctionsTransitions.usd,
      (Math.max(0, transitions - FREE_TIER.stepFunctionsTransitions) / 1000) *
        PRICES.stepFunctionsTransitions.usd,
    );
  }

  const reads = runs * sumOver(m.dynamoReadUnits);
  const writes = runs * sumOver(m.dynamoWriteUnits);
  if (reads + writes > 0 || facts.dynamoTables > 0)
    add(
      'DynamoDB on-demand',
      `${fmt(reads)} RRU, ${fmt(writes)} WRU`,
      (reads / 1e6) * PRICES.dynamoReads.usd + (writes / 1e6) * PRICES.dynamoWrites.usd,
      (reads / 1e6) * PRICES.dynamoReads.usd + (writes / 1e6) * PRICES.dynamoWrites.usd,
    );

  const logBytes =
    runs * sumOver((k) => m.logBytes(k) + BILL_ASSUMPTIONS.lambdaPlatformLogBytes) + stateMachineLogBytes;
  const logGb = logBytes / 1e9;
  add(
    'CloudWatch Logs ingestion + storage',
    `${logGb.toFixed(2)} GB/month`,
    logGb * (PRICES.logIngestion.usd + PRICES.logStorage.usd),
    Math.max(0, logGb - FREE_TIER.logGb) * (PRICES.logIngestion.usd + PRICES.logStorage.usd),
  );

  add('KMS keys', `${facts.kmsKeys}`, facts.kmsKeys * PRICES.kmsKey.usd, facts.kmsKeys * PRICES.kmsKey.usd);

  const secretReads = runs * m.kubeconfigClusters * m.secretReadsPerKubeconfigCluster;
  if (secretReads > 0)
    add(
      'Secrets Manager GetSecretValue',
      `${fmt(secretReads)} (${m.kubeconfigClusters} kubeconfig clusters)`,
      (secretReads / 10_000) * PRICES.secretsManagerApi.usd,
      (secretReads / 10_000) * PRICES.secretsManagerApi.usd,
    );

  const events =
    facts.eventRules > 0 || facts.dynamoTables > 0
      ? clusters * BILL_ASSUMPTIONS.findingEventsPerClusterMonth
      : 0;
  const emails = facts.eventRules > 0 ? clusters * BILL_ASSUMPTIONS.criticalEmailsPerClusterMonth : 0;
  if (events + emails > 0)
    add(
      'EventBridge events + SNS email',
      `${fmt(events)} events, ${fmt(emails)} emails (assumed)`,
      (events / 1e6) * PRICES.customEvents.usd + (emails / 1e5) * PRICES.snsEmail.usd,
      (events / 1e6) * PRICES.customEvents.usd +
        (Math.max(0, emails - FREE_TIER.snsEmails) / 1e5) * PRICES.snsEmail.usd,
    );
  return items;
}

export function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return n.toFixed(n < 10 ? 1 : 0);
}

/** Unique series in captured runs, split into per-cluster (with a Cluster dimension) and fleet. */
export function seriesOf(captures: readonly RunCapture[], clusterDimension = 'Cluster') {
  const perCluster = new Map<string, boolean>();
  const fleet = new Set<string>();
  for (const c of captures)
    for (const d of c.datums) {
      const { [clusterDimension]: cluster, ...rest } = d.dimensions;
      const key = `${d.name}|${JSON.stringify(Object.entries(rest).sort())}`;
      if (cluster === undefined) fleet.add(key);
      else perCluster.set(key, d.storageResolution === 1);
    }
  return {
    seriesPerCluster: [...perCluster].map(([key, highResolution]) => ({
      name: key.split('|')[0] ?? '',
      highResolution,
    })),
    fleetSeries: fleet.size,
  };
}

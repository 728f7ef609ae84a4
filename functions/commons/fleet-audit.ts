import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { auditClusters, type ClusterResult } from '../../shared/fleet/audit-clusters.ts';
import type { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import type { ClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import type { PublishResult } from '../../shared/metrics/cloudwatch-sink.ts';
import { fleetMetrics } from '../../shared/metrics/fleet-metrics.ts';
import { METRICS_STACK_ENV, MetricName } from '../../shared/metrics/metric-names.ts';
import { connectFleet } from './connect-fleet.ts';
import { type FindingAlertDeps, type FindingAlertsSummary, trackFindings } from './finding-alerts.ts';
import type { RunInput } from './lambda-handler.ts';
import { type Logger, logClusterFailure } from './logger.ts';
import { type MetricsDeps, publishMetrics } from './publish-metrics.ts';

export interface FleetAuditDeps extends MetricsDeps, Omit<FindingAlertDeps, 'log' | 'stack'> {
  registry: ClusterRegistry;
  connector: ClusterConnector;
  log: Logger;
}

export interface FleetAuditSummary extends FindingAlertsSummary {
  clusters: number;
  failedClusters: number;
  findings: number;
  metrics: Omit<PublishResult, 'errors'>;
  perCluster: { cluster: string; status: 'ok' | 'error'; findings?: number; error?: string }[];
}

/**
 * The scheduled audit: connect to every cluster (or the subset named), audit them concurrently, log one
 * summary line per cluster and one line per finding, keep the finding state and announce its transitions
 * (when the deps have a state store and an event sink), publish metrics. A cluster that fails is a metric
 * and a log line, never the end of the run, and its last stored finding counts are published again; a
 * state, event or metrics failure is logged and counted, never hides the audit result.
 */
export async function runFleetAudit(
  deps: FleetAuditDeps,
  /**
   * The clusters (the event's subset, or all) and the deadline: `read` stops the reading of clusters;
   * `publish` bounds what comes after (state, events, metrics). A run that passed the read deadline still
   * publishes ClusterScanErrors, or a slow cluster reads as silence.
   */
  { subset, deadline }: Partial<RunInput>,
): Promise<FleetAuditSummary> {
  const fleet = await connectFleet(deps.registry, deps.connector, subset);
  // The naming advice (off by default) is judged where the registry publishes its metric, and only there.
  const { perCluster, fleet: totals } = deps.registry.metrics;
  const advise = [...perCluster, ...totals].includes(MetricName.LeaseNamingAdvice);
  const audited = await auditClusters(fleet.targets, {
    policy: advise ? { ...defaultAuditPolicy, leaseNamingAdvice: true } : defaultAuditPolicy,
    concurrency: deps.registry.concurrency,
    ...(deps.registry.readLimits ? { client: { limits: deps.registry.readLimits } } : {}),
    ...(deadline ? { signal: deadline.read } : {}),
  });
  const results: ClusterResult[] = fleet.inRegistryOrder(audited);

  for (const r of results) {
    if (r.status === 'ok') {
      // Every count, published or not as a metric: Logs Insights reads them from here.
      deps.log.log('info', 'cluster audited', {
        cluster: r.cluster,
        findings: r.audit.findings.length,
        counts: r.audit.counts.findings,
        nodeLeases: r.audit.counts.byKind.nodeHeartbeat,
        liveApiServers: r.audit.counts.liveApiServers,
        clock: r.clock,
        durationMs: r.stats.durationMs,
      });
    } else {
      logClusterFailure(deps.log, 'cluster could not be audited', r);
    }
  }

  const stack = deps.stack ?? process.env[METRICS_STACK_ENV];
  const alerts = await trackFindings({ ...deps, ...(stack ? { stack } : {}) }, results, {
    findingLogLimit: deps.registry.findingLogLimit,
    concurrency: deps.registry.concurrency,
    ...(deadline ? { signal: deadline.publish } : {}),
  });

  const points = fleetMetrics(results, [], {
    selection: deps.registry.metrics,
    liveApiServerClusters: new Set(
      deps.registry.clusters.filter((c) => c.expectedApiServers !== undefined).map((c) => c.name),
    ),
    carried: alerts.carried,
  });
  const published = await publishMetrics(deps, points, deadline?.publish);
  if (published.failedCalls > 0) deps.log.log('warn', 'some metrics were not published', { ...published });
  const { errors: _errors, ...metrics } = published;
  return {
    clusters: results.length,
    failedClusters: results.filter((r) => r.status === 'error').length,
    findings: results.reduce((n, r) => n + (r.status === 'ok' ? r.audit.findings.length : 0), 0),
    metrics,
    ...alerts.summary,
    perCluster: results.map((r) =>
      r.status === 'ok'
        ? { cluster: r.cluster, status: 'ok', findings: r.audit.findings.length }
        : { cluster: r.cluster, status: 'error', error: r.error.message },
    ),
  };
}

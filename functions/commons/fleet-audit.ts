import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { auditClusters, type ClusterResult } from '../../shared/fleet/audit-clusters.ts';
import type { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import type { ClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import type { PublishResult } from '../../shared/metrics/cloudwatch-sink.ts';
import { fleetMetrics } from '../../shared/metrics/fleet-metrics.ts';
import { connectFleet } from './connect-fleet.ts';
import type { Logger } from './logger.ts';
import { type MetricsDeps, publishMetrics } from './publish-metrics.ts';

export interface FleetAuditDeps extends MetricsDeps {
  registry: ClusterRegistry;
  connector: ClusterConnector;
  log: Logger;
}

export interface FleetAuditSummary {
  clusters: number;
  failedClusters: number;
  findings: number;
  metrics: Omit<PublishResult, 'errors'>;
  perCluster: { cluster: string; status: 'ok' | 'error'; findings?: number; error?: string }[];
}

/**
 * The scheduled audit: connect to every cluster (or the subset named), audit them concurrently, publish
 * metrics, log one summary line per cluster. A cluster that fails is a metric and a log line, never the
 * end of the run; a metrics failure is logged and counted, never hides the audit result.
 */
export async function runFleetAudit(
  deps: FleetAuditDeps,
  options: { subset?: readonly string[]; signal?: AbortSignal },
): Promise<FleetAuditSummary> {
  const fleet = await connectFleet(deps.registry, deps.connector, options.subset);
  const audited = await auditClusters(fleet.targets, {
    policy: defaultAuditPolicy,
    concurrency: deps.registry.concurrency,
    ...(deps.registry.readLimits ? { client: { limits: deps.registry.readLimits } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const results: ClusterResult[] = fleet.inRegistryOrder(audited);

  for (const r of results) {
    if (r.status === 'ok') {
      deps.log.log('info', 'cluster audited', {
        cluster: r.cluster,
        findings: r.audit.findings.length,
        counts: r.audit.counts.findings,
        liveApiServers: r.audit.counts.liveApiServers,
        clock: r.clock,
        durationMs: r.stats.durationMs,
      });
    } else {
      deps.log.log('error', 'cluster could not be audited', {
        cluster: r.cluster,
        errorKind: r.error.kind,
        error: r.error.message,
      });
    }
  }

  const published = await publishMetrics(deps, fleetMetrics(results), options.signal);
  if (published.failedCalls > 0) deps.log.log('warn', 'some metrics were not published', { ...published });
  const { errors: _errors, ...metrics } = published;
  return {
    clusters: results.length,
    failedClusters: results.filter((r) => r.status === 'error').length,
    findings: results.reduce((n, r) => n + (r.status === 'ok' ? r.audit.findings.length : 0), 0),
    metrics,
    perCluster: results.map((r) =>
      r.status === 'ok'
        ? { cluster: r.cluster, status: 'ok', findings: r.audit.findings.length }
        : { cluster: r.cluster, status: 'error', error: r.error.message },
    ),
  };
}

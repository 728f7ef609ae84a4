import type { S3Client } from '@aws-sdk/client-s3';
import { s3ArchiveSink, tombstoneKey } from '../../shared/archive/s3-archive.ts';
import type { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import type { ClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { fleetMetrics } from '../../shared/metrics/fleet-metrics.ts';
import { MetricName } from '../../shared/metrics/metric-names.ts';
import { type ClusterReap, reapClusters } from '../../shared/reap/reap-clusters.ts';
import type { ReapPolicy } from '../../shared/reap/reap-policy.ts';
import { connectFleet } from './connect-fleet.ts';
import type { RunInput } from './lambda-handler.ts';
import { type Logger, logClusterFailure } from './logger.ts';
import { type MetricsDeps, publishMetrics } from './publish-metrics.ts';

export interface FleetReapDeps extends MetricsDeps {
  registry: ClusterRegistry;
  policy: ReapPolicy;
  connector: ClusterConnector;
  log: Logger;
  /** Where tombstones go (the stack's archive bucket); none: deletes keep no tombstone. */
  archive?: { s3: S3Client; bucket: string };
  /** The run's start, naming its archive objects (tests fix it). */
  nowMs?: () => number;
}

export interface FleetReapSummary {
  dryRun: boolean;
  clusters: number;
  failedClusters: number;
  /** Clusters whose deletes the clock guard refused (API server clock off by more than maxClockSkew). */
  refusedClusters: number;
  deleted: number;
  changed: number;
  failed: number;
  perCluster: {
    cluster: string;
    status: 'ok' | 'refused' | 'error';
    /** The clock the cluster was judged by: source, time and measured skew. */
    clock?: { source: string; now: string; skewMs?: number };
    planned?: number;
    deleted?: number;
    changed?: number;
    error?: string;
  }[];
}

const REAP_METRICS = [MetricName.LeasesDeleted, MetricName.DeleteConflicts, MetricName.DeleteFailures];

/**
 * The scheduled reap: connect, then audit → plan → execute per cluster under the policy (dry-run unless the
 * policy says `dryRun: false`). One JSON line per delete action, one per cluster; deletion metrics.
 */
export async function runFleetReap(
  deps: FleetReapDeps,
  /** The clusters (the event's subset, or all); `deadline.read` stops the reading and deleting, `deadline.publish` the metrics. */
  { subset, deadline, maxDeletions }: Partial<RunInput>,
): Promise<FleetReapSummary> {
  const fleet = await connectFleet(deps.registry, deps.connector, subset);
  if (deps.policy.dryRun)
    deps.log.log(
      'info',
      'DRY-RUN: deletes are sent with dryRun: [All] in their DeleteOptions; nothing is deleted',
    );
  const startedAtMs = (deps.nowMs ?? Date.now)();
  const archive = deps.archive;
  // A shard of a fanned-out reap spends its share of the run-wide cap (infra/reap-fan-out.ts), never more.
  const policy =
    maxDeletions !== undefined && maxDeletions < deps.policy.maxDeletionsPerRun
      ? { ...deps.policy, maxDeletionsPerRun: maxDeletions }
      : deps.policy;
  const reaped = await reapClusters(fleet.targets, {
    policy,
    dryRun: deps.policy.dryRun,
    concurrency: deps.registry.concurrency,
    ...(deps.registry.readLimits ? { readLimits: deps.registry.readLimits } : {}),
    ...(deadline ? { signal: deadline.read } : {}),
    log: (record) => deps.log.log('info', 'lease action', { ...record }),
    ...(archive
      ? {
          archive: (cluster: string) =>
            s3ArchiveSink(archive.s3, archive.bucket, tombstoneKey(cluster, startedAtMs)),
        }
      : {}),
  });
  const results: ClusterReap[] = fleet.inRegistryOrder(reaped);

  for (const r of results) {
    if (r.status === 'ok') {
      const { actions: _actions, ...execution } = r.execution;
      deps.log.log('info', 'cluster reaped', {
        ...execution,
        skipped: r.plan.skipped.length,
        clock: r.clock,
      });
    } else if (r.status === 'refused') {
      deps.log.log('error', 'cluster reap refused', {
        cluster: r.cluster,
        reason: r.refusal.reason,
        error: r.refusal.message,
        maxClockSkewSeconds: r.refusal.maxClockSkewSeconds,
        clock: r.clock,
        planned: r.execution.planned,
      });
    } else {
      logClusterFailure(deps.log, 'cluster could not be reaped', r);
    }
  }
  const executions = results.flatMap((r) => (r.status === 'error' ? [] : [r.execution]));
  // Per cluster only what the registry asks for (none by default: the DeleteFailures alarm watches the
  // total, and each cluster's counts are in its `cluster reaped` line); the totals always.
  const points = fleetMetrics([], executions, {
    selection: { perCluster: deps.registry.metrics.perCluster, fleet: REAP_METRICS },
  });
  const published = await publishMetrics(deps, points, deadline?.publish);
  if (published.failedCalls > 0) deps.log.log('warn', 'some metrics were not published', { ...published });
  return {
    dryRun: deps.policy.dryRun,
    clusters: results.length,
    failedClusters: results.filter((r) => r.status === 'error').length,
    refusedClusters: results.filter((r) => r.status === 'refused').length,
    deleted: executions.reduce((n, e) => n + (e.dryRun ? 0 : e.deleted), 0),
    changed: executions.reduce((n, e) => n + e.changed, 0),
    failed: executions.reduce((n, e) => n + e.failed + e.forbidden, 0),
    perCluster: results.map((r) =>
      r.status === 'error'
        ? { cluster: r.cluster, status: 'error', error: r.error.message }
        : {
            cluster: r.cluster,
            status: r.status,
            clock: {
              source: r.clock.source,
              now: r.clock.now,
              ...(r.clock.skewMs !== undefined ? { skewMs: r.clock.skewMs } : {}),
            },
            planned: r.execution.planned,
            deleted: r.execution.deleted,
            changed: r.execution.changed,
            ...(r.status === 'refused' ? { error: r.refusal.message } : {}),
          },
    ),
  };
}

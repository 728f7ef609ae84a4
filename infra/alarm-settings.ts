import { Duration } from 'aws-cdk-lib';
import { ConfigError } from '../shared/errors.ts';
import type { ClusterRegistry } from '../shared/fleet/cluster-registry.ts';
import { HIGH_RESOLUTION_METRICS, MetricName, RUN_FAILED_METRIC } from '../shared/metrics/metric-names.ts';
import type { AlarmSettings, LeaseReaperStackProps } from './stack-props.ts';

/** Up to this many clusters, stale heartbeats and scan errors are alarmed per cluster by default. */
export const PER_CLUSTER_ALARMS_LIMIT = 10;

/** An alarm's evaluation, defaults applied and checked against CloudWatch's rules. */
export type ResolvedAlarm = Required<AlarmSettings>;

/** Alarmed per cluster (dimensions Cluster, Stack) or on the fleet total (Stack only): never both. */
export type AlarmScope = 'perCluster' | 'fleet';

/** Every alarm of the stack, as the stack will create it. */
export interface AlarmPlan {
  staleNodeHeartbeats: ResolvedAlarm & { scope: AlarmScope };
  clusterScanErrors: ResolvedAlarm & { scope: AlarmScope };
  orphanedApiServerIdentities: ResolvedAlarm;
  /** A kube-system leader lease (kube-controller-manager, kube-scheduler…) not renewed: critical. */
  controlPlaneLeadersMissing: ResolvedAlarm & { scope: AlarmScope };
  auditorSilent: ResolvedAlarm;
  apiServersBelowExpected: ResolvedAlarm & { clusters: { cluster: string; expected: number }[] };
  /** Only when reaping. */
  deleteFailures: ResolvedAlarm | undefined;
  /** RunFailed per function: the audit's, and the reaper's only when reaping. */
  runFailed: { audit: ResolvedAlarm; reap: ResolvedAlarm | undefined };
}

/** PutMetricAlarm: a period of 10, 20 or 30 s needs a metric stored at 1-second resolution. */
const SUB_MINUTE_PERIODS = new Set([10, 20, 30]);
/** PutMetricAlarm: period × evaluationPeriods at most one day for periods under an hour, else seven days. */
const MAX_RANGE_SHORT = 86_400;
const MAX_RANGE_LONG = 604_800;

interface Cadence {
  /** How often a datapoint arrives, and the field that sets it (for messages). */
  every: Duration;
  field: string;
}

/**
 * One alarm's settings: the deployment's over the defaults, each checked against what CloudWatch accepts
 * and what can ever fire with datapoints arriving once per `cadence.every`. A problem fails the synth with
 * one message naming `alarms.<name>.<field>`, rather than a failed deployment or an alarm that never fires.
 */
export function resolveAlarm(
  name: string,
  given: AlarmSettings | undefined,
  defaults: ResolvedAlarm,
  options: { metric: MetricName | typeof RUN_FAILED_METRIC; cadence: Cadence; sampledEveryPeriod?: boolean },
): ResolvedAlarm {
  const s: ResolvedAlarm = {
    period: given?.period ?? defaults.period,
    evaluationPeriods: given?.evaluationPeriods ?? defaults.evaluationPeriods,
    datapointsToAlarm:
      given?.datapointsToAlarm ??
      (given?.evaluationPeriods !== undefined
        ? Math.min(defaults.datapointsToAlarm, given.evaluationPeriods)
        : defaults.datapointsToAlarm),
    threshold: given?.threshold ?? defaults.threshold,
  };
  const field = `alarms.${name}`;
  const period = s.period.toSeconds({ integral: false });
  if (!Number.isInteger(period) || !(SUB_MINUTE_PERIODS.has(period) || (period > 0 && period % 60 === 0)))
    throw new ConfigError(
      `${field}.period must be 10, 20 or 30 seconds or whole minutes, as CloudWatch alarms take (got ${s.period.toHumanString()})`,
    );
  if (SUB_MINUTE_PERIODS.has(period) && !(HIGH_RESOLUTION_METRICS as ReadonlySet<string>).has(options.metric))
    throw new ConfigError(
      `${field}.period: ${period} s needs a high-resolution metric and ${options.metric} is published at 1-minute resolution; use whole minutes`,
    );
  if (!Number.isInteger(s.evaluationPeriods) || s.evaluationPeriods < 1)
    throw new ConfigError(
      `${field}.evaluationPeriods must be a whole number, at least 1 (got ${s.evaluationPeriods})`,
    );
  if (
    !Number.isInteger(s.datapointsToAlarm) ||
    s.datapointsToAlarm < 1 ||
    s.datapointsToAlarm > s.evaluationPeriods
  )
    throw new ConfigError(
      `${field}.datapointsToAlarm must be a whole number from 1 to evaluationPeriods (${s.evaluationPeriods}) (got ${s.datapointsToAlarm})`,
    );
  const range = period * s.evaluationPeriods;
  const maxRange = period < 3600 ? MAX_RANGE_SHORT : MAX_RANGE_LONG;
  if (range > maxRange)
    throw new ConfigError(
      `${field}: period × evaluationPeriods is ${range} s, over the ${maxRange} s CloudWatch allows for a ${period < 3600 ? 'period under an hour' : 'period of an hour or more'}`,
    );
  if (!Number.isFinite(s.threshold) || s.threshold < 0)
    throw new ConfigError(`${field}.threshold must be a number, at least 0 (got ${s.threshold})`);

  const every = options.cadence.every.toSeconds();
  // A silence alarm fires on `datapointsToAlarm` periods without a sample. A healthy schedule samples at
  // least floor(window / every) of the window's periods, one fewer when a run is late (its sample falls in
  // the next window), so it can leave the rest empty: they must be fewer than M.
  const emptyWhenHealthy = s.evaluationPeriods - Math.max(0, Math.floor(range / every) - 1);
  if (options.sampledEveryPeriod && emptyWhenHealthy >= s.datapointsToAlarm)
    throw new ConfigError(
      `${field}: ${s.datapointsToAlarm} of ${s.evaluationPeriods} periods of ${period} s without a sample happen on a healthy schedule (${options.cadence.field} ${options.cadence.every.toHumanString()}, one run late), and the alarm would fire; raise period, evaluationPeriods or datapointsToAlarm`,
    );
  // With one datapoint per `every`, a period shorter than `every` is empty in most windows: at most this many
  // of the N periods can hold one. Asking for more breaching datapoints than that is an alarm that never fires.
  // (A silence alarm breaches on the empty periods themselves, filled as 0: any M of N can.)
  const reachable = period >= every ? s.evaluationPeriods : Math.ceil(range / every);
  if (!options.sampledEveryPeriod && s.datapointsToAlarm > reachable)
    throw new ConfigError(
      `${field}.datapointsToAlarm: ${s.datapointsToAlarm} of ${s.evaluationPeriods} periods of ${period} s can never breach with ${options.cadence.field} ${options.cadence.every.toHumanString()} (at most ${reachable} of them hold a datapoint); lower datapointsToAlarm, or raise period or evaluationPeriods`,
    );
  return s;
}

/**
 * Per cluster when per-cluster alarms are on and each cluster publishes the metric; otherwise the fleet
 * total, which must then be published. A metric that no alarm could read fails the synth.
 */
function scopeOf(metric: MetricName, perCluster: boolean, registry: ClusterRegistry): AlarmScope {
  if (perCluster && registry.metrics.perCluster.includes(metric)) return 'perCluster';
  // ClusterScanErrors' total is always published: it is the heartbeat "auditor silent" counts.
  if (metric === MetricName.ClusterScanErrors || registry.metrics.fleet.includes(metric)) return 'fleet';
  throw new ConfigError(
    `metrics.fleet: ${metric} is alarmed fleet-wide${perCluster ? '' : ' (alarms.perCluster is off)'} but not published as a fleet total; add it to metrics.fleet${perCluster ? ' or metrics.perCluster' : ''}`,
  );
}

/**
 * The stack's alarms from its props. Defaults for a 1-minute audit (README "Alarms"): stale heartbeats on the
 * high-resolution metric, 30 s periods, 1 of 2; scan errors 3 of 5; orphaned identities 2 of 3; leaderless
 * control planes 2 of 2; silence 4 of 4 periods of 30 s;
 * apiservers below expected 2 of 3. The 60-second periods follow a slower audit schedule (one datapoint per
 * audit: a shorter period would hold none in most windows).
 */
export function planAlarms(
  props: LeaseReaperStackProps,
  registry: ClusterRegistry,
  schedule: { auditEvery: Duration; reapEvery: Duration; reapEnabled: boolean },
): AlarmPlan {
  const alarms = props.alarms ?? {};
  const audit: Cadence = { every: schedule.auditEvery, field: 'audit.every' };
  const minute = Duration.seconds(Math.max(60, schedule.auditEvery.toSeconds()));
  const perCluster = alarms.perCluster ?? registry.clusters.length <= PER_CLUSTER_ALARMS_LIMIT;
  const at = (period: Duration, evaluationPeriods: number, datapointsToAlarm: number, threshold = 1) => ({
    period,
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
  });

  const staleNodeHeartbeats = resolveAlarm(
    'staleNodeHeartbeats',
    alarms.staleNodeHeartbeats,
    at(Duration.seconds(30), 2, 1),
    { metric: MetricName.StaleNodeHeartbeats, cadence: audit },
  );
  const clusterScanErrors = resolveAlarm('clusterScanErrors', alarms.clusterScanErrors, at(minute, 5, 3), {
    metric: MetricName.ClusterScanErrors,
    cadence: audit,
  });
  if (!registry.metrics.fleet.includes(MetricName.OrphanedApiServerIdentities))
    throw new ConfigError(
      `metrics.fleet: ${MetricName.OrphanedApiServerIdentities} is alarmed fleet-wide but not published as a fleet total; add it to metrics.fleet`,
    );
  return {
    staleNodeHeartbeats: {
      ...staleNodeHeartbeats,
      scope: scopeOf(MetricName.StaleNodeHeartbeats, perCluster, registry),
    },
    clusterScanErrors: {
      ...clusterScanErrors,
      scope: scopeOf(MetricName.ClusterScanErrors, perCluster, registry),
    },
    orphanedApiServerIdentities: resolveAlarm(
      'orphanedApiServerIdentities',
      alarms.orphanedApiServerIdentities,
      at(minute, 3, 2),
      { metric: MetricName.OrphanedApiServerIdentities, cadence: audit },
    ),
    // Two audits in a row, one audit period each: a failover takes about one lease duration (15 s by
    // default), so one run can catch a handover between leaders; the next one a period later cannot.
    controlPlaneLeadersMissing: {
      ...resolveAlarm('controlPlaneLeadersMissing', alarms.controlPlaneLeadersMissing, at(minute, 2, 2), {
        metric: MetricName.ControlPlaneLeadersMissing,
        cadence: audit,
      }),
      scope: scopeOf(MetricName.ControlPlaneLeadersMissing, perCluster, registry),
    },
    // Every minute: 4 of 4 periods of 30 s (2 minutes) without a run fire it, 2–2.7 minutes after the
    // last run; one missed run never does. A slower schedule: 3 of 3 of its periods.
    auditorSilent: resolveAlarm(
      'auditorSilent',
      alarms.auditorSilent,
      schedule.auditEvery.toSeconds() <= 60 ? at(Duration.seconds(30), 4, 4) : at(minute, 3, 3),
      { metric: MetricName.ClusterScanErrors, cadence: audit, sampledEveryPeriod: true },
    ),
    apiServersBelowExpected: {
      ...resolveAlarm('apiServersBelowExpected', alarms.apiServersBelowExpected, at(minute, 3, 2), {
        metric: MetricName.LiveApiServers,
        cadence: audit,
      }),
      clusters: registry.clusters.flatMap((c) =>
        c.expectedApiServers !== undefined ? [{ cluster: c.name, expected: c.expectedApiServers }] : [],
      ),
    },
    deleteFailures: schedule.reapEnabled
      ? resolveAlarm('deleteFailures', alarms.deleteFailures, at(schedule.reapEvery, 1, 1), {
          metric: MetricName.DeleteFailures,
          cadence: { every: schedule.reapEvery, field: 'reap.every' },
        })
      : undefined,
    // One sample per failed run (value 1): two failed audits in a row page, as AuditFunctionErrors does.
    runFailed: {
      audit: resolveAlarm('runFailed', alarms.runFailed, at(minute, 2, 2), {
        metric: RUN_FAILED_METRIC,
        cadence: audit,
      }),
      reap: schedule.reapEnabled
        ? resolveAlarm('runFailed (reap)', undefined, at(schedule.reapEvery, 1, 1), {
            metric: RUN_FAILED_METRIC,
            cadence: { every: schedule.reapEvery, field: 'reap.every' },
          })
        : undefined,
    },
  };
}

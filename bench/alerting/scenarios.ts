import {
  type AlarmState,
  evaluationCadenceSeconds,
  MetricSeries,
  type ModelAssumptions,
  simulateAlarm,
  type Transition,
} from './cloudwatch-alarm-model.ts';
import type { CapturedDatum, RunCapture } from './measure-runs.ts';
import { type TemplateAlarm, watchedDimensionKeys, watchedMetricNames } from './template-reader.ts';

/**
 * The alerting scenarios, on virtual time: audit runs on the template's schedule, each publishing what a
 * measured run of the real handler published (its datums, at their measured offsets from the run's start),
 * evaluated by the independent alarm model. Nothing here knows the product's settings: the alarms come
 * from the template, the datums from the captured runs, the staleness rule is passed in.
 */

/** The captured runs a scenario replays, by what the cluster looked like to that run. */
export interface RunKinds {
  healthy: RunCapture[];
  stale: RunCapture[];
  failedAfterHealthy: RunCapture[];
  failedAfterStale: RunCapture[];
}

export interface ScenarioContext {
  alarms: TemplateAlarm[];
  auditEverySeconds: number;
  /** Clusters in the stack: for an expression over per-cluster metrics, the others keep publishing 0. */
  clusters: number;
  runs: RunKinds;
  /** The product's rule: is a heartbeat last renewed at `renewMs` stale when judged at `nowMs`? */
  isStale: (renewMs: number, nowMs: number) => boolean;
  assumptions: ModelAssumptions;
  random: () => number;
}

/** A deterministic PRNG (mulberry32), so a benchmark run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(items: readonly T[], random: () => number): T => {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
};

const keysOf = (d: CapturedDatum) => Object.keys(d.dimensions).sort().join(',');

/** Does this datum feed this alarm (metric name and dimension keys; the cluster's name is ours)? */
function feeds(alarm: TemplateAlarm, d: CapturedDatum): boolean {
  return watchedMetricNames(alarm).includes(d.name) && watchedDimensionKeys(alarm).includes(keysOf(d));
}

export const watches = (alarm: TemplateAlarm, metric: string) => watchedMetricNames(alarm).includes(metric);

/** A scheduled run: when it started and what it published. */
interface PlannedRun {
  startMs: number;
  capture: RunCapture;
}

/** The alarm's input series: our cluster's datums, plus the rest of the fleet at 0 for an expression. */
function seriesFor(alarm: TemplateAlarm, runs: readonly PlannedRun[], clusters: number) {
  const periodMs = alarm.spec.periodSeconds * 1000;
  const ours = new MetricSeries(periodMs);
  const rest = new MetricSeries(periodMs);
  // A SUM over per-cluster series (not a FILL of one total): the other clusters keep publishing 0.
  const sumsClusters = alarm.kind !== 'metric' && alarm.fill === undefined && clusters > 1;
  for (const run of runs)
    for (const d of run.capture.datums) {
      if (!feeds(alarm, d)) continue;
      const datum = {
        timestampMs: run.startMs + d.timestampOffsetMs,
        value: d.value,
        storageResolution: d.storageResolution,
        sentAtMs: run.startMs + d.sentOffsetMs,
      };
      ours.add(datum);
      if (sumsClusters) rest.add({ ...datum, value: 0 });
    }
  return {
    series: sumsClusters ? [ours, rest] : [ours],
    ...(alarm.fill !== undefined ? { fill: alarm.fill } : {}),
  };
}

function simulate(
  ctx: ScenarioContext,
  alarm: TemplateAlarm,
  runs: readonly PlannedRun[],
  fromMs: number,
  toMs: number,
): Transition[] {
  const cadenceMs = evaluationCadenceSeconds(alarm.spec.periodSeconds) * 1000;
  return simulateAlarm(alarm.spec, seriesFor(alarm, runs, ctx.clusters), {
    fromMs,
    toMs,
    // The alarm's evaluation phase: unknown, uniform over its cadence (0–60 s, 0–10 s high-resolution).
    offsetMs: Math.floor(ctx.random() * cadenceMs),
    assumptions: ctx.assumptions,
  });
}

/** Runs every `every` ms from `phase`, judged healthy/stale against a heartbeat last renewed at `lastHeartbeatMs`. */
function plan(
  ctx: ScenarioContext,
  fromMs: number,
  toMs: number,
  lastHeartbeatMs: number,
  fails: (index: number, startMs: number) => boolean,
): PlannedRun[] {
  const everyMs = ctx.auditEverySeconds * 1000;
  const phase = Math.floor(ctx.random() * everyMs);
  const runs: PlannedRun[] = [];
  let lastOk: 'healthy' | 'stale' = 'healthy';
  let index = 0;
  for (let start = fromMs + phase; start <= toMs; start += everyMs, index++) {
    if (fails(index, start)) {
      const kind = lastOk === 'stale' ? ctx.runs.failedAfterStale : ctx.runs.failedAfterHealthy;
      runs.push({ startMs: start, capture: pick(kind, ctx.random) });
      continue;
    }
    const healthy = pick(ctx.runs.healthy, ctx.random);
    const stale = ctx.isStale(lastHeartbeatMs, start + healthy.judgedOffsetMs);
    lastOk = stale ? 'stale' : 'healthy';
    runs.push({ startMs: start, capture: stale ? pick(ctx.runs.stale, ctx.random) : healthy });
  }
  return runs;
}

const MINUTE = 60_000;
/** Virtual time starts here (any instant would do; periods are aligned to the epoch). */
const EPOCH = 1_800_000_000_000;

export interface Distribution {
  samples: number;
  best: number;
  median: number;
  p95: number;
  worst: number;
  never: number;
}

export function distribution(values: readonly number[]): Distribution {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) =>
    finite[Math.min(finite.length - 1, Math.ceil(q * finite.length) - 1)] ?? Number.NaN;
  return {
    samples: values.length,
    best: finite[0] ?? Number.NaN,
    median: at(0.5),
    p95: at(0.95),
    worst: finite[finite.length - 1] ?? Number.NaN,
    never: values.length - finite.length,
  };
}

/**
 * (a) From a kubelet's last heartbeat to the first stale-heartbeat alarm in ALARM, in seconds, over `trials`
 * outage starts placed uniformly against the schedule's phase and the alarms' evaluation phases.
 */
export function detectionLatency(ctx: ScenarioContext, trials: number): number[] {
  const staleAlarms = ctx.alarms.filter((a) => watches(a, 'StaleNodeHeartbeats'));
  const out: number[] = [];
  for (let i = 0; i < trials; i++) {
    // The outage starts uniformly; the last heartbeat is the kubelet's last 10-s renewal before it.
    const outage = EPOCH + 60 * MINUTE + ctx.random() * ctx.auditEverySeconds * 1000;
    const lastHeartbeat = outage - ctx.random() * 10_000;
    const runs = plan(ctx, EPOCH, outage + 30 * MINUTE, lastHeartbeat, () => false);
    let first = Number.POSITIVE_INFINITY;
    for (const alarm of staleAlarms) {
      const alarmAt = simulate(ctx, alarm, runs, EPOCH + 20 * MINUTE, outage + 30 * MINUTE).find(
        (t) => t.to === 'ALARM' && t.atMs >= lastHeartbeat,
      )?.atMs;
      if (alarmAt !== undefined) first = Math.min(first, alarmAt);
    }
    out.push((first - lastHeartbeat) / 1000);
  }
  return out;
}

export interface FailureOutcome {
  trials: number;
  /** Trials in which a stale-heartbeat alarm went to OK during the outage. */
  trialsWithOk: number;
  okTransitions: number;
  /** Trials in which every stale-heartbeat alarm reached ALARM. */
  alarmed: number;
  /** Trials in which a scan-error alarm reached ALARM. */
  scanErrorAlarmed: number;
}

/**
 * (b) An outage of `outageMinutes` during which the cluster's scans fail by `pattern` (the index of the run
 * since the outage began → fails?): transitions of the stale-heartbeat alarms to OK during the outage.
 */
export function intermittentFailures(
  ctx: ScenarioContext,
  trials: number,
  outageMinutes: number,
  pattern: (random: () => number) => (runSinceOutage: number) => boolean,
): FailureOutcome {
  const staleAlarms = ctx.alarms.filter((a) => watches(a, 'StaleNodeHeartbeats'));
  const scanAlarms = ctx.alarms.filter(
    (a) => watches(a, 'ClusterScanErrors') && a.spec.statistic !== 'SampleCount',
  );
  const outcome: FailureOutcome = {
    trials,
    trialsWithOk: 0,
    okTransitions: 0,
    alarmed: 0,
    scanErrorAlarmed: 0,
  };
  for (let i = 0; i < trials; i++) {
    const outage = EPOCH + 60 * MINUTE + ctx.random() * ctx.auditEverySeconds * 1000;
    const end = outage + outageMinutes * MINUTE;
    const fails = pattern(ctx.random);
    let sinceOutage = 0;
    const runs = plan(ctx, EPOCH, end, outage, (_, start) =>
      start >= outage ? fails(sinceOutage++) : false,
    );
    let oks = 0;
    let allAlarmed = true;
    for (const alarm of staleAlarms) {
      const transitions = simulate(ctx, alarm, runs, EPOCH + 20 * MINUTE, end);
      const during = transitions.filter((t) => t.atMs > outage);
      oks += during.filter((t) => t.to === 'OK').length;
      if (!during.some((t) => t.to === 'ALARM')) allAlarmed = false;
    }
    if (
      scanAlarms.some((alarm) =>
        simulate(ctx, alarm, runs, EPOCH + 20 * MINUTE, end).some((t) => t.atMs > outage && t.to === 'ALARM'),
      )
    )
      outcome.scanErrorAlarmed++;
    outcome.okTransitions += oks;
    if (oks > 0) outcome.trialsWithOk++;
    if (allAlarmed) outcome.alarmed++;
  }
  return outcome;
}

/** Every other scan fails, starting with the first or second run of the outage. */
export const everyOther = (random: () => number) => {
  const parity = random() < 0.5 ? 0 : 1;
  return (run: number) => run % 2 === parity;
};

/** After each good scan, 2 or 3 fail in a row. */
export const twoOrThreeInARow = (random: () => number) => {
  const plan: boolean[] = [];
  return (run: number) => {
    while (plan.length <= run) {
      plan.push(false);
      const streak = random() < 0.5 ? 2 : 3;
      for (let k = 0; k < streak; k++) plan.push(true);
    }
    return plan[run] ?? false;
  };
};

export interface StoppedAuditor {
  trials: number;
  /** Trials in which a stale-heartbeat alarm went to OK after the outage began. */
  trialsWithOk: number;
  /** Trials in which a stale-heartbeat alarm reached ALARM after the outage began. */
  alarmed: number;
  /** State of the stale-heartbeat alarms at the end (an hour or more after the auditor stopped), by state. */
  finalStates: Record<AlarmState, number>;
  /** AuditorSilent's ALARM after the last run's datums were sent, in its periods. */
  silentAfterPeriods: number[];
  silentPeriodSeconds: number;
}

/** (c) The auditor stops a few minutes into an outage; nothing is published after its last run. */
export function stoppedAuditor(ctx: ScenarioContext, trials: number): StoppedAuditor {
  const staleAlarms = ctx.alarms.filter((a) => watches(a, 'StaleNodeHeartbeats'));
  const silent = ctx.alarms.filter(
    (a) => watches(a, 'ClusterScanErrors') && a.spec.statistic === 'SampleCount',
  );
  const result: StoppedAuditor = {
    trials,
    trialsWithOk: 0,
    alarmed: 0,
    finalStates: { OK: 0, ALARM: 0, INSUFFICIENT_DATA: 0 },
    silentAfterPeriods: [],
    silentPeriodSeconds: silent[0]?.spec.periodSeconds ?? Number.NaN,
  };
  for (let i = 0; i < trials; i++) {
    const outage = EPOCH + 60 * MINUTE + ctx.random() * ctx.auditEverySeconds * 1000;
    const stop = outage + ctx.random() * 10 * MINUTE;
    // Long enough for the slowest alarm to forget its last real datapoint (its whole evaluation range).
    const longestRangeMs = Math.max(
      ...ctx.alarms.map(
        (a) =>
          (a.spec.evaluationPeriods + ctx.assumptions.evaluationRangeExtra + 2) * a.spec.periodSeconds * 1000,
      ),
    );
    const end = stop + Math.max(60 * MINUTE, longestRangeMs);
    const runs = plan(ctx, EPOCH, stop, outage, () => false);
    const lastSent = Math.max(
      ...runs.flatMap((r) => r.capture.datums.map((d) => r.startMs + d.sentOffsetMs)),
    );
    let ok = false;
    let alarmed = false;
    for (const alarm of staleAlarms) {
      const transitions = simulate(ctx, alarm, runs, EPOCH + 20 * MINUTE, end);
      if (transitions.some((t) => t.atMs > outage && t.to === 'OK')) ok = true;
      if (transitions.some((t) => t.atMs > outage && t.to === 'ALARM')) alarmed = true;
      const last = transitions[transitions.length - 1]?.to ?? 'INSUFFICIENT_DATA';
      result.finalStates[last]++;
    }
    if (ok) result.trialsWithOk++;
    if (alarmed) result.alarmed++;
    for (const alarm of silent) {
      const at = simulate(ctx, alarm, runs, EPOCH + 20 * MINUTE, end).find(
        (t) => t.to === 'ALARM' && t.atMs > lastSent,
      )?.atMs;
      result.silentAfterPeriods.push(
        at === undefined ? Number.POSITIVE_INFINITY : (at - lastSent) / (alarm.spec.periodSeconds * 1000),
      );
    }
  }
  return result;
}

/**
 * An independent model of how CloudWatch evaluates a metric alarm, written from AWS's documentation only.
 * It is a judge of the product: it never imports infra/ or shared/, and nothing here knows lease-reaper's
 * settings — they come in as data (the alarm spec read from a synthesized template, datums captured from
 * the real handler).
 *
 * Sources (CloudWatch User Guide and API Reference; read 2026-11-30 from the stored copies named):
 * [MISSING] "Configuring how CloudWatch alarms treat missing data" —
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 *   (text checked against the archived source, github.com/awsdocs/amazon-cloudwatch-user-guide,
 *   doc_source/AlarmThatSendsEmail.md, sections "How alarm state is evaluated when data is missing" and
 *   "Avoiding premature transitions to alarm state"; the two example tables are unit tests of this model).
 * [EVAL] "Alarm evaluation" / "Using Amazon CloudWatch alarms" —
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html: Period,
 *   Evaluation Periods (N), Datapoints to Alarm (M), "M out of N"; "If the alarm period is 10 seconds or
 *   30 seconds, the alarm is evaluated every 10 seconds" (otherwise every minute).
 * [PERIOD] PutMetricAlarm, parameter Period —
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html: 10/20/30 s
 *   only for metrics stored with StorageResolution 1; on a standard-resolution metric such an alarm "does
 *   not receive data for the attempts that do not correspond to a one-minute data resolution".
 * [PUT] PutMetricData, MetricDatum.StorageResolution —
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html: 1 = high
 *   resolution (one-second granularity), 60 (default) = standard, one-minute granularity.
 * [STATS] "CloudWatch statistics definitions" / GetMetricStatistics: a statistic (Maximum, Minimum, Sum,
 *   SampleCount, Average) aggregates the datapoints whose timestamps fall within one period; a period
 *   with no datapoint has no value (it is missing, not 0).
 *
 * [MATH] "Metric math syntax and functions" —
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html: FILL(m, value)
 *   "fills the missing values of a time series" with the value given, and an alarm may watch an expression.
 *
 * Where the documentation is silent the model takes a parameter (ModelAssumptions) and says so.
 */

export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type Statistic = 'Maximum' | 'Minimum' | 'Sum' | 'SampleCount' | 'Average';
/** One period's datapoint as the alarm sees it [MISSING]: breaching (X), not breaching (0) or missing (-). */
export type Datapoint = 'breaching' | 'notBreaching' | 'missing';

/** The settings that decide a state from the datapoints [EVAL]. */
export interface AlarmRule {
  /** N: how many of the most recent datapoints are evaluated. */
  evaluationPeriods: number;
  /** M: how many of those must breach for ALARM. */
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

/** A metric alarm with a static threshold. */
export interface AlarmSpec extends AlarmRule {
  periodSeconds: number;
  statistic: Statistic;
  threshold: number;
  comparison: ComparisonOperator;
}

/** What the documentation leaves open, as parameters (defaults in DEFAULT_ASSUMPTIONS). */
export interface ModelAssumptions {
  /**
   * The evaluation range is N + this many periods. [MISSING] says only that CloudWatch "attempts to
   * retrieve a higher number of data points than specified by Evaluation Periods", the number depending
   * on the period and the resolution; its one example is N = 3 with a range of 5.
   */
  evaluationRangeExtra: number;
  /**
   * Whether an evaluation sees only periods that have ended (true) or also the period in progress. Not
   * documented; true is the conservative reading (a datum counts once its period is over).
   */
  completePeriodsOnly: boolean;
  /** Seconds from PutMetricData to a datum being visible to alarm evaluation. Not documented. */
  ingestionDelaySeconds: number;
}

export const DEFAULT_ASSUMPTIONS: Readonly<ModelAssumptions> = Object.freeze({
  evaluationRangeExtra: 2,
  completePeriodsOnly: true,
  ingestionDelaySeconds: 0,
});

/** Evaluation cadence [EVAL]: 10/30-second (high-resolution) alarms every 10 s, others every minute. */
export function evaluationCadenceSeconds(periodSeconds: number): number {
  return periodSeconds < 60 ? 10 : 60;
}

export function isBreaching(value: number, threshold: number, comparison: ComparisonOperator): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/**
 * The state one evaluation sets from the datapoints of the evaluation range (oldest first) [MISSING]:
 * - at least N real datapoints: the N most recent real ones decide, the treatment is not used;
 * - none at all: missing → INSUFFICIENT_DATA, ignore → the current state, breaching → ALARM,
 *   notBreaching → OK;
 * - fewer than N: the shortfall (N − real, "as few times as possible") is filled per the treatment and
 *   every real datapoint in the range is included. For `missing` and `ignore` a filled slot counts as
 *   neither breaching nor not; then, as the premature-alarm section and both tables show: ALARM if M real
 *   ones breach; OK if any real one does not breach; otherwise (only breaching real ones, fewer than M)
 *   ALARM when the oldest breaching one is at least M datapoints old (`missing`; `ignore` keeps the state),
 *   else INSUFFICIENT_DATA (`missing`; `ignore` keeps the state).
 */
export function evaluateRange(range: readonly Datapoint[], rule: AlarmRule, current: AlarmState): AlarmState {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const real: { ageFromNewest: number; breaching: boolean }[] = [];
  for (let i = range.length - 1; i >= 0; i--) {
    const point = range[i];
    if (point !== 'missing') real.push({ ageFromNewest: range.length - i, breaching: point === 'breaching' });
  }
  const decide = (breaching: number): AlarmState => (breaching >= m ? 'ALARM' : 'OK');

  if (real.length >= n) return decide(real.slice(0, n).filter((p) => p.breaching).length);
  if (real.length === 0) {
    switch (rule.treatMissingData) {
      case 'missing':
        return 'INSUFFICIENT_DATA';
      case 'ignore':
        return current;
      case 'breaching':
        return 'ALARM';
      case 'notBreaching':
        return 'OK';
    }
  }
  const realBreaching = real.filter((p) => p.breaching).length;
  const filled = n - real.length;
  if (rule.treatMissingData === 'breaching') return decide(realBreaching + filled);
  if (rule.treatMissingData === 'notBreaching') return decide(realBreaching);
  if (realBreaching >= m) return 'ALARM';
  if (real.some((p) => !p.breaching)) return 'OK';
  // Only breaching real datapoints, too few: the premature-alarm rule.
  const oldestBreachingAge = Math.max(...real.map((p) => p.ageFromNewest));
  if (rule.treatMissingData === 'ignore') return current;
  return oldestBreachingAge >= m ? 'ALARM' : 'INSUFFICIENT_DATA';
}

/** `'0 - X - X'` (the documentation's notation, oldest first) as datapoints. */
export function datapoints(notation: string): Datapoint[] {
  return notation
    .trim()
    .split(/\s+/)
    .map((c) => {
      if (c === 'X') return 'breaching';
      if (c === '0' || c === 'O') return 'notBreaching';
      if (c === '-') return 'missing';
      throw new Error(`not a datapoint: ${c}`);
    });
}

/** One PutMetricData datum as the model stores it. */
export interface StoredDatum {
  /** The datum's Timestamp. */
  timestampMs: number;
  value: number;
  /** 1 (high resolution) or 60 [PUT]. */
  storageResolution: 1 | 60;
  /** When PutMetricData was called (the datum is visible after ingestionDelaySeconds). */
  sentAtMs: number;
}

/**
 * One metric's datums, bucketed by the period they fall in once stored at their resolution [PUT]: a
 * standard-resolution datum is stored at its minute, so a 30-second alarm finds it only in the period
 * that starts on that minute [PERIOD]. Periods are aligned to multiples of the period since the epoch
 * (not documented for alarms; the way GetMetricStatistics reports them).
 */
export class MetricSeries {
  private readonly buckets = new Map<number, StoredDatum[]>();

  constructor(private readonly periodMs: number) {}

  add(datum: StoredDatum): void {
    const resolutionMs = datum.storageResolution * 1000;
    const stored = Math.floor(datum.timestampMs / resolutionMs) * resolutionMs;
    const index = Math.floor(stored / this.periodMs);
    const bucket = this.buckets.get(index) ?? [];
    bucket.push(datum);
    this.buckets.set(index, bucket);
  }

  /** The statistic over the period `index`, from datums visible at `atMs`; undefined when none [STATS]. */
  value(index: number, statistic: Statistic, atMs: number, ingestionDelayMs: number): number | undefined {
    const values = (this.buckets.get(index) ?? [])
      .filter((d) => d.sentAtMs + ingestionDelayMs <= atMs)
      .map((d) => d.value);
    if (values.length === 0) return undefined;
    switch (statistic) {
      case 'Maximum':
        return Math.max(...values);
      case 'Minimum':
        return Math.min(...values);
      case 'Sum':
        return values.reduce((a, b) => a + b, 0);
      case 'SampleCount':
        return values.length;
      case 'Average':
        return values.reduce((a, b) => a + b, 0) / values.length;
    }
  }
}

/**
 * What the alarm evaluates: one metric, or the SUM of several (a metric-math `SUM([...])` or a Metrics
 * Insights `SELECT SUM(...)`): per period the sum of the metrics that have a value, missing when none has.
 * (Metric math's SUM skips missing values; that Insights SUM behaves alike per period is an assumption.)
 */
export interface AlarmInput {
  series: readonly MetricSeries[];
  /**
   * Metric math `FILL(m, value)` [MATH]: every period of the queried range with no value gets `value`, a
   * real datapoint (so the missing-data treatment never applies to it).
   */
  fill?: number;
}

export interface Transition {
  atMs: number;
  from: AlarmState;
  to: AlarmState;
}

export interface SimulationOptions {
  fromMs: number;
  toMs: number;
  /** The alarm's evaluation phase within its cadence: evaluations at offsetMs + k × cadence. */
  offsetMs: number;
  initialState?: AlarmState;
  assumptions?: ModelAssumptions;
}

/** Runs the alarm's evaluations over [fromMs, toMs] and returns every state change. */
export function simulateAlarm(spec: AlarmSpec, input: AlarmInput, options: SimulationOptions): Transition[] {
  const assumptions = options.assumptions ?? DEFAULT_ASSUMPTIONS;
  const periodMs = spec.periodSeconds * 1000;
  const cadenceMs = evaluationCadenceSeconds(spec.periodSeconds) * 1000;
  const rangeLength = spec.evaluationPeriods + assumptions.evaluationRangeExtra;
  const delayMs = assumptions.ingestionDelaySeconds * 1000;
  const transitions: Transition[] = [];
  let state: AlarmState = options.initialState ?? 'INSUFFICIENT_DATA';
  const first = options.offsetMs + Math.ceil((options.fromMs - options.offsetMs) / cadenceMs) * cadenceMs;
  for (let at = first; at <= options.toMs; at += cadenceMs) {
    const newest = Math.floor(at / periodMs) - (assumptions.completePeriodsOnly ? 1 : 0);
    const range: Datapoint[] = [];
    for (let index = newest - rangeLength + 1; index <= newest; index++) {
      let sum: number | undefined;
      for (const s of input.series) {
        const v = s.value(index, spec.statistic, at, delayMs);
        if (v !== undefined) sum = (sum ?? 0) + v;
      }
      if (sum === undefined && input.fill !== undefined) sum = input.fill;
      range.push(
        sum === undefined
          ? 'missing'
          : isBreaching(sum, spec.threshold, spec.comparison)
            ? 'breaching'
            : 'notBreaching',
      );
    }
    const next = evaluateRange(range, spec, state);
    if (next !== state) {
      transitions.push({ atMs: at, from: state, to: next });
      state = next;
    }
  }
  return transitions;
}

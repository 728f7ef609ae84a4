import { describe, expect, it } from 'vitest';
import {
  type AlarmSpec,
  type AlarmState,
  datapoints,
  evaluateRange,
  evaluationCadenceSeconds,
  MetricSeries,
  simulateAlarm,
  type TreatMissingData,
} from '../../../bench/alerting/cloudwatch-alarm-model.ts';

const treatments: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const RETAIN = 'retain';
type Expected = AlarmState | typeof RETAIN;

/**
 * The example tables of "Configuring how CloudWatch alarms treat missing data" (CloudWatch User Guide):
 * five most recent datapoints (oldest first), the state each treatment sets. Columns: MISSING, IGNORE,
 * BREACHING, NOT BREACHING.
 */
const threeOfThree: [string, Expected[]][] = [
  ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
  ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
  ['- - - - -', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
  ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['- - X - -', ['ALARM', RETAIN, 'ALARM', 'OK']],
];
const twoOfThree: [string, Expected[]][] = [
  ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
  ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
  ['- - - X -', ['ALARM', RETAIN, 'ALARM', 'OK']],
];
/** Rows of an earlier revision of the same page (3 of 3), consistent with the current text. */
const earlierRevision: [string, Expected[]][] = [
  ['- - - - X', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
  ['X - - - -', ['ALARM', RETAIN, 'ALARM', 'OK']],
];

function check(rows: [string, Expected[]][], evaluationPeriods: number, datapointsToAlarm: number) {
  for (const [notation, expected] of rows) {
    treatments.forEach((treatMissingData, i) => {
      for (const current of ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const) {
        const state = evaluateRange(
          datapoints(notation),
          { evaluationPeriods, datapointsToAlarm, treatMissingData },
          current,
        );
        const want = expected[i] === RETAIN ? current : expected[i];
        expect({ notation, treatMissingData, current, state }).toEqual({
          notation,
          treatMissingData,
          current,
          state: want,
        });
      }
    });
  }
}

describe('the CloudWatch alarm model', () => {
  it('sets the states of the documented 3-of-3 examples', () => check(threeOfThree, 3, 3));
  it('sets the states of the documented 2-of-3 examples', () => check(twoOfThree, 3, 2));
  it('sets the states of the earlier revision’s rows', () => check(earlierRevision, 3, 3));

  it('takes the N most recent real datapoints when at least N exist, M of them breaching for ALARM', () => {
    const rule = { evaluationPeriods: 5, datapointsToAlarm: 3, treatMissingData: 'breaching' as const };
    expect(evaluateRange(datapoints('X X 0 X 0 X X'), rule, 'OK')).toBe('ALARM');
    expect(evaluateRange(datapoints('X X 0 0 0 X X'), rule, 'ALARM')).toBe('OK');
    // Older real datapoints stand in for missing recent ones: the treatment is not used.
    expect(
      evaluateRange(
        datapoints('0 0 - - -'),
        { ...rule, evaluationPeriods: 2, datapointsToAlarm: 1 },
        'ALARM',
      ),
    ).toBe('OK');
  });

  it('evaluates 10- and 30-second alarms every 10 seconds and the others every minute', () => {
    expect([10, 30, 60, 300].map(evaluationCadenceSeconds)).toEqual([10, 10, 60, 60]);
  });

  it('sees a standard-resolution datum in a 30-second alarm only in the period starting on its minute', () => {
    const series = new MetricSeries(30_000);
    series.add({ timestampMs: 95_000, value: 1, storageResolution: 60, sentAtMs: 95_000 });
    expect([2, 3].map((i) => series.value(i, 'Maximum', 200_000, 0))).toEqual([1, undefined]);
    const high = new MetricSeries(30_000);
    high.add({ timestampMs: 95_000, value: 1, storageResolution: 1, sentAtMs: 95_000 });
    expect([2, 3].map((i) => high.value(i, 'Maximum', 200_000, 0))).toEqual([undefined, 1]);
  });

  it('reaches ALARM on a high-resolution alarm within 10 s of the breaching period ending', () => {
    const spec: AlarmSpec = {
      periodSeconds: 30,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: 'ignore',
      statistic: 'Maximum',
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
    };
    const series = new MetricSeries(30_000);
    for (let t = 0; t < 120_000; t += 30_000)
      series.add({ timestampMs: t + 1_000, value: 0, storageResolution: 1, sentAtMs: t + 1_000 });
    series.add({ timestampMs: 121_000, value: 1, storageResolution: 1, sentAtMs: 121_000 });
    const transitions = simulateAlarm(
      spec,
      { series: [series] },
      { fromMs: 0, toMs: 200_000, offsetMs: 3_000 },
    );
    expect(transitions.map((t) => [t.to, t.atMs])).toEqual([
      ['OK', 33_000],
      ['ALARM', 153_000],
    ]);
  });

  it('fires a FILL(m, 0) silence alarm once N periods are empty, where the bare metric waits for its range to drain', () => {
    // One sample a minute until 10:00, then none: SampleCount < 1 for 3 of 3 one-minute periods.
    const spec: AlarmSpec = {
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'breaching',
      statistic: 'SampleCount',
      threshold: 1,
      comparison: 'LessThanThreshold',
    };
    const series = new MetricSeries(60_000);
    const lastMs = 600_000;
    for (let t = 0; t <= lastMs; t += 60_000)
      series.add({ timestampMs: t + 5_000, value: 0, storageResolution: 60, sentAtMs: t + 5_000 });
    const alarmAt = (fill?: number) =>
      simulateAlarm(
        spec,
        { series: [series], ...(fill !== undefined ? { fill } : {}) },
        { fromMs: 0, toMs: 1_500_000, offsetMs: 0 },
      ).find((t) => t.to === 'ALARM' && t.atMs > lastMs)?.atMs;
    // Filled: the periods 10:01, 10:02, 10:03 are real zeros, evaluated when 10:03 has ended.
    expect(alarmAt(0)).toBe(lastMs + 4 * 60_000);
    // Bare: the last real samples stay in the evaluation range (N + 2 periods) and keep it OK longer.
    expect(alarmAt()).toBe(lastMs + 6 * 60_000);
  });
});

/**
 * The fresh span the node heartbeat rule settles most leases with, by its contract: for a lease allowed
 * `allowed` seconds at `now`, with a skew margin of `skew` seconds, the renewTimes in
 * [now - allowed s, now + skew s] — or none, when a bound is not a whole number of milliseconds or the
 * span crosses a day. The rule memoizes the answers (per instant and margin); a memo must never change one,
 * whatever was asked before.
 */
import { describe, expect, it } from 'vitest';
import { freshSpan } from '../../../shared/audit/rules/node-heartbeats.ts';

const NOON = Date.parse('2027-03-04T12:00:00.000Z');
const at = (iso: string) => Date.parse(iso);

/** The bounds of an answer, as the contract states them (the strings are microTimeSpan's, tested there). */
const bounds = (span: ReturnType<typeof freshSpan>) => span && { fromMs: span.fromMs, toMs: span.toMs };

describe('freshSpan: the renewTimes neither stale nor in the future', () => {
  it('runs from now minus the allowance to now plus the margin, in milliseconds', () => {
    // Act: allowed 60 s (a 40 s lease's 50 s grace + 10 s margin), margin 10 s
    const span = freshSpan(NOON, 60, 10);

    // Assess: 12:00:00 - 60 s = 11:59:00; 12:00:00 + 10 s = 12:00:10
    expect(bounds(span)).toEqual({
      fromMs: at('2027-03-04T11:59:00.000Z'),
      toMs: at('2027-03-04T12:00:10.000Z'),
    });
    expect(span?.low).toBe('2027-03-04T11:59:00.000000Z');
    expect(span?.high).toBe('2027-03-04T12:00:10.000999Z');
  });

  it('is none when now is not a whole millisecond', () => {
    expect(freshSpan(NOON + 0.5, 60, 10)).toBeUndefined();
  });

  it('is none when it would cross midnight (the strings of two days do not share a prefix)', () => {
    // 00:00:30 minus 60 s is 23:59:30 the day before
    expect(freshSpan(at('2027-03-04T00:00:30.000Z'), 60, 10)).toBeUndefined();
  });

  it('gives each allowance its own span, asked in any order at one instant', () => {
    // Act: node pools of 40 s and 90 s leases (allowed 60 s and 100 s), interleaved
    const asked = [60, 100, 60, 100, 100, 60].map((allowed) => bounds(freshSpan(NOON, allowed, 10)));

    // Assess: 12:00:00 - 60 s = 11:59:00; - 100 s = 11:58:20; both end at 12:00:10
    const sixty = { fromMs: at('2027-03-04T11:59:00.000Z'), toMs: at('2027-03-04T12:00:10.000Z') };
    const hundred = { fromMs: at('2027-03-04T11:58:20.000Z'), toMs: at('2027-03-04T12:00:10.000Z') };
    expect(asked).toEqual([sixty, hundred, sixty, hundred, hundred, sixty]);
  });

  it('follows a new instant and a new margin, and comes back to an earlier one', () => {
    // Act
    const asked = [
      [NOON, 60, 10],
      [NOON + 1_000, 60, 10],
      [NOON + 1_000, 60, 30],
      [NOON, 60, 10],
    ].map(([now, allowed, skew]) => bounds(freshSpan(now as number, allowed as number, skew as number)));

    // Assess: from = now - 60 s, to = now + margin
    expect(asked).toEqual([
      { fromMs: at('2027-03-04T11:59:00.000Z'), toMs: at('2027-03-04T12:00:10.000Z') },
      { fromMs: at('2027-03-04T11:59:01.000Z'), toMs: at('2027-03-04T12:00:11.000Z') },
      { fromMs: at('2027-03-04T11:59:01.000Z'), toMs: at('2027-03-04T12:00:31.000Z') },
      { fromMs: at('2027-03-04T11:59:00.000Z'), toMs: at('2027-03-04T12:00:10.000Z') },
    ]);
  });

  it('answers alike for more allowances than it remembers', () => {
    // Act: 100 allowances of 1..100 s, twice over, at one instant
    const asked = [1, 2].flatMap(() =>
      Array.from({ length: 100 }, (_, i) => freshSpan(NOON, i + 1, 10)?.fromMs),
    );

    // Assess: from = 12:00:00 - (i + 1) s
    const expected = Array.from({ length: 100 }, (_, i) => NOON - (i + 1) * 1000);
    expect(asked).toEqual([...expected, ...expected]);
  });
});

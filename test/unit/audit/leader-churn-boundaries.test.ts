import { describe, expect, it } from 'vitest';
import type { LeaseTiming } from '../../../shared/audit/lease-shape.ts';
import {
  churnRate,
  leaderChurnFinding,
  type PreviousTransitions,
  transitionsSeen,
} from '../../../shared/audit/rules/leader-churn.ts';
import {
  auditOf,
  DAY,
  findingsFor,
  flapped,
  HOUR,
  lease,
  MINUTE,
  NOW,
  policy,
  SECOND,
  verdicts,
} from './builders.ts';

const NS = 'payments';
const NAME = 'queue-worker.example.com';

/** A metav1.Time holds whole seconds: the creationTimestamp the builder writes for `ms`. */
const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

const sampleOf = (uid: string, leaseTransitions: number, atMs: number): PreviousTransitions =>
  new Map([[uid, { leaseTransitions, atMs }]]);

describe('transitionsSeen', () => {
  it('samples no lease without a uid: an empty uid names no lease', () => {
    // Prepare: a projection of a lease whose metadata.uid is missing, next to a normal one
    const uidless = lease({ namespace: NS, name: 'uidless.example.com', uid: '', leaseTransitions: 57 });

    // Act
    const seen = transitionsSeen([uidless, flapped()], NOW);

    // Assess
    expect([...seen.entries()]).toEqual([[flapped().uid, { leaseTransitions: 57, atMs: NOW }]]);
  });
});

describe('churnRate', () => {
  const flappy = flapped();
  const createdMs = wholeSecond(NOW - 6 * HOUR);
  // Over its life: all 57 handovers since its creationTimestamp.
  const overItsLife = {
    count: 57,
    spanMs: NOW - createdMs,
    perHour: (57 * HOUR) / (NOW - createdMs),
    over: 'lifetime',
  };

  it.each<[string, number, number]>([
    ['taken exactly now (an empty span)', 40, NOW],
    ['from a minute in the future (a clock ahead)', 40, NOW + MINUTE],
    ['above today’s count (a counter rewritten)', 58, NOW - HOUR],
  ])('measures over the lease’s life when the sample is %s', (_what, leaseTransitions, atMs) => {
    // Act
    const rate = churnRate(flappy, 57, NOW, sampleOf(flappy.uid, leaseTransitions, atMs));

    // Assess
    expect(rate).toEqual(overItsLife);
  });

  it('measures from a sample of today’s very count: no handover since it', () => {
    // Act
    const rate = churnRate(flappy, 57, NOW, sampleOf(flappy.uid, 57, NOW - HOUR));

    // Assess: 57 − 57 = 0 handovers in the hour since the sample
    expect(rate).toEqual({ count: 0, spanMs: HOUR, perHour: 0, over: 'sample' });
  });

  it('gives a lease without a uid no sample, not even one kept under the empty uid', () => {
    // Prepare
    const uidless = { ...flappy, uid: '' };

    // Act
    const rate = churnRate(uidless, 57, NOW, sampleOf('', 40, NOW - HOUR));

    // Assess
    expect(rate).toEqual(overItsLife);
  });

  it('has no rate for a lease created at now or later (no span to measure over)', () => {
    // Act
    const createdNow = churnRate(flappy, 57, createdMs, undefined);
    const createdInTheFuture = churnRate(flappy, 57, createdMs - SECOND, undefined);
    const createdJustBefore = churnRate(flappy, 57, createdMs + 1, undefined);

    // Assess: 57 handovers in 1 ms is 57 × 3,600,000 an hour
    expect(createdNow).toBeUndefined();
    expect(createdInTheFuture).toBeUndefined();
    expect(createdJustBefore).toEqual({ count: 57, spanMs: 1, perHour: 57 * HOUR, over: 'lifetime' });
  });
});

describe('LeaderChurn at its boundaries', () => {
  it('judges churn over its life when the only sample is from the future', () => {
    // Prepare: 57 handovers in 6 h is 9.5 an hour; the sample, a minute ahead, is no baseline
    const lease = flapped();

    // Act
    const a = auditOf({ leases: [lease], previousTransitions: sampleOf(lease.uid, 40, NOW + MINUTE) });

    // Assess
    expect(findingsFor(a, NS, NAME).map((f) => [f.type, f.facts.churnMeasuredOver])).toEqual([
      ['LeaderChurn', 'lifetime'],
    ]);
  });

  it.each<[string, number, string[]]>([
    ['live (it expires in 14 s)', SECOND, ['LeaderChurn/warning']],
    ['expired 5 s ago, within the 10 s clock-skew margin', 20 * SECOND, ['LeaderChurn/warning']],
    ['expired exactly 10 s ago, the margin exactly met', 25 * SECOND, ['LeaderChurn/warning']],
    [
      'expired 10.001 s ago, past the margin (the expiry rule speaks)',
      25 * SECOND + 1,
      ['ExpiredLease/info'],
    ],
  ])('judges a churning lease renewed for 15 s that is %s', (_what, renewAgoMs, expected) => {
    // Prepare: renewed `renewAgoMs` ago for 15 s, so it expired renewAgoMs − 15 s ago
    const lease = flapped({ renewAgoMs, acquireAgoMs: 30 * SECOND });

    // Act
    const a = auditOf({ leases: [lease] });

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual(expected);
  });

  it('leaves a lease expired past the margin to the expiry rules, even when asked on its own', () => {
    // Prepare: renewed a minute ago for 15 s, so expired 45 s ago (> 10 s); a live one for contrast
    const expired = flapped({ renewAgoMs: MINUTE, acquireAgoMs: 2 * MINUTE });
    const expiredTiming: LeaseTiming = {
      renewMs: NOW - MINUTE,
      durationSeconds: 15,
      expiresMs: NOW - MINUTE + 15 * SECOND,
    };
    const live = flapped();
    const liveTiming: LeaseTiming = {
      renewMs: NOW - SECOND,
      durationSeconds: 15,
      expiresMs: NOW + 14 * SECOND,
    };

    // Act
    const onExpired = leaderChurnFinding(expired, 'leader', expiredTiming, NOW, policy());
    const onLive = leaderChurnFinding(live, 'leader', liveTiming, NOW, policy());

    // Assess
    expect(onExpired).toBeUndefined();
    expect(onLive?.type).toBe('LeaderChurn');
  });

  it('never calls a lease that records fewer than 10 handovers churning, whatever a sample says', () => {
    // Prepare: 9 handovers recorded; a corrupt sample of −1 an hour ago would make 9 − (−1) = 10 "since" it
    const lease = flapped({ transitions: 9, createdAgoMs: 30 * DAY });

    // Act
    const a = auditOf({ leases: [lease], previousTransitions: sampleOf(lease.uid, -1, NOW - HOUR) });

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual([]);
  });
});

describe('LeaderChurn states the span it measured over', () => {
  it.each<[number, number, string, string]>([
    // span since the sample, handovers in it, the span as said, the rate as said (one decimal)
    [119 * MINUTE, 10, '119 min', '5'], // 10 / (119/60 h) = 5.04 → 5
    [120 * MINUTE, 10, '2 h', '5'], // from 120 min on, in hours: 10 / 2 h = 5
    [71 * HOUR, 100, '71 h', '1.4'], // 100 / 71 = 1.408 → 1.4
    [71 * HOUR + 29 * MINUTE, 100, '71 h', '1.4'], // 4289 min = 71.48 h → 71 h; 100 / 71.48 = 1.399 → 1.4
    [71 * HOUR + 30 * MINUTE, 100, '3 d', '1.4'], // 4290 min = 71.5 h → 72 h → 3 d; 100 / 71.5 = 1.399 → 1.4
    [72 * HOUR, 100, '3 d', '1.4'], // from 72 h on, in days: 72 / 24 = 3; 100 / 72 = 1.389 → 1.4
    [5 * DAY, 200, '5 d', '1.7'], // 200 / 120 h = 1.667 → 1.7
  ])(
    'says a span of %i ms with %i handovers as “in the last %s” (%s an hour)',
    (spanMs, count, span, rate) => {
      // Prepare: a 30-day-old lease sampled at 1 handover `spanMs` ago, count + 1 handovers now
      const lease = flapped({ transitions: count + 1, createdAgoMs: 30 * DAY });

      // Act
      const a = auditOf({ leases: [lease], previousTransitions: sampleOf(lease.uid, 1, NOW - spanMs) });

      // Assess
      expect(findingsFor(a, NS, NAME).map((f) => f.reason)).toEqual([
        `Lease ${NS}/${NAME} changed holder ${count} times in the last ${span} (${rate} an hour), the latest 20 s ago: its replicas keep losing it (crash-looping, or cut off from the API server).`,
      ]);
    },
  );

  it('says a life of 30 days in days', () => {
    // Prepare: created 30 d (and NOW's 302 ms, which the whole-second creationTimestamp drops) ago, 800
    // handovers: 43,200 min → 720 h → 30 d; 800 / 720 h = 1.11 → 1.1
    const lease = flapped({ transitions: 800, createdAgoMs: 30 * DAY });

    // Act
    const [finding] = findingsFor(auditOf({ leases: [lease] }), NS, NAME);

    // Assess
    expect(finding?.reason).toBe(
      `Lease ${NS}/${NAME} changed holder 800 times in its 30 d of life (1.1 an hour), the latest 20 s ago: its replicas keep losing it (crash-looping, or cut off from the API server).`,
    );
  });
});

/**
 * The age people read in every finding's reason (`describeAge`), at the points where it changes unit:
 * seconds below 120 s, minutes below 120 min, hours (and leftover minutes) below 48 h, then days (and
 * leftover hours). Each expected text is worked out from those switch points, not read from the code.
 */
import { describe, expect, it } from 'vitest';
import { describeAge } from '../../../shared/audit/rules/facts.ts';
import { auditOf, DAY, HOUR, type LeaderLeaseOptions, leaderLease, MINUTE, SECOND } from './builders.ts';

describe('describeAge', () => {
  it.each<[string, number, string]>([
    // A renewal a few ms in the future (clock skew) is no age at all.
    ['a negative age', -3 * SECOND, '0 s'],
    ['no age', 0, '0 s'],
    // 119.999 s: whole seconds only, still under 120 s.
    ['1 ms short of 120 s', 120 * SECOND - 1, '119 s'],
    // 120 s is no longer "below 120 s": 120 / 60 = 2 whole minutes.
    ['exactly 120 s', 120 * SECOND, '2 min'],
    ['2 min 59 s', 2 * MINUTE + 59 * SECOND, '2 min'],
    // 7199 s = 119 min 59 s: whole minutes only, still under 120 min.
    ['1 ms short of 120 min', 120 * MINUTE - 1, '119 min'],
    // 120 min = 2 h and 0 min left over: the zero is not written.
    ['exactly 120 min', 120 * MINUTE, '2 h'],
    // 130 min = 2 h and 130 − 120 = 10 min left over.
    ['2 h 10 min', 2 * HOUR + 10 * MINUTE, '2 h 10 min'],
    // 2879 min = 47 h and 2879 − 47·60 = 59 min left over; 47 h is still under 48 h.
    ['1 ms short of 48 h', 48 * HOUR - 1, '47 h 59 min'],
    // 48 h = 2 d and 0 h left over: the zero is not written.
    ['exactly 48 h', 48 * HOUR, '2 d'],
    // 99 h = 4 d and 99 − 96 = 3 h left over; minutes are no longer written.
    ['4 d 3 h 59 min', 4 * DAY + 3 * HOUR + 59 * MINUTE, '4 d 3 h'],
    // 30 days = 720 h = 30 d, nothing left over.
    ['30 days', 30 * DAY, '30 d'],
  ])('reads %s (%d ms) as %j', (_what, ms, expected) => {
    // Act
    const text = describeAge(ms);

    // Assess
    expect(text).toBe(expected);
  });
});

describe('the age in a finding reason', () => {
  const NS = 'payments';
  const NAME = 'payments-operator.example.com';

  /** A client-go leader lease (15 s) whose expiry was `expiredForMs` before now. */
  const expired = (expiredForMs: number, o: LeaderLeaseOptions = {}) =>
    leaderLease({ namespace: NS, name: NAME, ...o, renewAgoMs: 15 * SECOND + expiredForMs });

  it.each<[string, number, string]>([
    // Expired 120 s ago: past the 10 s skew margin, short of the 1 day abandonedAfterSeconds: ExpiredLease.
    ['exactly 120 s', 120 * SECOND, `Lease ${NS}/${NAME} expired 2 min ago.`],
    // Expired 48 h ago: past 1 day, Pods not listed, so abandoned for want of anyone known to renew it.
    [
      'exactly 48 h',
      48 * HOUR,
      `Lease ${NS}/${NAME} expired 2 d ago and no holder has renewed it (Pods were not checked).`,
    ],
  ])('states an expiry %s ago in the reason', (_what, expiredForMs, reason) => {
    // Prepare
    const leases = [expired(expiredForMs)];

    // Act
    const [finding] = auditOf({ leases }).findings;

    // Assess
    expect(finding?.reason).toBe(reason);
  });
});

/**
 * The exact list of problems a MalformedLease names (`facts.problems`, and its `reason`): each malformed field
 * once, in spec order (renewTime, leaseDurationSeconds, acquireTime, leaseTransitions, holderIdentity), and
 * nothing about the fields that are well formed — set, explicitly null or left out — nor about a value that
 * sits exactly on a limit. The messages are the documented output (README: "MalformedLease"), so they are
 * compared word for word; malformed.test.ts checks each message on its own.
 */
import { describe, expect, it } from 'vitest';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import type { LeaseRecord } from '../../../shared/kube/records.ts';
import { ago, auditOf, HOUR, lease, MINUTE, microTime, NOW, SECOND } from './builders.ts';

const MAX = defaultAuditPolicy.maxLeaseDurationSeconds;
const MARGIN_MS = defaultAuditPolicy.clockSkewMarginSeconds * SECOND;

/** A zero duration: one problem that sends a lease down the slow path, so its other fields are judged there. */
const ZERO_DURATION = 'spec.leaseDurationSeconds 0 is not positive';

/** The only finding of a cluster holding just this lease, which must be a MalformedLease. */
function malformedOnly(record: LeaseRecord) {
  const { findings } = auditOf({ leases: [record] });
  expect(findings.map((f) => f.type)).toEqual(['MalformedLease']);
  return findings[0];
}

describe('MalformedLease names only the fields that are malformed', () => {
  it.each<[string, LeaseRecord, string[]]>([
    [
      'a zero duration beside a renewal 1 s ago, an acquireTime, 0 transitions and a holder',
      lease({
        renewTime: ago(SECOND),
        leaseDurationSeconds: 0,
        acquireTime: ago(HOUR),
        leaseTransitions: 0,
        holderIdentity: 'pod-0_abc',
      }),
      [ZERO_DURATION],
    ],
    [
      'a zero duration beside null acquireTime, leaseTransitions and holderIdentity',
      lease({ leaseDurationSeconds: 0, acquireTime: null, leaseTransitions: null, holderIdentity: null }),
      [ZERO_DURATION],
    ],
    [
      'a zero duration beside no acquireTime, leaseTransitions nor holderIdentity at all',
      lease({
        leaseDurationSeconds: 0,
        acquireTime: undefined,
        leaseTransitions: undefined,
        holderIdentity: undefined,
      }),
      [ZERO_DURATION],
    ],
    [
      'a zero duration beside a released lease (empty holder) with many transitions',
      lease({ leaseDurationSeconds: 0, holderIdentity: '', leaseTransitions: 41 }),
      [ZERO_DURATION],
    ],
    [
      'a missing renewTime beside a 15 s duration',
      lease({ renewTime: undefined, leaseDurationSeconds: 15 }),
      ['spec.renewTime is missing'],
    ],
    [
      'a missing renewTime beside a duration of exactly maxLeaseDurationSeconds',
      lease({ renewTime: undefined, leaseDurationSeconds: MAX }),
      ['spec.renewTime is missing'],
    ],
    [
      'a bad acquireTime alone',
      lease({ acquireTime: 'at noon' }),
      ['spec.acquireTime "at noon" is not an RFC 3339 time'],
    ],
    [
      'leaseTransitions of -1 alone',
      lease({ leaseTransitions: -1 }),
      ['spec.leaseTransitions -1 is not a non-negative whole number'],
    ],
    [
      'a null leaseTransitions beside a bad acquireTime',
      lease({ acquireTime: 'at noon', leaseTransitions: null }),
      ['spec.acquireTime "at noon" is not an RFC 3339 time'],
    ],
    ['a numeric holderIdentity alone', lease({ holderIdentity: 7 }), ['spec.holderIdentity is not a string']],
  ])('for %s', (_what, record, problems) => {
    // Act
    const finding = malformedOnly(record);

    // Assess
    expect(finding?.facts.problems).toEqual(problems);
  });
});

describe('MalformedLease at the limits of renewTime and leaseDurationSeconds', () => {
  it.each<[string, number, string[]]>([
    // The margin is "beyond": a renewal exactly 10 s ahead of the clock is within it.
    ['exactly the skew margin in the future', MARGIN_MS, [ZERO_DURATION]],
    ['half the skew margin in the future', MARGIN_MS / 2, [ZERO_DURATION]],
    ['1 ms in the future', 1, [ZERO_DURATION]],
    [
      '1 ms beyond the skew margin in the future',
      MARGIN_MS + 1,
      [
        `spec.renewTime ${microTime(NOW + MARGIN_MS + 1)} is in the future (beyond the 10 s skew margin)`,
        ZERO_DURATION,
      ],
    ],
    [
      'an hour in the future',
      HOUR,
      [
        `spec.renewTime ${microTime(NOW + HOUR)} is in the future (beyond the 10 s skew margin)`,
        ZERO_DURATION,
      ],
    ],
  ])('says a renewTime %s is in the future only when beyond the margin', (_what, aheadMs, problems) => {
    // Prepare: the zero duration makes the lease malformed whatever its renewTime.
    const record = lease({ renewTime: microTime(NOW + aheadMs), leaseDurationSeconds: 0 });

    // Act
    const finding = malformedOnly(record);

    // Assess
    expect(finding?.facts.problems).toEqual(problems);
  });

  it('judges a renewTime against the margin of the policy, in seconds', () => {
    // Prepare: a 2-minute margin; renewed 1 minute ahead (inside it) and 3 minutes ahead (beyond it).
    const p = { ...defaultAuditPolicy, clockSkewMarginSeconds: 120 };
    const inside = lease({ name: 'inside', renewTime: ago(-MINUTE), leaseDurationSeconds: 0 });
    const beyond = lease({ name: 'beyond', renewTime: ago(-3 * MINUTE), leaseDurationSeconds: 0 });

    // Act
    const a = auditOf({ leases: [inside, beyond] }, { policy: p });

    // Assess
    expect(a.findings.map((f) => [f.name, f.facts.problems])).toEqual([
      [
        'beyond',
        [
          `spec.renewTime ${microTime(NOW + 3 * MINUTE)} is in the future (beyond the 120 s skew margin)`,
          ZERO_DURATION,
        ],
      ],
      ['inside', [ZERO_DURATION]],
    ]);
  });

  it.each<[string, number, string[]]>([
    ['exactly maxLeaseDurationSeconds', MAX, ['spec.renewTime "soon" is not an RFC 3339 time']],
    [
      'maxLeaseDurationSeconds + 1',
      MAX + 1,
      [
        'spec.renewTime "soon" is not an RFC 3339 time',
        `spec.leaseDurationSeconds ${MAX + 1} is absurdly long`,
      ],
    ],
    ['1 s', 1, ['spec.renewTime "soon" is not an RFC 3339 time']],
  ])('calls a duration of %s absurdly long only when over the maximum', (_what, seconds, problems) => {
    // Prepare: the bad renewTime makes the lease malformed whatever its duration.
    const record = lease({ renewTime: 'soon', leaseDurationSeconds: seconds });

    // Act
    const finding = malformedOnly(record);

    // Assess
    expect(finding?.facts.problems).toEqual(problems);
  });

  it.each<[string, number, string[]]>([
    ['0', 0, [ZERO_DURATION]],
    ['1', 1, [ZERO_DURATION]],
    ['-1', -1, [ZERO_DURATION, 'spec.leaseTransitions -1 is not a non-negative whole number']],
  ])('accepts leaseTransitions of %s only when not negative', (_what, transitions, problems) => {
    // Prepare
    const record = lease({ leaseDurationSeconds: 0, leaseTransitions: transitions });

    // Act
    const finding = malformedOnly(record);

    // Assess
    expect(finding?.facts.problems).toEqual(problems);
  });
});

describe('MalformedLease reason', () => {
  it('joins the problems with "; " and ends with a full stop', () => {
    // Prepare
    const record = lease({
      namespace: 'checkout',
      name: 'malformed-1',
      leaseDurationSeconds: -15,
      holderIdentity: 42,
    });

    // Act
    const finding = malformedOnly(record);

    // Assess
    expect(finding?.reason).toBe(
      'Lease checkout/malformed-1 cannot be judged: spec.leaseDurationSeconds -15 is not positive; ' +
        'spec.holderIdentity is not a string.',
    );
  });

  it('states a single problem as README shows it', () => {
    // Prepare: the README's sample line.
    const record = lease({ namespace: 'checkout', name: 'malformed-1', leaseDurationSeconds: -15 });

    // Act
    const finding = malformedOnly(record);

    // Assess
    expect(finding?.reason).toBe(
      'Lease checkout/malformed-1 cannot be judged: spec.leaseDurationSeconds -15 is not positive.',
    );
  });
});

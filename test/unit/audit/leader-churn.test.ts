import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { type AuditPolicy, defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import { type PreviousTransitions, transitionsSeen } from '../../../shared/audit/rules/leader-churn.ts';
import {
  ago,
  auditOf,
  DAY,
  findingsFor,
  flapped,
  HOUR,
  type LeaderLeaseOptions,
  leaderLease,
  lease,
  MINUTE,
  NOW,
  nodeLease,
  policy,
  rfc3339,
  SECOND,
  verdicts,
} from './builders.ts';

const NS = 'payments';
const NAME = 'queue-worker.example.com';

const seenAgo = (leaseTransitions: number, agoMs: number): PreviousTransitions =>
  new Map([[flapped().uid, { leaseTransitions, atMs: NOW - agoMs }]]);

describe('LeaderChurn', () => {
  it.each<[string, LeaderLeaseOptions, PreviousTransitions | undefined, Partial<AuditPolicy>, string[]]>([
    ['57 handovers in 6 h, the latest 20 s ago', {}, undefined, {}, ['LeaderChurn/warning']],
    [
      '57 handovers in 30 days (the estimate over its life is low)',
      { createdAgoMs: 30 * DAY },
      undefined,
      {},
      [],
    ],
    [
      '30 days old, 17 handovers since a sample an hour ago',
      { createdAgoMs: 30 * DAY },
      seenAgo(40, HOUR),
      {},
      ['LeaderChurn/warning'],
    ],
    [
      '30 days old, 7 handovers since a sample an hour ago (below 10)',
      { createdAgoMs: 30 * DAY },
      seenAgo(50, HOUR),
      {},
      [],
    ],
    [
      'a sample above today’s count (ignored: over its life)',
      {},
      seenAgo(60, HOUR),
      {},
      ['LeaderChurn/warning'],
    ],
    [
      'a sample from the future (ignored: over its life)',
      { createdAgoMs: 30 * DAY },
      seenAgo(0, -MINUTE),
      {},
      [],
    ],
    [
      'the latest handover exactly 900 s ago',
      { acquireAgoMs: 900 * SECOND },
      undefined,
      {},
      ['LeaderChurn/warning'],
    ],
    ['the latest handover 1 ms more than 900 s ago', { acquireAgoMs: 900 * SECOND + 1 }, undefined, {}, []],
    ['9 handovers in 1 h (below 10)', { transitions: 9, createdAgoMs: HOUR }, undefined, {}, []],
    ['10 handovers in 1 h', { transitions: 10, createdAgoMs: HOUR }, undefined, {}, ['LeaderChurn/warning']],
    ['9.5 an hour against a threshold of 10', {}, undefined, { leaderChurnTransitionsPerHour: 10 }, []],
    [
      'expired 5 min ago (the expiry rule speaks)',
      { renewAgoMs: 5 * MINUTE, acquireAgoMs: 5 * MINUTE },
      undefined,
      {},
      ['ExpiredLease/info'],
    ],
    ['released (empty holder)', { holder: '', duration: 1, renewAgoMs: 0 }, undefined, {}, []],
  ])('judges a leader lease with %s', (_what, o, previous, overrides, expected) => {
    // Prepare
    const lease = flapped(o);

    // Act
    const a = auditOf(
      { leases: [lease], ...(previous ? { previousTransitions: previous } : {}) },
      { policy: policy(overrides) },
    );

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual(expected);
  });

  it('does not judge churn without an acquireTime (when the holder took over is unknown)', () => {
    // Prepare
    const raw = lease({
      namespace: NS,
      name: NAME,
      holderIdentity: 'queue-worker-6d8f7b9c5d-q2w7x_1',
      renewTime: ago(SECOND),
      acquireTime: undefined,
      leaseTransitions: 57,
      creationTimestamp: rfc3339(NOW - HOUR),
    });

    // Act
    const a = auditOf({ leases: [raw] });

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual([]);
  });

  it('churns at exactly 1 handover an hour over its life, and not 1 ms slower', () => {
    // Prepare: created 24 h before a whole second; 24 handovers
    const createdMs = Math.floor((NOW - DAY) / 1000) * 1000;
    const lease = flapped({ transitions: 24, createdAgoMs: NOW - createdMs });

    // Act
    const atRate = auditOf({ leases: [lease] }, { now: createdMs + DAY });
    const slower = auditOf({ leases: [lease] }, { now: createdMs + DAY + 1 });

    // Assess
    expect(verdicts(atRate, NS, NAME)).toEqual(['LeaderChurn/warning']);
    expect(verdicts(slower, NS, NAME)).toEqual([]);
  });

  it('states the rate, how it was measured and the lease facts, and is never a deletion candidate', () => {
    // Act
    const lifetime = findingsFor(auditOf({ leases: [flapped()] }), NS, NAME)[0];
    const sample = findingsFor(
      auditOf({ leases: [flapped({ createdAgoMs: 30 * DAY })], previousTransitions: seenAgo(40, HOUR) }),
      NS,
      NAME,
    )[0];

    // Assess
    expect(lifetime).toMatchObject({
      type: 'LeaderChurn',
      severity: 'warning',
      leaseKind: 'leader',
      facts: {
        leaseTransitions: 57,
        transitionsPerHour: 9.5,
        churnMeasuredOver: 'lifetime',
        leaseDurationSeconds: 15,
      },
    });
    expect(lifetime?.reason).toContain(
      'changed holder 57 times in its 6 h of life (9.5 an hour), the latest 20 s ago',
    );
    expect(sample).toMatchObject({ facts: { transitionsPerHour: 17, churnMeasuredOver: 'sample' } });
    expect(sample?.reason).toContain('changed holder 17 times in the last 60 min');
    for (const f of [lifetime, sample]) expect(f && isDeletionCandidate(f)).toBe(false);
  });

  it('judges a churning kube-system leader too (a live control plane that keeps failing over)', () => {
    const lease = flapped({ namespace: 'kube-system', name: 'kube-scheduler' });

    const a = auditOf({ leases: [lease] });

    expect(verdicts(a, 'kube-system', 'kube-scheduler')).toEqual(['LeaderChurn/warning']);
  });

  it('samples the transitions of a snapshot by lease uid, for the next run', () => {
    // Prepare
    const leases = [
      flapped(),
      leaderLease({ name: 'calm.example.com', transitions: 0 }),
      nodeLease('node-a'),
    ];

    // Act
    const seen = transitionsSeen(leases, NOW);

    // Assess
    expect([...seen.entries()]).toEqual([[flapped().uid, { leaseTransitions: 57, atMs: NOW }]]);
  });

  it('never throws, gives LeaderChurn only to live held leases, and never a deletion candidate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10 * SECOND, max: 3 * DAY }),
        fc.option(fc.integer({ min: -MINUTE, max: 3 * DAY }), { nil: undefined }),
        fc.oneof(fc.nat(10_000), fc.constant(Number.MAX_SAFE_INTEGER)),
        fc.integer({ min: -HOUR, max: 400 * DAY }),
        fc.option(
          fc.record({
            leaseTransitions: fc.integer({ min: -5, max: 20_000 }),
            atMs: fc.integer({ min: NOW - 30 * DAY, max: NOW + DAY }),
          }),
          { nil: undefined },
        ),
        fc.constantFrom('', 'worker-7d9f8b6c4-x2x7k_1'),
        (renewAgoMs, acquireAgoMs, transitions, createdAgoMs, previous, holder) => {
          // Prepare
          const lease = leaderLease({
            name: NAME,
            namespace: NS,
            holder,
            renewAgoMs,
            acquireAgoMs: acquireAgoMs ?? renewAgoMs,
            transitions,
            createdAgoMs,
          });
          const input = {
            cluster: 'c',
            leases: [lease],
            nodes: [],
            pods: undefined,
            ...(previous ? { previousTransitions: new Map([[lease.uid, previous]]) } : {}),
          };

          // Act
          const findings = audit(input, NOW, defaultAuditPolicy).findings.filter(
            (f) => f.type !== 'LeaseNamingAdvice',
          );

          // Assess
          expect(findings.length).toBeLessThanOrEqual(1);
          for (const f of findings) {
            expect(isDeletionCandidate(f) && f.type !== 'AbandonedLease').toBe(false);
            if (f.type === 'LeaderChurn') {
              expect(holder).not.toBe('');
              expect(NOW - (NOW - renewAgoMs + 15 * SECOND)).toBeLessThanOrEqual(
                defaultAuditPolicy.clockSkewMarginSeconds * 1000,
              );
              expect(f.facts.transitionsPerHour).toBeGreaterThanOrEqual(
                defaultAuditPolicy.leaderChurnTransitionsPerHour,
              );
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

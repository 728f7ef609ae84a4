import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { type AuditPolicy, defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import { toLeaseRecord } from '../../../shared/kube/records.ts';
import {
  auditOf,
  DAY,
  eksKcmLease,
  findingsFor,
  type LeaderLeaseOptions,
  leaderLease,
  MINUTE,
  NOW,
  policy,
  SECOND,
  verdicts,
} from './builders.ts';

const KCM = 'kube-controller-manager';
const LEADERLESS = 'ControlPlaneLeaderMissing/critical';
/** Past the 15 s lease and the 10 s skew margin. */
const EXPIRED_FOR_MARGIN = (15 + 10) * SECOND;

describe('ControlPlaneLeaderMissing', () => {
  it.each<[string, number, Partial<AuditPolicy>, string[]]>([
    ['renewed 1 s ago', SECOND, {}, []],
    ['renewed exactly at its 15 s expiry', 15 * SECOND, {}, []],
    ['expired exactly the skew margin ago', EXPIRED_FOR_MARGIN, {}, []],
    ['expired 1 ms past the skew margin', EXPIRED_FOR_MARGIN + 1, {}, [LEADERLESS, 'ExpiredLease/warning']],
    ['expired 5 min ago', 5 * MINUTE, {}, [LEADERLESS, 'ExpiredLease/warning']],
    // The expiry finding stays as for any kube-system lease: the reaper skips it as a system lease.
    ['expired 3 days ago', 3 * DAY, {}, [LEADERLESS, 'AbandonedLease/warning']],
    [
      'expired 1 ms past a zero skew margin',
      15 * SECOND + 1,
      { clockSkewMarginSeconds: 0 },
      [LEADERLESS, 'ExpiredLease/warning'],
    ],
    [
      'expired, the policy naming no control plane',
      5 * MINUTE,
      { controlPlaneLeaderLeases: [] },
      ['ExpiredLease/warning'],
    ],
  ])('judges the EKS kube-controller-manager lease %s', (_what, renewAgoMs, overrides, expected) => {
    // Prepare
    const lease = toLeaseRecord(eksKcmLease(renewAgoMs));

    // Act
    const a = auditOf({ leases: [lease] }, { policy: policy(overrides) });

    // Assess
    expect(verdicts(a, 'kube-system', KCM)).toEqual(expected);
  });

  it('says how long no instance has led, on the facts of the lease, and never makes it a deletion candidate', () => {
    // Prepare
    const lease = toLeaseRecord(eksKcmLease(3 * DAY));

    // Act
    const [finding] = findingsFor(auditOf({ leases: [lease] }), 'kube-system', KCM);

    // Assess
    expect(finding).toMatchObject({
      type: 'ControlPlaneLeaderMissing',
      severity: 'critical',
      leaseKind: 'systemLeader',
      uid: '5b0e6c2d-8a41-4f3b-9c7e-1d2f3a4b5c6d',
      resourceVersion: '91827364',
      ageSeconds: 3 * 86_400 - 15,
      facts: {
        holderIdentity: 'ip-10-0-1-23.ec2.internal_6b1a7c1e-4d2f-4b8a-9e3c-7f1a2b3c4d5e',
        leaseDurationSeconds: 15,
      },
    });
    expect(finding?.reason).toContain('No kube-controller-manager instance leads');
    expect(finding && isDeletionCandidate(finding)).toBe(false);
  });

  it.each<[string, LeaderLeaseOptions, string[]]>([
    [
      'kube-scheduler',
      { namespace: 'kube-system', name: 'kube-scheduler' },
      [LEADERLESS, 'ExpiredLease/warning'],
    ],
    [
      'cloud-controller-manager',
      { namespace: 'kube-system', name: 'cloud-controller-manager' },
      [LEADERLESS, 'ExpiredLease/warning'],
    ],
    [
      'a coordinated kube-scheduler (spec.strategy)',
      { namespace: 'kube-system', name: 'kube-scheduler', strategy: 'OldestEmulationVersion' },
      [LEADERLESS, 'ExpiredLease/warning'],
    ],
    [
      'a released kube-scheduler (empty holder, 1 s)',
      { namespace: 'kube-system', name: 'kube-scheduler', holder: '', duration: 1 },
      [LEADERLESS, 'ExpiredLease/warning'],
    ],
    [
      'a kube-system lease the policy does not name',
      { namespace: 'kube-system', name: 'cluster-autoscaler' },
      ['ExpiredLease/warning'],
    ],
    [
      'a lease named kube-scheduler outside kube-system',
      { namespace: 'payments', name: 'kube-scheduler' },
      ['ExpiredLease/info'],
    ],
  ])('judges %s expired 10 min ago', (_what, o, expected) => {
    // Prepare
    const lease = leaderLease({ ...o, renewAgoMs: 10 * MINUTE });

    // Act
    const a = auditOf({ leases: [lease] });

    // Assess
    expect(verdicts(a, o.namespace ?? '', o.name ?? '')).toEqual(expected);
  });

  it('says a released control-plane lease was released', () => {
    const lease = leaderLease({
      namespace: 'kube-system',
      name: 'kube-scheduler',
      holder: '',
      duration: 1,
      renewAgoMs: MINUTE,
    });

    const [finding] = findingsFor(auditOf({ leases: [lease] }), 'kube-system', 'kube-scheduler');

    expect(finding?.reason).toContain('released');
  });

  it('judges the components the policy names, and only in kube-system', () => {
    // Prepare
    const mine = leaderLease({ namespace: 'kube-system', name: 'my-scheduler', renewAgoMs: 10 * MINUTE });
    const kcm = leaderLease({ namespace: 'kube-system', name: KCM, renewAgoMs: 10 * MINUTE });

    // Act
    const a = auditOf(
      { leases: [mine, kcm] },
      { policy: policy({ controlPlaneLeaderLeases: ['my-scheduler'] }) },
    );

    // Assess
    expect(verdicts(a, 'kube-system', 'my-scheduler')).toEqual([LEADERLESS, 'ExpiredLease/warning']);
    expect(verdicts(a, 'kube-system', KCM)).toEqual(['ExpiredLease/warning']);
  });

  it('gives a control-plane lease of any age, holder and policy ControlPlaneLeaderMissing exactly when it has an expiry finding', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...defaultAuditPolicy.controlPlaneLeaderLeases),
        fc.integer({ min: -10 * SECOND, max: 60 * DAY }),
        fc.constantFrom('', 'ip-10-0-1-23.ec2.internal_6b1a7c1e', 'kube-scheduler-7c9d_1'),
        fc.option(fc.constantFrom('OldestEmulationVersion'), { nil: undefined }),
        fc.integer({ min: 0, max: 86_400 }),
        (name, renewAgoMs, holder, strategy, abandonedAfterSeconds) => {
          // Prepare
          const lease = leaderLease({
            namespace: 'kube-system',
            name,
            holder,
            renewAgoMs,
            ...(strategy ? { strategy } : {}),
          });
          const p = { ...defaultAuditPolicy, abandonedAfterSeconds };

          // Act
          const findings = audit(
            { cluster: 'c', leases: [lease], nodes: [], pods: undefined },
            NOW,
            p,
          ).findings;

          // Assess
          const types = findings.map((f) => f.type);
          const expiry = types.filter((t) => t === 'ExpiredLease' || t === 'AbandonedLease');
          if (types.includes('ControlPlaneLeaderMissing')) {
            // Critical, never a deletion candidate, and on top of the expiry finding the reaper sees as before.
            expect(types).toHaveLength(2);
            expect(expiry).toHaveLength(1);
            expect(findings[0]).toMatchObject({ type: 'ControlPlaneLeaderMissing', severity: 'critical' });
            expect(findings[0] && isDeletionCandidate(findings[0])).toBe(false);
          } else {
            // Live (within its duration and the skew margin): no expiry finding, at most churn.
            expect(expiry).toEqual([]);
            expect(types.every((t) => t === 'LeaderChurn')).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

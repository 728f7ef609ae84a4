/**
 * The control-plane leader rule where control-plane-leaders.test.ts leaves it open: the words of
 * ControlPlaneLeaderMissing, which leases count as control-plane leaders (a coordinated lease of a
 * control-plane name outside kube-system does not; an apiserver identity the policy names does not), and the
 * finding's own skew-margin boundary. The audit asks for the finding only once leaderFinding has found the
 * lease expired past the same margin, so the boundary is checked on the exported function itself.
 */
import { describe, expect, it } from 'vitest';
import type { AuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { leaseKind } from '../../../shared/audit/lease-kind.ts';
import { leaseTiming } from '../../../shared/audit/lease-shape.ts';
import {
  controlPlaneLeaderFinding,
  isControlPlaneLeader,
} from '../../../shared/audit/rules/control-plane-leaders.ts';
import { type LeaseRecord, toLeaseRecord } from '../../../shared/kube/records.ts';
import {
  auditOf,
  eksKcmLease,
  findingsFor,
  identityLease,
  leaderLease,
  MINUTE,
  NOW,
  policy,
  SECOND,
  verdicts,
} from './builders.ts';

const KCM = 'kube-controller-manager';

describe('the reason of ControlPlaneLeaderMissing, word for word', () => {
  it('says how long a held lease has been expired, without calling it released', () => {
    // Prepare: renewed 5 min 15 s ago, so its 15 s lease expired 5 min ago.
    const lease = toLeaseRecord(eksKcmLease(5 * MINUTE + 15 * SECOND));

    // Act
    const a = auditOf({ leases: [lease] });

    // Assess
    expect(findingsFor(a, 'kube-system', KCM).map((f) => [f.type, f.reason])).toEqual([
      [
        'ControlPlaneLeaderMissing',
        'No kube-controller-manager instance leads: its lease expired 5 min ago and no standby took it over (15 s lease + 10 s skew margin).',
      ],
      ['ExpiredLease', 'Lease kube-system/kube-controller-manager expired 5 min ago.'],
    ]);
  });

  it('says a released lease was released by its last holder', () => {
    // Prepare: released as client-go does on ReleaseOnCancel (holder '', 1 s), renewed 2 min 1 s ago, so it
    // expired 120 s = 2 min ago.
    const lease = leaderLease({
      namespace: 'kube-system',
      name: 'kube-scheduler',
      holder: '',
      duration: 1,
      renewAgoMs: 2 * MINUTE + SECOND,
    });

    // Act
    const [finding] = findingsFor(auditOf({ leases: [lease] }), 'kube-system', 'kube-scheduler');

    // Assess
    expect(finding?.reason).toBe(
      'No kube-scheduler instance leads: its lease expired 2 min ago after its last holder released it and no standby took it over (1 s lease + 10 s skew margin).',
    );
  });
});

describe('which leases count as control-plane leaders', () => {
  it('does not count a coordinated lease of a control-plane name outside kube-system', () => {
    // Prepare: a second scheduler in its own namespace keeps the default lease name, under coordinated
    // election (spec.strategy), expired 10 min ago. Its kind is coordinated, but it is not in kube-system:
    // only the expiry finding, info as for any lease outside kube-system.
    const lease = leaderLease({
      namespace: 'scheduler-plugins',
      name: 'kube-scheduler',
      strategy: 'OldestEmulationVersion',
      renewAgoMs: 10 * MINUTE,
    });

    // Act
    const a = auditOf({ leases: [lease] });

    // Assess
    expect(leaseKind(lease)).toBe('coordinated');
    expect(isControlPlaneLeader(lease, 'coordinated', policy())).toBe(false);
    expect(verdicts(a, 'scheduler-plugins', 'kube-scheduler')).toEqual(['ExpiredLease/info']);
  });

  it.each<[string, LeaseRecord, boolean]>([
    ['the EKS kube-controller-manager lease (systemLeader)', toLeaseRecord(eksKcmLease(SECOND)), true],
    [
      'a coordinated kube-scheduler in kube-system',
      leaderLease({ namespace: 'kube-system', name: 'kube-scheduler', strategy: 'OldestEmulationVersion' }),
      true,
    ],
    // An apiserver identity is no leader lease, even where a policy names it among the control plane.
    ['a 1.26 apiserver identity named in the policy', identityLease('1.26'), false],
  ])('takes %s for a control-plane leader or not', (_what, lease, expected) => {
    // Prepare
    const p = policy({ controlPlaneLeaderLeases: [KCM, 'kube-scheduler', lease.name] });

    // Act
    const leader = isControlPlaneLeader(lease, leaseKind(lease), p);

    // Assess
    expect(leader).toBe(expected);
  });
});

describe('ControlPlaneLeaderMissing at the skew margin', () => {
  // expiredFor = now − (renewTime + 15 s). The finding needs expiredFor > margin × 1000 ms.
  it.each<[string, number, Partial<AuditPolicy>, string | undefined]>([
    ['expired exactly the 10 s margin ago', (15 + 10) * SECOND, {}, undefined],
    [
      'expired 1 ms past the 10 s margin',
      (15 + 10) * SECOND + 1,
      {},
      'No kube-controller-manager instance leads: its lease expired 10 s ago and no standby took it over (15 s lease + 10 s skew margin).',
    ],
    ['expired exactly now, with no margin', 15 * SECOND, { clockSkewMarginSeconds: 0 }, undefined],
    [
      'expired 1 ms ago, with no margin',
      15 * SECOND + 1,
      { clockSkewMarginSeconds: 0 },
      'No kube-controller-manager instance leads: its lease expired 0 s ago and no standby took it over (15 s lease + 0 s skew margin).',
    ],
  ])('judges the EKS kube-controller-manager lease %s', (_what, renewAgoMs, overrides, reason) => {
    // Prepare
    const p = policy(overrides);
    const lease = toLeaseRecord(eksKcmLease(renewAgoMs));
    const timing = leaseTiming(lease, NOW, p);
    if (!timing) throw new Error('the EKS lease is well formed');

    // Act
    const finding = controlPlaneLeaderFinding(lease, 'systemLeader', timing, NOW, p);

    // Assess
    if (reason === undefined) expect(finding).toBeUndefined();
    else expect(finding?.reason).toBe(reason);
  });
});

import { describe, expect, it } from 'vitest';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import { auditOf, DAY, findingsFor, leaderLease, pod } from './builders.ts';

describe('coordinated leader-election leases are never deletion candidates', () => {
  it('does not make an abandoned coordinated-leader-election lease a deletion candidate', () => {
    const lease = leaderLease({
      namespace: 'kube-system',
      name: 'kube-scheduler',
      strategy: 'OldestEmulationVersion',
      renewAgoMs: 3 * DAY,
    });

    // Its expiry finding (beside ControlPlaneLeaderMissing, which is never one either).
    const [finding] = findingsFor(auditOf({ leases: [lease] }), 'kube-system', 'kube-scheduler').filter(
      (f) => f.type !== 'ControlPlaneLeaderMissing',
    );

    expect(finding).toMatchObject({ type: 'AbandonedLease', leaseKind: 'coordinated', severity: 'warning' });
    expect(finding && isDeletionCandidate(finding)).toBe(false);
  });
});

describe('control-plane leader leases', () => {
  it('does not look up a Pod for a holder that is a node hostname', () => {
    const lease = leaderLease({
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      holder: 'ip-10-0-0-10.ec2.internal_0c1d',
      renewAgoMs: 3 * DAY,
    });

    const [finding] = findingsFor(
      auditOf({ leases: [lease], pods: [pod('unrelated')] }),
      'kube-system',
      'kube-controller-manager',
    ).filter((f) => f.type !== 'ControlPlaneLeaderMissing');

    expect(finding?.type).toBe('AbandonedLease');
    expect(finding?.reason).not.toContain('Pod');
    expect(finding?.facts.holderPodRunning).toBeUndefined();
  });

  it('gives an expired coordinated lease in kube-system the control-plane severity', () => {
    const lease = leaderLease({
      namespace: 'kube-system',
      name: 'kube-scheduler',
      strategy: 'OldestEmulationVersion',
      renewAgoMs: 10 * 60_000,
    });

    const [finding] = findingsFor(auditOf({ leases: [lease] }), 'kube-system', 'kube-scheduler').filter(
      (f) => f.type !== 'ControlPlaneLeaderMissing',
    );

    expect(finding).toMatchObject({ type: 'ExpiredLease', severity: 'warning' });
  });
});

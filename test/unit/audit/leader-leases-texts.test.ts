/**
 * The reasons of ExpiredLease and AbandonedLease word for word, for the holders leader-leases.test.ts checks
 * only by pattern: a control-plane leader nobody renews, and a plain expiry with nothing more to say.
 */
import { describe, expect, it } from 'vitest';
import {
  auditOf,
  DAY,
  findingsFor,
  HOUR,
  type LeaderLeaseOptions,
  leaderLease,
  MINUTE,
  pod,
  SECOND,
} from './builders.ts';

/** A client-go leader lease (15 s) whose expiry was `expiredForMs` before now. */
function expired(expiredForMs: number, o: LeaderLeaseOptions) {
  return leaderLease({ ...o, renewAgoMs: 15 * SECOND + expiredForMs });
}

describe('leader lease reasons, word for word', () => {
  it('says no control-plane instance renewed a long-expired kube-system leader lease', () => {
    // Prepare: cluster-autoscaler in kube-system is a control-plane leader (its holder is a host, not a
    // Pod, so Pods are not looked up). Expired 4 d 3 h ago: past the 1 day abandonedAfterSeconds.
    const leases = [expired(4 * DAY + 3 * HOUR, { namespace: 'kube-system', name: 'cluster-autoscaler' })];

    // Act
    const found = findingsFor(auditOf({ leases }), 'kube-system', 'cluster-autoscaler');

    // Assess
    expect(found.map((f) => [f.type, f.reason])).toEqual([
      [
        'AbandonedLease',
        'Lease kube-system/cluster-autoscaler expired 4 d 3 h ago and no control-plane instance has renewed it.',
      ],
    ]);
  });

  it.each<[string, ReturnType<typeof pod>[] | undefined]>([
    ['Pods were not listed', undefined],
    // The holder Pod (payments-operator-7d9f8b6c4-x2x7k) is not among them: not running, but not yet abandoned.
    ['its holder Pod is not among the Pods', [pod('payments-api-5f7c9d8b4-q8r2t')]],
  ])('adds nothing to a recent expiry when %s', (_what, pods) => {
    // Prepare: expired 5 min ago: past the 10 s skew margin, short of the 1 day abandonedAfterSeconds.
    const leases = [expired(5 * MINUTE, { namespace: 'payments', name: 'payments-operator.example.com' })];

    // Act
    const [finding] = auditOf({ leases, pods }).findings;

    // Assess
    expect(finding?.type).toBe('ExpiredLease');
    expect(finding?.reason).toBe('Lease payments/payments-operator.example.com expired 5 min ago.');
  });
});

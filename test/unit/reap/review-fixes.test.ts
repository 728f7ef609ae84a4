import { describe, expect, it } from 'vitest';
import { toLeaseRecord } from '../../../shared/kube/records.ts';
import { planDeletions } from '../../../shared/reap/plan.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import { auditOf, DAY, leaderLease, pod, rawNodeLease } from '../audit/builders.ts';

// Safety gaps a review found in the planner and the policy, each failing before its fix.

const permissive = parseReapPolicy({
  namespaces: { include: ['*'] },
  reapOrphanedNodeLeases: true,
  minExpiredFor: '10m',
  allowSystemLeases: ['kube-system/old-ccm'],
});

describe('planner guards that do not rely on the audit alone', () => {
  it('never plans an orphaned node lease that carries coordinated-leader-election fields', () => {
    const raw = rawNodeLease('ip-10-9-9-9.ec2.internal', { ownerUid: null, renewAgoMs: 3 * DAY });
    (raw.spec as Record<string, unknown>).strategy = 'OldestEmulationVersion';
    const lease = toLeaseRecord(raw);

    const plan = planDeletions(auditOf({ leases: [lease], nodes: [] }), [lease], permissive);

    expect(plan.deletions).toEqual([]);
    expect(plan.skipped).toMatchObject([{ name: 'ip-10-9-9-9.ec2.internal', skip: 'coordinated' }]);
  });

  it('never plans an allowed kube-system lease whose holder Pod is running', () => {
    const lease = leaderLease({
      namespace: 'kube-system',
      name: 'old-ccm',
      holder: 'old-ccm-abc_123',
      renewAgoMs: 3 * DAY,
    });
    const pods = [pod('old-ccm-abc', 'kube-system')];

    const running = planDeletions(auditOf({ leases: [lease], pods }), [lease], permissive, undefined, pods);
    const gone = planDeletions(auditOf({ leases: [lease], pods: [] }), [lease], permissive, undefined, []);

    expect(running.deletions).toEqual([]);
    expect(running.skipped).toMatchObject([{ name: 'old-ccm', skip: 'holderRunning' }]);
    expect(gone.deletions.map((d) => d.name)).toEqual(['old-ccm']);
  });
});

describe('policy defaults that follow what the user set', () => {
  it('caps each cluster at maxDeletionsPerRun when only that is set lower than 10', () => {
    const policy = parseReapPolicy({ namespaces: { include: ['a'] }, maxDeletionsPerRun: 5 });
    expect(policy.maxDeletionsPerCluster).toBe(5);
  });

  it('refuses a minExpiredFor under ten minutes', () => {
    expect(() => parseReapPolicy({ namespaces: { include: ['a'] }, minExpiredFor: '30s' })).toThrow(
      /minExpiredFor: must be at least 600 s/,
    );
  });
});

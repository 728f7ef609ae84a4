import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/audit/findings.ts';
import type { DeleteOutcome, LeaseIdentity } from '../../../shared/kube/delete-lease.ts';
import { type LeaseRecord, toLeaseRecord } from '../../../shared/kube/records.ts';
import { executePlan, type LeaseDeleter } from '../../../shared/reap/execute-plan.ts';
import { planDeletions } from '../../../shared/reap/plan.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import { auditOf, DAY, rawLeaderLease, SECOND } from '../audit/builders.ts';

const policy = parseReapPolicy({ namespaces: { include: ['payments'] } });
const NAME = 'gone.example.com';

/** One copy of payments/gone.example.com as a list returned it: its own uid, resourceVersion and renewTime. */
function copy(uid: string, resourceVersion: string, renewAgoMs: number): LeaseRecord {
  const raw = rawLeaderLease({ name: NAME, renewAgoMs });
  return toLeaseRecord({
    ...raw,
    metadata: { ...(raw.metadata as Record<string, unknown>), uid, resourceVersion },
  });
}

/** A deleter that records every identity it is asked to delete and answers deleted. */
function recordingDeleter() {
  const calls: LeaseIdentity[] = [];
  const deleter = (async (lease, options): Promise<DeleteOutcome> => {
    calls.push({ ...lease });
    return { result: 'deleted', dryRun: options.dryRun };
  }) satisfies LeaseDeleter;
  return { deleter, calls };
}

const stale = copy('uid-stale', '100', 3 * DAY);
const live = copy('uid-live', '200', SECOND);
const staleRenewedInPlace = copy('uid-live', '150', 3 * DAY);

describe('the planner and executor delete only the exact object a finding judged', () => {
  it.each([
    { order: 'stale copy first, live copy second (another uid)', list: [stale, live], judged: stale },
    { order: 'live copy first, stale copy second (another uid)', list: [live, stale], judged: stale },
    {
      order: 'stale copy second, the same uid at an older resourceVersion',
      list: [live, staleRenewedInPlace],
      judged: staleRenewedInPlace,
    },
  ])('with two records of one name, $order', async ({ list, judged }) => {
    // Prepare
    const audit = auditOf({ leases: list, pods: [] });
    const abandoned = audit.findings.filter((f) => f.type === 'AbandonedLease');

    // Act
    const plan = planDeletions(audit, list, policy);
    const { deleter, calls } = recordingDeleter();
    const summary = await executePlan(plan, deleter, { dryRun: false });

    // Assess: the stale copy is the one judged; its own identity, never the live copy's, is sent.
    expect(abandoned.map((f) => [f.uid, f.resourceVersion])).toEqual([[judged.uid, judged.resourceVersion]]);
    expect(plan.deletions.map((d) => [d.name, d.uid, d.resourceVersion])).toEqual([
      [NAME, judged.uid, judged.resourceVersion],
    ]);
    expect(calls).toEqual([
      { namespace: 'payments', name: NAME, uid: judged.uid, resourceVersion: judged.resourceVersion },
    ]);
    expect(calls.some((c) => c.uid === live.uid && c.resourceVersion === live.resourceVersion)).toBe(false);
    expect(summary.actions.map((a) => [a.uid, a.resourceVersion])).toEqual([
      [judged.uid, judged.resourceVersion],
    ]);
  });

  it('leaves out a finding whose uid and resourceVersion match no listed record, even when its name does', () => {
    // Prepare: the finding judged the stale copy; the list given to the planner holds only the live one.
    const audit = auditOf({ leases: [stale], pods: [] });

    // Act
    const plan = planDeletions(audit, [live], policy);

    // Assess
    expect(plan.deletions).toEqual([]);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ name: NAME, skip: 'notListed', finding: 'AbandonedLease' }),
    ]);
  });

  it('leaves out a finding that carries no resourceVersion, never borrowing one from a record of that name', () => {
    // Prepare
    const audit = auditOf({ leases: [stale], pods: [] });
    const withoutVersion = {
      ...audit,
      findings: audit.findings.map(({ resourceVersion: _rv, ...f }): Finding => f),
    };

    // Act
    const plan = planDeletions(withoutVersion, [stale], policy);

    // Assess
    expect(plan.deletions).toEqual([]);
    expect(plan.skipped.map((s) => s.skip)).toEqual(['notListed']);
  });
});

describe('the planner never plans a lease listed without its preconditions', () => {
  it.each([
    { missing: 'resourceVersion', metadata: { uid: 'uid-stale' } },
    { missing: 'uid', metadata: { resourceVersion: '100' } },
    { missing: 'both', metadata: {} },
  ])('leaves out an abandoned lease listed without $missing, as notListed', async ({ metadata }) => {
    // Prepare: the same abandoned lease, listed with and without; the control shows it is otherwise planned
    const raw = rawLeaderLease({ name: NAME, renewAgoMs: 3 * DAY });
    const { uid: _uid, resourceVersion: _rv, ...rest } = raw.metadata as Record<string, unknown>;
    const bare = toLeaseRecord({ ...raw, metadata: { ...rest, ...metadata } });
    const { deleter, calls } = recordingDeleter();

    // Act
    const left = planDeletions(auditOf({ leases: [bare], pods: [] }), [bare], policy);
    const taken = planDeletions(auditOf({ leases: [stale], pods: [] }), [stale], policy);
    await executePlan(left, deleter, { dryRun: false });

    // Assess
    expect(left.deletions).toEqual([]);
    expect(left.skipped).toMatchObject([{ name: NAME, skip: 'notListed' }]);
    expect(calls).toEqual([]);
    expect(taken.deletions.map((d) => `${d.uid}@${d.resourceVersion}`)).toEqual(['uid-stale@100']);
  });
});

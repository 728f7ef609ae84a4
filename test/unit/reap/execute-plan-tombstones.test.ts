import { describe, expect, it } from 'vitest';
import type { DeleteOutcome } from '../../../shared/kube/delete-lease.ts';
import {
  executePlan,
  type KeepOutcome,
  type LeaseDeleter,
  type TombstoneKeeper,
} from '../../../shared/reap/execute-plan.ts';
import type { PlannedDeletion, ReapPlan } from '../../../shared/reap/plan.ts';

/** The executor with an archive: each delete is sent only after its tombstone is kept. */

function planned(name: string): PlannedDeletion {
  return {
    namespace: 'payments',
    name,
    uid: `uid-${name}`,
    resourceVersion: '1200',
    finding: 'AbandonedLease',
    ageSeconds: 3 * 86_400,
    reason: `Lease payments/${name} expired 3 d ago.`,
  };
}

const planOf = (...names: string[]): ReapPlan => ({
  cluster: 'prod-eu',
  deletions: names.map(planned),
  skipped: [],
});

/** Keeps what it is told to, and records the order of keeps, deletes and settles in one journal. */
function harness(keeps: Record<string, KeepOutcome | Error> = {}, settleFails = false) {
  const journal: string[] = [];
  const tombstones: TombstoneKeeper = {
    async keep(d) {
      journal.push(`keep ${d.name}`);
      const answer = keeps[d.name] ?? { result: 'kept' };
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async settle(d, outcome) {
      journal.push(`settle ${d.name} ${outcome.result}`);
      if (settleFails) throw new Error('PutObject: AccessDenied');
    },
  };
  const deleter: LeaseDeleter = async (lease, options): Promise<DeleteOutcome> => {
    journal.push(`delete ${lease.name}${options.dryRun ? ' (dry run)' : ''}`);
    return { result: 'deleted', dryRun: options.dryRun };
  };
  return { journal, tombstones, deleter };
}

describe('executePlan with tombstones', () => {
  it('keeps each tombstone before its delete, and settles it with the answer after', async () => {
    const { journal, tombstones, deleter } = harness();

    const summary = await executePlan(planOf('a', 'b'), deleter, { dryRun: false, tombstones });

    expect(journal).toEqual([
      'keep a',
      'delete a',
      'settle a deleted',
      'keep b',
      'delete b',
      'settle b deleted',
    ]);
    expect(summary.deleted).toBe(2);
    expect(summary.actions.map((a) => a.archived)).toEqual([true, true]);
  });

  it('a dry run keeps no tombstone', async () => {
    const { journal, tombstones, deleter } = harness();

    const summary = await executePlan(planOf('a'), deleter, { dryRun: true, tombstones });

    expect(journal).toEqual(['delete a (dry run)']);
    expect(summary.actions[0]?.archived).toBeUndefined();
  });

  it('a tombstone that is not written sends no delete, and stops the cluster', async () => {
    const { journal, tombstones, deleter } = harness({
      b: { result: 'failed', message: 'EACCES: permission denied' },
    });

    const summary = await executePlan(planOf('a', 'b', 'c'), deleter, { dryRun: false, tombstones });

    expect(journal).toEqual(['keep a', 'delete a', 'settle a deleted', 'keep b']);
    expect(summary).toMatchObject({ deleted: 1, failed: 1, notAttempted: 1 });
    expect(summary.actions.map((a) => [a.name, a.outcome, a.detail, a.archived])).toEqual([
      ['a', 'deleted', undefined, true],
      [
        'b',
        'failed',
        'its tombstone could not be written, so no delete was sent: EACCES: permission denied',
        undefined,
      ],
      ['c', 'notAttempted', 'a tombstone could not be kept in this cluster', undefined],
    ]);
  });

  it('a keeper that throws is a tombstone not written', async () => {
    const { journal, tombstones, deleter } = harness({ a: new Error('socket hang up') });

    const summary = await executePlan(planOf('a', 'b'), deleter, { dryRun: false, tombstones });

    expect(journal).toEqual(['keep a']);
    expect(summary.actions[0]?.detail).toBe(
      'its tombstone could not be written, so no delete was sent: socket hang up',
    );
    expect(summary.notAttempted).toBe(1);
  });

  it('a lease gone or changed when read back is not deleted, and the others go on', async () => {
    const { journal, tombstones, deleter } = harness({
      a: { result: 'alreadyGone' },
      b: { result: 'changed', message: 'changed since it was listed (resourceVersion 1200 is now 1300)' },
    });

    const summary = await executePlan(planOf('a', 'b', 'c'), deleter, { dryRun: false, tombstones });

    expect(journal).toEqual(['keep a', 'keep b', 'keep c', 'delete c', 'settle c deleted']);
    expect(summary).toMatchObject({ alreadyGone: 1, changed: 1, deleted: 1, failed: 0 });
    expect(summary.actions.map((a) => a.detail)).toEqual([
      'gone when read back for its tombstone: no delete sent',
      'changed since it was listed (resourceVersion 1200 is now 1300)',
      undefined,
    ]);
    // Only the lease whose tombstone was kept is marked archived.
    expect(summary.actions.map((a) => a.archived)).toEqual([undefined, undefined, true]);
  });

  it('an answer that cannot be archived keeps the deletion, and says so', async () => {
    const { tombstones, deleter } = harness({}, true);

    const summary = await executePlan(planOf('a', 'b'), deleter, { dryRun: false, tombstones });

    expect(summary.deleted).toBe(2);
    expect(summary.actions.map((a) => a.detail)).toEqual([
      "the delete's answer was not archived: PutObject: AccessDenied",
      "the delete's answer was not archived: PutObject: AccessDenied",
    ]);
  });

  it("an answer that cannot be archived is said after the delete's own detail", async () => {
    const { journal, tombstones } = harness({}, true);
    const deleter: LeaseDeleter = async (lease) => {
      journal.push(`delete ${lease.name}`);
      return { result: 'changed', message: 'Precondition failed: ResourceVersion in precondition: 1200' };
    };

    const summary = await executePlan(planOf('a'), deleter, { dryRun: false, tombstones });

    expect(journal).toEqual(['keep a', 'delete a', 'settle a changed']);
    expect(summary.actions.map((a) => [a.outcome, a.detail, a.archived])).toEqual([
      [
        'changed',
        "Precondition failed: ResourceVersion in precondition: 1200; the delete's answer was not archived: PutObject: AccessDenied",
        true,
      ],
    ]);
  });

  it('a refused delete is settled with its refusal, and stops the cluster as without an archive', async () => {
    const { journal, tombstones } = harness();
    const deleter: LeaseDeleter = async (lease) => {
      journal.push(`delete ${lease.name}`);
      return { result: 'forbidden', message: 'leases.coordination.k8s.io "a" is forbidden' };
    };

    const summary = await executePlan(planOf('a', 'b'), deleter, { dryRun: false, tombstones });

    expect(journal).toEqual(['keep a', 'delete a', 'settle a forbidden']);
    expect(summary.actions.map((a) => [a.outcome, a.detail])).toEqual([
      ['forbidden', 'leases.coordination.k8s.io "a" is forbidden'],
      ['notAttempted', 'RBAC refused a delete in this cluster'],
    ]);
  });
});

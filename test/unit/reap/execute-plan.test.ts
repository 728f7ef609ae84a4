import { describe, expect, it } from 'vitest';
import type { DeleteOutcome, LeaseIdentity } from '../../../shared/kube/delete-lease.ts';
import type { EventOutcome } from '../../../shared/kube/lease-event.ts';
import {
  type ActionRecord,
  executePlan,
  type LeaseDeleter,
  type LeaseEventRecorder,
} from '../../../shared/reap/execute-plan.ts';
import type { PlannedDeletion, ReapPlan } from '../../../shared/reap/plan.ts';

/** A planned deletion of `payments/<name>` with a uid and resourceVersion of its own. */
function planned(name: string, i: number): PlannedDeletion {
  return {
    namespace: 'payments',
    name,
    uid: `uid-${name}`,
    resourceVersion: String(1000 + i),
    finding: 'AbandonedLease',
    ageSeconds: 3 * 86_400 - i,
    reason: `Lease payments/${name} expired 3 d ago and its holder Pod ${name}-pod is not running.`,
  };
}

function planOf(...names: string[]): ReapPlan {
  return { cluster: 'prod-eu', deletions: names.map(planned), skipped: [] };
}

interface Call {
  lease: LeaseIdentity;
  options: { dryRun: boolean };
}

/** A deleter that answers each lease by name (deleted when not named) and records what it was asked. */
function fakeDeleter(answers: Record<string, DeleteOutcome> = {}, afterCall?: (n: number) => void) {
  const calls: Call[] = [];
  const deleter = (async (lease, options) => {
    const { namespace, name, uid, resourceVersion } = lease;
    calls.push({ lease: { namespace, name, uid, resourceVersion }, options: { ...options } });
    afterCall?.(calls.length);
    return answers[name] ?? { result: 'deleted', dryRun: options.dryRun };
  }) satisfies LeaseDeleter;
  return { deleter, calls };
}

describe('executePlan', () => {
  it('counts every outcome', async () => {
    // Prepare
    const { deleter } = fakeDeleter({
      gone: { result: 'alreadyGone' },
      renewed: { result: 'changed', message: 'Precondition failed: UID in precondition: uid-x' },
      broken: { result: 'failed', error: new Error('socket hang up') },
    });

    // Act
    const summary = await executePlan(planOf('a', 'gone', 'renewed', 'b', 'broken', 'c'), deleter, {
      dryRun: false,
    });

    // Assess
    expect(summary).toEqual({
      cluster: 'prod-eu',
      dryRun: false,
      planned: 6,
      deleted: 3,
      alreadyGone: 1,
      changed: 1,
      forbidden: 0,
      failed: 1,
      notAttempted: 0,
      eventsRecorded: 0,
      eventsFailed: 0,
      stoppedEarly: false,
      actions: expect.any(Array),
    });
    expect(summary.actions.map((a) => `${a.name}: ${a.outcome}`)).toEqual([
      'a: deleted',
      'gone: alreadyGone',
      'renewed: changed',
      'b: deleted',
      'broken: failed',
      'c: deleted',
    ]);
  });

  it.each([{ dryRun: true }, { dryRun: false }])(
    'passes dryRun $dryRun to every delete, with the lease as listed',
    async ({ dryRun }) => {
      // Prepare
      const plan = planOf('a', 'b', 'c');
      const { deleter, calls } = fakeDeleter();

      // Act
      const summary = await executePlan(plan, deleter, { dryRun });

      // Assess
      expect(calls).toEqual(
        plan.deletions.map((d) => ({
          lease: { namespace: d.namespace, name: d.name, uid: d.uid, resourceVersion: d.resourceVersion },
          options: { dryRun },
        })),
      );
      expect(summary.dryRun).toBe(dryRun);
      expect(summary.actions.map((a) => a.dryRun)).toEqual([dryRun, dryRun, dryRun]);
    },
  );

  it.each([{ dryRun: true }, { dryRun: false }])(
    'logs one record per action, in plan order (dryRun $dryRun)',
    async ({ dryRun }) => {
      // Prepare
      const plan = planOf('a', 'renewed');
      const { deleter } = fakeDeleter({
        renewed: { result: 'changed', message: 'the object has been modified' },
      });
      const logged: ActionRecord[] = [];

      // Act
      const summary = await executePlan(plan, deleter, { dryRun, log: (r) => logged.push(r) });

      // Assess
      expect(logged).toEqual([
        {
          event: 'lease-reaper.delete',
          cluster: 'prod-eu',
          namespace: 'payments',
          name: 'a',
          uid: 'uid-a',
          resourceVersion: '1000',
          finding: 'AbandonedLease',
          reason: plan.deletions[0]?.reason,
          outcome: 'deleted',
          dryRun,
        },
        {
          event: 'lease-reaper.delete',
          cluster: 'prod-eu',
          namespace: 'payments',
          name: 'renewed',
          uid: 'uid-renewed',
          resourceVersion: '1001',
          finding: 'AbandonedLease',
          reason: plan.deletions[1]?.reason,
          outcome: 'changed',
          dryRun,
          detail: 'the object has been modified',
        },
      ]);
      expect(summary.actions).toEqual(logged);
    },
  );

  it('stops the cluster at the first forbidden: the rest are notAttempted', async () => {
    // Prepare
    const { deleter, calls } = fakeDeleter({
      b: { result: 'forbidden', message: 'leases.coordination.k8s.io "b" is forbidden' },
    });
    const logged: ActionRecord[] = [];

    // Act
    const summary = await executePlan(planOf('a', 'b', 'c', 'd'), deleter, {
      dryRun: false,
      log: (r) => logged.push(r),
    });

    // Assess
    expect(calls.map((c) => c.lease.name)).toEqual(['a', 'b']);
    expect(summary.actions.map((a) => `${a.name}: ${a.outcome}`)).toEqual([
      'a: deleted',
      'b: forbidden',
      'c: notAttempted',
      'd: notAttempted',
    ]);
    expect(summary).toMatchObject({
      planned: 4,
      deleted: 1,
      forbidden: 1,
      notAttempted: 2,
      stoppedEarly: false,
    });
    expect(summary.actions[1]?.detail).toBe('leases.coordination.k8s.io "b" is forbidden');
    expect(summary.actions[2]?.detail).toEqual(expect.any(String));
    expect(logged).toHaveLength(4);
  });

  it('stops between deletes when the signal aborts: the rest are notAttempted and it stopped early', async () => {
    // Prepare
    const deadline = new AbortController();
    const { deleter, calls } = fakeDeleter({}, (n) => {
      if (n === 1) deadline.abort();
    });
    const logged: ActionRecord[] = [];

    // Act
    const summary = await executePlan(planOf('a', 'b', 'c'), deleter, {
      dryRun: false,
      signal: deadline.signal,
      log: (r) => logged.push(r),
    });

    // Assess
    expect(calls.map((c) => c.lease.name)).toEqual(['a']);
    expect(summary.actions.map((a) => `${a.name}: ${a.outcome}`)).toEqual([
      'a: deleted',
      'b: notAttempted',
      'c: notAttempted',
    ]);
    expect(summary).toMatchObject({ planned: 3, deleted: 1, notAttempted: 2, stoppedEarly: true });
    expect(summary.actions.slice(1).map((a) => a.detail)).toEqual([expect.any(String), expect.any(String)]);
    expect(logged.map((r) => r.outcome)).toEqual(['deleted', 'notAttempted', 'notAttempted']);
  });

  it('attempts nothing when the signal has already aborted', async () => {
    // Prepare
    const { deleter, calls } = fakeDeleter();

    // Act
    const summary = await executePlan(planOf('a', 'b'), deleter, {
      dryRun: true,
      signal: AbortSignal.abort(),
    });

    // Assess
    expect(calls).toEqual([]);
    expect(summary).toMatchObject({ planned: 2, deleted: 0, notAttempted: 2, stoppedEarly: true });
  });

  it('does not stop early when the signal aborts only during the last delete', async () => {
    // Prepare
    const deadline = new AbortController();
    const { deleter } = fakeDeleter({}, (n) => {
      if (n === 2) deadline.abort();
    });

    // Act
    const summary = await executePlan(planOf('a', 'b'), deleter, { dryRun: false, signal: deadline.signal });

    // Assess
    expect(summary).toMatchObject({ deleted: 2, notAttempted: 0, stoppedEarly: false });
  });

  it.each<{ outcome: DeleteOutcome; detail: string | undefined }>([
    {
      outcome: { result: 'failed', error: new Error('connect ECONNREFUSED 10.0.0.1:443') },
      detail: 'connect ECONNREFUSED 10.0.0.1:443',
    },
    {
      outcome: { result: 'changed', message: 'Precondition failed: ResourceVersion' },
      detail: 'Precondition failed: ResourceVersion',
    },
    { outcome: { result: 'alreadyGone' }, detail: undefined },
    { outcome: { result: 'deleted', dryRun: false }, detail: undefined },
  ])('records $outcome.result with detail $detail and carries on', async ({ outcome, detail }) => {
    // Prepare
    const { deleter, calls } = fakeDeleter({ a: outcome });

    // Act
    const summary = await executePlan(planOf('a', 'b'), deleter, { dryRun: false });

    // Assess
    expect(summary.actions[0]?.outcome).toBe(outcome.result);
    expect(summary.actions[0]?.detail).toBe(detail);
    expect(calls.map((c) => c.lease.name)).toEqual(['a', 'b']);
    expect(summary.actions[1]?.outcome).toBe('deleted');
  });

  it('executes an empty plan without deleting or logging anything', async () => {
    // Prepare
    const { deleter, calls } = fakeDeleter();
    const logged: ActionRecord[] = [];

    // Act
    const summary = await executePlan(planOf(), deleter, { dryRun: true, log: (r) => logged.push(r) });

    // Assess
    expect(calls).toEqual([]);
    expect(logged).toEqual([]);
    expect(summary).toEqual({
      cluster: 'prod-eu',
      dryRun: true,
      planned: 0,
      deleted: 0,
      alreadyGone: 0,
      changed: 0,
      forbidden: 0,
      failed: 0,
      notAttempted: 0,
      eventsRecorded: 0,
      eventsFailed: 0,
      stoppedEarly: false,
      actions: [],
    });
  });

  it('deletes one lease at a time', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const deleter = (async (_lease, options) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return { result: 'deleted', dryRun: options.dryRun };
    }) satisfies LeaseDeleter;

    // Act
    const summary = await executePlan(planOf('a', 'b', 'c'), deleter, { dryRun: false });

    // Assess
    expect(summary.deleted).toBe(3);
    expect(most).toBe(1);
  });

  describe('a Kubernetes Event per real deletion (best effort)', () => {
    /** A recorder answering by lease name (recorded when not named), recording who it was asked about. */
    function fakeRecorder(answers: Record<string, EventOutcome | Error> = {}) {
      const asked: string[] = [];
      const recordEvent = (async (d) => {
        asked.push(d.name);
        const answer = answers[d.name];
        if (answer instanceof Error) throw answer;
        return answer ?? { result: 'recorded', name: `${d.name}.1` };
      }) satisfies LeaseEventRecorder;
      return { recordEvent, asked };
    }

    it('records one for each deleted lease only: never for gone, changed, failed or not attempted', async () => {
      const { deleter } = fakeDeleter({
        gone: { result: 'alreadyGone' },
        renewed: { result: 'changed', message: '409' },
        broken: { result: 'failed', error: new Error('socket hang up') },
      });
      const { recordEvent, asked } = fakeRecorder();

      const summary = await executePlan(planOf('a', 'gone', 'renewed', 'broken', 'b'), deleter, {
        dryRun: false,
        recordEvent,
      });

      expect(asked).toEqual(['a', 'b']);
      expect(summary).toMatchObject({ deleted: 2, eventsRecorded: 2, eventsFailed: 0 });
      expect(summary.actions.map((a) => a.kubernetesEvent)).toEqual([
        { recorded: 'a.1' },
        undefined,
        undefined,
        undefined,
        { recorded: 'b.1' },
      ]);
    });

    it('records none in a dry run', async () => {
      const { deleter } = fakeDeleter();
      const { recordEvent, asked } = fakeRecorder();

      const summary = await executePlan(planOf('a', 'b'), deleter, { dryRun: true, recordEvent });

      expect(asked).toEqual([]);
      expect(summary).toMatchObject({ deleted: 2, eventsRecorded: 0, eventsFailed: 0 });
      expect(summary.actions.every((a) => a.kubernetesEvent === undefined)).toBe(true);
    });

    it('counts a failed or throwing recorder as a missing Event, never as a failed deletion', async () => {
      const { deleter } = fakeDeleter();
      const { recordEvent } = fakeRecorder({
        a: { result: 'failed', message: 'server error (503)', forbidden: false },
        b: new Error('boom'),
      });

      const summary = await executePlan(planOf('a', 'b', 'c'), deleter, { dryRun: false, recordEvent });

      expect(summary).toMatchObject({ deleted: 3, failed: 0, eventsRecorded: 1, eventsFailed: 2 });
      expect(summary.actions.map((a) => a.kubernetesEvent)).toEqual([
        { failed: 'server error (503)' },
        { failed: 'boom' },
        { recorded: 'c.1' },
      ]);
    });

    it('sends no more Events in the cluster once RBAC refused one, and keeps deleting', async () => {
      const { deleter, calls } = fakeDeleter();
      const { recordEvent, asked } = fakeRecorder({
        a: { result: 'failed', message: 'forbidden (403): events', forbidden: true },
      });

      const summary = await executePlan(planOf('a', 'b', 'c'), deleter, { dryRun: false, recordEvent });

      expect(calls).toHaveLength(3);
      expect(asked).toEqual(['a']);
      expect(summary).toMatchObject({ deleted: 3, eventsRecorded: 0, eventsFailed: 3 });
      expect(summary.actions.map((a) => a.kubernetesEvent)).toEqual([
        { failed: 'forbidden (403): events' },
        { failed: 'not sent: RBAC refused an earlier event in this cluster' },
        { failed: 'not sent: RBAC refused an earlier event in this cluster' },
      ]);
    });
  });
});

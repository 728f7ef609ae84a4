/**
 * The node heartbeat rule where node-heartbeats.test.ts leaves it open: the words of its findings, which
 * owner reference is the Node's when a lease has several, and leases judged one after another with
 * different allowances. The rule remembers the fresh span of renewTimes of the last allowance it judged
 * by (per instant and skew margin). Leases of node pools with different durations, and one snapshot judged
 * under two policies at the same instant, must still each be judged by their own allowance.
 */
import { describe, expect, it } from 'vitest';
import type { AuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { nodeOwner, orphanReason } from '../../../shared/audit/rules/node-heartbeats.ts';
import type { OwnerRef } from '../../../shared/kube/records.ts';
import {
  auditOf,
  lease,
  MINUTE,
  microTime,
  node,
  nodeLease,
  nodeUid,
  policy,
  SECOND,
  uuidFor,
  verdicts,
} from './builders.ts';

const NODE = 'ip-10-0-3-17.ec2.internal';
const NS = 'kube-node-lease';

describe('the reasons of node heartbeat findings, word for word', () => {
  it.each<[string, number, number, string]>([
    // A 40 s lease under the 50 s grace: allowed max(40, 50) = 50 s, plus the 10 s margin; 90 s reads "90 s".
    [
      'the grace period, when it is longer than the lease',
      40,
      90 * SECOND,
      `Node ${NODE} last renewed its heartbeat 90 s ago (allowed: 50 s + 10 s skew margin).`,
    ],
    // A 90 s lease: allowed max(90, 50) = 90 s; 330 s is 5 whole minutes, read "5 min".
    [
      'the lease duration, when it is longer than the grace period',
      90,
      5 * MINUTE + 30 * SECOND,
      `Node ${NODE} last renewed its heartbeat 5 min ago (allowed: 90 s + 10 s skew margin).`,
    ],
  ])('states the age of a stale heartbeat and allows %s', (_what, duration, renewAgoMs, reason) => {
    // Prepare
    const leases = [nodeLease(NODE, { duration, renewAgoMs })];

    // Act
    const [finding] = auditOf({ leases, nodes: [node(NODE)] }).findings;

    // Assess
    expect(finding?.type).toBe('StaleNodeHeartbeat');
    expect(finding?.reason).toBe(reason);
  });

  it('says of a Node without a lease that its kubelet is not heartbeating', () => {
    // Prepare
    const nodes = [node(NODE)];

    // Act
    const [finding] = auditOf({ nodes }).findings;

    // Assess
    expect(finding?.type).toBe('NodeWithoutLease');
    expect(finding?.reason).toBe(
      `Node ${NODE} has no heartbeat lease in kube-node-lease: its kubelet is not heartbeating (or cannot write leases).`,
    );
  });
});

describe('the Node owner of a node lease', () => {
  const previousUid = uuidFor('node/previous-incarnation');
  const machine = {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Machine',
    name: `${NODE}-machine`,
    uid: uuidFor('machine/ip-10-0-3-17'),
  };
  const nodeRef = { apiVersion: 'v1', kind: 'Node', name: NODE, uid: previousUid };

  /** A node lease with these owner references, in this order. */
  function ownedBy(...ownerReferences: unknown[]) {
    return lease({
      namespace: NS,
      name: NODE,
      holderIdentity: NODE,
      leaseDurationSeconds: 40,
      acquireTime: undefined,
      leaseTransitions: undefined,
      ownerReferences,
    });
  }

  it('is the first owner reference of kind Node, past owners of other kinds', () => {
    // Prepare
    const l = ownedBy(machine, nodeRef);

    // Act
    const owner = nodeOwner(l);

    // Assess
    expect(owner).toMatchObject<Partial<OwnerRef>>({ kind: 'Node', name: NODE, uid: previousUid });
  });

  it('is none when no owner reference is a Node', () => {
    // Prepare
    const l = ownedBy(machine);

    // Act
    const owner = nodeOwner(l);

    // Assess
    expect(owner).toBeUndefined();
  });

  it('is what orphanReason compares with the live Node, not an owner of another kind', () => {
    // Prepare: the Node owner is a previous incarnation; the Machine's uid must not be named.
    const l = ownedBy(machine, nodeRef);

    // Act
    const reason = orphanReason(l, node(NODE));

    // Assess
    expect(reason).toBe(
      `it belongs to a previous incarnation of Node ${NODE}: owner uid ${previousUid}, live Node uid ${nodeUid(NODE)}`,
    );
  });
});

describe('leases judged one after another with different allowances', () => {
  // Each test judges at an instant of its own, so no judgement made before it (in this file or another
  // sharing the module) was made at that instant. All are at midday: a fresh span never crosses midnight.
  const poolA = 'ip-10-0-1-1.pool-a';
  const poolB = 'ip-10-0-2-1.pool-b';

  // Both leases renewed 80 s ago (default policy: 50 s grace, 10 s margin, critical past 300 s):
  //   a 90 s lease is allowed max(90, 50) + 10 = 100 s ≥ 80 s: fresh;
  //   a 40 s lease is allowed max(40, 50) + 10 = 60 s < 80 s: stale, a warning.
  it.each<[string, string, number, number, string[], string[]]>([
    [
      'a long lease before a short one',
      '2027-02-11T12:00:00.123Z',
      90,
      40,
      [],
      ['StaleNodeHeartbeat/warning'],
    ],
    [
      'a short lease before a long one',
      '2027-02-12T12:00:00.123Z',
      40,
      90,
      ['StaleNodeHeartbeat/warning'],
      [],
    ],
  ])(
    'judges each node pool of one audit by its own lease duration: %s',
    (_what, instant, durationA, durationB, verdictsA, verdictsB) => {
      // Prepare: the lists in name order, as the apiserver gives them, so pool-a's lease is judged first.
      const now = Date.parse(instant);
      const renewTime = microTime(now - 80 * SECOND);
      const leases = [
        nodeLease(poolA, { duration: durationA, renewTime }),
        nodeLease(poolB, { duration: durationB, renewTime }),
      ];
      const nodes = [node(poolA), node(poolB)];

      // Act
      const a = auditOf({ leases, nodes }, { now });

      // Assess
      expect(verdicts(a, NS, poolA)).toEqual(verdictsA);
      expect(verdicts(a, NS, poolB)).toEqual(verdictsB);
    },
  );

  it('judges one snapshot at one instant under two policies each by its own skew margin', () => {
    // Prepare: a 40 s lease written by a kubelet whose clock is 20 s ahead of the apiserver's. Both policies
    // allow the same max(40, grace) + margin = 80 s, but only the first allows 20 s of future:
    //   loose:  grace 50, margin 30: 20 s ≤ 30 s, and not stale → nothing to report;
    //   strict: grace 70, margin 10: 20 s > 10 s → the renewTime is in the future: MalformedLease.
    const now = Date.parse('2027-02-13T12:00:00.456Z');
    const leases = [nodeLease(NODE, { renewTime: microTime(now + 20 * SECOND) })];
    const nodes = [node(NODE)];
    const loose: AuditPolicy = policy({ nodeGracePeriodSeconds: 50, clockSkewMarginSeconds: 30 });
    const strict: AuditPolicy = policy({ nodeGracePeriodSeconds: 70, clockSkewMarginSeconds: 10 });

    // Act
    const underLoose = auditOf({ leases, nodes }, { now, policy: loose });
    const underStrict = auditOf({ leases, nodes }, { now, policy: strict });

    // Assess
    expect(verdicts(underLoose, NS, NODE)).toEqual([]);
    expect(verdicts(underStrict, NS, NODE)).toEqual(['MalformedLease/warning']);
    expect(underStrict.findings[0]?.reason).toContain('is in the future (beyond the 10 s skew margin)');
  });
});

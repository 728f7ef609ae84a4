import { describe, expect, it } from 'vitest';
import type { AuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import { holderPodName } from '../../../shared/audit/rules/leader-leases.ts';
import type { PodRecord } from '../../../shared/kube/records.ts';
import {
  auditOf,
  DAY,
  findingsFor,
  HOUR,
  holderPod,
  type LeaderLeaseOptions,
  leaderLease,
  MINUTE,
  pod,
  policy,
  SECOND,
  verdicts,
} from './builders.ts';

const NS = 'payments';
const NAME = 'payments-operator.example.com';
const POD = holderPod(NAME);
const DURATION = 15 * SECOND;
const ABANDONED = 86_400 * SECOND;

/** A leader lease (15 s) expired for `expiredForMs`. */
function expiredLeader(expiredForMs: number, o: LeaderLeaseOptions = {}) {
  const duration = o.duration ?? 15;
  return leaderLease({ namespace: NS, name: NAME, ...o, renewAgoMs: duration * SECOND + expiredForMs });
}

describe('ExpiredLease and AbandonedLease boundaries', () => {
  it.each<[string, number, Partial<AuditPolicy>, string[]]>([
    ['renewed 1 s ago', -DURATION + SECOND, {}, []],
    ['just at its expiry', 0, {}, []],
    ['expired exactly the skew margin ago', 10 * SECOND, {}, []],
    ['expired 1 ms more than the skew margin ago', 10 * SECOND + 1, {}, ['ExpiredLease/info']],
    ['expired 2 h ago', 2 * HOUR, {}, ['ExpiredLease/info']],
    ['expired exactly abandonedAfterSeconds ago', ABANDONED, {}, ['ExpiredLease/info']],
    ['expired 1 ms past abandonedAfterSeconds', ABANDONED + 1, {}, ['AbandonedLease/warning']],
    [
      'expired exactly a 1 h abandonedAfterSeconds ago',
      HOUR,
      { abandonedAfterSeconds: 3600 },
      ['ExpiredLease/info'],
    ],
    [
      'expired 1 ms past a 1 h abandonedAfterSeconds',
      HOUR + 1,
      { abandonedAfterSeconds: 3600 },
      ['AbandonedLease/warning'],
    ],
    ['expired 1 ms ago with no skew margin', 1, { clockSkewMarginSeconds: 0 }, ['ExpiredLease/info']],
  ])('judges a workload lease %s (Pods not listed)', (_what, expiredForMs, overrides, expected) => {
    // Prepare
    const leases = [expiredLeader(expiredForMs)];

    // Act
    const a = auditOf({ leases }, { policy: policy(overrides) });

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual(expected);
  });

  it('ages the finding from the expiry, not the renewal', () => {
    // Prepare
    const leases = [expiredLeader(2 * HOUR + 999)];

    // Act
    const [finding] = auditOf({ leases }).findings;

    // Assess
    expect(finding?.ageSeconds).toBe(7200);
    expect(finding?.reason).toContain('expired 2 h ago');
  });
});

describe('AbandonedLease: who could still renew it', () => {
  const longAgo = 3 * DAY;
  const otherPods = [
    pod('payments-api-5f7c9d8b4-q8r2t'),
    pod('checkout-operator-6b5d8c7f9-l2m3n', 'checkout'),
  ];

  it.each<[string, LeaderLeaseOptions, PodRecord[] | undefined, string, boolean | undefined, RegExp]>([
    [
      'released (empty holder, 1 s), Pods not listed',
      { holder: '', duration: 1 },
      undefined,
      'AbandonedLease',
      undefined,
      /released/,
    ],
    [
      'released (empty holder, 1 s), Pods listed',
      { holder: '', duration: 1 },
      otherPods,
      'AbandonedLease',
      undefined,
      /released/,
    ],
    [
      'held by a Pod that is absent (Pods listed)',
      {},
      otherPods,
      'AbandonedLease',
      false,
      new RegExp(`holder Pod ${POD} is not running`),
    ],
    ['held by a Pod, none listed (an empty list)', {}, [], 'AbandonedLease', false, /is not running/],
    ['held by a Pod, Pods not listed', {}, undefined, 'AbandonedLease', undefined, /Pods were not checked/],
    [
      'held by a Pod that is running',
      {},
      [...otherPods, pod(POD)],
      'ExpiredLease',
      true,
      new RegExp(`holder Pod ${POD} is still running`),
    ],
  ])('judges a long-expired lease %s', (_what, o, pods, type, holderPodRunning, reason) => {
    // Prepare
    const leases = [expiredLeader(longAgo, o)];

    // Act
    const a = auditOf({ leases, pods });

    // Assess
    const found = findingsFor(a, NS, NAME);
    expect(found.map((f) => f.type)).toEqual([type]);
    expect(found[0]?.facts.holderPodRunning).toBe(holderPodRunning);
    expect(found[0]?.reason).toMatch(reason);
    expect(found[0] && isDeletionCandidate(found[0])).toBe(type === 'AbandonedLease');
  });

  it('says a recently released lease was released, without calling it abandoned', () => {
    // Prepare
    const leases = [expiredLeader(5 * MINUTE, { holder: '', duration: 1 })];

    // Act
    const [finding] = auditOf({ leases, pods: [] }).findings;

    // Assess
    expect(finding?.type).toBe('ExpiredLease');
    expect(finding?.reason).toMatch(/released by its holder/);
    expect(finding?.facts.holderIdentity).toBe('');
    expect(finding?.facts.leaseDurationSeconds).toBe(1);
  });

  it('reports a recently expired lease whose holder Pod is running as expired', () => {
    // Prepare
    const leases = [expiredLeader(5 * MINUTE)];

    // Act
    const a = auditOf({ leases, pods: [pod(POD)] });

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual(['ExpiredLease/info']);
    expect(a.findings[0]?.facts.holderPodRunning).toBe(true);
  });

  it('carries the identity of the lease so a later delete can use preconditions', () => {
    // Prepare
    const expired = expiredLeader(longAgo);

    // Act
    const [finding] = auditOf({ leases: [expired] }).findings;

    // Assess
    expect(finding).toMatchObject({
      type: 'AbandonedLease',
      namespace: NS,
      name: NAME,
      uid: expired.uid,
      resourceVersion: expired.resourceVersion,
      leaseKind: 'leader',
      facts: {
        renewTime: expired.renewTime,
        leaseDurationSeconds: 15,
        holderIdentity: expired.holderIdentity,
      },
    });
  });
});

describe('holderPodName', () => {
  it.each([
    [
      'payments-operator-7d9f8b6c4-x2x7k_3f1c2b7e-0d4a-4c55-8a3e-2f9d6b1c4e70',
      'payments-operator-7d9f8b6c4-x2x7k',
    ],
    ['ip-10-0-0-10.ec2.internal_7c9e6679-7425-40de-944b-e07fc1f90ae7', 'ip-10-0-0-10.ec2.internal'],
    ['just-a-pod-name', 'just-a-pod-name'],
    ['a_b_c', 'a'],
    ['', ''],
  ])('reads the Pod name of holder %j as %j', (holder, expected) => {
    // Act
    const name = holderPodName(holder);

    // Assess
    expect(name).toBe(expected);
  });

  it('matches a holder without a uuid suffix against the Pods', () => {
    // Prepare
    const leases = [expiredLeader(3 * DAY, { holder: 'singleton-controller-0' })];

    // Act
    const a = auditOf({ leases, pods: [pod('singleton-controller-0')] });

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual(['ExpiredLease/info']);
  });
});

describe('leader lease kinds', () => {
  it.each<[string, LeaderLeaseOptions, number, string[], string]>([
    [
      'kube-system kube-controller-manager, expired',
      { namespace: 'kube-system', name: 'kube-controller-manager' },
      5 * MINUTE,
      ['ControlPlaneLeaderMissing/critical', 'ExpiredLease/warning'],
      'systemLeader',
    ],
    [
      'kube-system kube-scheduler, expired',
      { namespace: 'kube-system', name: 'kube-scheduler' },
      5 * MINUTE,
      ['ControlPlaneLeaderMissing/critical', 'ExpiredLease/warning'],
      'systemLeader',
    ],
    [
      'another kube-system leader lease, expired',
      { namespace: 'kube-system', name: 'cluster-autoscaler' },
      5 * MINUTE,
      ['ExpiredLease/warning'],
      'systemLeader',
    ],
    [
      'a workload lease, expired',
      { namespace: 'payments', name: NAME },
      5 * MINUTE,
      ['ExpiredLease/info'],
      'leader',
    ],
    [
      'a coordinated lease (spec.strategy), expired',
      { namespace: 'payments', name: NAME, strategy: 'OldestEmulationVersion' },
      5 * MINUTE,
      ['ExpiredLease/info'],
      'coordinated',
    ],
    [
      'kube-system kube-controller-manager, live',
      { namespace: 'kube-system', name: 'kube-controller-manager' },
      -14 * SECOND,
      [],
      '',
    ],
    [
      'a coordinated lease (spec.strategy), live',
      {
        namespace: 'kube-system',
        name: 'kube-scheduler',
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'ip-10-0-0-11.ec2.internal',
      },
      -14 * SECOND,
      [],
      '',
    ],
  ])('judges %s', (_what, o, expiredForMs, expected, kind) => {
    // Prepare
    const leases = [expiredLeader(expiredForMs, o)];
    const namespace = o.namespace ?? NS;
    const name = o.name ?? NAME;

    // Act
    const a = auditOf({ leases });

    // Assess
    expect(verdicts(a, namespace, name)).toEqual(expected);
    if (kind) expect(findingsFor(a, namespace, name)[0]?.leaseKind).toBe(kind);
  });
});

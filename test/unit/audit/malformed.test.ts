import { describe, expect, it } from 'vitest';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import type { LeaseRecord } from '../../../shared/kube/records.ts';
import { toLeaseRecord } from '../../../shared/kube/records.ts';
import {
  ago,
  auditOf,
  DAY,
  identityLease,
  leaderLease,
  lease,
  NOW,
  node,
  nodeLease,
  nodeUid,
  rawNodeLease,
  SECOND,
} from './builders.ts';

const NODE = 'ip-10-0-3-17.ec2.internal';
const MAX = defaultAuditPolicy.maxLeaseDurationSeconds;

describe('MalformedLease', () => {
  it.each<[string, LeaseRecord, RegExp]>([
    ['a missing renewTime', lease({ renewTime: undefined }), /spec\.renewTime is missing/],
    ['a null renewTime', lease({ renewTime: null }), /spec\.renewTime is missing/],
    [
      'an unparseable renewTime',
      lease({ renewTime: 'yesterday' }),
      /spec\.renewTime "yesterday" is not an RFC 3339 time/,
    ],
    ['an empty renewTime', lease({ renewTime: '' }), /spec\.renewTime "" is not an RFC 3339 time/],
    [
      'a renewTime without a zone',
      lease({ renewTime: '2026-11-25T03:05:10.302000' }),
      /spec\.renewTime .* is not an RFC 3339 time/,
    ],
    ['a month-13 renewTime', lease({ renewTime: '2026-13-25T03:05:10.302000Z' }), /is not an RFC 3339 time/],
    [
      'a numeric renewTime (epoch ms)',
      lease({ renewTime: NOW - SECOND }),
      /spec\.renewTime \d+ is not an RFC 3339 time/,
    ],
    [
      'an object renewTime',
      lease({ renewTime: { seconds: 1 } }),
      /spec\.renewTime \{"seconds":1\} is not an RFC 3339 time/,
    ],
    [
      'an array renewTime',
      lease({ renewTime: [ago(SECOND)] }),
      /spec\.renewTime \[.*\] is not an RFC 3339 time/,
    ],
    [
      'a renewTime 11 s in the future',
      lease({ renewTime: ago(-11 * SECOND) }),
      /is in the future \(beyond the 10 s skew margin\)/,
    ],
    ['a renewTime a year in the future', lease({ renewTime: ago(-365 * DAY) }), /is in the future/],
    [
      'a missing leaseDurationSeconds',
      lease({ leaseDurationSeconds: undefined }),
      /spec\.leaseDurationSeconds is missing/,
    ],
    [
      'a null leaseDurationSeconds',
      lease({ leaseDurationSeconds: null }),
      /spec\.leaseDurationSeconds is missing/,
    ],
    [
      'a zero leaseDurationSeconds',
      lease({ leaseDurationSeconds: 0 }),
      /spec\.leaseDurationSeconds 0 is not positive/,
    ],
    [
      'a negative leaseDurationSeconds',
      lease({ leaseDurationSeconds: -15 }),
      /spec\.leaseDurationSeconds -15 is not positive/,
    ],
    [
      'a fractional leaseDurationSeconds',
      lease({ leaseDurationSeconds: 15.5 }),
      /spec\.leaseDurationSeconds 15\.5 is not a whole number/,
    ],
    [
      'a string leaseDurationSeconds',
      lease({ leaseDurationSeconds: '15' }),
      /spec\.leaseDurationSeconds "15" is not a whole number/,
    ],
    [
      'a boolean leaseDurationSeconds',
      lease({ leaseDurationSeconds: true }),
      /spec\.leaseDurationSeconds true is not a whole number/,
    ],
    ['an object leaseDurationSeconds', lease({ leaseDurationSeconds: { s: 15 } }), /is not a whole number/],
    [
      'a leaseDurationSeconds 1 s over maxLeaseDurationSeconds',
      lease({ leaseDurationSeconds: MAX + 1 }),
      /spec\.leaseDurationSeconds \d+ is absurdly long/,
    ],
    [
      'a huge leaseDurationSeconds',
      lease({ leaseDurationSeconds: Number.MAX_SAFE_INTEGER }),
      /is absurdly long/,
    ],
    ['an int32-max leaseDurationSeconds', lease({ leaseDurationSeconds: 2_147_483_647 }), /is absurdly long/],
    [
      'an unparseable acquireTime',
      lease({ acquireTime: 'garbage' }),
      /spec\.acquireTime "garbage" is not an RFC 3339 time/,
    ],
    [
      'a numeric acquireTime',
      lease({ acquireTime: 1_700_000_000 }),
      /spec\.acquireTime 1700000000 is not an RFC 3339 time/,
    ],
    [
      'a negative leaseTransitions',
      lease({ leaseTransitions: -1 }),
      /spec\.leaseTransitions -1 is not a non-negative whole number/,
    ],
    [
      'a fractional leaseTransitions',
      lease({ leaseTransitions: 1.5 }),
      /spec\.leaseTransitions 1\.5 is not a non-negative whole number/,
    ],
    [
      'a string leaseTransitions',
      lease({ leaseTransitions: '3' }),
      /spec\.leaseTransitions "3" is not a non-negative whole number/,
    ],
    ['a numeric holderIdentity', lease({ holderIdentity: 42 }), /spec\.holderIdentity is not a string/],
    [
      'an object holderIdentity',
      lease({ holderIdentity: { name: 'x' } }),
      /spec\.holderIdentity is not a string/,
    ],
    ['a boolean holderIdentity', lease({ holderIdentity: false }), /spec\.holderIdentity is not a string/],
    [
      'a kube-node-lease lease whose holder is not its name',
      nodeLease(NODE, { holder: 'ip-10-0-3-18.ec2.internal' }),
      /holderIdentity "ip-10-0-3-18.ec2.internal" is not the lease name/,
    ],
    [
      'a kube-node-lease lease owned by a Pod',
      nodeLease(NODE, { ownerKind: 'Pod' }),
      /owned by a Pod, not a Node/,
    ],
    [
      'a kube-node-lease lease owned by a ConfigMap',
      nodeLease(NODE, { ownerKind: 'ConfigMap' }),
      /owned by a ConfigMap, not a Node/,
    ],
    [
      'a kube-node-lease lease owned by its Node and a Deployment',
      toLeaseRecord({
        ...rawNodeLease(NODE),
        metadata: {
          name: NODE,
          namespace: 'kube-node-lease',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Node', name: NODE, uid: nodeUid(NODE) },
            { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'u' },
          ],
        },
      }),
      /owned by a Deployment, not a Node/,
    ],
    [
      'a node lease with a missing renewTime',
      nodeLease(NODE, { renewTime: undefined }),
      /spec\.renewTime is missing/,
    ],
    ['an identity lease with a zero duration', identityLease('1.27', { duration: 0 }), /is not positive/],
  ])('reports %s', (_what, record, problem) => {
    // Act
    const a = auditOf({ leases: [record], nodes: [node(NODE)] });

    // Assess
    const mine = a.findings.filter((f) => f.namespace === record.namespace && f.name === record.name);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      type: 'MalformedLease',
      severity: 'warning',
      ageSeconds: 0,
      uid: record.uid,
      resourceVersion: record.resourceVersion,
    });
    expect(mine[0]?.facts.problems?.join('; ')).toMatch(problem);
    expect(mine[0]?.reason).toMatch(/cannot be judged/);
    expect(mine[0] && isDeletionCandidate(mine[0])).toBe(false);
  });

  it.each<[string, LeaseRecord]>([
    ['a renewTime exactly 10 s in the future', lease({ renewTime: ago(-10 * SECOND) })],
    ['a renewTime 5 s in the future', lease({ renewTime: ago(-5 * SECOND) })],
    ['a leaseDurationSeconds of exactly maxLeaseDurationSeconds', lease({ leaseDurationSeconds: MAX })],
    [
      'a leaseDurationSeconds of 1 s (a fresh release)',
      lease({ leaseDurationSeconds: 1, holderIdentity: '' }),
    ],
    [
      'no acquireTime and no leaseTransitions (as a kubelet writes)',
      lease({ acquireTime: undefined, leaseTransitions: undefined }),
    ],
    [
      'null acquireTime, leaseTransitions and holderIdentity',
      lease({ acquireTime: null, leaseTransitions: null, holderIdentity: null }),
    ],
    ['a missing holderIdentity', lease({ holderIdentity: undefined })],
    ['a zero leaseTransitions', lease({ leaseTransitions: 0 })],
    ['an offset renewTime', lease({ renewTime: '2026-11-25T05:05:10.302000+02:00' })],
    ['a whole-second renewTime', lease({ renewTime: '2026-11-25T03:05:10Z' })],
  ])('accepts %s', (_what, record) => {
    // Act
    const a = auditOf({ leases: [record] });

    // Assess
    expect(a.findings).toEqual([]);
  });

  it('lists every problem of a lease at once', () => {
    // Prepare
    const record = lease({
      renewTime: 17,
      leaseDurationSeconds: -1,
      acquireTime: 'x',
      leaseTransitions: -2,
      holderIdentity: 3,
    });

    // Act
    const [finding] = auditOf({ leases: [record] }).findings;

    // Assess
    expect(finding?.facts.problems).toEqual([
      'spec.renewTime 17 is not an RFC 3339 time',
      'spec.leaseDurationSeconds -1 is not positive',
      'spec.acquireTime "x" is not an RFC 3339 time',
      'spec.leaseTransitions -2 is not a non-negative whole number',
      'spec.holderIdentity is not a string',
    ]);
  });

  it('keeps the facts that are of the right type and leaves out the others', () => {
    // Prepare
    const typed = lease({ renewTime: 'soon', leaseDurationSeconds: 0, holderIdentity: 'pod-0_abc' });
    const untyped = lease({ name: 'untyped', renewTime: 5, leaseDurationSeconds: '15', holderIdentity: 5 });

    // Act
    const a = auditOf({ leases: [typed, untyped] });

    // Assess
    const [first, second] = a.findings;
    expect(first?.facts).toMatchObject({
      renewTime: 'soon',
      leaseDurationSeconds: 0,
      holderIdentity: 'pod-0_abc',
    });
    expect(second?.name).toBe('untyped');
    expect(Object.keys(second?.facts ?? {})).toEqual(['problems']);
  });

  it('keeps the lease kind of a malformed lease', () => {
    // Prepare
    const leases = [
      nodeLease(NODE, { duration: 0 }),
      identityLease('1.27', { duration: 0 }),
      leaderLease({ namespace: 'kube-system', name: 'kube-scheduler', duration: 0 }),
      leaderLease({ strategy: 'OldestEmulationVersion', duration: 0 }),
      leaderLease({ duration: 0 }),
    ];

    // Act
    const a = auditOf({ leases, nodes: [node(NODE)] });

    // Assess
    expect(a.findings.map((f) => f.leaseKind).sort()).toEqual(
      ['apiServerIdentity', 'coordinated', 'leader', 'nodeHeartbeat', 'systemLeader'].sort(),
    );
  });
});

describe('malformed leases get no other finding', () => {
  it.each<[string, LeaseRecord]>([
    [
      'an owner-less, long-dead node lease without a Node',
      nodeLease('gone-node', { ownerUid: null, renewAgoMs: 3 * DAY, duration: 0 }),
    ],
    [
      'a node lease of a previous incarnation, with a bad acquireTime',
      toLeaseRecord({
        ...rawNodeLease(NODE, { ownerUid: 'old-uid', renewAgoMs: 3 * DAY }),
        spec: {
          holderIdentity: NODE,
          leaseDurationSeconds: 40,
          renewTime: ago(3 * DAY),
          acquireTime: 'never',
        },
      }),
    ],
    [
      'a long-dead node lease whose holder is another node',
      nodeLease(NODE, { holder: 'someone-else', renewAgoMs: 3 * DAY }),
    ],
    [
      'a long-expired identity with a string duration',
      identityLease('1.27', { renewAgoMs: 3 * DAY, duration: '3600' }),
    ],
    [
      'a long-expired leader lease with negative transitions',
      lease({ renewTime: ago(30 * DAY), leaseTransitions: -1 }),
    ],
    [
      'a released, long-expired leader lease with a fractional duration',
      lease({ renewTime: ago(30 * DAY), holderIdentity: '', leaseDurationSeconds: 0.5 }),
    ],
  ])('reports only MalformedLease for %s', (_what, record) => {
    // Act
    const a = auditOf({ leases: [record], nodes: [node(NODE)], pods: [] });

    // Assess
    expect(a.findings.filter((f) => f.namespace === record.namespace).map((f) => f.type)).toEqual([
      'MalformedLease',
    ]);
  });

  it('does not count a malformed identity as a live apiserver nor as a duplicate hostname', () => {
    // Prepare
    const leases = [
      identityLease('1.27', { hostname: 'cp-a' }),
      identityLease('1.26', { hostname: 'cp-a', duration: 0 }),
    ];

    // Act
    const a = auditOf({ leases });

    // Assess
    expect(a.counts.liveApiServers).toBe(1);
    expect(a.findings.map((f) => f.type)).toEqual(['MalformedLease']);
  });

  it('judges a renewal inside the margin in the future as healthy, whatever the lease kind', () => {
    // Prepare
    const future = 9 * SECOND;
    const leases = [
      nodeLease(NODE, { renewAgoMs: -future }),
      identityLease('1.27', { renewAgoMs: -future }),
      leaderLease({ renewAgoMs: -future }),
    ];

    // Act
    const a = auditOf({ leases, nodes: [node(NODE)] });

    // Assess
    expect(a.findings).toEqual([]);
    expect(a.counts.liveApiServers).toBe(1);
  });
});

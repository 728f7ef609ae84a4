import { describe, expect, it } from 'vitest';
import type { AuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import {
  ago,
  auditOf,
  DAY,
  findingsFor,
  lease,
  MINUTE,
  microTime,
  NOW,
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

describe('StaleNodeHeartbeat boundaries: max(leaseDuration, grace) + margin', () => {
  it.each<[string, number, Partial<AuditPolicy>, number]>([
    ['defaults (40 s lease, 50 s grace, 10 s margin)', 40, {}, 60 * SECOND],
    ['a lease longer than the grace period', 90, {}, 100 * SECOND],
    ['a grace period longer than the lease', 40, { nodeGracePeriodSeconds: 120 }, 130 * SECOND],
    [
      'the pre-1.32 grace of 40 s and no margin',
      40,
      { nodeGracePeriodSeconds: 40, clockSkewMarginSeconds: 0 },
      40 * SECOND,
    ],
    ['a short lease and a wide margin', 10, { clockSkewMarginSeconds: 30 }, 80 * SECOND],
  ])(
    'with %s, is not stale exactly at the limit and is 1 ms past it',
    (_what, duration, overrides, limitMs) => {
      // Prepare
      const nodes = [node(NODE)];
      const p = policy(overrides);
      const atLimit = nodeLease(NODE, { renewAgoMs: limitMs, duration });
      const pastLimit = nodeLease(NODE, { renewAgoMs: limitMs + 1, duration });

      // Act
      const at = auditOf({ leases: [atLimit], nodes }, { policy: p });
      const past = auditOf({ leases: [pastLimit], nodes }, { policy: p });

      // Assess
      expect(at.findings).toEqual([]);
      expect(verdicts(past, NS, NODE)).toEqual(['StaleNodeHeartbeat/warning']);
    },
  );

  it.each<[string, number, Partial<AuditPolicy>, string]>([
    ['warning exactly at nodeCriticalAfterSeconds', 300 * SECOND, {}, 'warning'],
    ['critical 1 ms past nodeCriticalAfterSeconds', 300 * SECOND + 1, {}, 'critical'],
    ['warning just stale', 60 * SECOND + 1, {}, 'warning'],
    ['critical days later', 3 * DAY, {}, 'critical'],
    ['warning exactly at a 120 s critical age', 120 * SECOND, { nodeCriticalAfterSeconds: 120 }, 'warning'],
    [
      'critical 1 ms past a 120 s critical age',
      120 * SECOND + 1,
      { nodeCriticalAfterSeconds: 120 },
      'critical',
    ],
  ])('is %s', (_what, renewAgoMs, overrides, severity) => {
    // Prepare
    const leases = [nodeLease(NODE, { renewAgoMs })];

    // Act
    const a = auditOf({ leases, nodes: [node(NODE)] }, { policy: policy(overrides) });

    // Assess
    expect(verdicts(a, NS, NODE)).toEqual([`StaleNodeHeartbeat/${severity}`]);
  });

  it('reports the lease, its Node and the heartbeat age', () => {
    // Prepare
    const leases = [nodeLease(NODE, { renewAgoMs: 5 * MINUTE + 30 * SECOND })];

    // Act
    const [finding] = auditOf({ leases, nodes: [node(NODE)] }).findings;

    // Assess
    expect(finding).toMatchObject({
      type: 'StaleNodeHeartbeat',
      severity: 'critical',
      namespace: NS,
      name: NODE,
      ageSeconds: 330,
      leaseKind: 'nodeHeartbeat',
      uid: uuidFor(`node-lease/${NODE}`),
      resourceVersion: '48211937',
      facts: {
        renewTime: ago(5 * MINUTE + 30 * SECOND),
        leaseDurationSeconds: 40,
        holderIdentity: NODE,
        owner: `Node/${NODE}/${nodeUid(NODE)}`,
        node: NODE,
        nodeUid: nodeUid(NODE),
      },
    });
    expect(finding?.reason).toContain('5 min');
    expect(finding && isDeletionCandidate(finding)).toBe(false);
  });
});

describe('StaleNodeHeartbeat with skewed clocks', () => {
  // renewTime = now − (how long ago the kubelet renewed) − (how far the kubelet's clock is behind ours).
  it.each<[string, number, number, string[]]>([
    ['a fresh renewal on a clock 5 s ahead of ours is fine', 0, -5 * SECOND, []],
    ['a fresh renewal on a clock exactly the margin (10 s) ahead is fine', 0, -10 * SECOND, []],
    [
      'a fresh renewal on a clock 10.001 s ahead is malformed',
      0,
      -10 * SECOND - 1,
      ['MalformedLease/warning'],
    ],
    ['a fresh renewal on a clock 11 s ahead is malformed', 0, -11 * SECOND, ['MalformedLease/warning']],
    ['a renewal 10 s ago on a clock 45 s behind ours is fine', 10 * SECOND, 45 * SECOND, []],
    ['a renewal 50 s ago on a clock 10 s behind ours is fine', 50 * SECOND, 10 * SECOND, []],
    [
      'a renewal 50 s ago on a clock 11 s behind ours is stale',
      50 * SECOND,
      11 * SECOND,
      ['StaleNodeHeartbeat/warning'],
    ],
    ['a renewal 50 s ago on a clock 10 s ahead of ours is fine', 50 * SECOND, -10 * SECOND, []],
  ])('%s', (_what, renewedAgoMs, kubeletBehindMs, expected) => {
    // Prepare
    const leases = [nodeLease(NODE, { renewAgoMs: renewedAgoMs + kubeletBehindMs })];

    // Act
    const a = auditOf({ leases, nodes: [node(NODE)] });

    // Assess
    expect(verdicts(a, NS, NODE)).toEqual(expected);
  });
});

describe('OrphanedNodeLease', () => {
  const previousUid = uuidFor('node/previous-incarnation');

  it.each<[string, string | null, string | null, number, string[], RegExp | undefined]>([
    [
      'an owner-less lease whose Node is absent',
      null,
      null,
      3 * SECOND,
      ['OrphanedNodeLease/warning'],
      /no owner/,
    ],
    [
      'an owned lease whose Node is absent',
      nodeUid(NODE),
      null,
      3 * SECOND,
      ['OrphanedNodeLease/warning'],
      /no longer exists/,
    ],
    [
      'a lease owned by a previous incarnation of a live Node',
      previousUid,
      nodeUid(NODE),
      3 * SECOND,
      ['OrphanedNodeLease/warning'],
      /previous incarnation/,
    ],
    ['a lease owned by its live Node', nodeUid(NODE), nodeUid(NODE), 3 * SECOND, [], undefined],
    ['an owner-less lease whose Node is present', null, nodeUid(NODE), 3 * SECOND, [], undefined],
    [
      'an owner-less stale lease whose Node is present (stale, not orphaned)',
      null,
      nodeUid(NODE),
      2 * MINUTE,
      ['StaleNodeHeartbeat/warning'],
      undefined,
    ],
    [
      'a long-dead owner-less lease whose Node is absent (orphaned, not also stale)',
      null,
      null,
      3 * DAY,
      ['OrphanedNodeLease/warning'],
      /no owner/,
    ],
    [
      'a long-dead lease of a previous incarnation (orphaned, not also stale)',
      previousUid,
      nodeUid(NODE),
      3 * DAY,
      ['OrphanedNodeLease/warning'],
      /previous incarnation/,
    ],
  ])('judges %s', (_what, ownerUid, liveNodeUid, renewAgoMs, expected, reason) => {
    // Prepare
    const leases = [nodeLease(NODE, { ownerUid, renewAgoMs })];
    const nodes = liveNodeUid === null ? [] : [node(NODE, liveNodeUid)];

    // Act
    const a = auditOf({ leases, nodes });

    // Assess
    expect(verdicts(a, NS, NODE)).toEqual(expected);
    if (reason) expect(findingsFor(a, NS, NODE)[0]?.reason).toMatch(reason);
  });

  it('names the owner and the live Node of a previous incarnation, and is a deletion candidate', () => {
    // Prepare
    const leases = [nodeLease(NODE, { ownerUid: previousUid, renewAgoMs: 7 * SECOND })];

    // Act
    const [finding] = auditOf({ leases, nodes: [node(NODE)] }).findings;

    // Assess
    expect(finding).toMatchObject({
      type: 'OrphanedNodeLease',
      namespace: NS,
      name: NODE,
      ageSeconds: 7,
      leaseKind: 'nodeHeartbeat',
      uid: uuidFor(`node-lease/${NODE}`),
      facts: { owner: `Node/${NODE}/${previousUid}`, node: NODE, nodeUid: nodeUid(NODE) },
    });
    expect(finding && isDeletionCandidate(finding)).toBe(true);
  });

  it('leaves nodeUid out when the Node is absent', () => {
    // Prepare
    const leases = [nodeLease(NODE, { ownerUid: null })];

    // Act
    const [finding] = auditOf({ leases, nodes: [] }).findings;

    // Assess
    expect(finding?.facts.node).toBe(NODE);
    expect(finding?.facts).not.toHaveProperty('nodeUid');
    expect(finding?.facts).not.toHaveProperty('owner');
  });
});

describe('NodeWithoutLease', () => {
  it('reports a Node that has no lease, aged from its creation', () => {
    // Prepare
    const nodes = [node('ip-10-0-9-9.ec2.internal', nodeUid('ip-10-0-9-9.ec2.internal'), NOW - 2 * DAY)];

    // Act
    const a = auditOf({ nodes });

    // Assess
    expect(a.findings).toEqual([
      expect.objectContaining({
        type: 'NodeWithoutLease',
        severity: 'warning',
        namespace: '',
        name: 'ip-10-0-9-9.ec2.internal',
        ageSeconds: 2 * 86_400,
        facts: { node: 'ip-10-0-9-9.ec2.internal', nodeUid: nodeUid('ip-10-0-9-9.ec2.internal') },
      }),
    ]);
    expect(a.findings[0] && isDeletionCandidate(a.findings[0])).toBe(false);
  });

  it('reports a Node whose same-named lease lives in another namespace', () => {
    // Prepare
    const leases = [lease({ namespace: 'default', name: NODE })];

    // Act
    const a = auditOf({ leases, nodes: [node(NODE)] });

    // Assess
    expect(verdicts(a, '', NODE)).toEqual(['NodeWithoutLease/warning']);
  });

  it('does not report a Node whose lease is malformed (the lease is reported instead)', () => {
    // Prepare
    const leases = [nodeLease(NODE, { renewTime: undefined })];

    // Act
    const a = auditOf({ leases, nodes: [node(NODE)] });

    // Assess
    expect(a.findings.map((f) => `${f.type} ${f.namespace}/${f.name}`)).toEqual([
      `MalformedLease ${NS}/${NODE}`,
    ]);
  });

  it('gives age 0 to a Node without a creationTimestamp', () => {
    // Prepare
    const nodes = [{ name: NODE, uid: nodeUid(NODE), creationTimestamp: undefined }];

    // Act
    const a = auditOf({ nodes });

    // Assess
    expect(a.findings[0]?.ageSeconds).toBe(0);
  });
});

describe('healthy node heartbeats', () => {
  it.each([0, 3 * SECOND, 10 * SECOND, 40 * SECOND, 59 * SECOND])(
    'reports nothing for a lease renewed %i ms ago by the kubelet of its live Node',
    (renewAgoMs) => {
      // Prepare
      const leases = [nodeLease(NODE, { renewAgoMs })];

      // Act
      const a = auditOf({ leases, nodes: [node(NODE)] });

      // Assess
      expect(a.findings).toEqual([]);
    },
  );

  it('accepts a kube-node-lease lease with an empty holder', () => {
    // Prepare
    const leases = [nodeLease(NODE, { holder: '' })];

    // Act
    const a = auditOf({ leases, nodes: [node(NODE)] });

    // Assess
    expect(a.findings).toEqual([]);
  });

  it('reads the renewTime as written (MicroTime)', () => {
    // Prepare
    const renewTime = microTime(NOW - 61 * SECOND);

    // Act
    const a = auditOf({ leases: [nodeLease(NODE, { renewTime })], nodes: [node(NODE)] });

    // Assess
    expect(a.findings[0]?.facts.renewTime).toBe(renewTime);
    expect(renewTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });
});

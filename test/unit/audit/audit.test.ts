import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import {
  type Finding,
  type FindingType,
  isDeletionCandidate,
  severityRank,
} from '../../../shared/audit/findings.ts';
import {
  auditOf,
  DAY,
  HOUR,
  holderPod,
  identityLease,
  input,
  leaderLease,
  lease,
  MINUTE,
  NOW,
  node,
  nodeLease,
  pod,
  SECOND,
  uuidFor,
} from './builders.ts';

/** One cluster with one finding of every type (two for the duplicate hostname) and some healthy leases. */
function busyCluster() {
  return {
    leases: [
      nodeLease('node-healthy'),
      nodeLease('node-stale', { renewAgoMs: 2 * MINUTE }),
      nodeLease('node-dead', { renewAgoMs: 2 * HOUR }),
      nodeLease('node-orphan', { ownerUid: null, renewAgoMs: DAY }),
      identityLease('1.27', { hostname: 'cp-a', name: 'apiserver-a' }),
      identityLease('1.27', { hostname: 'cp-a', name: 'apiserver-a2' }),
      identityLease('1.27', { hostname: 'cp-b', name: 'apiserver-b' }),
      identityLease('1.26', { hostname: 'cp-c', renewAgoMs: HOUR + 20 * MINUTE, name: 'kube-apiserver-c' }),
      identityLease('1.20', { hostname: 'cp-d', renewAgoMs: 3 * DAY, name: 'kube-apiserver-d' }),
      leaderLease({ namespace: 'kube-system', name: 'kube-controller-manager', renewAgoMs: 5 * MINUTE }),
      leaderLease({ namespace: 'kube-system', name: 'kube-scheduler', strategy: 'OldestEmulationVersion' }),
      leaderLease({ namespace: 'payments', name: 'live.example.com' }),
      leaderLease({ namespace: 'payments', name: 'gone.example.com', renewAgoMs: 3 * DAY }),
      leaderLease({ namespace: 'checkout', name: 'held.example.com', renewAgoMs: 3 * DAY }),
      lease({ namespace: 'search', name: 'broken', leaseDurationSeconds: 'forever' }),
    ],
    nodes: [node('node-healthy'), node('node-stale'), node('node-dead'), node('node-bare')],
    pods: [pod(holderPod('live.example.com')), pod(holderPod('held.example.com'), 'checkout')],
  };
}

describe('audit counts', () => {
  it('counts leases by kind, live apiservers and findings by type', () => {
    // Act
    const a = auditOf(busyCluster());

    // Assess
    expect(a.cluster).toBe('test-cluster');
    expect(a.nowMs).toBe(NOW);
    expect(a.counts).toEqual({
      leases: 15,
      nodes: 4,
      pods: 2,
      byKind: { nodeHeartbeat: 4, apiServerIdentity: 5, coordinated: 1, systemLeader: 1, leader: 4 },
      liveApiServers: 3,
      findings: {
        StaleNodeHeartbeat: 2,
        OrphanedNodeLease: 1,
        NodeWithoutLease: 1,
        ExpiredApiServerIdentity: 1,
        OrphanedApiServerIdentity: 1,
        DuplicateApiServerHostname: 2,
        ExpiredLease: 2,
        AbandonedLease: 1,
        MalformedLease: 1,
        // The expired kube-controller-manager lease (beside its ExpiredLease): no instance leads.
        ControlPlaneLeaderMissing: 1,
        LeaderChurn: 0,
        StaleLeaseCandidate: 0,
        CoordinatedLeaseWithoutCandidate: 0,
        LeaseNamingAdvice: 0,
      },
    });
    expect(a.findings).toHaveLength(13);
  });

  it('counts an empty cluster as zeros, and Pods as undefined when they were not listed', () => {
    // Act
    const a = auditOf({});

    // Assess
    expect(a.findings).toEqual([]);
    expect(a.counts.pods).toBeUndefined();
    expect(a.counts.leases).toBe(0);
    expect(a.counts.liveApiServers).toBe(0);
    expect(Object.values(a.counts.byKind)).toEqual([0, 0, 0, 0, 0]);
    expect(Object.values(a.counts.findings).every((n) => n === 0)).toBe(true);
  });

  it('counts an empty Pod list as 0 Pods', () => {
    // Act
    const a = auditOf({ pods: [] });

    // Assess
    expect(a.counts.pods).toBe(0);
  });
});

describe('audit order', () => {
  it('puts the most severe findings first, then orders by type, namespace and name', () => {
    // Act
    const a = auditOf(busyCluster());

    // Assess
    expect(a.findings.map((f) => `${f.severity} ${f.type} ${f.namespace}/${f.name}`)).toEqual([
      'critical ControlPlaneLeaderMissing kube-system/kube-controller-manager',
      'critical StaleNodeHeartbeat kube-node-lease/node-dead',
      'warning AbandonedLease payments/gone.example.com',
      'warning DuplicateApiServerHostname kube-system/apiserver-a',
      'warning DuplicateApiServerHostname kube-system/apiserver-a2',
      'warning ExpiredLease kube-system/kube-controller-manager',
      'warning MalformedLease search/broken',
      'warning NodeWithoutLease /node-bare',
      'warning OrphanedApiServerIdentity kube-system/kube-apiserver-d',
      'warning OrphanedNodeLease kube-node-lease/node-orphan',
      'warning StaleNodeHeartbeat kube-node-lease/node-stale',
      'info ExpiredApiServerIdentity kube-system/kube-apiserver-c',
      'info ExpiredLease checkout/held.example.com',
    ]);
  });

  it('orders findings the same whatever the order of the input', () => {
    // Prepare
    const c = busyCluster();
    const reversed = {
      leases: [...c.leases].reverse(),
      nodes: [...c.nodes].reverse(),
      pods: [...c.pods].reverse(),
    };

    // Act
    const forward = auditOf(c);
    const backward = auditOf(reversed);

    // Assess
    expect(backward.findings).toEqual(forward.findings);
  });

  it('orders by namespace, then name, within one severity and type', () => {
    // Prepare
    const leases = [
      leaderLease({ namespace: 'b', name: 'a', renewAgoMs: HOUR }),
      leaderLease({ namespace: 'a', name: 'z', renewAgoMs: HOUR }),
      leaderLease({ namespace: 'a', name: 'b', renewAgoMs: HOUR }),
    ];

    // Act
    const a = auditOf({ leases });

    // Assess
    expect(a.findings.map((f) => `${f.namespace}/${f.name}`)).toEqual(['a/b', 'a/z', 'b/a']);
    expect(
      a.findings.every(
        (f, i, all) => i === 0 || severityRank[(all[i - 1] as Finding).severity] >= severityRank[f.severity],
      ),
    ).toBe(true);
  });
});

describe('isDeletionCandidate', () => {
  it.each<[FindingType, boolean]>([
    ['AbandonedLease', true],
    ['OrphanedNodeLease', true],
    ['StaleNodeHeartbeat', false],
    ['NodeWithoutLease', false],
    ['ExpiredApiServerIdentity', false],
    ['OrphanedApiServerIdentity', false],
    ['DuplicateApiServerHostname', false],
    ['ExpiredLease', false],
    ['MalformedLease', false],
    ['ControlPlaneLeaderMissing', false],
    ['LeaderChurn', false],
    ['StaleLeaseCandidate', false],
    ['CoordinatedLeaseWithoutCandidate', false],
    ['LeaseNamingAdvice', false],
  ])('says %s is a deletion candidate: %s', (type, expected) => {
    // Prepare
    const finding: Finding = {
      type,
      severity: 'warning',
      namespace: 'ns',
      name: 'n',
      reason: 'r',
      ageSeconds: 0,
      facts: {},
    };

    // Act
    const candidate = isDeletionCandidate(finding);

    // Assess
    expect(candidate).toBe(expected);
  });

  it('marks exactly the abandoned and orphaned leases of a busy cluster, each with its uid and resourceVersion', () => {
    // Act
    const a = auditOf(busyCluster());

    // Assess
    const candidates = a.findings.filter(isDeletionCandidate);
    expect(candidates.map((f) => `${f.type} ${f.namespace}/${f.name}`)).toEqual([
      'AbandonedLease payments/gone.example.com',
      'OrphanedNodeLease kube-node-lease/node-orphan',
    ]);
    expect(candidates.map((f) => f.uid)).toEqual([
      uuidFor('lease/payments/gone.example.com'),
      uuidFor('node-lease/node-orphan'),
    ]);
    expect(candidates.every((f) => f.resourceVersion === '48211937')).toBe(true);
  });
});

describe('audit purity', () => {
  it('returns the same audit twice and leaves a frozen input untouched', () => {
    // Prepare
    const c = busyCluster();
    const frozen = Object.freeze({
      cluster: 'frozen',
      leases: Object.freeze(c.leases.map((l) => Object.freeze(l))),
      nodes: Object.freeze(c.nodes.map((n) => Object.freeze(n))),
      pods: Object.freeze(c.pods.map((p) => Object.freeze(p))),
    });
    const before = JSON.stringify(frozen);

    // Act
    const first = audit(frozen, NOW, defaultAuditPolicy);
    const second = audit(frozen, NOW, defaultAuditPolicy);

    // Assess
    expect(second).toEqual(first);
    expect(JSON.stringify(frozen)).toBe(before);
  });

  it('judges by the now it is given, not by the clock', () => {
    // Prepare
    const leases = [leaderLease({ renewAgoMs: SECOND })];

    // Act
    const sameTime = audit(input({ leases }), NOW, defaultAuditPolicy);
    const threeDaysLater = audit(input({ leases }), NOW + 3 * DAY, defaultAuditPolicy);

    // Assess
    expect(sameTime.findings).toEqual([]);
    expect(threeDaysLater.findings.map((f) => f.type)).toEqual(['AbandonedLease']);
  });
});

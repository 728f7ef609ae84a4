// Leases as kube-apiserver returns them (one of each kind), projected with toLeaseRecord and audited at a
// chosen time, so the projection, the classification and the rules are checked together on real shapes.
import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import type { LeaseKind } from '../../../shared/audit/findings.ts';
import { leaseKind } from '../../../shared/audit/lease-kind.ts';
import { toLeaseRecord, toNodeRecord, toPodRecord } from '../../../shared/kube/records.ts';

const NOW = Date.parse('2026-11-25T03:05:11.302Z');
const NODE = 'ip-10-0-3-17.ec2.internal';
const NODE_UID = '0f4c7a52-3b1e-4d7e-9a51-6c2b8e1f0a93';

const kubeletLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: NODE,
    namespace: 'kube-node-lease',
    uid: 'b3f1d0c2-7e0a-4c55-8a3e-2f9d6b1c4e70',
    resourceVersion: '48211937',
    creationTimestamp: '2026-10-01T08:00:00Z',
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: NODE, uid: NODE_UID }],
    managedFields: [
      {
        manager: 'kubelet',
        operation: 'Update',
        apiVersion: 'coordination.k8s.io/v1',
        time: '2026-11-25T03:05:04Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:ownerReferences': { '.': {}, [`k:{"uid":"${NODE_UID}"}`]: {} } },
          'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
        },
      },
    ],
  },
  spec: { holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: '2026-11-25T03:05:04.817391Z' },
};

const nodeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: NODE,
    uid: NODE_UID,
    resourceVersion: '48211001',
    creationTimestamp: '2026-10-01T07:59:41Z',
    labels: { 'kubernetes.io/hostname': NODE, 'node.kubernetes.io/instance-type': 'm6i.xlarge' },
  },
};

/** 1.20–1.25: `kube-apiserver-<uuid>`, a new one per restart; this one stopped 3 days ago. */
const identity120 = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'kube-apiserver-3b5f0a8e-91c4-4c1e-b7f2-6d0e4a9c2f11',
    namespace: 'kube-system',
    uid: '8c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    resourceVersion: '1200311',
    creationTimestamp: '2026-11-01T10:00:00Z',
    labels: { 'k8s.io/component': 'kube-apiserver' },
  },
  spec: {
    holderIdentity:
      'kube-apiserver-3b5f0a8e-91c4-4c1e-b7f2-6d0e4a9c2f11_6a2e5c1d-7b3f-4e8a-9c0d-1e2f3a4b5c6d',
    leaseDurationSeconds: 3600,
    renewTime: '2026-11-22T02:05:11.302000Z',
  },
};

/** 1.26: `kube-apiserver-<hash of hostname>`, `k8s.io/component`; expired 20 min ago. */
const identity126 = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'kube-apiserver-c4ndq2u4bq5frnwmmvxoyq4vui',
    namespace: 'kube-system',
    uid: '2d4f6a8c-0e1b-4d3f-a5c7-e9b1d3f5a7c9',
    resourceVersion: '48100012',
    creationTimestamp: '2026-11-20T00:00:00Z',
    labels: { 'k8s.io/component': 'kube-apiserver', 'kubernetes.io/hostname': 'ip-10-0-0-11.ec2.internal' },
  },
  spec: {
    holderIdentity: 'kube-apiserver-c4ndq2u4bq5frnwmmvxoyq4vui_0b9f3c2a-6d1e-4f8a-b7c5-d3e2f1a0b9c8',
    leaseDurationSeconds: 3600,
    renewTime: '2026-11-25T01:45:11.302000Z',
  },
};

/** 1.27+: `apiserver-<hash>`, `apiserver.kubernetes.io/identity`; renewed 6 s ago. */
const identity127 = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'apiserver-cq7ekd7pbp5rl4kbrgcgwxzkoa',
    namespace: 'kube-system',
    uid: '5e7a9c1b-3d5f-4a7c-9e1b-3d5f7a9c1e3b',
    resourceVersion: '48211940',
    creationTimestamp: '2026-11-02T09:00:00Z',
    labels: {
      'apiserver.kubernetes.io/identity': 'kube-apiserver',
      'kubernetes.io/hostname': 'ip-10-0-0-10.ec2.internal',
    },
  },
  spec: {
    holderIdentity: 'apiserver-cq7ekd7pbp5rl4kbrgcgwxzkoa_9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
    leaseDurationSeconds: 3600,
    renewTime: '2026-11-25T03:05:05.129044Z',
  },
};

const kcmLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'kube-controller-manager',
    namespace: 'kube-system',
    uid: '5d8a3c1e-0b7f-4a2d-9e6c-1f3b5a7d9c2e',
    resourceVersion: '48211990',
    creationTimestamp: '2026-10-01T07:55:00Z',
  },
  spec: {
    holderIdentity: 'ip-10-0-0-10.ec2.internal_7c9e6679-7425-40de-944b-e07fc1f90ae7',
    leaseDurationSeconds: 15,
    acquireTime: '2026-11-20T11:12:13.000000Z',
    renewTime: '2026-11-25T03:05:10.402113Z',
    leaseTransitions: 7,
  },
};

/** Released by client-go's ReleaseOnCancel 40 days ago: empty holder, 1 s. */
const releasedLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'legacy-operator.example.com',
    namespace: 'payments',
    uid: '7a9c1e3b-5d7f-4a9c-8e1b-3d5f7a9c1e3d',
    resourceVersion: '77',
    creationTimestamp: '2025-06-01T00:00:00Z',
  },
  spec: {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: '2026-10-10T00:00:00.000000Z',
    renewTime: '2026-10-16T03:05:11.302000Z',
    leaseTransitions: 3,
  },
};

/** Coordinated leader election (1.31+): the scheduler's lease with a strategy and a preferred holder. */
const coordinatedLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'kube-scheduler',
    namespace: 'kube-system',
    uid: '9c1e3b5d-7f9a-4c1e-8b3d-5f7a9c1e3b5d',
    resourceVersion: '48211995',
    creationTimestamp: '2026-10-01T07:55:00Z',
  },
  spec: {
    holderIdentity: 'ip-10-0-0-11.ec2.internal_1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    leaseDurationSeconds: 15,
    acquireTime: '2026-11-24T00:00:00.000000Z',
    renewTime: '2026-11-25T03:05:10.900000Z',
    leaseTransitions: 2,
    strategy: 'OldestEmulationVersion',
    preferredHolder: 'ip-10-0-0-11.ec2.internal',
  },
};

/** A workload leader lease whose holder Pod is running (expired 3 days ago: the Pod lost its API access). */
const heldLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'checkout-webhook.example.com',
    namespace: 'checkout',
    uid: '1e3b5d7f-9a1c-4e3b-8d5f-7a9c1e3b5d7f',
    resourceVersion: '40000001',
    creationTimestamp: '2026-09-01T00:00:00Z',
  },
  spec: {
    holderIdentity: 'checkout-webhook-6b5d8c7f9-l2m3n_4b3a2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d',
    leaseDurationSeconds: 15,
    acquireTime: '2026-11-01T00:00:00.000000Z',
    renewTime: '2026-11-22T03:05:00.000000Z',
    leaseTransitions: 0,
  },
};

const runningPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'checkout-webhook-6b5d8c7f9-l2m3n',
    namespace: 'checkout',
    uid: '3c5e7a9b-1d3f-4b5d-8f7a-9c1e3b5d7f9a',
  },
};

const allLeases = [
  kubeletLease,
  identity120,
  identity126,
  identity127,
  kcmLease,
  releasedLease,
  coordinatedLease,
  heldLease,
];

function auditAt(
  nowMs: number,
  raw: unknown[],
  nodes: unknown[] = [nodeObject],
  pods: unknown[] = [runningPod],
) {
  return audit(
    {
      cluster: 'prod-eu-1',
      leases: raw.map(toLeaseRecord),
      nodes: nodes.map(toNodeRecord),
      pods: pods.map(toPodRecord),
    },
    nowMs,
    defaultAuditPolicy,
  );
}

describe('real lease shapes', () => {
  it.each<[string, { metadata: { namespace: string; name: string } }, LeaseKind, string[]]>([
    ['a kubelet node lease renewed 6.5 s ago', kubeletLease, 'nodeHeartbeat', []],
    [
      'a 1.20 identity stopped 3 days ago',
      identity120,
      'apiServerIdentity',
      ['OrphanedApiServerIdentity/warning'],
    ],
    [
      'a 1.26 identity expired 20 min ago',
      identity126,
      'apiServerIdentity',
      ['ExpiredApiServerIdentity/info'],
    ],
    ['a 1.27+ identity renewed 6 s ago', identity127, 'apiServerIdentity', []],
    ['the kube-controller-manager leader lease', kcmLease, 'systemLeader', []],
    ['a lease released 40 days ago', releasedLease, 'leader', ['AbandonedLease/warning']],
    ['a coordinated-leader-election lease', coordinatedLease, 'coordinated', []],
    ['an expired lease held by a running Pod', heldLease, 'leader', ['ExpiredLease/info']],
  ])('classifies and judges %s', (_what, raw, kind, expected) => {
    // Prepare
    const record = toLeaseRecord(raw);

    // Act
    const a = auditAt(NOW, allLeases);

    // Assess
    expect(leaseKind(record)).toBe(kind);
    const mine = a.findings.filter(
      (f) => f.namespace === raw.metadata.namespace && f.name === raw.metadata.name,
    );
    expect(mine.map((f) => `${f.type}/${f.severity}`)).toEqual(expected);
    for (const f of mine) expect(f.leaseKind).toBe(kind);
  });

  it('counts the cluster', () => {
    // Act
    const a = auditAt(NOW, allLeases);

    // Assess
    expect(a.cluster).toBe('prod-eu-1');
    expect(a.counts).toEqual({
      leases: 8,
      nodes: 1,
      pods: 1,
      byKind: { nodeHeartbeat: 1, apiServerIdentity: 3, coordinated: 1, systemLeader: 1, leader: 2 },
      liveApiServers: 1,
      findings: {
        StaleNodeHeartbeat: 0,
        OrphanedNodeLease: 0,
        NodeWithoutLease: 0,
        ExpiredApiServerIdentity: 1,
        OrphanedApiServerIdentity: 1,
        DuplicateApiServerHostname: 0,
        ExpiredLease: 1,
        AbandonedLease: 1,
        MalformedLease: 0,
        ControlPlaneLeaderMissing: 0,
        LeaderChurn: 0,
        StaleLeaseCandidate: 0,
        CoordinatedLeaseWithoutCandidate: 0,
        LeaseNamingAdvice: 0,
      },
    });
  });

  it.each<[string, number, unknown[], string[]]>([
    [
      'the kubelet lease 1 min later (66.5 s old)',
      NOW + 60_000,
      [nodeObject],
      ['StaleNodeHeartbeat/warning'],
    ],
    ['the kubelet lease 10 min later', NOW + 600_000, [nodeObject], ['StaleNodeHeartbeat/critical']],
    ['the kubelet lease once its Node is gone', NOW, [], ['OrphanedNodeLease/warning']],
    [
      'the kubelet lease once its Node was re-created',
      NOW,
      [{ ...nodeObject, metadata: { ...nodeObject.metadata, uid: 'c0ffee00-0000-4000-8000-000000000001' } }],
      ['OrphanedNodeLease/warning'],
    ],
  ])('judges %s', (_what, nowMs, nodes, expected) => {
    // Act
    const a = auditAt(nowMs, [kubeletLease], nodes);

    // Assess
    expect(a.findings.map((f) => `${f.type}/${f.severity}`)).toEqual(expected);
  });

  it('abandons the held lease once its Pod is gone, and the released one with or without Pods', () => {
    // Act
    const withPods = auditAt(NOW, [heldLease, releasedLease], [], []);
    const withoutPods = audit(
      { cluster: 'c', leases: [heldLease, releasedLease].map(toLeaseRecord), nodes: [], pods: undefined },
      NOW,
      defaultAuditPolicy,
    );

    // Assess
    for (const a of [withPods, withoutPods]) {
      expect(a.findings.map((f) => `${f.type} ${f.namespace}/${f.name}`)).toEqual([
        'AbandonedLease checkout/checkout-webhook.example.com',
        'AbandonedLease payments/legacy-operator.example.com',
      ]);
    }
    expect(withPods.findings[0]?.facts.holderPodRunning).toBe(false);
    expect(withoutPods.findings[0]?.facts).not.toHaveProperty('holderPodRunning');
    expect(withoutPods.counts.pods).toBeUndefined();
  });
});

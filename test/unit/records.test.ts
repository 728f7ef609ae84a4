import { describe, expect, it } from 'vitest';
import { type LeaseRecord, toLeaseRecord, toNodeRecord, toPodRecord } from '../../shared/kube/records.ts';

const NODE = 'ip-10-0-3-17.ec2.internal';
const NODE_UID = '0f4c7a52-3b1e-4d7e-9a51-6c2b8e1f0a93';

/** A kubelet heartbeat lease as kube-apiserver returns it. */
const kubeletLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: NODE,
    namespace: 'kube-node-lease',
    uid: 'b3f1d0c2-7e0a-4c55-8a3e-2f9d6b1c4e70',
    resourceVersion: '48211937',
    creationTimestamp: '2026-01-02T03:04:05Z',
    ownerReferences: [
      {
        apiVersion: 'v1',
        kind: 'Node',
        name: NODE,
        uid: NODE_UID,
        controller: false,
        blockOwnerDeletion: true,
      },
    ],
    managedFields: [{ manager: 'kubelet', operation: 'Update', apiVersion: 'coordination.k8s.io/v1' }],
  },
  spec: { holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: '2026-03-04T05:06:07.123456Z' },
};

/** A client-go leader-election lease with annotations and labels. */
const leaderLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'kube-controller-manager',
    namespace: 'kube-system',
    uid: '5d8a3c1e-0b7f-4a2d-9e6c-1f3b5a7d9c2e',
    resourceVersion: '48211990',
    creationTimestamp: '2025-12-01T00:00:00Z',
    labels: { 'app.kubernetes.io/name': 'kcm' },
    annotations: { 'control-plane.alpha.kubernetes.io/leader': '{"holderIdentity":"x"}' },
  },
  spec: {
    holderIdentity: 'ip-10-0-0-10.ec2.internal_7c9e6679-7425-40de-944b-e07fc1f90ae7',
    leaseDurationSeconds: 15,
    acquireTime: '2025-12-01T00:00:01.000000Z',
    renewTime: '2026-03-04T05:06:07.000000Z',
    leaseTransitions: 7,
    strategy: 'OldestEmulationVersion',
    preferredHolder: 'ip-10-0-0-11.ec2.internal',
  },
};

/** A lease its holder released: empty holder, 1 s duration. */
const releasedLease = {
  metadata: {
    name: 'legacy-operator-2.example.com',
    namespace: 'payments',
    uid: 'u-released',
    resourceVersion: '77',
  },
  spec: {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: '2025-01-01T00:00:00.000000Z',
    renewTime: '2025-01-02T00:00:00.000000Z',
    leaseTransitions: 3,
  },
};

const blank: LeaseRecord = {
  namespace: '',
  name: '',
  uid: '',
  resourceVersion: '',
  creationTimestamp: undefined,
  labels: {},
  annotations: {},
  ownerReferences: [],
  holderIdentity: undefined,
  leaseDurationSeconds: undefined,
  renewTime: undefined,
  acquireTime: undefined,
  leaseTransitions: undefined,
  strategy: undefined,
  preferredHolder: undefined,
};

describe('toLeaseRecord', () => {
  it.each([
    {
      name: 'a kubelet node lease with its owner reference',
      item: kubeletLease,
      expected: {
        ...blank,
        namespace: 'kube-node-lease',
        name: NODE,
        uid: 'b3f1d0c2-7e0a-4c55-8a3e-2f9d6b1c4e70',
        resourceVersion: '48211937',
        creationTimestamp: '2026-01-02T03:04:05Z',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: NODE, uid: NODE_UID }],
        holderIdentity: NODE,
        leaseDurationSeconds: 40,
        renewTime: '2026-03-04T05:06:07.123456Z',
      },
    },
    {
      name: 'a leader lease with labels, annotations and coordinated election fields',
      item: leaderLease,
      expected: {
        ...blank,
        namespace: 'kube-system',
        name: 'kube-controller-manager',
        uid: '5d8a3c1e-0b7f-4a2d-9e6c-1f3b5a7d9c2e',
        resourceVersion: '48211990',
        creationTimestamp: '2025-12-01T00:00:00Z',
        labels: { 'app.kubernetes.io/name': 'kcm' },
        annotations: { 'control-plane.alpha.kubernetes.io/leader': '{"holderIdentity":"x"}' },
        holderIdentity: 'ip-10-0-0-10.ec2.internal_7c9e6679-7425-40de-944b-e07fc1f90ae7',
        leaseDurationSeconds: 15,
        acquireTime: '2025-12-01T00:00:01.000000Z',
        renewTime: '2026-03-04T05:06:07.000000Z',
        leaseTransitions: 7,
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'ip-10-0-0-11.ec2.internal',
      },
    },
    {
      name: 'a released lease (empty holder, no creationTimestamp)',
      item: releasedLease,
      expected: {
        ...blank,
        namespace: 'payments',
        name: 'legacy-operator-2.example.com',
        uid: 'u-released',
        resourceVersion: '77',
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: '2025-01-01T00:00:00.000000Z',
        renewTime: '2025-01-02T00:00:00.000000Z',
        leaseTransitions: 3,
      },
    },
  ])('projects $name', ({ item, expected }) => {
    expect(toLeaseRecord(item)).toEqual(expected);
  });

  it('drops fields a record does not hold (managedFields, owner flags, apiVersion)', () => {
    const record = toLeaseRecord(kubeletLease);
    expect(Object.keys(record).sort()).toEqual(Object.keys(blank).sort());
    expect(record.ownerReferences[0]).toStrictEqual({
      apiVersion: 'v1',
      kind: 'Node',
      name: NODE,
      uid: NODE_UID,
    });
  });

  it.each([
    { name: 'null', item: null },
    { name: 'undefined', item: undefined },
    { name: 'a number', item: 42 },
    { name: 'a string', item: 'lease' },
    { name: 'a boolean', item: true },
    { name: 'an array', item: [kubeletLease] },
    { name: 'an empty object', item: {} },
    { name: 'null metadata and spec', item: { metadata: null, spec: null } },
    { name: 'array metadata and spec', item: { metadata: [1, 2], spec: ['renewTime'] } },
    { name: 'string metadata and spec', item: { metadata: 'x', spec: 'y' } },
  ])('returns an empty record for $name', ({ item }) => {
    expect(toLeaseRecord(item)).toEqual(blank);
  });

  it.each([
    {
      name: 'numbers where strings are expected',
      metadata: { name: 1, namespace: 2, uid: 3, resourceVersion: 4, creationTimestamp: 5 },
      expected: {},
    },
    {
      name: 'objects where strings are expected',
      metadata: { name: {}, namespace: [], uid: null, resourceVersion: { v: '1' }, creationTimestamp: [] },
      expected: {},
    },
    {
      name: 'labels and annotations with non-string values',
      metadata: {
        labels: { app: 'web', replicas: 3, nested: { a: 'b' }, nothing: null },
        annotations: { note: 'kept', flag: true },
      },
      expected: { labels: { app: 'web' }, annotations: { note: 'kept' } },
    },
    {
      name: 'labels and annotations that are not objects',
      metadata: { labels: ['app=web'], annotations: 'note' },
      expected: {},
    },
    {
      name: 'ownerReferences that are not an array',
      metadata: { ownerReferences: { kind: 'Node', uid: 'x' } },
      expected: {},
    },
    {
      name: 'ownerReferences with garbage entries',
      metadata: { ownerReferences: [null, 7, 'Node', [], { kind: 'Node', uid: 9, name: 'n1' }] },
      expected: {
        ownerReferences: [
          { apiVersion: '', kind: '', name: '', uid: '' },
          { apiVersion: '', kind: '', name: '', uid: '' },
          { apiVersion: '', kind: '', name: '', uid: '' },
          { apiVersion: '', kind: '', name: '', uid: '' },
          { apiVersion: '', kind: 'Node', name: 'n1', uid: '' },
        ],
      },
    },
  ])('reads $name without throwing', ({ metadata, expected }) => {
    expect(toLeaseRecord({ metadata })).toEqual({ ...blank, ...expected });
  });

  it.each([
    { name: 'a numeric holder', spec: { holderIdentity: 12 } },
    { name: 'a string duration', spec: { leaseDurationSeconds: '40' } },
    { name: 'a negative duration', spec: { leaseDurationSeconds: -15 } },
    { name: 'a fractional duration', spec: { leaseDurationSeconds: 1.5 } },
    { name: 'a numeric renewTime', spec: { renewTime: 1_700_000_000 } },
    { name: 'an unparseable renewTime', spec: { renewTime: 'yesterday' } },
    { name: 'a renewTime in the future', spec: { renewTime: '2199-01-01T00:00:00.000000Z' } },
    { name: 'null fields', spec: { holderIdentity: null, renewTime: null, leaseTransitions: null } },
    { name: 'object fields', spec: { acquireTime: { seconds: 1 }, strategy: ['a'], preferredHolder: {} } },
    { name: 'a string leaseTransitions', spec: { leaseTransitions: 'many' } },
  ])('keeps spec fields as sent: $name', ({ spec }) => {
    const record = toLeaseRecord({ metadata: { name: 'm', namespace: 'ns' }, spec });
    for (const [field, value] of Object.entries(spec)) {
      expect(record[field as keyof LeaseRecord]).toStrictEqual(value);
    }
  });

  it('leaves spec fields that were not sent undefined', () => {
    const record = toLeaseRecord({ metadata: { name: 'm' }, spec: { holderIdentity: 'h' } });
    expect(record.holderIdentity).toBe('h');
    expect(record.renewTime).toBeUndefined();
    expect(record.leaseDurationSeconds).toBeUndefined();
    expect(record.strategy).toBeUndefined();
  });
});

describe('toNodeRecord', () => {
  it.each([
    {
      name: 'a Node',
      item: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: NODE,
          uid: NODE_UID,
          creationTimestamp: '2026-01-01T00:00:00Z',
          labels: { a: 'b' },
        },
        status: { conditions: [] },
      },
      expected: { name: NODE, uid: NODE_UID, creationTimestamp: '2026-01-01T00:00:00Z' },
    },
    {
      name: 'PartialObjectMetadata',
      item: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { name: 'n', uid: 'u' },
      },
      expected: { name: 'n', uid: 'u', creationTimestamp: undefined },
    },
    { name: 'null', item: null, expected: { name: '', uid: '', creationTimestamp: undefined } },
    { name: 'a number', item: 3, expected: { name: '', uid: '', creationTimestamp: undefined } },
    {
      name: 'an array',
      item: [{ metadata: { name: 'n' } }],
      expected: { name: '', uid: '', creationTimestamp: undefined },
    },
    {
      name: 'numbers where strings are expected',
      item: { metadata: { name: 1, uid: 2, creationTimestamp: 3 } },
      expected: { name: '', uid: '', creationTimestamp: undefined },
    },
  ])('projects $name', ({ item, expected }) => {
    expect(toNodeRecord(item)).toStrictEqual(expected);
  });
});

describe('toPodRecord', () => {
  it.each([
    {
      name: 'a Pod',
      item: {
        kind: 'Pod',
        metadata: { name: 'controller-0', namespace: 'payments', uid: 'p1', labels: { app: 'controller' } },
        spec: { nodeName: NODE },
        status: { phase: 'Running' },
      },
      expected: { namespace: 'payments', name: 'controller-0', uid: 'p1' },
    },
    { name: 'undefined', item: undefined, expected: { namespace: '', name: '', uid: '' } },
    { name: 'a string', item: 'pod', expected: { namespace: '', name: '', uid: '' } },
    { name: 'an array', item: [], expected: { namespace: '', name: '', uid: '' } },
    {
      name: 'garbage metadata fields',
      item: { metadata: { name: ['a'], namespace: false, uid: 5 } },
      expected: { namespace: '', name: '', uid: '' },
    },
  ])('projects $name', ({ item, expected }) => {
    expect(toPodRecord(item)).toStrictEqual(expected);
  });
});

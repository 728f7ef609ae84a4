import { describe, expect, it } from 'vitest';
import type { LeaseKind } from '../../../shared/audit/findings.ts';
import { isApiServerIdentity, isCoordinated, leaseKind } from '../../../shared/audit/lease-kind.ts';
import type { LeaseRecord } from '../../../shared/kube/records.ts';
import { identityLease, leaderLease, lease, nodeLease } from './builders.ts';

describe('leaseKind', () => {
  it.each<[string, LeaseRecord, LeaseKind]>([
    ['a kubelet lease in kube-node-lease', nodeLease('ip-10-0-3-17.ec2.internal'), 'nodeHeartbeat'],
    [
      'anything in kube-node-lease, even with identity labels',
      lease({
        namespace: 'kube-node-lease',
        name: 'apiserver-x',
        labels: { 'apiserver.kubernetes.io/identity': 'kube-apiserver' },
      }),
      'nodeHeartbeat',
    ],
    ['a 1.27+ identity (apiserver.kubernetes.io/identity label)', identityLease('1.27'), 'apiServerIdentity'],
    ['a 1.26 identity (k8s.io/component label)', identityLease('1.26'), 'apiServerIdentity'],
    ['a 1.20 identity (kube-apiserver-<uuid>)', identityLease('1.20'), 'apiServerIdentity'],
    [
      'an old kube-apiserver-<uuid> lease without labels',
      identityLease('1.20', { labels: {} }),
      'apiServerIdentity',
    ],
    [
      'a 1.27 label on an arbitrarily named lease',
      lease({
        namespace: 'kube-system',
        name: 'whatever',
        labels: { 'apiserver.kubernetes.io/identity': 'kube-apiserver' },
      }),
      'apiServerIdentity',
    ],
    [
      'a 1.26 label on an arbitrarily named lease',
      lease({ namespace: 'kube-system', name: 'whatever', labels: { 'k8s.io/component': 'kube-apiserver' } }),
      'apiServerIdentity',
    ],
    [
      'a 1.27+ identity label outside kube-system',
      identityLease('1.27', { namespace: 'payments' }),
      'leader',
    ],
    ['a 1.26 identity label outside kube-system', identityLease('1.26', { namespace: 'default' }), 'leader'],
    [
      'a kube-apiserver-<uuid> name outside kube-system',
      identityLease('1.20', { namespace: 'default', labels: {} }),
      'leader',
    ],
    ['a 1.27+ apiserver-<hash> name without labels', identityLease('1.27', { labels: {} }), 'systemLeader'],
    [
      'an identity label with another value',
      lease({
        namespace: 'kube-system',
        name: 'apiserver-abc',
        labels: { 'apiserver.kubernetes.io/identity': 'sample-apiserver' },
      }),
      'systemLeader',
    ],
    [
      'kube-controller-manager in kube-system',
      leaderLease({ namespace: 'kube-system', name: 'kube-controller-manager' }),
      'systemLeader',
    ],
    [
      'kube-scheduler in kube-system',
      leaderLease({ namespace: 'kube-system', name: 'kube-scheduler' }),
      'systemLeader',
    ],
    [
      'a coordinated lease (spec.strategy) in kube-system',
      leaderLease({ namespace: 'kube-system', name: 'kube-scheduler', strategy: 'OldestEmulationVersion' }),
      'coordinated',
    ],
    [
      'a coordinated lease (spec.preferredHolder) in a workload namespace',
      leaderLease({ preferredHolder: 'ip-10-0-0-11.ec2.internal' }),
      'coordinated',
    ],
    ['a workload leader lease', leaderLease(), 'leader'],
    ['a leader lease with an empty strategy', leaderLease({ strategy: '' }), 'leader'],
    ['a leader lease with a null strategy', lease({ strategy: null, preferredHolder: null }), 'leader'],
    [
      'an identity lease that also carries a strategy',
      toCoordinated(identityLease('1.27')),
      'apiServerIdentity',
    ],
  ])('classifies %s', (_what, record, expected) => {
    // Act
    const kind = leaseKind(record);

    // Assess
    expect(kind).toBe(expected);
  });
});

function toCoordinated(record: LeaseRecord): LeaseRecord {
  return { ...record, strategy: 'OldestEmulationVersion' };
}

describe('isApiServerIdentity and isCoordinated', () => {
  it.each<[string, LeaseRecord, boolean]>([
    ['a 1.27+ identity', identityLease('1.27'), true],
    ['a 1.26 identity', identityLease('1.26'), true],
    ['a 1.20 identity', identityLease('1.20'), true],
    ['a 1.27+ identity outside kube-system', identityLease('1.27', { namespace: 'default' }), false],
    [
      'kube-controller-manager',
      leaderLease({ namespace: 'kube-system', name: 'kube-controller-manager' }),
      false,
    ],
  ])('says whether %s is an identity lease', (_what, record, expected) => {
    // Act
    const identity = isApiServerIdentity(record);

    // Assess
    expect(identity).toBe(expected);
  });

  it.each([
    ['strategy', { strategy: 'OldestEmulationVersion' }, true],
    ['preferredHolder', { preferredHolder: 'ip-10-0-0-11.ec2.internal' }, true],
    ['neither', {}, false],
    ['empty strings', { strategy: '', preferredHolder: '' }, false],
  ])('treats %s as coordinated: %s', (_what, fields, expected) => {
    // Prepare
    const record = lease(fields);

    // Act
    const coordinated = isCoordinated(record);

    // Assess
    expect(coordinated).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { archiveFileName, parseArchive, restorableLease } from '../../../shared/archive/tombstone.ts';
import { ConfigError } from '../../../shared/errors.ts';

const lease = (name: string, uid: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name,
    namespace: 'payments',
    uid,
    resourceVersion: '1200',
    creationTimestamp: '2026-11-01T10:00:00Z',
    generation: 1,
    labels: { app: name },
    annotations: { 'example.com/state': '{"epoch":42}' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: 'd-1', controller: true }],
    finalizers: ['example.com/keep'],
    managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }],
  },
  spec: { holderIdentity: `${name}-0`, leaseDurationSeconds: 15, renewTime: '2026-11-28T10:00:00.000000Z' },
});

const tombstone = (name: string, uid: string, cluster = 'prod-eu') =>
  JSON.stringify({
    format: 'lease-reaper.archive/v1',
    kind: 'Tombstone',
    cluster,
    archivedAt: '2026-12-01T12:00:00.000Z',
    finding: 'AbandonedLease',
    reason: 'expired 3 d ago',
    lease: lease(name, uid),
  });

const response = (name: string, uid: string, outcome: string, cluster = 'prod-eu') =>
  JSON.stringify({
    format: 'lease-reaper.archive/v1',
    kind: 'DeleteResponse',
    cluster,
    namespace: 'payments',
    name,
    uid,
    answeredAt: '2026-12-01T12:00:01.000Z',
    outcome,
  });

describe('parseArchive', () => {
  it('pairs each tombstone with the answer of its own cluster and uid', () => {
    const text = [
      tombstone('a', 'u-a'),
      tombstone('a', 'u-a', 'prod-us'),
      response('a', 'u-a', 'changed', 'prod-us'),
      response('a', 'u-a', 'deleted'),
      tombstone('b', 'u-b'),
      '',
    ].join('\n');

    const leases = parseArchive(text, 'arch.jsonl');

    expect(leases.map((l) => [l.tombstone.cluster, l.response?.outcome, l.at])).toEqual([
      ['prod-eu', 'deleted', 'arch.jsonl:1'],
      ['prod-us', 'changed', 'arch.jsonl:2'],
      ['prod-eu', undefined, 'arch.jsonl:5'],
    ]);
  });

  it.each([
    ['not json', 'arch.jsonl:2: not a JSON line of a lease-reaper archive'],
    [
      '{"format":"other"}',
      'arch.jsonl:2: not a line of a lease-reaper archive (format must be "lease-reaper.archive/v1")',
    ],
    [
      '{"format":"lease-reaper.archive/v1","kind":"Tombstone","cluster":""}',
      'arch.jsonl:2: cluster must be a non-empty string',
    ],
    [
      '{"format":"lease-reaper.archive/v1","kind":"Tombstone","cluster":"c","lease":[]}',
      'arch.jsonl:2: lease must be an object',
    ],
    [
      '{"format":"lease-reaper.archive/v1","kind":"Tombstone","cluster":"c","lease":{"metadata":{"namespace":"n","name":"x"}}}',
      'arch.jsonl:2: lease.metadata.uid must be a non-empty string',
    ],
    [
      '{"format":"lease-reaper.archive/v1","kind":"Tombstone","cluster":"c","lease":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"namespace":"n","name":"x","uid":"u"}}}',
      'arch.jsonl:2: lease must be a coordination.k8s.io/v1 Lease',
    ],
    [
      '{"format":"lease-reaper.archive/v1","kind":"DeleteResponse","cluster":"c","namespace":"n","name":"x","uid":"u"}',
      'arch.jsonl:2: outcome must be a non-empty string',
    ],
    [
      response('x', 'u-x', 'deleted'),
      'arch.jsonl:2: a DeleteResponse for payments/x with no tombstone before it',
    ],
    [
      '{"format":"lease-reaper.archive/v1","kind":"Other","cluster":"c"}',
      'arch.jsonl:2: kind must be Tombstone or DeleteResponse',
    ],
  ])('refuses %s, naming the line', (line, message) => {
    const parse = () => parseArchive(`${tombstone('a', 'u-a')}\n${line}\n`, 'arch.jsonl');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });
});

describe('restorableLease', () => {
  it("drops what the server sets, keeps everything the lease's owner wrote", () => {
    expect(restorableLease(lease('a', 'u-a'))).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'a',
        namespace: 'payments',
        labels: { app: 'a' },
        annotations: { 'example.com/state': '{"epoch":42}' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a', uid: 'd-1', controller: true },
        ],
        finalizers: ['example.com/keep'],
      },
      spec: { holderIdentity: 'a-0', leaseDurationSeconds: 15, renewTime: '2026-11-28T10:00:00.000000Z' },
    });
  });
});

describe('archiveFileName', () => {
  it('is the cluster, made safe for a path, and the run start to the second', () => {
    expect(
      archiveFileName(
        'arn:aws:eks:eu-west-1:123456789012:cluster/prod',
        Date.UTC(2026, 11, 1, 12, 3, 4, 567),
      ),
    ).toBe('arn_aws_eks_eu-west-1_123456789012_cluster_prod.20261201T120304Z.jsonl');
  });
});

import { describe, expect, it } from 'vitest';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';

const eks = { name: 'prod-eu', type: 'eks', clusterName: 'prod', region: 'eu-west-1' };
const secret = {
  name: 'onprem',
  type: 'kubeconfig',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onprem-AbCdEf',
};

describe('parseClusterRegistry', () => {
  it('reads EKS and kubeconfig clusters with defaults, from YAML or JSON', () => {
    const yaml = `clusters:\n  - { name: prod-eu, type: eks, clusterName: prod, region: eu-west-1, roleArn: "arn:aws:iam::123456789012:role/lease-reaper" }\n  - { name: onprem, type: kubeconfig, secretArn: "${secret.secretArn}" }\n`;

    const registry = parseClusterRegistry(yaml);

    expect(registry).toMatchObject({
      metricsNamespace: 'LeaseReaper',
      metricsSink: 'cloudwatch',
      concurrency: 8,
    });
    expect(registry.clusters).toEqual([
      { ...eks, roleArn: 'arn:aws:iam::123456789012:role/lease-reaper' },
      { ...secret, allowInsecureTLS: false },
    ]);
    expect(parseClusterRegistry(JSON.stringify({ clusters: [eks] })).clusters).toHaveLength(1);
  });

  it.each([
    { what: 'no clusters', doc: { clusters: [] }, path: 'clusters' },
    {
      what: 'an unknown cluster type',
      doc: { clusters: [{ ...eks, type: 'gke' }] },
      path: 'clusters.0.type',
    },
    { what: 'a bad region', doc: { clusters: [{ ...eks, region: 'europe' }] }, path: 'clusters.0.region' },
    {
      what: 'a bad role ARN',
      doc: { clusters: [{ ...eks, roleArn: 'lease-reaper' }] },
      path: 'clusters.0.roleArn',
    },
    {
      what: 'a bad secret ARN',
      doc: { clusters: [{ ...secret, secretArn: 'onprem' }] },
      path: 'clusters.0.secretArn',
    },
    { what: 'an unknown key', doc: { clusters: [{ ...eks, endpoint: 'https://x' }] }, path: 'clusters.0' },
    {
      what: 'a duplicate name',
      doc: { clusters: [eks, { ...secret, name: 'prod-eu' }] },
      path: 'clusters.1.name',
    },
    { what: 'a bad sink', doc: { clusters: [eks], metricsSink: 'stdout' }, path: 'metricsSink' },
  ])('rejects $what, naming $path', ({ doc, path }) => {
    expect(() => parseClusterRegistry(doc)).toThrow(
      new RegExp(`cluster registry is invalid: .*${path.replaceAll('.', '\\.')}`),
    );
  });

  it('rejects text that is not YAML', () => {
    expect(() => parseClusterRegistry('clusters: [unclosed', 'SSM /lease-reaper/clusters')).toThrow(
      /^SSM \/lease-reaper\/clusters is not valid YAML or JSON/,
    );
  });
});

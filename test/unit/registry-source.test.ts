import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeRegistryText, loadRegistry } from '../../shared/fleet/registry-source.ts';

const ssm = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const ssmMock = mockClient(ssm);
const doc = JSON.stringify({
  clusters: [{ name: 'prod', type: 'eks', clusterName: 'prod', region: 'eu-west-1' }],
});

beforeEach(() => ssmMock.reset());

describe('loadRegistry', () => {
  it('reads the SSM parameter, decrypted, first', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: doc } });

    const registry = await loadRegistry(
      { LEASE_REAPER_CLUSTERS_PARAMETER: '/lease-reaper/clusters', LEASE_REAPER_CLUSTERS: 'ignored' },
      async () => ssm,
    );

    expect(registry.clusters.map((c) => c.name)).toEqual(['prod']);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/lease-reaper/clusters',
      WithDecryption: true,
    });
  });

  it('reads a gzipped registry (a fleet too large for a text parameter), and names a corrupt one', async () => {
    const clusters = Array.from({ length: 300 }, (_, i) => ({
      name: `cluster-${i}`,
      type: 'kubeconfig',
      secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:lease-reaper/cluster-${i}`,
    }));
    const text = JSON.stringify({ clusters });
    const encoded = encodeRegistryText(text);
    expect(text.length).toBeGreaterThan(8192);
    expect(encoded.length).toBeLessThan(8192);
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: encoded } });

    const registry = await loadRegistry({ LEASE_REAPER_CLUSTERS_PARAMETER: '/big' }, async () => ssm);
    expect(registry.clusters).toHaveLength(300);
    expect(registry.clusters[299]?.name).toBe('cluster-299');

    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'gzip:bm90IGd6aXA=' } });
    await expect(loadRegistry({ LEASE_REAPER_CLUSTERS_PARAMETER: '/big' }, async () => ssm)).rejects.toThrow(
      'SSM parameter /big starts with "gzip:" but is not gzip+base64',
    );
  });

  it('reads the same schema inline and from a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-'));
    await writeFile(
      join(dir, 'clusters.yaml'),
      'clusters:\n  - { name: prod, type: eks, clusterName: prod, region: eu-west-1 }\n',
    );

    const inline = await loadRegistry({ LEASE_REAPER_CLUSTERS: doc });
    const file = await loadRegistry({ LEASE_REAPER_CLUSTERS_FILE: join(dir, 'clusters.yaml') });

    expect(inline.clusters).toEqual(file.clusters);
  });

  it('names the source and the field when the registry is invalid, and when none is configured', async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: JSON.stringify({ clusters: [{ name: 'x', type: 'eks' }] }) } });

    await expect(loadRegistry({ LEASE_REAPER_CLUSTERS_PARAMETER: '/p' }, async () => ssm)).rejects.toThrow(
      /^SSM parameter \/p is invalid: clusters\.0\.clusterName/,
    );
    await expect(loadRegistry({})).rejects.toThrow(/set LEASE_REAPER_CLUSTERS_PARAMETER/);
  });

  it('reports an unreadable SSM parameter as configuration, naming it', async () => {
    ssmMock
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('no such parameter'), { name: 'ParameterNotFound' }));
    await expect(
      loadRegistry({ LEASE_REAPER_CLUSTERS_PARAMETER: '/missing' }, async () => ssm),
    ).rejects.toThrow(/SSM parameter \/missing could not be read: ParameterNotFound/);
  });
});

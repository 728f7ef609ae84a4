import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import {
  ADVANCED_PARAMETER_CHARS,
  encodeRegistryText,
  GZIP_PREFIX,
  loadRegistry,
  MAX_REGISTRY_PARTS,
  PARTS_PREFIX,
  registryParameterValues,
  STANDARD_PARAMETER_CHARS,
} from '../../shared/fleet/registry-source.ts';
import { parameterStore } from '../support/ssm-parameter-store.ts';

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

/** n kubeconfig clusters under hash-like names: a registry that gzip cannot shrink much (many parts). */
function scatteredFleet(n: number, salt = '') {
  return Array.from({ length: n }, (_, i) => {
    const name = createHash('sha256').update(`${salt}${i}`).digest('hex');
    return {
      name: `c-${name.slice(0, 40)}`,
      type: 'kubeconfig' as const,
      secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:lease-reaper/${name}`,
    };
  });
}

/** The parameters the stack writes for this document, under `name`. */
function written(name: string, document: string): Map<string, string> {
  const { value, parts } = registryParameterValues(document);
  return new Map([[name, value], ...parts.map((p, i): [string, string] => [`${name}/${i + 1}`, p])]);
}

const registryOf = (parameters: Map<string, string>, name = '/p') => {
  const store = parameterStore(parameters);
  return {
    store,
    load: () => loadRegistry({ LEASE_REAPER_CLUSTERS_PARAMETER: name }, async () => store.client),
  };
};

describe('registryParameterValues: the registry as the stack writes it to SSM', () => {
  it('is one parameter while it fits 8 KB (JSON, then gzipped), parts of 4 KB past that with an index under 4 KB', () => {
    const small = JSON.stringify({ clusters: scatteredFleet(2) });
    expect(registryParameterValues(small)).toEqual({ value: small, parts: [] });

    const compressible = JSON.stringify({ clusters: scatteredFleet(1).concat(scatteredFleet(1)) }).repeat(40);
    expect(compressible.length).toBeGreaterThan(ADVANCED_PARAMETER_CHARS);
    const gzipped = registryParameterValues(compressible);
    expect(gzipped.parts).toEqual([]);
    expect(gzipped.value.startsWith(GZIP_PREFIX)).toBe(true);

    const large = JSON.stringify({ clusters: scatteredFleet(800) });
    const { value, parts } = registryParameterValues(large);
    expect(parts.length).toBeGreaterThan(10);
    for (const part of parts.slice(0, -1)) expect(part).toHaveLength(STANDARD_PARAMETER_CHARS);
    expect(parts.at(-1)?.length).toBeLessThanOrEqual(STANDARD_PARAMETER_CHARS);
    expect(parts.join('')).toBe(encodeRegistryText(large));
    expect(value).toBe(
      `${PARTS_PREFIX}${JSON.stringify({ sha256: parts.map((p) => createHash('sha256').update(p).digest('hex')) })}`,
    );
    // Even at the most parts, the index is a standard parameter.
    const longest = `${PARTS_PREFIX}${JSON.stringify({ sha256: Array(MAX_REGISTRY_PARTS).fill('f'.repeat(64)) })}`;
    expect(longest.length).toBeLessThanOrEqual(STANDARD_PARAMETER_CHARS);
  });
});

describe('loadRegistry: a registry split across SSM parameters', () => {
  it('reads a registry of one part', async () => {
    const part = encodeRegistryText(doc);
    const index = `${PARTS_PREFIX}${JSON.stringify({ sha256: [createHash('sha256').update(part).digest('hex')] })}`;
    const { store, load } = registryOf(
      new Map([
        ['/p', index],
        ['/p/1', part],
      ]),
    );

    expect((await load()).clusters.map((c) => c.name)).toEqual(['prod']);
    expect(store.mock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(store.mock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 1);
  });

  it('reads n parts in their order from the parameter’s own path, one level deep, following pages', async () => {
    const clusters = scatteredFleet(800);
    const parameters = written('/lease-reaper/S/registry', JSON.stringify({ clusters }));
    const n = parameters.size - 1;
    expect(n).toBeGreaterThan(10); // /1, /10, /11… /2: SSM's alphabetical order is not the parts' order
    // Not the registry's: a deeper parameter and a part a deploy is removing.
    parameters.set('/lease-reaper/S/registry/1/x', 'not read');
    parameters.set(`/lease-reaper/S/registry/${n + 1}`, 'stale');
    // SSM fills pages best effort: here 3 parameters a page although 10 are asked for.
    const store = parameterStore(parameters, { pageSize: 3 });

    const registry = await loadRegistry(
      { LEASE_REAPER_CLUSTERS_PARAMETER: '/lease-reaper/S/registry' },
      async () => store.client,
    );

    expect(registry.clusters.map((c) => c.name)).toEqual(clusters.map((c) => c.name));
    expect(store.mock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(store.mock).toHaveReceivedCommandWith(GetParametersByPathCommand, {
      Path: '/lease-reaper/S/registry',
      Recursive: false,
      WithDecryption: true,
      MaxResults: 10,
    });
    // Every part found: no page past the last one needed.
    expect(store.mock.commandCalls(GetParametersByPathCommand).length).toBeLessThanOrEqual(
      Math.ceil((n + 1) / 3),
    );
  });

  it('refuses a registry with a part missing, naming the part, after reading the index once more', async () => {
    const parameters = written('/p', JSON.stringify({ clusters: scatteredFleet(300) }));
    parameters.delete('/p/2');
    const { store, load } = registryOf(parameters);

    await expect(load()).rejects.toThrow(
      new ConfigError(`SSM parameter /p/2 (part 2 of ${parameters.size} of the registry /p) is missing`),
    );
    expect(store.mock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('refuses a part that does not match the index, naming it', async () => {
    const parameters = written('/p', JSON.stringify({ clusters: scatteredFleet(300) }));
    const other = written('/p', JSON.stringify({ clusters: scatteredFleet(300, 'other') }));
    parameters.set('/p/3', other.get('/p/3') as string);
    const { load } = registryOf(parameters);

    await expect(load()).rejects.toThrow(
      /^SSM parameter \/p\/3 \(part 3 of \d+ of the registry \/p\) does not match the index: it belongs to another version of the registry$/,
    );
  });

  it('reads the new registry when a deploy writes it between the index and its parts', async () => {
    const before = written('/p', JSON.stringify({ clusters: scatteredFleet(300) }));
    const after = written('/p', JSON.stringify({ clusters: scatteredFleet(320) }));
    const { store, load } = registryOf(after);
    // The first read of the index is the one from before the deploy.
    let reads = 0;
    store.mock
      .on(GetParameterCommand)
      .callsFake(async () => ({ Parameter: { Name: '/p', Value: (reads++ ? after : before).get('/p') } }));

    expect((await load()).clusters).toHaveLength(320);
    expect(store.mock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('refuses an index that is not one, and stops after 50 pages that never hold the parts', async () => {
    for (const index of ['parts:{}', 'parts:[', `parts:{"sha256":["${'0'.repeat(63)}"]}`]) {
      const { load } = registryOf(new Map([['/p', index]]));
      await expect(load()).rejects.toThrow(
        `SSM parameter /p starts with "parts:" but is not an index of 1 to ${MAX_REGISTRY_PARTS} parts`,
      );
    }
    const tooMany = `parts:${JSON.stringify({ sha256: Array(MAX_REGISTRY_PARTS + 1).fill('0'.repeat(64)) })}`;
    await expect(registryOf(new Map([['/p', tooMany]])).load()).rejects.toThrow(
      /is not an index of 1 to 50 parts/,
    );

    const index = `parts:${JSON.stringify({ sha256: ['0'.repeat(64)] })}`;
    const { store, load } = registryOf(new Map([['/p', index]]));
    store.mock.on(GetParametersByPathCommand).resolves({ Parameters: [], NextToken: 'again' });
    await expect(load()).rejects.toThrow('SSM parameter /p/1 (part 1 of 1 of the registry /p) is missing');
    expect(store.mock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 2 * MAX_REGISTRY_PARTS);
  });

  it('reports parts it may not read as configuration, naming the path', async () => {
    const { store, load } = registryOf(written('/p', JSON.stringify({ clusters: scatteredFleet(300) })));
    store.mock
      .on(GetParametersByPathCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(load()).rejects.toThrow(
      'SSM parameters under /p could not be read: AccessDeniedException: not authorized',
    );
  });
});

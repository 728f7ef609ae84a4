import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  checkConfigSize,
  MAX_CONFIG_BYTES,
  parseConfigInput,
  parseConfigText,
  readConfigDocument,
  readConfigFile,
} from '../../shared/config-file.ts';
import { ConfigError } from '../../shared/errors.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { loadRegistry, registryFromFile } from '../../shared/fleet/registry-source.ts';

const CAP = 'the 1 MiB (1048576 bytes) limit for configuration';
const registryLine = 'clusters: [{ name: prod, type: eks, clusterName: prod, region: eu-west-1 }]\n';

async function tempFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'lease-reaper-config-')), 'config.yaml');
  await writeFile(path, text);
  return path;
}

/** YAML of exactly `bytes` bytes: the registry line, then a comment filling the rest. */
const yamlOf = (bytes: number) => `${registryLine}#${'x'.repeat(bytes - registryLine.length - 2)}\n`;

function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readConfigFile', () => {
  it('reads a file of exactly 1 MiB', async () => {
    const path = await tempFile(yamlOf(MAX_CONFIG_BYTES));

    expect(readConfigFile(path, 'f')).toHaveLength(MAX_CONFIG_BYTES);
    expect(registryFromFile(path).clusters.map((c) => c.name)).toEqual(['prod']);
  });

  it('refuses one byte more, before parsing, naming the file and the cap', async () => {
    const path = await tempFile(yamlOf(MAX_CONFIG_BYTES + 1));

    expect(configMessage(() => readConfigFile(path, `--policy ${path}`))).toBe(
      `--policy ${path} is ${MAX_CONFIG_BYTES + 1} bytes, over ${CAP}`,
    );
    expect(configMessage(() => registryFromFile(path, '--clusters '))).toBe(
      `--clusters ${path} is ${MAX_CONFIG_BYTES + 1} bytes, over ${CAP}`,
    );
  });

  it('stops at the cap on a stream whose size is unknown (/dev/zero)', () => {
    expect(configMessage(() => readConfigFile('/dev/zero', '--policy /dev/zero'))).toBe(
      `--policy /dev/zero is larger than ${CAP}`,
    );
  });

  it('names a file that cannot be read, with the reason', () => {
    expect(configMessage(() => readConfigFile('/nonexistent/policy.yaml', '--policy x'))).toMatch(
      /^--policy x cannot be read: ENOENT/,
    );
  });
});

describe('checkConfigSize', () => {
  it('counts UTF-8 bytes, not characters', () => {
    const ascii = 'a'.repeat(MAX_CONFIG_BYTES);
    const wide = 'é'.repeat(MAX_CONFIG_BYTES / 2 + 1); // 2 bytes each: one pair over

    expect(checkConfigSize(ascii, 'env')).toBe(ascii);
    expect(configMessage(() => checkConfigSize(wide, 'LEASE_REAPER_CLUSTERS'))).toBe(
      `LEASE_REAPER_CLUSTERS is ${MAX_CONFIG_BYTES + 2} bytes, over ${CAP}`,
    );
  });

  it('guards the registry parser for inline text', () => {
    expect(
      configMessage(() => parseClusterRegistry(yamlOf(MAX_CONFIG_BYTES + 1), 'LEASE_REAPER_CLUSTERS')),
    ).toBe(`LEASE_REAPER_CLUSTERS is ${MAX_CONFIG_BYTES + 1} bytes, over ${CAP}`);
  });
});

describe('a gzipped SSM registry', () => {
  const ssm = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const ssmMock = mockClient(ssm);
  beforeEach(() => ssmMock.reset());

  it('refuses one that inflates past the cap, without inflating all of it', async () => {
    // 64 MiB of zeros gzip to about 64 KB: small enough for a parameter, far over the cap once inflated.
    const bomb = `gzip:${gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString('base64')}`;
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: bomb } });

    await expect(loadRegistry({ LEASE_REAPER_CLUSTERS_PARAMETER: '/bomb' }, async () => ssm)).rejects.toThrow(
      `SSM parameter /bomb inflates to more than ${CAP}`,
    );
  });
});

describe('configuration text → document → validated, one ConfigError naming the source and the field', () => {
  const schema = z.strictObject({ every: z.int().check(z.gte(1)) });

  it('reads YAML, and JSON as YAML', () => {
    expect(parseConfigText('every: 3\n', 'f')).toEqual({ every: 3 });
    expect(parseConfigText('{"every": 3}', 'f')).toEqual({ every: 3 });
  });

  it('names the source and the parser’s reason and position, never the text around it', () => {
    const message = configMessage(() => parseConfigText('every: [3\nsecret: hunter2', '--policy p.yaml'));

    expect(message).toMatch(/^--policy p\.yaml is not valid YAML or JSON: .+ \(\d+:\d+\)$/);
    expect(message).not.toContain('hunter2');
  });

  it('says only the line for text that holds credentials, and keeps no cause that would quote it', () => {
    let error: unknown;
    try {
      parseConfigText('users: [{ token: hunter2', 'the secret', { secret: true });
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('the secret is not valid YAML or JSON (line 2)');
    expect((error as ConfigError).cause).toBeUndefined();
  });

  it('reads JSON only when asked, naming JSON in its error', async () => {
    const path = await tempFile('every: 3\n');

    expect(configMessage(() => readConfigDocument(path, '--plan x', { syntax: 'json' }))).toMatch(
      /^--plan x is not valid JSON: /,
    );
    expect(readConfigDocument(path, '--policy x')).toEqual({ every: 3 });
  });

  it('validates text or an already parsed object alike, naming the field in error', () => {
    expect(parseConfigInput(schema, 'every: 2', 'f')).toEqual({ every: 2 });
    expect(parseConfigInput(schema, { every: 2 }, 'f')).toEqual({ every: 2 });
    expect(configMessage(() => parseConfigInput(schema, 'every: 0', 'cdk.json'))).toMatch(
      /^cdk\.json is invalid: every: /,
    );
    expect(configMessage(() => parseConfigInput(schema, { every: 1, evry: 2 }, 'cdk.json'))).toMatch(
      /^cdk\.json is invalid: .*"evry"/,
    );
  });

  it('refuses text over the cap before parsing it', () => {
    expect(configMessage(() => parseConfigText(yamlOf(MAX_CONFIG_BYTES + 1), 'LEASE_REAPER_CLUSTERS'))).toBe(
      `LEASE_REAPER_CLUSTERS is ${MAX_CONFIG_BYTES + 1} bytes, over ${CAP}`,
    );
  });
});

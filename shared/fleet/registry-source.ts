import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { MAX_CONFIG_BYTES, readConfigFile } from '../config-file.ts';
import { ConfigError } from '../errors.ts';
import { type ClusterRegistry, parseClusterRegistry } from './cluster-registry.ts';

/**
 * The cluster registry, from one of (the same schema everywhere):
 * - `LEASE_REAPER_CLUSTERS_PARAMETER`: an SSM parameter name (String or SecureString), holding the registry
 *   or, for one too large for a parameter, the index of its parts (see `registryParameterValues`);
 * - `LEASE_REAPER_CLUSTERS`: the document inline (YAML or JSON);
 * - `LEASE_REAPER_CLUSTERS_FILE`: a file.
 * Read once per container, before any cluster is touched: bad configuration fails the invocation with one
 * message naming the source and the field.
 */
export async function loadRegistry(
  env: NodeJS.ProcessEnv = process.env,
  ssm: () => Promise<SSMClient> = async () =>
    new (await import('@aws-sdk/client-ssm')).SSMClient({ maxAttempts: 4 }),
): Promise<ClusterRegistry> {
  const parameter = env.LEASE_REAPER_CLUSTERS_PARAMETER;
  if (parameter) {
    const text = await readRegistryParameter(await ssm(), parameter);
    return parseClusterRegistry(decodeRegistryText(text, parameter), `SSM parameter ${parameter}`);
  }
  const inline = env.LEASE_REAPER_CLUSTERS;
  if (inline) return parseClusterRegistry(inline, 'LEASE_REAPER_CLUSTERS');
  const file = env.LEASE_REAPER_CLUSTERS_FILE;
  if (file) return registryFromFile(file, 'LEASE_REAPER_CLUSTERS_FILE ');
  throw new ConfigError(
    'set LEASE_REAPER_CLUSTERS_PARAMETER (an SSM parameter), LEASE_REAPER_CLUSTERS or LEASE_REAPER_CLUSTERS_FILE',
  );
}

/** A registry file, as `lease-reaper audit --clusters FILE` reads it (at most MAX_CONFIG_BYTES). */
export function registryFromFile(path: string, label = ''): ClusterRegistry {
  return parseClusterRegistry(readConfigFile(path, `${label}${path}`), `${label}${path}`);
}

/**
 * SSM Parameter Store's quotas (AWS Systems Manager User Guide, "Managing parameter tiers"): a standard
 * parameter's value is at most 4 KB ("Standard tier parameters support a maximum parameter value of 4096
 * characters"), an advanced one's 8 KB; an account holds 10,000 standard and 100,000 advanced parameters per
 * region. Standard parameters cost nothing, advanced ones are charged per parameter and month.
 */
export const STANDARD_PARAMETER_CHARS = 4096;
export const ADVANCED_PARAMETER_CHARS = 8192;

/**
 * The most parts a registry is split into: 50 × 4 KB = 200 KB of gzip+base64 (1 MiB of JSON, all the
 * functions read, is 22 parts for test/infra/fleets.ts's mixed fleet), 50 of the account's 10,000 standard
 * parameters, at most 5 GetParametersByPath calls, and an index that still fits a standard parameter.
 */
export const MAX_REGISTRY_PARTS = 50;

/**
 * A registry too large for an SSM parameter as text (8 KB) is stored gzipped: `gzip:` + base64. Fleet
 * registries repeat ARN prefixes and keys, so this holds several hundred clusters.
 */
export const GZIP_PREFIX = 'gzip:';
/** The registry parameter holds the index of the parts when it starts with this. */
export const PARTS_PREFIX = 'parts:';

export function encodeRegistryText(text: string): string {
  return `${GZIP_PREFIX}${gzipSync(text, { level: 9 }).toString('base64')}`;
}

/** What the registry parameter holds, and the parts `<parameter>/1..n` when it holds their index. */
export interface RegistryParameterValues {
  value: string;
  parts: string[];
}

/**
 * How a registry document is written to SSM: the JSON while it fits an (advanced) parameter, gzipped past
 * that; past 8 KB gzipped, `gzip:`+base64 cut into parts of 4 KB (standard tier: no charge), and the
 * parameter holds their index, `parts:{"sha256":[<hex of part 1>, …]}`. The parts are named by position
 * (`<parameter>/1`, `/2`, …); the hashes let a reader tell a part of another version of the registry (a
 * deploy under way) from the right one. The caller checks `parts.length` against MAX_REGISTRY_PARTS.
 */
export function registryParameterValues(document: string): RegistryParameterValues {
  if (document.length <= ADVANCED_PARAMETER_CHARS) return { value: document, parts: [] };
  const encoded = encodeRegistryText(document);
  if (encoded.length <= ADVANCED_PARAMETER_CHARS) return { value: encoded, parts: [] };
  const parts: string[] = [];
  for (let at = 0; at < encoded.length; at += STANDARD_PARAMETER_CHARS)
    parts.push(encoded.slice(at, at + STANDARD_PARAMETER_CHARS));
  return { value: `${PARTS_PREFIX}${JSON.stringify({ sha256: parts.map(sha256) })}`, parts };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const errorText = (cause: unknown) => `${(cause as Error).name}: ${(cause as Error).message}`;

/**
 * The registry parameter's text, its parts joined when it holds an index: one GetParameter, then
 * GetParametersByPath under the parameter's own name (up to 10 parameters a call: API Reference,
 * GetParametersByPath MaxResults 1–10), so the functions' IAM names one resource, the registry parameter,
 * for both (SSM User Guide, "Restricting access to Parameter Store parameters using IAM policies": access
 * to a path is access to every level under it).
 */
async function readRegistryParameter(ssm: SSMClient, parameter: string): Promise<string> {
  const first = await readParameter(ssm, parameter);
  if (!first.startsWith(PARTS_PREFIX)) return first;
  const read = await readParts(ssm, parameter, first);
  if ('text' in read) return read.text;
  // A deploy writes every part before the index, so an index read before a deploy and parts read during it
  // disagree; the index read again names the parts just read.
  const again = await readParameter(ssm, parameter);
  if (!again.startsWith(PARTS_PREFIX)) return again;
  const reread = await readParts(ssm, parameter, again);
  if ('text' in reread) return reread.text;
  throw new ConfigError(reread.problem);
}

async function readParameter(ssm: SSMClient, parameter: string): Promise<string> {
  let value: string | undefined;
  try {
    const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const out = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
    value = out.Parameter?.Value;
  } catch (cause) {
    throw new ConfigError(`SSM parameter ${parameter} could not be read: ${errorText(cause)}`, { cause });
  }
  if (!value) throw new ConfigError(`SSM parameter ${parameter} is empty`);
  return value;
}

/** The parts' hashes, in order, from an index. */
function partHashes(index: string, parameter: string): string[] {
  let hashes: unknown;
  try {
    const parsed: unknown = JSON.parse(index.slice(PARTS_PREFIX.length));
    if (parsed !== null && typeof parsed === 'object' && Object.keys(parsed).join() === 'sha256')
      hashes = (parsed as { sha256: unknown }).sha256;
  } catch {
    // Reported below, as any other malformed index.
  }
  if (
    !Array.isArray(hashes) ||
    hashes.length < 1 ||
    hashes.length > MAX_REGISTRY_PARTS ||
    !hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))
  )
    throw new ConfigError(
      `SSM parameter ${parameter} starts with "${PARTS_PREFIX}" but is not an index of 1 to ${MAX_REGISTRY_PARTS} parts ({"sha256": [<hex>, …]})`,
    );
  return hashes as string[];
}

/**
 * Every part the index names, read by path and checked against its hash; a part missing or of another
 * version is a problem the caller may retry once. The pages are capped: SSM fills them best effort (zero to
 * MaxResults parameters each), and MAX_REGISTRY_PARTS pages find every part even one at a time.
 */
async function readParts(
  ssm: SSMClient,
  parameter: string,
  index: string,
): Promise<{ text: string } | { problem: string }> {
  const hashes = partHashes(index, parameter);
  const names = hashes.map((_, i) => `${parameter}/${i + 1}`);
  const values = new Map<string, string>();
  const { GetParametersByPathCommand } = await import('@aws-sdk/client-ssm');
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_REGISTRY_PARTS; page++) {
    try {
      const out = await ssm.send(
        new GetParametersByPathCommand({
          Path: parameter,
          Recursive: false,
          WithDecryption: true,
          MaxResults: 10,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      // Parameters under the path the index does not name (a part a deploy is removing) are not read.
      for (const p of out.Parameters ?? [])
        if (p.Name && p.Value !== undefined && names.includes(p.Name)) values.set(p.Name, p.Value);
      nextToken = out.NextToken;
    } catch (cause) {
      throw new ConfigError(`SSM parameters under ${parameter} could not be read: ${errorText(cause)}`, {
        cause,
      });
    }
    if (!nextToken || values.size === names.length) break;
  }
  const parts: string[] = [];
  for (const [i, name] of names.entries()) {
    const value = values.get(name);
    const which = `part ${i + 1} of ${names.length} of the registry ${parameter}`;
    if (value === undefined) return { problem: `SSM parameter ${name} (${which}) is missing` };
    if (sha256(value) !== hashes[i])
      return {
        problem: `SSM parameter ${name} (${which}) does not match the index: it belongs to another version of the registry`,
      };
    parts.push(value);
  }
  return { text: parts.join('') };
}

function decodeRegistryText(value: string, parameter: string): string {
  if (!value.startsWith(GZIP_PREFIX)) return value;
  try {
    // Capped while inflating: a few KB of gzip can expand to gigabytes.
    return gunzipSync(Buffer.from(value.slice(GZIP_PREFIX.length), 'base64'), {
      maxOutputLength: MAX_CONFIG_BYTES,
    }).toString('utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ConfigError(
        `SSM parameter ${parameter} inflates to more than the 1 MiB (${MAX_CONFIG_BYTES} bytes) limit for configuration`,
        { cause },
      );
    throw new ConfigError(`SSM parameter ${parameter} starts with "${GZIP_PREFIX}" but is not gzip+base64`, {
      cause,
    });
  }
}

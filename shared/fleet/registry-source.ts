import { gunzipSync, gzipSync } from 'node:zlib';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { MAX_CONFIG_BYTES, readConfigFile } from '../config-file.ts';
import { ConfigError } from '../errors.ts';
import { type ClusterRegistry, parseClusterRegistry } from './cluster-registry.ts';

/**
 * The cluster registry, from one of (the same schema everywhere):
 * - `LEASE_REAPER_CLUSTERS_PARAMETER`: an SSM parameter name (String or SecureString);
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
    let value: string | undefined;
    try {
      const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
      const out = await (await ssm()).send(
        new GetParameterCommand({ Name: parameter, WithDecryption: true }),
      );
      value = out.Parameter?.Value;
    } catch (cause) {
      throw new ConfigError(
        `SSM parameter ${parameter} could not be read: ${(cause as Error).name}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (!value) throw new ConfigError(`SSM parameter ${parameter} is empty`);
    return parseClusterRegistry(decodeRegistryText(value, parameter), `SSM parameter ${parameter}`);
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
 * A registry too large for an SSM parameter as text (8 KB) is stored gzipped: `gzip:` + base64. Fleet
 * registries repeat ARN prefixes and keys, so this holds several hundred clusters.
 */
export const GZIP_PREFIX = 'gzip:';

export function encodeRegistryText(text: string): string {
  return `${GZIP_PREFIX}${gzipSync(text, { level: 9 }).toString('base64')}`;
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

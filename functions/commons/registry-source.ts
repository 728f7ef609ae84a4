import { readFileSync } from 'node:fs';
import { ConfigError } from '../../shared/errors.ts';
import { type ClusterRegistry, parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';

/**
 * The cluster registry from the environment: inline (`LEASE_REAPER_CLUSTERS`, YAML or JSON) or a file
 * (`LEASE_REAPER_CLUSTERS_FILE`). Read once per container, before any cluster is touched: bad
 * configuration fails the invocation with one message naming the field.
 */
export function registryFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterRegistry {
  const inline = env.LEASE_REAPER_CLUSTERS;
  if (inline) return parseClusterRegistry(inline, 'LEASE_REAPER_CLUSTERS');
  const file = env.LEASE_REAPER_CLUSTERS_FILE;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`LEASE_REAPER_CLUSTERS_FILE ${file} cannot be read`, { cause });
    }
    return parseClusterRegistry(text, `LEASE_REAPER_CLUSTERS_FILE ${file}`);
  }
  throw new ConfigError(
    'set LEASE_REAPER_CLUSTERS (the cluster registry, YAML or JSON) or LEASE_REAPER_CLUSTERS_FILE',
  );
}

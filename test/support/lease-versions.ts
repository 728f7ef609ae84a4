import { ApiException } from '@kubernetes/client-node';
import type { SimCluster } from '../../sim/cluster.ts';
import { apis } from './sim.ts';

/**
 * What a cluster's leases are, read as any client reads them — over HTTPS with client-node, not through
 * the sim's store nor the product's client — so a test judging a reap run sees what the API says.
 * A lease's version is `uid@resourceVersion`: a delete, a re-creation or any write changes it.
 */

/** Every lease of the cluster: `namespace/name` → `uid@resourceVersion`. */
export async function listLeaseVersions(sim: SimCluster): Promise<Map<string, string>> {
  const { coordination } = apis(sim);
  const list = await coordination.listLeaseForAllNamespaces();
  return new Map(
    list.items.map((l) => [
      `${l.metadata?.namespace}/${l.metadata?.name}`,
      `${l.metadata?.uid}@${l.metadata?.resourceVersion}`,
    ]),
  );
}

/** One lease's `uid@resourceVersion` by GET, or `gone` when the API answers 404. */
export async function readLeaseVersion(sim: SimCluster, key: string): Promise<string> {
  const [namespace, name] = key.split('/') as [string, string];
  try {
    const lease = await apis(sim).coordination.readNamespacedLease({ namespace, name });
    return `${lease.metadata?.uid}@${lease.metadata?.resourceVersion}`;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return 'gone';
    throw err;
  }
}

/** Each lease's version by GET, in the order given. */
export async function readLeaseVersions(sim: SimCluster, keys: readonly string[]): Promise<string[]> {
  return Promise.all(keys.map((k) => readLeaseVersion(sim, k)));
}

/** The `namespace/name` of each lease DELETE the cluster received, in arrival order. */
export function deletedLeasePaths(sim: SimCluster): string[] {
  return sim.requests
    .filter((r) => r.method === 'DELETE')
    .map((r) => {
      const match = /\/namespaces\/([^/]+)\/leases\/([^/?]+)/.exec(r.url);
      return match ? `${decodeURIComponent(match[1] ?? '')}/${decodeURIComponent(match[2] ?? '')}` : r.url;
    });
}

import type { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import type { ClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import type { ClusterTarget } from '../../shared/fleet/cluster-target.ts';
import { type ConnectFailure, connectAll } from '../../shared/fleet/connect-all.ts';

export interface ConnectedFleet {
  targets: ClusterTarget[];
  /** A run's per-cluster results in registry order, the clusters that could not be reached among them. */
  inRegistryOrder<R extends { cluster: string }>(results: readonly R[]): (R | ConnectFailure)[];
}

/** Connects to the registry's clusters, or to the subset an event names. */
export async function connectFleet(
  registry: ClusterRegistry,
  connector: ClusterConnector,
  subset?: readonly string[],
): Promise<ConnectedFleet> {
  const entries = subset ? registry.clusters.filter((c) => subset.includes(c.name)) : registry.clusters;
  const { targets, failures } = await connectAll(entries, connector, registry.concurrency);
  return {
    targets,
    inRegistryOrder(results) {
      const byName = new Map<string, (typeof results)[number] | ConnectFailure>(
        [...results, ...failures].map((r) => [r.cluster, r]),
      );
      return entries.flatMap((e) => byName.get(e.name) ?? []);
    },
  };
}

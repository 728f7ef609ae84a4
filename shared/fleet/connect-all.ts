import { ClusterAccessError, type ClusterErrorKind } from '../errors.ts';
import type { ClusterConnector } from './cluster-connector.ts';
import type { RegistryCluster } from './cluster-registry.ts';
import type { ClusterTarget } from './cluster-target.ts';
import { mapConcurrent } from './map-concurrent.ts';

export interface ConnectFailure {
  status: 'error';
  cluster: string;
  error: { kind: ClusterErrorKind; message: string };
}

/** Connects to registry entries concurrently; an entry that cannot be reached is a failure, not a throw. */
export async function connectAll(
  entries: readonly RegistryCluster[],
  connector: ClusterConnector,
  concurrency: number,
): Promise<{ targets: ClusterTarget[]; failures: ConnectFailure[] }> {
  const outcomes = await mapConcurrent(
    entries,
    concurrency,
    async (entry): Promise<ClusterTarget | ConnectFailure> => {
      try {
        return await connector.connect(entry);
      } catch (err) {
        const e =
          err instanceof ClusterAccessError
            ? err
            : new ClusterAccessError(entry.name, 'credentials', String(err));
        return { status: 'error', cluster: entry.name, error: { kind: e.kind, message: e.message } };
      }
    },
  );
  return {
    targets: outcomes.filter((o): o is ClusterTarget => 'kubeConfig' in o),
    failures: outcomes.filter((o): o is ConnectFailure => !('kubeConfig' in o)),
  };
}

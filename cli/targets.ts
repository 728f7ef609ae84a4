import { ConfigError } from '../shared/errors.ts';
import type { ClusterTarget } from '../shared/fleet/audit-clusters.ts';
import { ClusterConnector } from '../shared/fleet/cluster-connector.ts';
import { type ConnectFailure, connectAll } from '../shared/fleet/connect-all.ts';
import { registryFromFile } from '../shared/fleet/registry-source.ts';
import { kubeConfigFromFile, withContext } from '../shared/kube/connect.ts';

/**
 * The clusters a command addresses: the named contexts of a kubeconfig, all of them, or its current one.
 * Each target is named after its context.
 */
function kubeconfigTargets(
  path: string | undefined,
  contexts: readonly string[],
  allContexts: boolean,
): ClusterTarget[] {
  const kc = kubeConfigFromFile(path);
  const known = kc.getContexts().map((c) => c.name);
  let names: readonly string[];
  if (allContexts) names = known;
  else if (contexts.length > 0) names = contexts;
  else names = [kc.getCurrentContext()];
  for (const name of names) {
    if (!known.includes(name)) {
      throw new ConfigError(
        `--context "${name}" is not in the kubeconfig (it has: ${known.join(', ') || 'none'})`,
      );
    }
  }
  return names.map((name) => ({ name, kubeConfig: withContext(kc, name) }));
}

/**
 * The clusters of a registry file — the Lambda functions' configuration — reached with this machine's AWS
 * credentials (EKS tokens, Secrets Manager kubeconfigs): local runs of exactly what the functions run.
 */
async function registryTargets(
  file: string,
  context: {
    kubeconfig?: string | undefined;
    contexts: readonly string[];
    allContexts?: boolean | undefined;
  },
): Promise<{ targets: ClusterTarget[]; failures: ConnectFailure[] }> {
  if (context.kubeconfig || context.contexts.length > 0 || context.allContexts) {
    throw new ConfigError('--clusters cannot be combined with --kubeconfig, --context or --all-contexts');
  }
  const registry = registryFromFile(file, '--clusters ');
  return connectAll(registry.clusters, new ClusterConnector(), registry.concurrency);
}

/** What every multi-cluster command takes: `--clusters FILE`, or a kubeconfig and its contexts. */
export interface TargetFlags {
  clusters?: string | undefined;
  kubeconfig?: string | undefined;
  context: readonly string[];
  allContexts?: boolean | undefined;
}

/** The clusters a command's flags address, and those of a registry that could not be reached. */
export async function commandTargets(
  flags: TargetFlags,
): Promise<{ targets: ClusterTarget[]; failures: ConnectFailure[] }> {
  if (flags.clusters)
    return registryTargets(flags.clusters, {
      kubeconfig: flags.kubeconfig,
      contexts: flags.context,
      allContexts: flags.allContexts,
    });
  return {
    targets: kubeconfigTargets(flags.kubeconfig, flags.context, flags.allContexts === true),
    failures: [],
  };
}

import type { KubeConfig } from '@kubernetes/client-node';

/**
 * A cluster to read or reap: its name (a kubeconfig context or a registry entry) and the KubeConfig,
 * context selected, that reaches it. What every fleet run (audit, reap, a saved plan) takes as input.
 */
export interface ClusterTarget {
  name: string;
  kubeConfig: KubeConfig;
}

/** A target's API server URL as KubeClient normalizes it (no trailing slash); empty when it has none. */
export function serverOf(target: ClusterTarget): string {
  return (target.kubeConfig.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
}

import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach } from 'vitest';
import type { ClusterTarget } from '../../shared/fleet/cluster-target.ts';
import { kubeConfigFromEndpoint } from '../../shared/kube/connect.ts';
import { KubeClient, type KubeClientOptions } from '../../shared/kube/kube-client.ts';
import {
  type SimCluster,
  type SimClusterOptions,
  type SimKubeconfigOptions,
  startSimCluster,
} from '../../sim/cluster.ts';
import { leaderLease, namespaceObject } from '../../sim/objects.ts';
import { leases, namespaces } from '../../sim/resources.ts';
import { emptyScenario, type ScenarioSpec } from '../../sim/scenario.ts';

/** Fast retries for tests: the policy is the production one, only the base delays are shorter. */
export const fastRetry = { baseDelayMs: 10, maxDelayMs: 50 };

export async function startTestCluster(
  spec: Partial<ScenarioSpec> = {},
  options: SimClusterOptions = {},
): Promise<SimCluster> {
  return startSimCluster({ scenario: { ...emptyScenario, ...spec }, ...options });
}

/** A KubeClient for the simulated cluster, verifying TLS against the cluster's own CA. */
export function clientFor(sim: SimCluster, options: KubeClientOptions & { token?: string } = {}): KubeClient {
  const { token, ...clientOptions } = options;
  const target = simTarget(sim, token === undefined ? {} : { token });
  return new KubeClient(sim.name, target.kubeConfig, { retry: fastRetry, ...clientOptions });
}

/**
 * The simulated cluster as a fleet target, the way a kubeconfig Secret would hold it: its CA, a bearer token
 * (the admin's unless given), and its URL (or `server`, e.g. a proxy in front of it).
 */
export function simTarget(
  sim: SimCluster,
  options: { name?: string; token?: string; server?: string } = {},
): ClusterTarget {
  const name = options.name ?? sim.name;
  return {
    name,
    kubeConfig: kubeConfigFromEndpoint({
      name,
      server: options.server ?? sim.url,
      caData: Buffer.from(sim.caCertPem ?? '').toString('base64'),
      token: options.token ?? sim.tokens.admin,
    }),
  };
}

/** client-node's KubeConfig for the simulated cluster: its own kubeconfig (TLS verified against its CA). */
export function simKubeConfig(sim: SimCluster, user: SimKubeconfigOptions['user'] = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig({ user }));
  return kc;
}

/** The typed client-node APIs (and their KubeConfig) for the admin or the read-only user of a sim. */
export function apis(sim: SimCluster, user: SimKubeconfigOptions['user'] = 'admin') {
  const kc = simKubeConfig(sim, user);
  return { kc, coordination: kc.makeApiClient(CoordinationV1Api), core: kc.makeApiClient(CoreV1Api) };
}

/** Seeds `count` workload leases across `namespaceCount` namespaces directly into the store. */
export function seedLeases(sim: SimCluster, count: number, namespaceCount = 7): string[] {
  const now = sim.store.clock();
  const keys: string[] = [];
  for (let n = 0; n < namespaceCount; n++) {
    if (!sim.store.get(namespaces, undefined, `bulk-${n}`))
      sim.store.create(namespaces, namespaceObject(`bulk-${n}`, now));
  }
  for (let i = 0; i < count; i++) {
    const namespace = `bulk-${i % namespaceCount}`;
    const name = `lease-${String(i).padStart(6, '0')}`;
    sim.store.create(
      leases,
      leaderLease({ namespace, name, holder: `holder-${i}`, renewMs: now, acquireMs: now, createdMs: now }),
    );
    keys.push(`${namespace}/${name}`);
  }
  return keys;
}

/**
 * `<namespace>/legacy-0..count-1`: leader leases renewed three days ago (by the sim's clock) whose holder Pods
 * do not exist, so the audit calls them abandoned and the default reap policy may delete them.
 */
export function seedAbandonedLeases(sim: SimCluster, namespace: string, count: number): void {
  const day = 86_400_000;
  const now = sim.store.clock();
  if (!sim.store.get(namespaces, undefined, namespace))
    sim.store.create(namespaces, namespaceObject(namespace, now - 30 * day));
  for (let i = 0; i < count; i++)
    sim.store.create(
      leases,
      leaderLease({
        namespace,
        name: `legacy-${i}`,
        holder: `legacy-${i}-7d9f8c6b5-x2x9q`,
        renewMs: now - 3 * day,
        acquireMs: now - 4 * day,
        createdMs: now - 30 * day,
      }),
    );
}

/**
 * Every shape of the control-plane, leader-churn, LeaseCandidate and naming rules, a few of each: what the
 * sim seeds for them is checked as a client reads it (sim-audit-shapes) and as the audit reports it
 * (audit-leader-shapes-cli).
 */
export const leaderShapes: Partial<ScenarioSpec> = {
  systemLeaderLeases: 1,
  controlPlaneLeaderless: 2,
  flappingLeaders: 2,
  flapEverySeconds: 10,
  coordinatedLeases: 1,
  coordinatedLeasesWithoutCandidate: 2,
  staleLeaseCandidates: 3,
  genericLeaseNames: 3,
  sharedLeaseNameHolders: 3,
};

/**
 * Simulated clusters for one test file: `start` runs one (same arguments as startTestCluster) and every
 * cluster started is closed after each test; `forget` is for a test that closes one itself.
 */
export function simClusters() {
  const running: SimCluster[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  return {
    async start(...args: Parameters<typeof startTestCluster>): Promise<SimCluster> {
      const sim = await startTestCluster(...args);
      running.push(sim);
      return sim;
    },
    forget(sim: SimCluster): void {
      running.splice(running.indexOf(sim), 1);
    },
  };
}

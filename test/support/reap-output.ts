import type { SimCluster } from '../../sim/cluster.ts';
import { leaderLease, namespaceObject } from '../../sim/objects.ts';
import { leases, namespaces } from '../../sim/resources.ts';
import type { SeededReport } from '../../sim/scenario.ts';

/** The summary row of `lease-reaper reap`'s table for one cluster, by column name. */
export function summaryRow(stdout: string, cluster: string): Record<string, string> {
  const lines = stdout.split('\n');
  const header = lines.findLast((l) => /^CLUSTER\s+STATUS\s+PLANNED\s/.test(l));
  const row = lines.findLast((l) => l.startsWith(`${cluster} `));
  if (!header || !row) throw new Error(`no summary row for ${cluster} in:\n${stdout}`);
  const names = header.split(/\s+/);
  const cells = row.split(/\s+/);
  return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
}

/** Counts requests (of one method, or all) the cluster receives: a zero-latency fault matches each. */
export function countRequests(sim: SimCluster, method?: string): () => number {
  sim.faults.add({ action: { type: 'latency', ms: 0 }, ...(method ? { match: { method } } : {}) });
  return () => sim.faults.hits.latency;
}

const DAY = 86_400_000;

/**
 * A leader lease in `payments` that its holder renewed two seconds ago by the real clock, and whose holder
 * Pod is not listed: healthy, unless judged by a wrong clock.
 */
export function seedRecentlyRenewedLease(sim: SimCluster): void {
  const now = Date.now();
  if (!sim.store.get(namespaces, undefined, 'payments'))
    sim.store.create(namespaces, namespaceObject('payments', now - 30 * DAY));
  sim.store.create(
    leases,
    leaderLease({
      namespace: 'payments',
      name: 'checkout-controller',
      holder: 'checkout-controller-6f9c8d7b5-q2w3e_2b7e1c9a-0d4f-4e8a-9b6c-5a3d2e1f0c9b',
      renewMs: now - 2_000,
      acquireMs: now - 3_600_000,
      createdMs: now - 30 * DAY,
    }),
  );
}

/**
 * The seeded abandoned leases of the included namespaces, longest expired first: what the planner must pick.
 */
export function abandonedOldestFirst(
  sim: SimCluster,
  seeded: SeededReport,
  include: readonly string[],
): string[] {
  const expiry = (k: string) => {
    const [namespace, name] = k.split('/') as [string, string];
    const spec = sim.store.get(leases, namespace, name)?.obj.spec as {
      renewTime: string;
      leaseDurationSeconds: number;
    };
    return Date.parse(spec.renewTime) + spec.leaseDurationSeconds * 1000;
  };
  return seeded.leaderLeases.abandoned
    .filter((k) => include.includes(k.split('/')[0] ?? ''))
    .sort((a, b) => expiry(a) - expiry(b));
}

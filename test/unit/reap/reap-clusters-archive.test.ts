import { describe, expect, it } from 'vitest';
import type { ArchiveLine } from '../../../shared/archive/tombstone.ts';
import { type ClusterReap, reapClusters } from '../../../shared/reap/reap-clusters.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import type { SimCluster } from '../../../sim/cluster.ts';
import { leases } from '../../../sim/resources.ts';
import { seedAbandonedLeases, simClusters, simTarget } from '../../support/sim.ts';

/**
 * reapClusters with an archive, against simulated clusters over HTTPS with the real client: each tombstone is
 * the lease read back whole at the planned resourceVersion, and a lease changed between the audit's list and
 * its tombstone is neither archived nor deleted.
 */

const clusters = simClusters();
const NS = 'payments';
const policy = parseReapPolicy({ dryRun: false, namespaces: { include: [NS] }, recordEvents: false });

const seed = (sim: SimCluster, count: number) => seedAbandonedLeases(sim, NS, count);

/** An archive kept in memory, per cluster; `refuse` makes every append fail. */
function memoryArchive(refuse?: string) {
  const lines = new Map<string, ArchiveLine[]>();
  return {
    lines,
    archive: (cluster: string) => ({
      async append(line: ArchiveLine) {
        if (refuse) throw new Error(refuse);
        lines.set(cluster, [...(lines.get(cluster) ?? []), line]);
      },
    }),
  };
}

const ok = (r: ClusterReap | undefined): Extract<ClusterReap, { status: 'ok' }> => {
  if (r?.status !== 'ok') throw new Error(`not ok: ${JSON.stringify(r)}`);
  return r;
};
const deletes = (sim: SimCluster) => sim.requests.filter((r) => r.method === 'DELETE').length;

describe('reapClusters with an archive', () => {
  it('archives each lease as the server holds it, then deletes it', async () => {
    const sim = await clusters.start({}, { name: 'eu' });
    seed(sim, 2);
    const stored = sim.store.list(leases).map((s) => s.obj);
    const { lines, archive } = memoryArchive();

    const [result] = await reapClusters([simTarget(sim)], { policy, dryRun: false, archive });

    expect(ok(result).execution.deleted).toBe(2);
    const kept = (lines.get('eu') ?? []).filter((l) => l.kind === 'Tombstone');
    expect(kept.map((l) => l.kind === 'Tombstone' && l.lease)).toEqual(
      stored.map((o) => JSON.parse(JSON.stringify(o))),
    );
    expect(sim.store.list(leases)).toEqual([]);
  });

  it('a lease renewed after the list is read back changed: no tombstone, no delete', async () => {
    const sim = await clusters.start({}, { name: 'eu' });
    seed(sim, 2);
    const { lines, archive } = memoryArchive();

    const [result] = await reapClusters([simTarget(sim)], {
      policy,
      dryRun: false,
      archive,
      // Between the audit's read and the deletes: legacy-0 is written to by someone (its resourceVersion moves).
      onClusterRead: () => {
        const current = sim.store.get(leases, NS, 'legacy-0');
        if (!current) throw new Error('legacy-0 missing');
        sim.store.update(leases, {
          ...current.obj,
          metadata: { ...current.obj.metadata, labels: { touched: 'yes' } },
        });
      },
    });

    const execution = ok(result).execution;
    expect(execution).toMatchObject({ changed: 1, deleted: 1 });
    expect(execution.actions[0]?.detail).toMatch(
      /^changed since it was listed \(resourceVersion \d+ is now \d+\): left alone, no delete sent$/,
    );
    expect(
      (lines.get('eu') ?? []).map((l) =>
        l.kind === 'Tombstone'
          ? `T ${l.lease.metadata && (l.lease.metadata as { name: string }).name}`
          : `R ${l.name}`,
      ),
    ).toEqual(['T legacy-1', 'R legacy-1']);
    expect(deletes(sim)).toBe(1);
    expect(sim.store.get(leases, NS, 'legacy-0')?.obj.metadata.labels).toEqual({ touched: 'yes' });
  });

  it('an archive that refuses every line deletes nothing, in every cluster', async () => {
    const eu = await clusters.start({}, { name: 'eu' });
    const us = await clusters.start({}, { name: 'us' });
    seed(eu, 2);
    seed(us, 1);
    const { archive } = memoryArchive('AccessDenied: not authorized to perform s3:PutObject');

    const results = await reapClusters([simTarget(eu), simTarget(us)], { policy, dryRun: false, archive });

    for (const r of results) expect(ok(r).execution).toMatchObject({ deleted: 0, failed: 1 });
    expect(ok(results[0]).execution.notAttempted).toBe(1);
    expect(deletes(eu) + deletes(us)).toBe(0);
    expect(eu.store.list(leases)).toHaveLength(2);
    expect(us.store.list(leases)).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { simClusters } from '../support/sim.ts';

const NODE_LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';

const clusters = simClusters();
const runner = kubectlRunner();

/** A simulated cluster (the default scenario: ~200 nodes, every kind of lease). */
const cluster = () => clusters.start(defaultScenario);

/** Runs the real kubectl against `sim` as the admin. */
const kubectl = (sim: SimCluster, ...args: string[]) => runner.run(sim, args);

const lines = (text: string) => text.split('\n').filter((l) => l.trim().length > 0);
const columns = (line: string) => line.trim().split(/\s+/);

describe('kubectl against the simulated cluster', () => {
  it(
    'lists every lease with get leases -A, under a header line',
    async () => {
      const sim = await cluster();

      const result = await kubectl(sim, 'get', 'leases', '-A');

      expect(result.code).toBe(0);
      const [header, ...rows] = lines(result.stdout);
      expect(columns(header ?? '')).toEqual(['NAMESPACE', 'NAME', 'HOLDER', 'AGE']);
      expect(rows).toHaveLength(sim.seeded?.counts.leases ?? -1);
      const listed = rows.map((row) => {
        const [namespace, name] = columns(row);
        return `${namespace}/${name}`;
      });
      expect(listed.sort()).toEqual(sim.store.list(leases).map((s) => s.key));
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'shows Ready for nodes whose kubelet posts ready status with get nodes',
    async () => {
      const sim = await cluster();
      const stale = new Set([
        ...(sim.seeded?.staleNodeHeartbeats ?? []).map((k) => k.split('/')[1]),
        ...(sim.seeded?.nodesWithoutLease ?? []),
      ]);

      const result = await kubectl(sim, 'get', 'nodes');

      expect(result.code).toBe(0);
      const [header, ...rows] = lines(result.stdout);
      expect(columns(header ?? '')).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
      expect(rows).toHaveLength(sim.seeded?.counts.nodes ?? -1);
      const ready = rows.map(columns).filter(([name]) => !stale.has(name));
      expect(ready.length).toBeGreaterThan(0);
      expect(ready.filter(([, status]) => status !== 'Ready')).toEqual([]);
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'shows NotReady, as kube-apiserver prints it, for nodes whose Ready condition is Unknown',
    async () => {
      const sim = await cluster();
      const stale = [
        ...(sim.seeded?.staleNodeHeartbeats ?? []).map((k) => k.split('/')[1] ?? ''),
        ...(sim.seeded?.nodesWithoutLease ?? []),
      ];
      expect(stale.length).toBeGreaterThan(0);

      const result = await kubectl(sim, 'get', 'nodes', ...stale);

      expect(result.code).toBe(0);
      const [, ...rows] = lines(result.stdout);
      // The apiserver's node printer: "Not" + condition type for any Ready status but True.
      expect(rows.map((row) => columns(row).slice(0, 2)).sort()).toEqual(
        stale.map((name) => [name, 'NotReady']).sort(),
      );
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'lists every node lease in pages with --chunk-size 7',
    async () => {
      const sim = await cluster();
      sim.faults.add({ action: { type: 'latency', ms: 0 }, match: { path: NODE_LEASES } });
      const nodeLeases = sim.seeded?.counts.nodeLeases ?? -1;

      const result = await kubectl(sim, 'get', 'leases', '-n', 'kube-node-lease', '--chunk-size', '7');

      expect(result.code).toBe(0);
      const [header, ...rows] = lines(result.stdout);
      expect(columns(header ?? '')).toEqual(['NAME', 'HOLDER', 'AGE']);
      expect(rows.map((row) => columns(row)[0]).sort()).toEqual(
        sim.store.list(leases, { namespace: 'kube-node-lease' }).map((s) => s.obj.metadata.name),
      );
      expect(rows).toHaveLength(nodeLeases);
      expect(sim.faults.hits.latency).toBe(Math.ceil(nodeLeases / 7));
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'prints one lease as the stored object with -o json',
    async () => {
      const sim = await cluster();
      const [namespace = '', name = ''] = (sim.seeded?.leaderLeases.live[0] ?? '').split('/');
      const stored = sim.store.get(leases, namespace, name);

      const result = await kubectl(sim, 'get', 'lease', name, '-n', namespace, '-o', 'json');

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(stored?.obj);
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'deletes a lease with delete lease, printing deleted',
    async () => {
      const sim = await cluster();
      const [namespace = '', name = ''] = (sim.seeded?.leaderLeases.abandoned[0] ?? '').split('/');
      expect(sim.store.get(leases, namespace, name)).toBeDefined();

      const result = await kubectl(sim, 'delete', 'lease', name, '-n', namespace);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`lease.coordination.k8s.io "${name}" deleted`);
      expect(sim.store.get(leases, namespace, name)).toBeUndefined();
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'refuses a delete by the read-only user with a Forbidden error',
    async () => {
      const sim = await cluster();
      const [namespace = '', name = ''] = (sim.seeded?.leaderLeases.abandoned[0] ?? '').split('/');

      const result = await runner.run(sim, ['delete', 'lease', name, '-n', namespace], { user: 'read-only' });

      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Error from server (Forbidden)');
      expect(result.stderr).toContain('cannot delete resource "leases"');
      expect(sim.store.get(leases, namespace, name)).toBeDefined();
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'lists leases among the api-resources',
    async () => {
      const sim = await cluster();

      const result = await kubectl(sim, 'api-resources');

      expect(result.code).toBe(0);
      const rows = lines(result.stdout).map(columns);
      expect(rows).toContainEqual(['leases', 'coordination.k8s.io/v1', 'true', 'Lease']);
      expect(rows).toContainEqual(['nodes', 'no', 'v1', 'false', 'Node']);
    },
    KUBECTL_TIMEOUT_MS,
  );
});

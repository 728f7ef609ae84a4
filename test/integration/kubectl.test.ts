import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { startTestCluster } from '../support/sim.ts';

const run = promisify(execFile);
const KUBECTL = 'kubectl';
const KUBECTL_TIMEOUT_MS = 30_000;
const NODE_LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';

const running: SimCluster[] = [];
let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lease-reaper-kubectl-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

/** A simulated cluster (the default scenario: ~200 nodes, every kind of lease) and its kubeconfig files. */
async function cluster() {
  const sim = await startTestCluster(defaultScenario);
  running.push(sim);
  const admin = join(dir, 'admin.kubeconfig');
  const readOnly = join(dir, 'read-only.kubeconfig');
  await sim.writeKubeconfig(admin);
  await sim.writeKubeconfig(readOnly, { user: 'read-only' });
  return { sim, admin, readOnly };
}

interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl; a missing binary fails the test with a message that says so. */
async function kubectl(kubeconfig: string, ...args: string[]): Promise<KubectlResult> {
  try {
    const { stdout, stderr } = await run(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
      {
        timeout: KUBECTL_TIMEOUT_MS - 5_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, KUBECONFIG: '' },
      },
    );
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { code?: unknown; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `kubectl was not found on PATH (${process.env.PATH}); these tests need the real kubectl binary (e.g. /usr/bin/kubectl)`,
      );
    }
    if (typeof e.code === 'number')
      return { exitCode: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    throw error;
  }
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim().length > 0);
const columns = (line: string) => line.trim().split(/\s+/);

describe('kubectl against the simulated cluster', () => {
  it(
    'lists every lease with get leases -A, under a header line',
    async () => {
      const { sim, admin } = await cluster();

      const result = await kubectl(admin, 'get', 'leases', '-A');

      expect(result.exitCode).toBe(0);
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
      const { sim, admin } = await cluster();
      const stale = new Set([
        ...(sim.seeded?.staleNodeHeartbeats ?? []).map((k) => k.split('/')[1]),
        ...(sim.seeded?.nodesWithoutLease ?? []),
      ]);

      const result = await kubectl(admin, 'get', 'nodes');

      expect(result.exitCode).toBe(0);
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
      const { sim, admin } = await cluster();
      const stale = [
        ...(sim.seeded?.staleNodeHeartbeats ?? []).map((k) => k.split('/')[1] ?? ''),
        ...(sim.seeded?.nodesWithoutLease ?? []),
      ];
      expect(stale.length).toBeGreaterThan(0);

      const result = await kubectl(admin, 'get', 'nodes', ...stale);

      expect(result.exitCode).toBe(0);
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
      const { sim, admin } = await cluster();
      sim.faults.add({ action: { type: 'latency', ms: 0 }, match: { path: NODE_LEASES } });
      const nodeLeases = sim.seeded?.counts.nodeLeases ?? -1;

      const result = await kubectl(admin, 'get', 'leases', '-n', 'kube-node-lease', '--chunk-size', '7');

      expect(result.exitCode).toBe(0);
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
      const { sim, admin } = await cluster();
      const [namespace = '', name = ''] = (sim.seeded?.leaderLeases.live[0] ?? '').split('/');
      const stored = sim.store.get(leases, namespace, name);

      const result = await kubectl(admin, 'get', 'lease', name, '-n', namespace, '-o', 'json');

      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(stored?.obj);
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'deletes a lease with delete lease, printing deleted',
    async () => {
      const { sim, admin } = await cluster();
      const [namespace = '', name = ''] = (sim.seeded?.leaderLeases.abandoned[0] ?? '').split('/');
      expect(sim.store.get(leases, namespace, name)).toBeDefined();

      const result = await kubectl(admin, 'delete', 'lease', name, '-n', namespace);

      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(`lease.coordination.k8s.io "${name}" deleted`);
      expect(sim.store.get(leases, namespace, name)).toBeUndefined();
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'refuses a delete by the read-only user with a Forbidden error',
    async () => {
      const { sim, readOnly } = await cluster();
      const [namespace = '', name = ''] = (sim.seeded?.leaderLeases.abandoned[0] ?? '').split('/');

      const result = await kubectl(readOnly, 'delete', 'lease', name, '-n', namespace);

      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('Error from server (Forbidden)');
      expect(result.stderr).toContain('cannot delete resource "leases"');
      expect(sim.store.get(leases, namespace, name)).toBeDefined();
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'lists leases among the api-resources',
    async () => {
      const { admin } = await cluster();

      const result = await kubectl(admin, 'api-resources');

      expect(result.exitCode).toBe(0);
      const rows = lines(result.stdout).map(columns);
      expect(rows).toContainEqual(['leases', 'coordination.k8s.io/v1', 'true', 'Lease']);
      expect(rows).toContainEqual(['nodes', 'no', 'v1', 'false', 'Node']);
    },
    KUBECTL_TIMEOUT_MS,
  );
});

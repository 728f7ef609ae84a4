import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterReap } from '../../shared/reap/reap-clusters.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { microTime } from '../../sim/kube-object.ts';
import { namespaceObject } from '../../sim/objects.ts';
import { namespaces } from '../../sim/resources.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { rawRequest } from '../support/raw-request.ts';
import { simClusters } from '../support/sim.ts';

/**
 * `reap --apply --archive DIR` keeps a tombstone of each lease before deleting it, and `restore --from FILE`
 * puts the leases back: through the bundled CLI, against the simulated cluster over HTTPS, the leases read
 * back with the real kubectl. The expected objects are the ones the test created, never the archive's.
 */

const clusters = simClusters();
const kubectl = kubectlRunner();
const DAY = 86_400_000;
const NS = 'payments';
const LEASES_PATH = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;

const policy = `
dryRun: false
namespaces:
  include: [${NS}]
maxDeletionsPerRun: 50
maxDeletionsPerCluster: 50
`;

/** What a lease's owner wrote, per lease: what a restore must give back. */
function ownerWritten(name: string, renewMs: number) {
  return {
    labels: { app: name, 'app.kubernetes.io/part-of': 'billing' },
    annotations: {
      'example.com/state': `{"shard":"${name}","epoch":42}`,
      'example.com/owner': 'team-payments',
    },
    spec: {
      holderIdentity: `${name}-6f9c8d7b5-q2w3e_2b7e1c9a-0d4f-4e8a-9b6c-5a3d2e1f0c9b`,
      leaseDurationSeconds: 15,
      acquireTime: microTime(renewMs - DAY),
      renewTime: microTime(renewMs),
      leaseTransitions: 3,
    },
  };
}

interface LeaseObject {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: unknown[];
  };
  spec: Record<string, unknown>;
}

async function start(names: readonly string[]) {
  const sim = await clusters.start({}, { name: 'archive' });
  if (!sim.store.get(namespaces, undefined, NS))
    sim.store.create(namespaces, namespaceObject(NS, sim.store.clock() - 30 * DAY));
  const written = new Map<string, ReturnType<typeof ownerWritten>>();
  for (const name of names) {
    const lease = ownerWritten(name, sim.store.clock() - 3 * DAY);
    written.set(name, lease);
    const res = await rawRequest(sim, 'POST', LEASES_PATH, {
      body: JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: NS, labels: lease.labels, annotations: lease.annotations },
        spec: lease.spec,
      }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status, res.body).toBe(201);
  }
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-archive-'));
  await writeFile(join(dir, 'policy.yaml'), policy, { mode: 0o600 });
  await writeFile(join(dir, 'kubeconfig'), sim.kubeconfig(), { mode: 0o600 });
  return { sim, dir, written, archive: join(dir, 'archive') };
}

const reap = (dir: string, args: readonly string[]) =>
  runCli([
    'reap',
    '--kubeconfig',
    join(dir, 'kubeconfig'),
    '--policy',
    join(dir, 'policy.yaml'),
    '-o',
    'json',
    ...args,
  ]);

const restore = (dir: string, args: readonly string[]) =>
  runCli(['restore', '--kubeconfig', join(dir, 'kubeconfig'), ...args]);

function okCluster(result: CliResult): Extract<ClusterReap, { status: 'ok' }> {
  const only = (JSON.parse(result.stdout) as { clusters: ClusterReap[] }).clusters[0];
  if (only?.status !== 'ok') throw new Error(`cluster not ok: ${result.stdout}\n${result.stderr}`);
  return only;
}

/** The leases as kubectl shows them (with --show-managed-fields when `managedFields`: kubectl hides them). */
async function leases(sim: SimCluster, managedFields = false): Promise<LeaseObject[]> {
  const res = await kubectl.run(sim, [
    'get',
    'leases',
    '-n',
    NS,
    '-o',
    'json',
    ...(managedFields ? ['--show-managed-fields'] : []),
  ]);
  expect(res.code, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as { items: LeaseObject[] }).items;
}

async function archiveFiles(archive: string): Promise<string[]> {
  return (await readdir(archive)).map((f) => join(archive, f));
}

const deleteRequests = (sim: SimCluster) =>
  sim.requests.filter((r) => r.method === 'DELETE' && r.url.startsWith(LEASES_PATH)).length;

describe('reap --apply --archive, then restore', () => {
  it(
    'keeps each lease whole before deleting it, and restore --apply gives back spec, labels and annotations',
    async () => {
      const names = ['billing-leader', 'invoice-leader', 'ledger-leader'];
      const { sim, dir, written, archive } = await start(names);
      const before = await leases(sim, true);
      expect(before).toHaveLength(3);

      const reaped = await reap(dir, ['--apply', '--archive', archive]);
      expect(reaped.code, reaped.stderr).toBe(0);
      const cluster = okCluster(reaped);
      expect(cluster.execution).toMatchObject({ deleted: 3, failed: 0 });
      expect(cluster.execution.actions.every((a) => a.archived === true)).toBe(true);
      expect(await leases(sim)).toEqual([]);

      // One file for the cluster, owner-only, a Tombstone before each DeleteResponse.
      const files = await archiveFiles(archive);
      expect(files).toHaveLength(1);
      const file = files[0] as string;
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const lines = (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              kind: string;
              lease?: LeaseObject;
              name?: string;
              outcome?: string;
              response?: { kind: string; status: string };
            },
        );
      expect(lines.map((l) => l.kind)).toEqual([
        'Tombstone',
        'DeleteResponse',
        'Tombstone',
        'DeleteResponse',
        'Tombstone',
        'DeleteResponse',
      ]);
      // The tombstone is the object exactly as the server held it, managedFields and all.
      const tombstones = lines.filter((l) => l.kind === 'Tombstone').map((l) => l.lease);
      expect(tombstones.sort(byName)).toEqual(before.sort(byName));
      for (const response of lines.filter((l) => l.kind === 'DeleteResponse'))
        expect(response).toMatchObject({
          outcome: 'deleted',
          response: { kind: 'Status', status: 'Success' },
        });

      // A dry run creates nothing.
      const dry = await restore(dir, ['--from', file, '-o', 'json']);
      expect(dry.code, dry.stderr).toBe(0);
      const dryActions = JSON.parse(dry.stdout) as {
        dryRun: boolean;
        actions: { name: string; result: string }[];
      };
      expect(dryActions.dryRun).toBe(true);
      expect(dryActions.actions.map((a) => [a.name, a.result]).sort()).toEqual(
        names.map((n) => [n, 'wouldRestore']),
      );
      expect(await leases(sim)).toEqual([]);

      const applied = await restore(dir, ['--from', file, '--apply']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toContain('3 restored');
      const after = await leases(sim);
      expect(after.map((l) => l.metadata.name).sort()).toEqual(names);
      for (const lease of after) {
        const original = written.get(lease.metadata.name);
        const was = before.find((b) => b.metadata.name === lease.metadata.name);
        expect(lease.spec).toEqual(original?.spec);
        expect(lease.metadata.labels).toEqual(original?.labels);
        expect(lease.metadata.annotations).toEqual(original?.annotations);
        // A new object: the server set its own uid and resourceVersion.
        expect(lease.metadata.uid).not.toBe(was?.metadata.uid);
      }
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'restore leaves a lease that exists as it is, and restores the others',
    async () => {
      const names = ['billing-leader', 'invoice-leader'];
      const { sim, dir, archive } = await start(names);
      expect(okCluster(await reap(dir, ['--apply', '--archive', archive])).execution.deleted).toBe(2);
      const [file] = await archiveFiles(archive);
      // Someone else's billing-leader, made after the reap: not ours to overwrite.
      const theirs = ownerWritten('billing-leader', sim.store.clock());
      const made = await rawRequest(sim, 'POST', LEASES_PATH, {
        body: JSON.stringify({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'billing-leader', namespace: NS, labels: { app: 'someone-else' } },
          spec: { ...theirs.spec, holderIdentity: 'someone-else' },
        }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(made.status, made.body).toBe(201);
      const existing = JSON.parse(made.body) as LeaseObject;

      const sentBefore = sim.requests.length;
      const result = await restore(dir, ['--from', file as string, '--apply', '-o', 'json']);
      expect(result.code, result.stderr).toBe(0);
      const actions = (
        JSON.parse(result.stdout) as { actions: { name: string; result: string; detail?: string }[] }
      ).actions;
      expect(actions.map((a) => [a.name, a.result]).sort()).toEqual([
        ['billing-leader', 'exists'],
        ['invoice-leader', 'restored'],
      ]);
      const now = await leases(sim);
      const billing = now.find((l) => l.metadata.name === 'billing-leader');
      expect(billing?.metadata.resourceVersion).toBe(existing.metadata.resourceVersion);
      expect(billing?.spec.holderIdentity).toBe('someone-else');
      // One create was sent (invoice-leader's); billing-leader was found and never written to.
      const creates = sim.requests.slice(sentBefore).filter((r) => r.method === 'POST');
      expect(creates).toHaveLength(1);
    },
    KUBECTL_TIMEOUT_MS,
  );

  it('a tombstone that cannot be written stops the delete: every lease stays, unchanged', async () => {
    const names = ['billing-leader', 'invoice-leader', 'ledger-leader'];
    const { sim, dir, archive } = await start(names);
    const before = await leases(sim);
    // Every file name the run could choose in the next two minutes is a directory: the write fails (EISDIR).
    const cluster = 'archive';
    await mkdir(archive, { recursive: true });
    const startMs = Date.now();
    for (let s = -2; s < 120; s++) {
      const stamp = new Date(startMs + s * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      await mkdir(join(archive, `${cluster}.${stamp}.jsonl`), { recursive: true });
    }

    const result = await reap(dir, ['--apply', '--archive', archive]);
    expect(result.code).toBe(2);
    const execution = okCluster(result).execution;
    expect(execution.cluster).toBe(cluster);
    expect(execution).toMatchObject({ deleted: 0, failed: 1, notAttempted: 2 });
    const [first, ...rest] = execution.actions;
    expect(first?.detail).toContain('its tombstone could not be written, so no delete was sent');
    expect(first?.detail).toContain('EISDIR');
    for (const a of rest) expect(a.detail).toBe('a tombstone could not be kept in this cluster');
    expect(deleteRequests(sim)).toBe(0);
    const after = await leases(sim);
    expect(after.map((l) => [l.metadata.name, l.metadata.resourceVersion])).toEqual(
      before.map((l) => [l.metadata.name, l.metadata.resourceVersion]),
    );
  });

  it('a saved plan applied with --archive keeps each tombstone too', async () => {
    const { sim, dir, archive } = await start(['billing-leader', 'invoice-leader']);
    const before = await leases(sim, true);
    const planFile = join(dir, 'plan.json');
    const planned = await reap(dir, ['--plan-out', planFile]);
    expect(planned.code, planned.stderr).toBe(0);

    const applied = await runCli([
      'reap',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--apply',
      '--plan',
      planFile,
      '--archive',
      archive,
      '-o',
      'json',
    ]);

    expect(applied.code, applied.stderr).toBe(0);
    expect(okCluster(applied).execution.deleted).toBe(2);
    const [file, ...others] = await archiveFiles(archive);
    expect(others).toEqual([]);
    const kept = (await readFile(file as string, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; lease?: LeaseObject })
      .filter((l) => l.kind === 'Tombstone')
      .map((l) => l.lease);
    expect(kept.sort(byName)).toEqual(before.sort(byName));
  });

  it('a dry run keeps no tombstone and deletes nothing', async () => {
    const { sim, dir, archive } = await start(['billing-leader']);
    const before = await leases(sim);

    const result = await reap(dir, ['--archive', archive]);
    expect(result.code, result.stderr).toBe(0);
    expect(okCluster(result).execution).toMatchObject({ dryRun: true, deleted: 1 });
    expect(await archiveFiles(archive)).toEqual([]);
    expect((await leases(sim)).map((l) => l.metadata.resourceVersion)).toEqual(
      before.map((l) => l.metadata.resourceVersion),
    );
  });
});

const byName = (a: LeaseObject | undefined, b: LeaseObject | undefined) =>
  (a?.metadata.name ?? '').localeCompare(b?.metadata.name ?? '');

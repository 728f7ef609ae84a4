import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ClusterReap } from '../../shared/reap/reap-clusters.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { microTime } from '../../sim/kube-object.ts';
import { namespaceObject, podObject } from '../../sim/objects.ts';
import { namespaces, pods } from '../../sim/resources.ts';
import { type CliResult, runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { rawRequest } from '../support/raw-request.ts';
import { startRewritingProxy } from '../support/rewriting-proxy.ts';
import { simClusters } from '../support/sim.ts';

/**
 * `lease-reaper reap --apply` through the bundled CLI against a simulated cluster, one guard at a time: a
 * lease the policy would otherwise delete (abandoned for days, in an included namespace) carries one
 * protection and must be there afterwards, unchanged (read back over HTTPS: same uid and resourceVersion),
 * while an otherwise identical control lease without it is deleted in the same run — so the run really
 * deletes. Leases are created over HTTPS, so the sim validates them as kube-apiserver does.
 */

const clusters = simClusters();
const DAY = 86_400_000;
const LEASES = '/apis/coordination.k8s.io/v1';
const PROTECT = 'lease-reaper.io/protect';

/** Deletes abandoned leases in payments (and two allowed kube-system leases), orphaned node leases too. */
const policy = `
dryRun: false
namespaces:
  include: [payments, kube-system]
allowSystemLeases: [kube-system/old-ccm, kube-system/old-ccm-twin]
reapOrphanedNodeLeases: true
maxDeletionsPerRun: 50
maxDeletionsPerCluster: 50
`;

interface ReapReport {
  dryRun: boolean;
  clusters: ClusterReap[];
}

interface LeaseSpec {
  namespace?: string;
  name: string;
  /** holderIdentity; default `<name>-6f9c8d7b5-q2w3e_<uuid>`, a Pod that does not exist. */
  holder?: string;
  renewAgoMs?: number;
  durationSeconds?: number;
  annotations?: Record<string, string>;
  strategy?: string;
  preferredHolder?: string;
  ownerReferences?: unknown[];
}

interface Created {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
}

const podOf = (name: string) => `${name}-6f9c8d7b5-q2w3e`;
const holderFor = (name: string) => `${podOf(name)}_2b7e1c9a-0d4f-4e8a-9b6c-5a3d2e1f0c9b`;

async function start(
  name: string,
  options: Parameters<typeof clusters.start>[1] = {},
): Promise<{ sim: SimCluster; kubeconfig: string }> {
  const sim = await clusters.start({}, { name, ...options });
  if (!sim.store.get(namespaces, undefined, 'payments'))
    sim.store.create(namespaces, namespaceObject('payments', sim.store.clock() - 30 * DAY));
  return { sim, kubeconfig: await writeFleetKubeconfig([sim]) };
}

/** Creates a lease over HTTPS as its holder wrote it, renewed `renewAgoMs` ago (default: three days). */
async function createLease(sim: SimCluster, l: LeaseSpec): Promise<Created> {
  const namespace = l.namespace ?? 'payments';
  const now = sim.store.clock();
  const renewMs = now - (l.renewAgoMs ?? 3 * DAY);
  const body = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: l.name,
      namespace,
      ...(l.annotations ? { annotations: l.annotations } : {}),
      ...(l.ownerReferences ? { ownerReferences: l.ownerReferences } : {}),
    },
    spec: {
      holderIdentity: l.holder ?? holderFor(l.name),
      leaseDurationSeconds: l.durationSeconds ?? 15,
      acquireTime: microTime(renewMs - DAY),
      renewTime: microTime(renewMs),
      leaseTransitions: 0,
      ...(l.strategy ? { strategy: l.strategy } : {}),
      ...(l.preferredHolder ? { preferredHolder: l.preferredHolder } : {}),
    },
  };
  const res = await rawRequest(sim, 'POST', `${LEASES}/namespaces/${namespace}/leases`, {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  expect(res.status, res.body).toBe(201);
  const meta = (JSON.parse(res.body) as { metadata: { uid: string; resourceVersion: string } }).metadata;
  return { namespace, name: l.name, uid: meta.uid, resourceVersion: meta.resourceVersion };
}

/** The lease as the API server serves it now (GET over HTTPS): uid@resourceVersion, or 'gone' on 404. */
async function readBack(sim: SimCluster, l: { namespace: string; name: string }): Promise<string> {
  const res = await rawRequest(sim, 'GET', `${LEASES}/namespaces/${l.namespace}/leases/${l.name}`);
  if (res.status === 404) return 'gone';
  expect(res.status, res.body).toBe(200);
  const meta = (JSON.parse(res.body) as { metadata: { uid: string; resourceVersion: string } }).metadata;
  return `${meta.uid}@${meta.resourceVersion}`;
}

const unchanged = (l: Created) => `${l.uid}@${l.resourceVersion}`;

async function reapApply(kubeconfig: string, extra: readonly string[] = []): Promise<CliResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-guards-'));
  const file = join(dir, 'policy.yaml');
  await writeFile(file, policy, { mode: 0o600 });
  return runCli(['reap', '--kubeconfig', kubeconfig, '--policy', file, '--apply', '-o', 'json', ...extra]);
}

function okCluster(result: CliResult): Extract<ClusterReap, { status: 'ok' }> {
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as ReapReport;
  expect(report.dryRun).toBe(false);
  const only = report.clusters[0];
  if (only?.status !== 'ok') throw new Error(`cluster not ok: ${JSON.stringify(only)}`);
  return only;
}

const key = (l: { namespace: string; name: string }) => `${l.namespace}/${l.name}`;
const skipOf = (c: Extract<ClusterReap, { status: 'ok' }>, l: { namespace: string; name: string }) =>
  c.plan.skipped.find((s) => key(s) === key(l))?.skip;
/** DELETE requests the API server received for exactly this lease. */
const deletesOf = (sim: SimCluster, l: { namespace: string; name: string }) =>
  sim.requests.filter(
    (r) =>
      r.method === 'DELETE' && r.url.split('?')[0] === `${LEASES}/namespaces/${l.namespace}/leases/${l.name}`,
  ).length;

describe('reap --apply keeps a protected lease and deletes its unprotected twin', () => {
  it('keeps leases annotated lease-reaper.io/protect with any value but a clear "false"', async () => {
    // Prepare: the annotation fails closed (shared/reap/protect-annotation.ts): only the exact false spellings unprotect
    const { sim, kubeconfig } = await start('protect');
    const protectedValues = ['true', '', 'yes', ' false', 'False ', 'off'];
    const unprotectedValues = ['false', 'NO', '0'];
    const kept = await Promise.all(
      protectedValues.map((v, i) =>
        createLease(sim, { name: `protected-${i}`, annotations: { [PROTECT]: v } }),
      ),
    );
    const deleted = await Promise.all([
      createLease(sim, { name: 'control' }),
      ...unprotectedValues.map((v, i) =>
        createLease(sim, { name: `unprotected-${i}`, annotations: { [PROTECT]: v } }),
      ),
    ]);

    // Act
    const cluster = okCluster(await reapApply(kubeconfig));

    // Assess
    expect(kept).toHaveLength(protectedValues.length);
    for (const l of kept) {
      expect(await readBack(sim, l), key(l)).toBe(unchanged(l));
      expect(skipOf(cluster, l), key(l)).toBe('protected');
      expect(deletesOf(sim, l), key(l)).toBe(0);
    }
    expect(deleted).toHaveLength(1 + unprotectedValues.length);
    for (const l of deleted) expect(await readBack(sim, l), key(l)).toBe('gone');
    expect(cluster.execution).toMatchObject({ deleted: deleted.length, changed: 0 });
  });
});

describe('reap --apply never deletes a coordinated lease', () => {
  it('keeps leader leases with spec.strategy (with or without spec.preferredHolder); deletes the same lease without', async () => {
    // Prepare: a sim that keeps the coordinated fields on write (CoordinatedLeaderElection on, 1.33)
    const { sim, kubeconfig } = await start('coordinated', {
      coordinatedLeaderElection: { kubernetesMinor: 33 },
    });
    const kept = [
      await createLease(sim, { name: 'by-strategy', strategy: 'OldestEmulationVersion' }),
      // preferredHolder is valid only beside a strategy (ValidateLeaseSpec, pkg/apis/coordination/validation)
      await createLease(sim, {
        name: 'with-preferred-holder',
        strategy: 'OldestEmulationVersion',
        preferredHolder: holderFor('with-preferred-holder'),
      }),
    ];
    const control = await createLease(sim, { name: 'control' });

    // Act
    const cluster = okCluster(await reapApply(kubeconfig));

    // Assess
    for (const l of kept) {
      expect(await readBack(sim, l), key(l)).toBe(unchanged(l));
      expect(deletesOf(sim, l), key(l)).toBe(0);
    }
    expect(await readBack(sim, control)).toBe('gone');
    expect(cluster.execution).toMatchObject({ deleted: 1 });
  });

  it('keeps an orphaned node lease that carries spec.strategy, which the audit files as a heartbeat', async () => {
    // Prepare: kube-node-lease leases are judged as kubelet heartbeats first; only the planner's own check of
    // the lease's fields tells this one is coordinated. No Node exists and no owner: both are orphans.
    const { sim, kubeconfig } = await start('coordinated-node', {
      coordinatedLeaderElection: { kubernetesMinor: 33 },
    });
    const node = (name: string, strategy?: string) =>
      createLease(sim, {
        namespace: 'kube-node-lease',
        name,
        holder: name,
        durationSeconds: 40,
        ...(strategy ? { strategy } : {}),
      });
    const kept = await node('ip-10-0-0-1.ec2.internal', 'OldestEmulationVersion');
    const control = await node('ip-10-0-0-2.ec2.internal');

    // Act
    const cluster = okCluster(await reapApply(kubeconfig));

    // Assess
    expect(await readBack(sim, kept)).toBe(unchanged(kept));
    expect(skipOf(cluster, kept)).toBe('coordinated');
    expect(deletesOf(sim, kept)).toBe(0);
    expect(await readBack(sim, control)).toBe('gone');
  });
});

describe('reap --apply never deletes a lease whose holder Pod has not finished', () => {
  it('keeps leases held by a Running, Pending or Unknown Pod; deletes those of Succeeded, Failed or absent Pods', async () => {
    // Prepare: Pods are listed with status.phase!=Succeeded,status.phase!=Failed — a Pod in any other
    // phase may still renew (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase)
    const { sim, kubeconfig } = await start('holder');
    const withPod = async (name: string, phase: string | undefined) => {
      if (phase)
        sim.store.create(
          pods,
          podObject('payments', podOf(name), 'ip-10-0-0-9.ec2.internal', phase, sim.store.clock() - DAY),
        );
      return createLease(sim, { name });
    };
    const kept = [
      await withPod('running', 'Running'),
      await withPod('pending', 'Pending'),
      await withPod('unknown', 'Unknown'),
    ];
    const deleted = [
      await withPod('succeeded', 'Succeeded'),
      await withPod('failed', 'Failed'),
      await withPod('control', undefined),
    ];

    // Act
    const cluster = okCluster(await reapApply(kubeconfig));

    // Assess
    for (const l of kept) {
      expect(await readBack(sim, l), key(l)).toBe(unchanged(l));
      expect(deletesOf(sim, l), key(l)).toBe(0);
    }
    for (const l of deleted) expect(await readBack(sim, l), key(l)).toBe('gone');
    expect(cluster.execution).toMatchObject({ deleted: deleted.length });
  });

  it('keeps an allowed kube-system lease whose holder Pod runs, which the audit does not look up', async () => {
    // Prepare: the audit takes kube-system holders for control-plane hosts and checks no Pod for them; the
    // planner checks the listed Pods itself. The twin's holder Pod is gone.
    const { sim, kubeconfig } = await start('holder-system');
    sim.store.create(
      pods,
      podObject(
        'kube-system',
        podOf('old-ccm'),
        'ip-10-0-0-9.ec2.internal',
        'Running',
        sim.store.clock() - DAY,
      ),
    );
    const kept = await createLease(sim, { namespace: 'kube-system', name: 'old-ccm' });
    const control = await createLease(sim, { namespace: 'kube-system', name: 'old-ccm-twin' });

    // Act
    const cluster = okCluster(await reapApply(kubeconfig));

    // Assess
    expect(await readBack(sim, kept)).toBe(unchanged(kept));
    expect(skipOf(cluster, kept)).toBe('holderRunning');
    expect(deletesOf(sim, kept)).toBe(0);
    expect(await readBack(sim, control)).toBe('gone');
  });
});

describe('reap --apply deletes only the lease exactly as listed', () => {
  it('keeps a lease renewed between the list and its delete (the resourceVersion moved); deletes its untouched twin', async () => {
    // Prepare: every DELETE waits 1.5 s at the server; the first one to arrive is the cue to renew the target
    const { sim, kubeconfig } = await start('race');
    const target = await createLease(sim, { name: 'renewed' });
    const control = await createLease(sim, { name: 'control' });
    sim.faults.add({ action: { type: 'latency', ms: 1_500 }, match: { method: 'DELETE' } });

    // Act
    const run = reapApply(kubeconfig);
    const deadline = Date.now() + 30_000;
    while (sim.faults.hits.latency === 0 && Date.now() < deadline) await sleep(10);
    const renew = await rawRequest(sim, 'PATCH', `${LEASES}/namespaces/payments/leases/renewed`, {
      body: JSON.stringify({ spec: { renewTime: microTime(sim.store.clock()) } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    const cluster = okCluster(await run);

    // Assess
    expect(renew.status, renew.body).toBe(200);
    const renewedVersion = (JSON.parse(renew.body) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    expect(renewedVersion).not.toBe(target.resourceVersion);
    expect(deletesOf(sim, target)).toBe(1);
    expect(await readBack(sim, target)).toBe(`${target.uid}@${renewedVersion}`);
    expect(await readBack(sim, control)).toBe('gone');
    expect(cluster.execution).toMatchObject({ deleted: 1, changed: 1 });
  });

  it('never deletes a lease the server listed without a resourceVersion; deletes its twin listed with one', async () => {
    // Prepare: a proxy in front of the sim drops metadata.resourceVersion from one lease in every lease list
    const { sim } = await start('no-version');
    const target = await createLease(sim, { name: 'unversioned' });
    const control = await createLease(sim, { name: 'control' });
    const proxy = await startRewritingProxy(sim, (path, body) => {
      if (!path.endsWith('/leases') || !Array.isArray(body.items)) return undefined;
      const items = (body.items as { metadata: Record<string, unknown> }[]).map((item) => {
        if (item.metadata.name !== target.name) return item;
        const { resourceVersion: _dropped, ...metadata } = item.metadata;
        return { ...item, metadata };
      });
      return { ...body, items };
    });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-guards-'));
      const kubeconfig = join(dir, 'proxy.kubeconfig');
      await writeFile(kubeconfig, proxy.kubeconfig, { mode: 0o600 });

      // Act
      const cluster = okCluster(await reapApply(kubeconfig));

      // Assess
      expect(proxy.rewritten()).toBeGreaterThan(0);
      expect(deletesOf(sim, target)).toBe(0);
      expect(await readBack(sim, target)).toBe(unchanged(target));
      expect(await readBack(sim, control)).toBe('gone');
      expect(cluster.execution).toMatchObject({ deleted: 1 });
    } finally {
      await proxy.close();
    }
  });
});

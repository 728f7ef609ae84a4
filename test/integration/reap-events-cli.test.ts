import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rbacRules } from '../../shared/kube/rbac-manifest.ts';
import type { ClusterReap } from '../../shared/reap/reap-clusters.ts';
import type { SimPolicyRule } from '../../sim/api-server.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { microTime } from '../../sim/kube-object.ts';
import { namespaceObject } from '../../sim/objects.ts';
import { events, namespaces } from '../../sim/resources.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { rawRequest } from '../support/raw-request.ts';
import { simClusters } from '../support/sim.ts';

/**
 * `lease-reaper reap --apply` through the bundled CLI records one Kubernetes Event per deleted lease, and
 * `kubectl get events` (the real kubectl, reading core/v1 Events) shows them in the lease's namespace. Events
 * are best effort: a caller RBAC refuses them still deletes, and reports each Event it could not write.
 */

const clusters = simClusters();
const kubectl = kubectlRunner();
const DAY = 86_400_000;
const NS = 'payments';
const LEASES = ['billing-leader', 'invoice-leader', 'ledger-leader'];
const EVENTS_POST = `/apis/events.k8s.io/v1/namespaces/${NS}/events`;

const policy = (extra = '') => `
dryRun: false
namespaces:
  include: [${NS}]
maxDeletionsPerRun: 50
maxDeletionsPerCluster: 50
${extra}`;

interface Created {
  name: string;
  uid: string;
  resourceVersion: string;
}

interface CoreEvent {
  metadata: { name: string; namespace: string };
  involvedObject: Record<string, string>;
  reason: string;
  message: string;
  type: string;
  reportingComponent: string;
  action: string;
}

/** A cluster with `payments` and the three abandoned leases (created over HTTPS, renewed three days ago). */
async function start(extraUsers: { token: string; rules: readonly SimPolicyRule[] }[] = []) {
  const sim = await clusters.start(
    {},
    { name: 'events', extraUsers: extraUsers.map((u) => ({ ...u, name: 'lease-reaper-under-test' })) },
  );
  if (!sim.store.get(namespaces, undefined, NS))
    sim.store.create(namespaces, namespaceObject(NS, sim.store.clock() - 30 * DAY));
  const created: Created[] = [];
  for (const name of LEASES) created.push(await createLease(sim, name));
  return { sim, created };
}

async function createLease(sim: SimCluster, name: string): Promise<Created> {
  const renewMs = sim.store.clock() - 3 * DAY;
  const body = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: NS },
    spec: {
      holderIdentity: `${name}-6f9c8d7b5-q2w3e_2b7e1c9a-0d4f-4e8a-9b6c-5a3d2e1f0c9b`,
      leaseDurationSeconds: 15,
      acquireTime: microTime(renewMs - DAY),
      renewTime: microTime(renewMs),
      leaseTransitions: 0,
    },
  };
  const res = await rawRequest(sim, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  expect(res.status, res.body).toBe(201);
  const meta = (JSON.parse(res.body) as { metadata: { uid: string; resourceVersion: string } }).metadata;
  return { name, uid: meta.uid, resourceVersion: meta.resourceVersion };
}

/** The sim's kubeconfig with its user's token replaced: a caller the sim knows by `extraUsers`. */
function withToken(sim: SimCluster, token: string): string {
  const doc = JSON.parse(sim.kubeconfig()) as { users: { user: { token: string } }[] };
  for (const u of doc.users) u.user.token = token;
  return JSON.stringify(doc);
}

async function reap(
  sim: SimCluster,
  args: readonly string[],
  options: { policy?: string; token?: string } = {},
): Promise<CliResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-events-'));
  const policyFile = join(dir, 'policy.yaml');
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(policyFile, options.policy ?? policy(), { mode: 0o600 });
  await writeFile(kubeconfig, options.token ? withToken(sim, options.token) : sim.kubeconfig(), {
    mode: 0o600,
  });
  return runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policyFile, '-o', 'json', ...args]);
}

function okCluster(result: CliResult): Extract<ClusterReap, { status: 'ok' }> {
  expect(result.code, result.stderr).toBe(0);
  const only = (JSON.parse(result.stdout) as { clusters: ClusterReap[] }).clusters[0];
  if (only?.status !== 'ok') throw new Error(`cluster not ok: ${JSON.stringify(only)}`);
  return only;
}

const eventPosts = (sim: SimCluster) =>
  sim.requests.filter((r) => r.method === 'POST' && r.url.startsWith(EVENTS_POST)).length;

async function coreEvents(sim: SimCluster): Promise<CoreEvent[]> {
  const json = await kubectl.run(sim, ['get', 'events', '-n', NS, '-o', 'json']);
  expect(json.code, json.stderr).toBe(0);
  return (JSON.parse(json.stdout) as { items: CoreEvent[] }).items;
}

describe('reap --apply records a Kubernetes Event per deletion', () => {
  it(
    'kubectl get events shows exactly one LeaseReaped event per deleted lease, with its name and reason',
    async () => {
      const { sim, created } = await start();

      const cluster = okCluster(await reap(sim, ['--apply']));

      expect(cluster.execution).toMatchObject({ deleted: 3, eventsRecorded: 3, eventsFailed: 0 });
      const table = await kubectl.run(sim, ['get', 'events', '-n', NS]);
      expect(table.code, table.stderr).toBe(0);
      const lines = table.stdout.trim().split('\n');
      expect(lines[0]?.split(/\s{2,}/)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      const rows = lines.slice(1).map((l) => l.split(/\s{2,}/));
      expect(rows.map((r) => r.slice(1, 4)).sort()).toEqual([
        ['Normal', 'LeaseReaped', 'lease/billing-leader'],
        ['Normal', 'LeaseReaped', 'lease/invoice-leader'],
        ['Normal', 'LeaseReaped', 'lease/ledger-leader'],
      ]);

      const items = await coreEvents(sim);
      expect(items).toHaveLength(3);
      for (const lease of created) {
        const mine = items.filter((e) => e.involvedObject.name === lease.name);
        expect(mine).toHaveLength(1);
        const [event] = mine as [CoreEvent];
        const action = cluster.execution.actions.find((a) => a.name === lease.name);
        expect(event).toMatchObject({
          type: 'Normal',
          reason: 'LeaseReaped',
          action: 'Delete',
          reportingComponent: 'lease-reaper',
          involvedObject: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            namespace: NS,
            name: lease.name,
            uid: lease.uid,
            resourceVersion: lease.resourceVersion,
          },
        });
        // The finding's reason, word for word: an abandoned leader lease, said as the planner says it.
        expect(event.message).toBe(action?.reason);
        expect(event.message).toMatch(/abandoned|expired/);
        expect(event.metadata.name).toMatch(new RegExp(`^${lease.name}\\.[0-9a-f]+$`));
        expect(action?.kubernetesEvent).toEqual({ recorded: event.metadata.name });
      }
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'a dry run records no Event',
    async () => {
      const { sim } = await start();

      const cluster = okCluster(await reap(sim, []));

      expect(cluster.execution).toMatchObject({
        dryRun: true,
        deleted: 3,
        eventsRecorded: 0,
        eventsFailed: 0,
      });
      expect(eventPosts(sim)).toBe(0);
      expect(sim.store.count(events)).toBe(0);
      const table = await kubectl.run(sim, ['get', 'events', '-n', NS]);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stderr.trim()).toBe(`No resources found in ${NS} namespace.`);
    },
    KUBECTL_TIMEOUT_MS,
  );

  it('a token RBAC refuses Events still deletes every lease, and reports each missing Event', async () => {
    const token = 'reap-without-events-0123456789abcdef';
    const withoutEvents = rbacRules(true).filter((r) => !r.apiGroups.includes('events.k8s.io'));
    expect(withoutEvents).toHaveLength(rbacRules(true).length - 1);
    const { sim } = await start([{ token, rules: withoutEvents }]);

    const json = await reap(sim, ['--apply'], { token });
    const cluster = okCluster(json);

    expect(cluster.execution).toMatchObject({ deleted: 3, failed: 0, eventsRecorded: 0, eventsFailed: 3 });
    const [first, ...rest] = cluster.execution.actions;
    expect(first?.outcome).toBe('deleted');
    const refusal =
      first?.kubernetesEvent && 'failed' in first.kubernetesEvent ? first.kubernetesEvent.failed : '';
    expect(refusal).toContain('forbidden (403)');
    expect(refusal).toContain('cannot create resource "events" in API group "events.k8s.io"');
    // RBAC refuses them all: after the first 403 the others are not sent.
    for (const a of rest)
      expect(a).toMatchObject({
        outcome: 'deleted',
        kubernetesEvent: { failed: 'not sent: RBAC refused an earlier event in this cluster' },
      });
    expect(eventPosts(sim)).toBe(1);
    expect(sim.store.count(events)).toBe(0);

    // The table says it after the tables; the leases are gone all the same.
    const { sim: again } = await start([{ token, rules: withoutEvents }]);
    const table = await reap(again, ['--apply', '-o', 'table'], { token });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(
      'cluster events: 3 of 3 deletions recorded no Kubernetes Event (the leases are deleted): ',
    );
  });

  it('--no-record-events, or recordEvents: false in the policy, records none', async () => {
    const { sim: byFlag } = await start();
    const flagged = okCluster(await reap(byFlag, ['--apply', '--no-record-events']));
    expect(flagged.execution).toMatchObject({ deleted: 3, eventsRecorded: 0, eventsFailed: 0 });
    expect(flagged.execution.actions.every((a) => a.kubernetesEvent === undefined)).toBe(true);
    expect(eventPosts(byFlag)).toBe(0);

    const { sim: byPolicy } = await start();
    const result = await reap(byPolicy, ['--apply'], { policy: policy('recordEvents: false') });
    const cluster = okCluster(result);
    expect(cluster.execution).toMatchObject({ deleted: 3, eventsRecorded: 0, eventsFailed: 0 });
    expect((JSON.parse(result.stdout) as { policy: { recordEvents: boolean } }).policy.recordEvents).toBe(
      false,
    );
    expect(eventPosts(byPolicy)).toBe(0);
    expect(byPolicy.store.count(events)).toBe(0);
  });
});

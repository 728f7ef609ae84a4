import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { ClusterForbiddenError } from '../../shared/errors.ts';
import { auditClusters, type ClusterResult } from '../../shared/fleet/audit-clusters.ts';
import type { ClusterTarget } from '../../shared/fleet/cluster-target.ts';
import { type ClusterSnapshot, readClusterSnapshot } from '../../shared/kube/cluster-snapshot.ts';
import { rbacRules } from '../../shared/kube/rbac-manifest.ts';
import { type ClusterReap, reapClusters } from '../../shared/reap/reap-clusters.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import type { SimPolicyRule } from '../../sim/api-server.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { events, leases } from '../../sim/resources.ts';
import { emptyScenario, type ScenarioSpec } from '../../sim/scenario.ts';
import { clientFor, simClusters, simTarget } from '../support/sim.ts';

/**
 * The RBAC the `rbac` command prints is the contract with every cluster: too little and the audit or the
 * reaper breaks in production; too much and a compromised function can do more than it needs. These tests
 * run the real code paths (snapshot, audit, reap) over HTTPS as callers holding exactly those rules, in a
 * simulated cluster that authorizes each request per (API group, resource, verb) like RBAC does.
 */

const clusters = simClusters();

/** A small cluster with a little of everything the audit judges, and abandoned leases to reap. */
const scenario: ScenarioSpec = {
  ...emptyScenario,
  nodes: 4,
  staleNodes: 1,
  orphanedNodeLeases: 2,
  nodesWithoutLease: 1,
  liveApiServers: 1,
  expiredApiServers: 1,
  systemLeaderLeases: 1,
  workloadLeases: 3,
  abandonedLeases: 6,
  expiredLeases: 1,
  malformedLeases: 1,
  // Seeding LeaseCandidates makes the cluster serve them (coordinated leader election on).
  staleLeaseCandidates: 1,
  coordinatedLeasesWithoutCandidate: 1,
};

/** The namespace the reap policy names; the scenario puts abandoned leases (and a live one) there. */
const REAPED_NAMESPACE = 'payments';

interface Permission {
  group: string;
  resource: string;
  verb: string;
}

const label = (p: Permission) => `${p.group || 'core'}/${p.resource}/${p.verb}`;

/** Every (group, resource, verb) the rules grant. */
function permissionsOf(rules: readonly SimPolicyRule[]): Permission[] {
  return rules.flatMap((r) =>
    r.apiGroups.flatMap((group) =>
      r.resources.flatMap((resource) => r.verbs.map((verb) => ({ group, resource, verb }))),
    ),
  );
}

/** The same permissions as rules, one rule per permission, without `removed`. */
function rulesWithout(rules: readonly SimPolicyRule[], removed: Permission): SimPolicyRule[] {
  return permissionsOf(rules)
    .filter((p) => label(p) !== label(removed))
    .map((p) => ({ apiGroups: [p.group], resources: [p.resource], verbs: [p.verb] }));
}

/** Every permission the reap rules grant; each must be needed by a real code path (asserted below). */
const USED: Permission[] = [
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'list' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'delete' },
  { group: '', resource: 'nodes', verb: 'list' },
  { group: '', resource: 'pods', verb: 'list' },
  { group: 'events.k8s.io', resource: 'events', verb: 'create' },
];

/** Every permission the audit rules grant: the reaper's reads, and the LeaseCandidates only the audit judges. */
const AUDIT_USED: Permission[] = [
  ...USED.filter((p) => p.verb === 'list'),
  { group: 'coordination.k8s.io', resource: 'leasecandidates', verb: 'list' },
];

/** A simulated cluster that knows one more caller, holding exactly `rules`; returns that caller's target. */
async function clusterWithUser(
  rules: readonly SimPolicyRule[],
): Promise<{ sim: SimCluster; user: ClusterTarget; admin: ClusterTarget; token: string }> {
  const token = `sim-rbac-${randomBytes(16).toString('hex')}`;
  const sim = await clusters.start(scenario, {
    name: 'rbac',
    extraUsers: [{ token, name: 'lease-reaper-under-test', rules }],
  });
  return { sim, user: simTarget(sim, { token }), admin: simTarget(sim), token };
}

const policy = parseReapPolicy({ dryRun: false, namespaces: { include: [REAPED_NAMESPACE] } });

const leaseKeys = (sim: SimCluster) => new Set(sim.store.list(leases).map((s) => s.key));
const keyOf = (o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`;
const sorted = (keys: Iterable<string>) => [...keys].sort();

/** The abandoned leases the scenario seeded in the reaped namespace: what a reap must delete. */
function abandonedInReapedNamespace(sim: SimCluster): string[] {
  const abandoned = sim.seeded?.leaderLeases.abandoned ?? [];
  return sorted(abandoned.filter((k) => k.startsWith(`${REAPED_NAMESPACE}/`)));
}

function ok<T extends { status: string }>(result: T | undefined): Extract<T, { status: 'ok' }> {
  if (result?.status !== 'ok') throw new Error(`cluster failed: ${JSON.stringify(result)}`);
  return result as Extract<T, { status: 'ok' }>;
}

const snapshotKeys = (s: ClusterSnapshot) => ({
  leases: sorted(s.leases.map(keyOf)),
  nodes: sorted(s.nodes.map((n) => n.name)),
  pods: sorted((s.pods ?? []).map(keyOf)),
});

async function auditAt(target: ClusterTarget, nowMs: number): Promise<ClusterResult | undefined> {
  const [result] = await auditClusters([target], { policy: defaultAuditPolicy, nowMs });
  return result;
}

async function reap(
  target: ClusterTarget,
  options: { dryRun?: boolean; signal?: AbortSignal } = {},
): Promise<ClusterReap | undefined> {
  const { dryRun = false, signal } = options;
  const [result] = await reapClusters([target], { policy, dryRun, ...(signal ? { signal } : {}) });
  return result;
}

describe('the permissions the rbac manifest grants', () => {
  it('are exactly the ones listed here, each proven needed below (a new grant must be justified there)', () => {
    expect(sorted(permissionsOf(rbacRules(true)).map(label))).toEqual(sorted(USED.map(label)));
    expect(sorted(permissionsOf(rbacRules(false)).map(label))).toEqual(sorted(AUDIT_USED.map(label)));
  });
});

describe('the audit rules are sufficient', () => {
  it('a caller holding exactly rbacRules(false) reads the whole snapshot: leases, nodes, pods and lease candidates', async () => {
    const { sim, token } = await clusterWithUser(rbacRules(false));

    const asUser = await readClusterSnapshot(clientFor(sim, { token }), { leaseCandidates: true });
    const asAdmin = await readClusterSnapshot(clientFor(sim), { leaseCandidates: true });

    const candidates = sim.seeded?.leaseCandidates;
    expect(asUser.leaseCandidates?.map(keyOf).sort()).toEqual(asAdmin.leaseCandidates?.map(keyOf).sort());
    const seededCandidates = (candidates?.live.length ?? 0) + (candidates?.stale.length ?? 0);
    expect(seededCandidates).toBeGreaterThan(0);
    expect(asUser.leaseCandidates).toHaveLength(seededCandidates);

    expect(asUser.pods).toBeDefined();
    expect(snapshotKeys(asUser)).toEqual(snapshotKeys(asAdmin));
    expect(asUser.leases).toHaveLength(sim.seeded?.counts.leases ?? -1);
    expect(asUser.nodes).toHaveLength(sim.seeded?.counts.nodes ?? -1);
    expect(asUser.pods).toHaveLength(sim.seeded?.counts.pods ?? -1);
    expect(asUser.pods?.length).toBeGreaterThan(0);
  });

  it('and the audit finds exactly what it finds with the admin token', async () => {
    const { sim, user, admin } = await clusterWithUser(rbacRules(false));
    const nowMs = sim.store.clock();

    const asUser = ok(await auditAt(user, nowMs));
    const asAdmin = ok(await auditAt(admin, nowMs));

    expect(asUser.audit.findings.length).toBeGreaterThan(0);
    expect(asUser.audit.findings).toEqual(asAdmin.audit.findings);
    // The seeded abandoned leases are found: the holder Pods were listed and are gone.
    const abandoned = asUser.audit.findings.filter((f) => f.type === 'AbandonedLease').map(keyOf);
    expect(sorted(abandoned)).toEqual(sorted(sim.seeded?.leaderLeases.abandoned ?? []));
  });

  it('a caller holding rbacRules(false) cannot reap: the delete is forbidden and nothing is deleted', async () => {
    const { sim, user } = await clusterWithUser(rbacRules(false));
    const before = leaseKeys(sim);
    expect(abandonedInReapedNamespace(sim).length).toBeGreaterThan(1);

    const result = ok(await reap(user));

    expect(result.plan.deletions.map(keyOf).sort()).toEqual(abandonedInReapedNamespace(sim));
    expect(result.execution).toMatchObject({ deleted: 0, alreadyGone: 0, failed: 0, forbidden: 1 });
    // The first 403 stops the cluster: the rest are not attempted.
    expect(result.execution.notAttempted).toBe(result.plan.deletions.length - 1);
    const refused = result.execution.actions.find((a) => a.outcome === 'forbidden');
    expect(refused?.detail).toMatch(/cannot delete resource "leases" in API group "coordination\.k8s\.io"/);
    expect(leaseKeys(sim)).toEqual(before);
  });

  it('a caller holding rbacRules(false) cannot even dry-run a delete (the server checks RBAC first)', async () => {
    const { sim, user } = await clusterWithUser(rbacRules(false));
    const before = leaseKeys(sim);

    const result = ok(await reap(user, { dryRun: true }));

    expect(result.execution).toMatchObject({ dryRun: true, deleted: 0, forbidden: 1 });
    expect(leaseKeys(sim)).toEqual(before);
  });
});

describe('the reap rules are sufficient', () => {
  it('a caller holding exactly rbacRules(true) deletes the abandoned leases the policy names', async () => {
    const { sim, user } = await clusterWithUser(rbacRules(true));
    const before = leaseKeys(sim);
    const expected = abandonedInReapedNamespace(sim);
    expect(expected.length).toBeGreaterThan(1);

    const result = ok(await reap(user));

    expect(result.execution).toMatchObject({
      dryRun: false,
      planned: expected.length,
      deleted: expected.length,
      forbidden: 0,
      failed: 0,
      changed: 0,
      notAttempted: 0,
      eventsRecorded: expected.length,
      eventsFailed: 0,
    });
    expect(result.execution.actions.map(keyOf).sort()).toEqual(expected);
    // One Event per deletion, each about its lease (the create the rules grant).
    const regarding = sim.store
      .list(events)
      .map((s) => s.obj.regarding as { namespace: string; name: string });
    expect(regarding.map(keyOf).sort()).toEqual(expected);
    const after = leaseKeys(sim);
    for (const k of expected) expect(after.has(k)).toBe(false);
    // Nothing else was touched: before minus the reaped ones is what is left.
    expect(sorted(after)).toEqual(sorted([...before].filter((k) => !expected.includes(k))));
  });
});

describe('the audit rules are minimal: every permission used is needed', () => {
  it.each(AUDIT_USED.map((p) => [label(p), p] as const))(
    'without %s, the audit is refused',
    async (_, removed) => {
      const { sim, user } = await clusterWithUser(rulesWithout(rbacRules(false), removed));
      const refusal = `cannot ${removed.verb} resource "${removed.resource}" in API group "${removed.group}"`;

      const result = await auditAt(user, sim.store.clock());

      expect(result).toMatchObject({ status: 'error', error: { kind: 'forbidden' } });
      expect(result?.status === 'error' && result.error.message).toContain(refusal);
    },
  );
});

describe('the reap rules are minimal: every permission used is needed', () => {
  it.each(USED.map((p) => [label(p), p] as const))(
    'without %s, a real operation is refused',
    async (_, removed) => {
      const { sim, user, token } = await clusterWithUser(rulesWithout(rbacRules(true), removed));
      const before = leaseKeys(sim);
      const refusal = `cannot ${removed.verb} resource "${removed.resource}" in API group "${removed.group}"`;

      const result = await reap(user);

      if (removed.resource === 'events') {
        // Events are best effort: every lease is still deleted, and each missing Event is reported.
        const reaped = ok(result);
        const planned = reaped.plan.deletions.length;
        expect(planned).toBeGreaterThan(0);
        expect(reaped.execution).toMatchObject({
          deleted: planned,
          eventsRecorded: 0,
          eventsFailed: planned,
        });
        const first = reaped.execution.actions[0]?.kubernetesEvent;
        expect(first && 'failed' in first ? first.failed : '').toContain(refusal);
        expect(leaseKeys(sim).size).toBe(before.size - planned);
        return;
      }
      if (removed.verb === 'delete') {
        // The snapshot and the audit still work; the delete itself is what is refused.
        const reaped = ok(result);
        expect(reaped.plan.deletions.length).toBeGreaterThan(0);
        expect(reaped.execution).toMatchObject({ deleted: 0, forbidden: 1 });
        expect(reaped.execution.actions.find((a) => a.outcome === 'forbidden')?.detail).toContain(refusal);
      } else {
        // Reading the cluster is refused, so the reaper (and the audit) stop before planning anything.
        expect(result).toMatchObject({ status: 'error', error: { kind: 'forbidden' } });
        expect(result?.status === 'error' && result.error.message).toContain(refusal);
        const client = clientFor(sim, { token });
        const error = await readClusterSnapshot(client).catch((e: unknown) => e);
        await client.close();
        expect(error).toBeInstanceOf(ClusterForbiddenError);
        expect((error as Error).message).toContain(refusal);
      }
      expect(leaseKeys(sim)).toEqual(before);
    },
  );

  it('grant no get: nothing reads a single lease (the sim refuses it to these rules, and the audit and reap above still work)', async () => {
    const { sim, token } = await clusterWithUser(rbacRules(true));
    const [namespace, name] = (sim.seeded?.leaderLeases.abandoned[0] ?? '').split('/');
    const res = await clientFor(sim, { token }).request({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`,
      operation: 'get one lease',
      allowStatuses: [403],
    });
    expect(res.status).toBe(403);
    const withGet = await clientFor(sim).request({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`,
      operation: 'get one lease as admin',
    });
    expect(withGet.status).toBe(200);
  });
});

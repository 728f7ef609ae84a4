import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { rbacRules } from '../../shared/kube/rbac-manifest.ts';
import type { ActionRecord } from '../../shared/reap/execute-plan.ts';
import type { ClusterReap } from '../../shared/reap/reap-clusters.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { microTime } from '../../sim/kube-object.ts';
import { NODE_LEASE_NAMESPACE } from '../../sim/objects.ts';
import { leases, nodes } from '../../sim/resources.ts';
import { defaultScenario, type SeededReport } from '../../sim/scenario.ts';
import { type CliResult, runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { deletedLeasePaths, listLeaseVersions, readLeaseVersions } from '../support/lease-versions.ts';
import { abandonedOldestFirst, countRequests, summaryRow } from '../support/reap-output.ts';
import { simClusters } from '../support/sim.ts';

const clusters = simClusters();
const INCLUDED = ['payments', 'checkout', 'search'];
const CAP = 3;

/** A policy that may delete abandoned leader leases in three namespaces, at most CAP of them. */
const cappedPolicy = `
dryRun: false
namespaces:
  include: [${INCLUDED.join(', ')}]
maxDeletionsPerRun: ${CAP}
maxDeletionsPerCluster: ${CAP}
`;

/**
 * As much as a policy may allow: every namespace, orphaned node leases, a high cap, and the shortest
 * minExpiredFor (10 minutes: the policy is getting a floor there, and 10m is accepted with or without it).
 */
const permissivePolicy = `
dryRun: false
namespaces:
  include: ['*']
reapOrphanedNodeLeases: true
minExpiredFor: 10m
maxDeletionsPerRun: 500
maxDeletionsPerCluster: 500
`;

interface ReapReport {
  apiVersion: string;
  kind: string;
  dryRun: boolean;
  clusters: ClusterReap[];
}

async function tempFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'lease-reaper-reap-')), name);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

async function start(name: string): Promise<{ sim: SimCluster; seeded: SeededReport; kubeconfig: string }> {
  const sim = await clusters.start(defaultScenario, { name });
  if (!sim.seeded) throw new Error('the scenario reported nothing seeded');
  return { sim, seeded: sim.seeded, kubeconfig: await writeFleetKubeconfig([sim]) };
}

/** Every lease in the store: key → uid@resourceVersion, so any delete or write shows. */
const leaseState = (sim: SimCluster) =>
  new Map(
    sim.store
      .list(leases)
      .map((s) => [s.key, `${s.obj.metadata.uid}@${s.obj.metadata.resourceVersion}`] as const),
  );
const keysOf = (sim: SimCluster) => new Set(sim.store.list(leases).map((s) => s.key));
const key = (l: { namespace: string; name: string }) => `${l.namespace}/${l.name}`;
const sorted = (keys: Iterable<string>) => [...keys].sort();

/** Writes a lease's renewTime through the store, as its holder would (resourceVersion moves). */
function renew(sim: SimCluster, leaseKey: string, renewMs: number, holderIdentity?: string): void {
  const [namespace, name] = leaseKey.split('/') as [string, string];
  const current = sim.store.get(leases, namespace, name);
  if (!current) throw new Error(`${leaseKey} is not in the store`);
  const spec = current.obj.spec as Record<string, unknown>;
  sim.store.update(leases, {
    ...current.obj,
    spec: { ...spec, renewTime: microTime(renewMs), ...(holderIdentity ? { holderIdentity } : {}) },
  });
}

/** The structured action lines on stderr, each checked to be a complete `lease-reaper.delete` record. */
function actionLines(result: CliResult): ActionRecord[] {
  return result.stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const record = JSON.parse(line) as ActionRecord;
      expect(record).toMatchObject({
        event: 'lease-reaper.delete',
        cluster: expect.any(String),
        namespace: expect.any(String),
        name: expect.any(String),
        uid: expect.stringMatching(/.+/),
        resourceVersion: expect.stringMatching(/^\d+$/),
        reason: expect.stringMatching(/.+/),
        outcome: expect.any(String),
        dryRun: expect.any(Boolean),
      });
      return record;
    });
}

function expectNoSecret(result: CliResult, ...tokens: string[]): void {
  for (const token of tokens) {
    expect(result.stdout).not.toContain(token);
    expect(result.stderr).not.toContain(token);
  }
}

/** The sim's kubeconfig with its user's token replaced: a caller the sim knows by `extraUsers`. */
function withToken(sim: SimCluster, token: string): string {
  const doc = JSON.parse(sim.kubeconfig()) as { users: { user: { token: string } }[] };
  for (const u of doc.users) u.user.token = token;
  return JSON.stringify(doc);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function okCluster(report: ReapReport): Extract<ClusterReap, { status: 'ok' }> {
  const only = report.clusters[0];
  if (only?.status !== 'ok') throw new Error(`cluster failed: ${JSON.stringify(only)}`);
  return only;
}

describe('lease-reaper reap', () => {
  it('is a dry run without --apply: the DRY-RUN banner, the capped plan of abandoned leases, nothing deleted', async () => {
    // Prepare
    const { sim, seeded, kubeconfig } = await start('dry');
    const policy = await tempFile('policy.yaml', cappedPolicy);
    const before = leaseState(sim);
    const eligible = abandonedOldestFirst(sim, seeded, INCLUDED);
    const expectedPlan = eligible.slice(0, CAP);

    // Act
    const [table, json] = await Promise.all([
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--verbose']),
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--output', 'json', '--verbose']),
    ]);

    // Assess
    expect(eligible.length).toBeGreaterThan(CAP);
    expect(table.code).toBe(0);
    expect(table.stdout.startsWith('*** DRY-RUN: nothing is deleted.')).toBe(true);
    const wouldDelete = table.stdout
      .split('\n')
      .filter((l) => l.startsWith('dry ') && l.includes(' would delete '))
      .map((l) => l.split(/\s+/).slice(1, 3).join('/'));
    expect(sorted(wouldDelete)).toEqual(sorted(expectedPlan));
    for (const leftOut of eligible.slice(CAP)) {
      expect(table.stdout).toMatch(
        new RegExp(`${leftOut.replace('/', '\\s+')}\\s+AbandonedLease\\s+capReached`),
      );
    }
    expect(summaryRow(table.stdout, 'dry')).toMatchObject({
      STATUS: 'ok',
      PLANNED: String(CAP),
      'WOULD-DELETE': String(CAP),
      FORBIDDEN: '0',
      'NOT-ATTEMPTED': '0',
    });

    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as ReapReport;
    expect(report).toMatchObject({ apiVersion: 'lease-reaper.io/v1', kind: 'ReapReport', dryRun: true });
    const only = okCluster(report);
    expect(only.plan.deletions.map(key)).toEqual(expectedPlan);
    expect(only.execution).toMatchObject({ dryRun: true, planned: CAP, deleted: CAP, changed: 0 });

    for (const result of [table, json]) {
      const actions = actionLines(result);
      expect(actions.map(key)).toEqual(expectedPlan);
      expect(actions.every((a) => a.dryRun && a.outcome === 'deleted' && a.cluster === 'dry')).toBe(true);
      expectNoSecret(result, sim.tokens.admin);
    }
    expect(leaseState(sim)).toEqual(before);
  });

  it('stays a dry run with --apply under a policy that says dryRun: true, says why, and names the threshold that judged "abandoned"', async () => {
    // Prepare
    const { sim, kubeconfig } = await start('held');
    const policy = await tempFile(
      'policy.yaml',
      `${cappedPolicy.replace('dryRun: false', 'dryRun: true')}abandonedAfter: 20h\n`,
    );
    const before = leaseState(sim);

    // Act
    const [table, json] = await Promise.all([
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--apply']),
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--apply', '-o', 'json']),
    ]);

    // Assess
    for (const result of [table, json]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe(
        `lease-reaper: --apply is overridden by policy ${policy}: it says dryRun: true (the default when a policy does not set it), and the safer of the two wins, so this is a dry run. To delete, set dryRun: false in the policy.\n`,
      );
    }
    expect(table.stdout.startsWith('*** DRY-RUN: nothing is deleted.')).toBe(true);
    expect(table.stdout).toContain(
      'Abandoned: a leader lease expired for more than 20h (abandonedAfter) with no live holder.',
    );
    expect(table.stdout).toContain(
      `To apply: set dryRun: false in the policy, then: lease-reaper reap --apply --policy ${policy} --kubeconfig ${kubeconfig}`,
    );
    const report = JSON.parse(json.stdout) as ReapReport & {
      abandonedAfterSeconds: number;
      policy: { dryRun: boolean; abandonedAfter: number; minExpiredFor: number };
    };
    expect(report).toMatchObject({
      dryRun: true,
      abandonedAfterSeconds: 72_000,
      policy: { dryRun: true, abandonedAfter: 72_000, minExpiredFor: 86_400 },
    });
    expect(okCluster(report).execution).toMatchObject({ dryRun: true, planned: CAP, deleted: CAP });
    expect(leaseState(sim)).toEqual(before);
  });

  it.each([
    { mode: 'without --apply', flags: [] as string[], policyText: cappedPolicy },
    {
      mode: 'with --apply under a policy that says dryRun: true',
      flags: ['--apply'],
      policyText: cappedPolicy.replace('dryRun: false', 'dryRun: true'),
    },
  ])(
    'a dry run $mode sends each planned delete, hears "would delete", and each planned lease keeps its resourceVersion',
    async ({ flags, policyText }) => {
      // Prepare: what the planned leases are, read over HTTPS as any client reads them.
      const { sim, seeded, kubeconfig } = await start('dry-versions');
      const policy = await tempFile('policy.yaml', policyText);
      const expectedPlan = abandonedOldestFirst(sim, seeded, INCLUDED).slice(0, CAP);
      const planned = await readLeaseVersions(sim, expectedPlan);
      const everyLease = await listLeaseVersions(sim);

      // Act
      const result = await runCli([
        'reap',
        '--kubeconfig',
        kubeconfig,
        '--policy',
        policy,
        '--output',
        'json',
        ...flags,
      ]);

      // Assess: the server was asked once per planned lease and said yes to each (a 200: RBAC and the
      // uid/resourceVersion preconditions passed, not a 403 or 409 a real delete would also get)...
      expect(result.code, result.stderr).toBe(0);
      expect(planned).toHaveLength(CAP);
      expect(planned).not.toContain('gone');
      expect(sorted(deletedLeasePaths(sim))).toEqual(sorted(expectedPlan));
      const only = okCluster(JSON.parse(result.stdout) as ReapReport);
      expect(only.execution).toMatchObject({
        dryRun: true,
        planned: CAP,
        deleted: CAP,
        changed: 0,
        forbidden: 0,
        failed: 0,
      });
      expect(only.execution.actions.map((a) => [key(a), a.outcome, a.dryRun])).toEqual(
        expectedPlan.map((k) => [k, 'deleted', true]),
      );
      // ...and nothing changed: each planned lease is there with the same uid and resourceVersion.
      expect(await readLeaseVersions(sim, expectedPlan)).toEqual(planned);
      expect(await listLeaseVersions(sim)).toEqual(everyLease);
    },
  );

  it('with --apply deletes exactly the planned leases, and reports them in the JSON ReapReport', async () => {
    // Prepare
    const { sim, seeded, kubeconfig } = await start('apply');
    const policy = await tempFile('policy.yaml', cappedPolicy);
    const before = keysOf(sim);
    const expectedPlan = abandonedOldestFirst(sim, seeded, INCLUDED).slice(0, CAP);

    // Act
    const result = await runCli([
      'reap',
      '--kubeconfig',
      kubeconfig,
      '--policy',
      policy,
      '--apply',
      '--output',
      'json',
      '--verbose',
    ]);

    // Assess
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReapReport;
    expect(report).toMatchObject({ apiVersion: 'lease-reaper.io/v1', kind: 'ReapReport', dryRun: false });
    const only = okCluster(report);
    expect(only.cluster).toBe('apply');
    expect(only.plan.deletions.map(key)).toEqual(expectedPlan);
    expect(only.plan.skipped).toContainEqual(
      expect.objectContaining({ skip: 'capReached', finding: 'AbandonedLease' }),
    );
    expect(only.execution).toMatchObject({
      cluster: 'apply',
      dryRun: false,
      planned: CAP,
      deleted: CAP,
      alreadyGone: 0,
      changed: 0,
      forbidden: 0,
      failed: 0,
      notAttempted: 0,
      stoppedEarly: false,
    });
    expect(only.execution.actions.map((a) => [key(a), a.outcome])).toEqual(
      expectedPlan.map((k) => [k, 'deleted']),
    );

    const after = keysOf(sim);
    const removed = [...before].filter((k) => !after.has(k));
    expect(sorted(removed)).toEqual(sorted(expectedPlan));
    expect([...after].filter((k) => !before.has(k))).toEqual([]);

    const actions = actionLines(result);
    expect(actions.map((a) => [key(a), a.outcome, a.dryRun])).toEqual(
      expectedPlan.map((k) => [k, 'deleted', false]),
    );
    expectNoSecret(result, sim.tokens.admin);
  });

  it('never deletes identity, coordinated, kube-system, malformed or live leases, nor a Node’s own lease, even with --apply and a permissive policy', async () => {
    // Prepare
    const { sim, seeded, kubeconfig } = await start('permissive');
    const policy = await tempFile('policy.yaml', permissivePolicy);
    const nodeUid = new Map(sim.store.list(nodes).map((n) => [n.obj.metadata.name, n.obj.metadata.uid]));
    const ownedByTheirPresentNode = sim.store
      .list(leases, { namespace: NODE_LEASE_NAMESPACE })
      .filter((l) => {
        const uid = nodeUid.get(l.obj.metadata.name);
        return (
          uid !== undefined && l.obj.metadata.ownerReferences?.some((o) => o.kind === 'Node' && o.uid === uid)
        );
      })
      .map((l) => l.key);
    const neverDeleted = {
      liveIdentity: seeded.apiServerIdentities.live,
      expiredIdentity: seeded.apiServerIdentities.expired,
      orphanedIdentity: seeded.apiServerIdentities.orphaned,
      coordinated: seeded.leaderLeases.coordinated,
      kubeSystemLeaders: seeded.leaderLeases.system,
      malformed: seeded.malformedLeases,
      liveWorkload: seeded.leaderLeases.live,
      staleHeartbeats: seeded.staleNodeHeartbeats,
      ownedByTheirPresentNode,
      expiredForLessThanMinExpiredFor: seeded.leaderLeases.expired,
    };
    // What this policy does reap: abandoned leader leases, and orphaned node leases unrenewed for an hour —
    // a previous incarnation's too, as its owner uid no longer exists.
    const reapable = [
      ...seeded.leaderLeases.abandoned,
      ...seeded.orphanedNodeLeases.ownerless,
      ...seeded.orphanedNodeLeases.previousIncarnation,
    ];
    const now = Date.now();
    for (const k of seeded.orphanedNodeLeases.previousIncarnation) renew(sim, k, now - 3_600_000);
    // Expired 5 minutes ago, holder Pod gone: under the policy's 10 minutes, so not yet abandoned.
    for (const k of neverDeleted.expiredForLessThanMinExpiredFor) renew(sim, k, now - 5 * 60_000);

    // Make every protected lease look long dead, so only the reaper's guards stand between it and a delete.
    const tenDaysAgo = now - 10 * 86_400_000;
    for (const k of [
      ...neverDeleted.liveIdentity,
      ...neverDeleted.coordinated,
      ...neverDeleted.kubeSystemLeaders,
      ...neverDeleted.liveWorkload,
      ...neverDeleted.ownedByTheirPresentNode,
    ]) {
      renew(sim, k, tenDaysAgo);
    }
    const before = keysOf(sim);

    // Act
    const result = await runCli([
      'reap',
      '--kubeconfig',
      kubeconfig,
      '--policy',
      policy,
      '--apply',
      '--output',
      'json',
      '--verbose',
    ]);

    // Assess
    expect(result.code).toBe(0);
    for (const [kind, keys] of Object.entries(neverDeleted)) {
      expect(keys.length, kind).toBeGreaterThan(0);
      expect(
        keys.filter((k) => !sim.store.get(leases, k.split('/')[0], k.split('/')[1] ?? '')),
        kind,
      ).toEqual([]);
    }
    const after = keysOf(sim);
    expect(sorted([...before].filter((k) => !after.has(k)))).toEqual(sorted(reapable));
    const only = okCluster(JSON.parse(result.stdout) as ReapReport);
    expect(sorted(only.plan.deletions.map(key))).toEqual(sorted(reapable));
    // The aged kube-system leader leases did become candidates: the planner's guard is what kept them.
    expect(sorted(only.plan.skipped.filter((s) => s.skip === 'systemLease').map(key))).toEqual(
      sorted(neverDeleted.kubeSystemLeaders),
    );
    expect(only.execution.deleted).toBe(reapable.length);
    expect(sorted(actionLines(result).map(key))).toEqual(sorted(reapable));
    expectNoSecret(result, sim.tokens.admin);
  });

  it('with a read-only token, a dry run surfaces forbidden, stops there, exits 2 and deletes nothing', async () => {
    // Prepare
    const { sim, seeded } = await start('readonly');
    const kubeconfig = await tempFile('read-only.kubeconfig', sim.kubeconfig({ user: 'read-only' }));
    const policy = await tempFile('policy.yaml', cappedPolicy);
    const before = leaseState(sim);
    const expectedPlan = abandonedOldestFirst(sim, seeded, INCLUDED).slice(0, CAP);

    // Act
    const result = await runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--verbose']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout.startsWith('*** DRY-RUN')).toBe(true);
    expect(summaryRow(result.stdout, 'readonly')).toMatchObject({
      STATUS: 'ok',
      PLANNED: String(CAP),
      'WOULD-DELETE': '0',
      FORBIDDEN: '1',
      FAILED: '0',
      'NOT-ATTEMPTED': String(CAP - 1),
    });
    const actions = actionLines(result);
    expect(actions.map((a) => [key(a), a.outcome, a.dryRun])).toEqual(
      expectedPlan.map((k, i) => [k, i === 0 ? 'forbidden' : 'notAttempted', true]),
    );
    expect(leaseState(sim)).toEqual(before);
    expectNoSecret(result, sim.tokens.admin, sim.tokens.readOnly);
  });

  it('with --apply under the audit role only, a refused delete names the verb, resource, namespace and the RBAC to grant', async () => {
    // Prepare: a user holding exactly the audit role `lease-reaper rbac` prints (list, no delete).
    const token = 'audit-role-only-token-0123456789';
    const sim = await clusters.start(defaultScenario, {
      name: 'audit-role',
      extraUsers: [{ token, name: 'lease-reaper-auditor', rules: rbacRules(false) }],
    });
    if (!sim.seeded) throw new Error('the scenario reported nothing seeded');
    const kubeconfig = await tempFile('auditor.kubeconfig', withToken(sim, token));
    const policy = await tempFile('policy.yaml', cappedPolicy);
    const before = leaseState(sim);
    const [first] = abandonedOldestFirst(sim, sim.seeded, INCLUDED);
    const namespace = first?.split('/')[0];

    // Act
    const [table, json] = await Promise.all([
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--apply']),
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--apply', '-o', 'json', '--verbose']),
    ]);

    // Assess
    expect(table.code).toBe(2);
    expect(json.code).toBe(2);
    const refusal = `RBAC does not allow "delete" on "leases.coordination.k8s.io" in namespace "${namespace}"`;
    expect(table.stdout).toMatch(
      new RegExp(`forbidden\\s+forbidden \\(403\\): ${escapeRegExp(refusal)}$`, 'm'),
    );
    const explained = table.stdout
      .split('\n')
      .find((l) => l.startsWith('cluster audit-role: forbidden (403)'));
    expect(explained).toContain(refusal);
    expect(explained).toContain('User "lease-reaper-auditor" cannot delete resource "leases"');
    expect(explained).toContain(`\`kubectl auth can-i delete leases.coordination.k8s.io -n ${namespace}\``);
    expect(explained).toContain('`lease-reaper rbac --reap | kubectl apply -f -`');
    // The JSON report and the action log carry the same explanation.
    const action = actionLines(json).find((a) => a.outcome === 'forbidden');
    expect(action?.detail).toBe(explained?.slice('cluster audit-role: '.length));
    const only = okCluster(JSON.parse(json.stdout) as ReapReport);
    expect(only.execution.actions.find((a) => a.outcome === 'forbidden')?.detail).toBe(action?.detail);
    expect(leaseState(sim)).toEqual(before);
    expectNoSecret(table, token);
    expectNoSecret(json, token);
  });

  it.each([
    { mode: 'a dry run', flags: [] as string[], dryRun: true },
    { mode: '--apply', flags: ['--apply'], dryRun: false },
  ])(
    'in $mode, a lease renewed between plan and delete answers changed and is kept',
    async ({ flags, dryRun }) => {
      // Prepare: hold the first delete for a moment at the server, and renew the planned leases meanwhile.
      const { sim, seeded, kubeconfig } = await start('renewed');
      const policy = await tempFile('policy.yaml', cappedPolicy);
      const expectedPlan = abandonedOldestFirst(sim, seeded, INCLUDED).slice(0, CAP);
      sim.faults.add({ action: { type: 'latency', ms: 1_000 }, match: { method: 'DELETE' }, times: 1 });
      let cliDone = false;
      const renewWhenTheFirstDeleteArrives = (async () => {
        while (sim.faults.hits.latency === 0 && !cliDone) await sleep(5);
        for (const k of expectedPlan) renew(sim, k, Date.now(), 'legacy-operator-came-back_1');
      })();

      // Act
      const result = await runCli([
        'reap',
        '--kubeconfig',
        kubeconfig,
        '--policy',
        policy,
        '--output',
        'json',
        '--verbose',
        ...flags,
      ]);
      cliDone = true;
      await renewWhenTheFirstDeleteArrives;
      const afterRenewal = leaseState(sim);

      // Assess
      expect(result.code).toBe(0);
      const only = okCluster(JSON.parse(result.stdout) as ReapReport);
      expect(only.plan.deletions.map(key)).toEqual(expectedPlan);
      expect(only.execution).toMatchObject({ dryRun, planned: CAP, deleted: 0, changed: CAP, failed: 0 });
      const actions = actionLines(result);
      expect(actions.map((a) => [key(a), a.outcome, a.dryRun])).toEqual(
        expectedPlan.map((k) => [k, 'changed', dryRun]),
      );
      for (const a of actions)
        expect(a.detail).toMatch(/the ResourceVersion in the precondition \(\d+\) does not match/);
      for (const k of expectedPlan) expect(keysOf(sim).has(k)).toBe(true);
      expect(leaseState(sim)).toEqual(afterRenewal);
    },
  );

  it.each([
    {
      field: 'maxDeletionsPerRun',
      yaml: 'namespaces:\n  include: [payments]\nmaxDeletionsPerRun: 0\nmaxDeletionsPerCluster: 1\n',
    },
    { field: '"namespace"', yaml: 'namespace:\n  include: [payments]\n' },
    { field: 'minExpiredFor', yaml: 'namespaces:\n  include: [payments]\nminExpiredFor: soon\n' },
  ])(
    'rejects a policy with a bad $field: exit 64, one error line naming it, nothing deleted',
    async ({ field, yaml }) => {
      // Prepare
      const { sim, kubeconfig } = await start('bad-policy');
      const policy = await tempFile('policy.yaml', yaml);
      const before = leaseState(sim);
      const requests = countRequests(sim);

      // Act
      const result = await runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--apply']);

      // Assess
      expect(result.code).toBe(64);
      const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: policy .* is invalid: /);
      expect(lines[0]).toContain(field);
      expect(result.stdout).toBe('');
      expect(requests()).toBe(0);
      expect(leaseState(sim)).toEqual(before);
    },
  );

  it('rejects an unreadable policy path with exit 64 and deletes nothing', async () => {
    // Prepare
    const { sim, kubeconfig } = await start('no-policy');
    const missing = join(await mkdtemp(join(tmpdir(), 'lease-reaper-reap-')), 'missing.yaml');
    const before = leaseState(sim);
    const requests = countRequests(sim);

    // Act
    const result = await runCli(['reap', '--kubeconfig', kubeconfig, '--policy', missing, '--apply']);

    // Assess
    expect(result.code).toBe(64);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toEqual([expect.stringContaining(`--policy ${missing} cannot be read`)]);
    expect(requests()).toBe(0);
    expect(leaseState(sim)).toEqual(before);
  });
});

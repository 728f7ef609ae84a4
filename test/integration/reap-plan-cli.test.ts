import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReapPlanFile } from '../../cli/plan-file.ts';
import { rbacRules } from '../../shared/kube/rbac-manifest.ts';
import type { ActionRecord } from '../../shared/reap/execute-plan.ts';
import type { ClusterReap } from '../../shared/reap/reap-clusters.ts';
import { VERSION } from '../../shared/version.ts';
import type { SimCluster, SimClusterOptions } from '../../sim/cluster.ts';
import { microTime } from '../../sim/kube-object.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { type CliResult, runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { abandonedOldestFirst, countRequests } from '../support/reap-output.ts';
import { simClusters } from '../support/sim.ts';

const clusters = simClusters();
const INCLUDED = ['payments', 'checkout', 'search'];
const CAP = 3;
const DAY = 86_400_000;

/** Abandoned leader leases in three namespaces, at most CAP; orphaned node leases too, so some are too young. */
const policyText = `
dryRun: false
namespaces:
  include: [${INCLUDED.join(', ')}]
reapOrphanedNodeLeases: true
minExpiredFor: 24h
maxDeletionsPerRun: ${CAP}
maxDeletionsPerCluster: ${CAP}
`;

interface ReapReport {
  apiVersion: string;
  kind: string;
  dryRun: boolean;
  plan?: { file: string; createdAt: string };
  planOut?: string;
  clusters: ClusterReap[];
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lease-reaper-plan-'));
}

async function start(name: string, extraUsers?: SimClusterOptions['extraUsers']) {
  const sim = await clusters.start(defaultScenario, { name, ...(extraUsers ? { extraUsers } : {}) });
  if (!sim.seeded) throw new Error('the scenario reported nothing seeded');
  const dir = await tempDir();
  const policy = join(dir, 'policy.yaml');
  await writeFile(policy, policyText, { mode: 0o600 });
  return { sim, seeded: sim.seeded, kubeconfig: await writeFleetKubeconfig([sim]), dir, policy };
}

/** A plan file as JSON, to edit by hand. */
interface PlanDocument {
  formatVersion: unknown;
  policy: Record<string, unknown>;
  clusters: { deletions: Record<string, unknown>[] }[];
}

function firstDeletion(p: PlanDocument): Record<string, unknown> {
  const d = p.clusters[0]?.deletions[0];
  if (!d) throw new Error('the plan has no deletion to edit');
  return d;
}

const key = (l: { namespace: string; name: string }) => `${l.namespace}/${l.name}`;
const sorted = (keys: Iterable<string>) => [...keys].sort();
const keysOf = (sim: SimCluster) => new Set(sim.store.list(leases).map((s) => s.key));

/** Writes a lease's renewTime (and optionally annotations) through the store, as a holder would. */
function touch(
  sim: SimCluster,
  leaseKey: string,
  renewMs: number,
  annotations?: Record<string, string>,
): void {
  const [namespace, name] = leaseKey.split('/') as [string, string];
  const current = sim.store.get(leases, namespace, name);
  if (!current) throw new Error(`${leaseKey} is not in the store`);
  sim.store.update(leases, {
    ...current.obj,
    metadata: {
      ...current.obj.metadata,
      ...(annotations ? { annotations: { ...current.obj.metadata.annotations, ...annotations } } : {}),
    },
    spec: { ...(current.obj.spec as Record<string, unknown>), renewTime: microTime(renewMs) },
  });
}

const nonEmpty = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const isJsonLine = (line: string) => /^\s*\{.*\}\s*$/.test(line);

function actionLines(text: string): ActionRecord[] {
  return nonEmpty(text).map((l) => JSON.parse(l) as ActionRecord);
}

async function readPlan(path: string): Promise<ReapPlanFile> {
  return JSON.parse(await readFile(path, 'utf8')) as ReapPlanFile;
}

/** `lease-reaper reap --plan-out`: a dry run that writes the plan; checked to have succeeded. */
async function planOut(c: { kubeconfig: string; policy: string; dir: string }, extra: string[] = []) {
  const path = join(c.dir, 'plan.json');
  const result = await runCli([
    'reap',
    '--kubeconfig',
    c.kubeconfig,
    '--policy',
    c.policy,
    '--plan-out',
    path,
    ...extra,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return { path, result, plan: await readPlan(path) };
}

/** A kubeconfig for the sim whose user is the caller holding `token` (one of its `extraUsers`). */
async function kubeconfigWithToken(sim: SimCluster, dir: string, token: string): Promise<string> {
  const doc = JSON.parse(sim.kubeconfig()) as { users: { user: { token: string } }[] };
  for (const u of doc.users) u.user.token = token;
  const path = join(dir, `${token}.kubeconfig`);
  await writeFile(path, JSON.stringify(doc), { mode: 0o600 });
  return path;
}

function onlyCluster(result: CliResult): Extract<ClusterReap, { status: 'ok' }> {
  const report = JSON.parse(result.stdout) as ReapReport;
  const only = report.clusters[0];
  if (only?.status !== 'ok') throw new Error(`cluster failed: ${result.stdout}`);
  return only;
}

describe('lease-reaper reap --plan-out / --plan', () => {
  it('writes the plan a dry run made, then --apply --plan deletes exactly that plan, without auditing again', async () => {
    // Prepare
    const c = await start('planned');
    const before = keysOf(c.sim);
    const eligible = abandonedOldestFirst(c.sim, c.seeded, INCLUDED);
    const expected = eligible.slice(0, CAP);

    // Act 1: the reviewable dry run
    const { path, plan } = await planOut(c);

    // Assess 1: the file holds the exact objects, their finding, why and age, the policy, version and time.
    expect(keysOf(c.sim)).toEqual(before);
    expect(plan).toMatchObject({
      apiVersion: 'lease-reaper.io/v1',
      kind: 'ReapPlan',
      formatVersion: 1,
      leaseReaperVersion: VERSION,
      policySource: c.policy,
      policy: { minExpiredFor: 86_400, maxDeletionsPerRun: CAP, namespaces: { include: INCLUDED } },
    });
    expect(Date.now() - Date.parse(plan.createdAt)).toBeLessThan(10 * 60_000);
    expect(plan.clusters).toHaveLength(1);
    const planned = plan.clusters[0];
    expect(planned).toMatchObject({ cluster: 'planned', server: c.sim.url.replace(/\/+$/, '') });
    expect(planned?.deletions.map(key)).toEqual(expected);
    for (const d of planned?.deletions ?? []) {
      const obj = c.sim.store.get(leases, d.namespace, d.name)?.obj;
      expect(d).toMatchObject({
        uid: obj?.metadata.uid,
        resourceVersion: obj?.metadata.resourceVersion,
        finding: 'AbandonedLease',
        reason: expect.stringContaining(key(d)),
      });
      expect(d.ageSeconds).toBeGreaterThanOrEqual(86_400);
    }

    // Between plan and apply, a lease the plan left out (over the cap) becomes the longest abandoned:
    // a new plan would take it first. The saved plan must not.
    const leftOut = eligible[CAP];
    if (!leftOut) throw new Error('the scenario has no lease over the cap');
    touch(c.sim, leftOut, Date.now() - 300 * DAY);
    const deletes = countRequests(c.sim, 'DELETE');

    // Act 2
    const result = await runCli([
      'reap',
      '--kubeconfig',
      c.kubeconfig,
      '--apply',
      '--plan',
      path,
      '-o',
      'json',
      '--verbose',
    ]);

    // Assess 2: exactly the planned leases are gone; nothing was listed cluster-wide; one DELETE each.
    expect(result.code, result.stderr).toBe(0);
    const after = keysOf(c.sim);
    expect(sorted([...before].filter((k) => !after.has(k)))).toEqual(sorted(expected));
    expect(after.has(leftOut)).toBe(true);
    expect(deletes()).toBe(CAP);
    const report = JSON.parse(result.stdout) as ReapReport;
    expect(report).toMatchObject({
      kind: 'ReapReport',
      dryRun: false,
      plan: { file: path, createdAt: plan.createdAt },
    });
    const only = onlyCluster(result);
    expect(only.execution).toMatchObject({ planned: CAP, deleted: CAP, changed: 0, failed: 0 });
    expect(actionLines(result.stderr).map((a) => [key(a), a.outcome, a.dryRun])).toEqual(
      expected.map((k) => [k, 'deleted', false]),
    );
  });

  it('explains a delete RBAC refuses when applying a plan, and applies it once the reap role it names is held', async () => {
    // Prepare: the plan made as admin; applied by a user with the audit role only, then with the reap role.
    const auditor = 'audit-role-token-0123456789';
    const reaper = 'reap-role-token-0123456789';
    const c = await start('rbac-plan', [
      { token: auditor, name: 'lease-reaper-auditor', rules: rbacRules(false) },
      { token: reaper, name: 'lease-reaper-reaper', rules: rbacRules(true) },
    ]);
    const { path, plan } = await planOut(c);
    const planned = plan.clusters[0]?.deletions.map(key) ?? [];
    const namespace = planned[0]?.split('/')[0];
    const before = keysOf(c.sim);
    const apply = async (token: string, extra: string[] = []) =>
      runCli([
        'reap',
        '--kubeconfig',
        await kubeconfigWithToken(c.sim, c.dir, token),
        '--apply',
        '--plan',
        path,
        ...extra,
      ]);

    // Act 1
    const [refused, refusedJson] = await Promise.all([apply(auditor), apply(auditor, ['-o', 'json'])]);

    // Assess 1: nothing deleted; the refusal names verb, resource, namespace, the check and the grant.
    expect(refused.code).toBe(2);
    expect(keysOf(c.sim)).toEqual(before);
    const explained = refused.stdout
      .split('\n')
      .find((l) => l.startsWith('cluster rbac-plan: forbidden (403)'));
    expect(explained).toContain(
      `RBAC does not allow "delete" on "leases.coordination.k8s.io" in namespace "${namespace}"`,
    );
    expect(explained).toContain('User "lease-reaper-auditor" cannot delete');
    expect(explained).toContain(`\`kubectl auth can-i delete leases.coordination.k8s.io -n ${namespace}\``);
    expect(explained).toContain('`lease-reaper rbac --reap | kubectl apply -f -`');
    const actions = onlyCluster(refusedJson).execution.actions;
    expect(actions.map((a) => a.outcome)).toEqual(
      planned.map((_, i) => (i === 0 ? 'forbidden' : 'notAttempted')),
    );
    expect(actions[0]?.detail).toBe(explained?.slice('cluster rbac-plan: '.length));

    // Act 2: with the reap role (`lease-reaper rbac --reap`), the same plan applies.
    const granted = await apply(reaper);

    // Assess 2
    expect(granted.code, granted.stdout).toBe(0);
    expect(sorted([...before].filter((k) => !keysOf(c.sim).has(k)))).toEqual(sorted(planned));
  });

  it('reads no lease list of the whole cluster, Nodes or Pods when applying a plan', async () => {
    // Prepare
    const c = await start('no-audit');
    const { path } = await planOut(c);
    const wideReads = countWideReads(c.sim);

    // Act
    const result = await runCli(['reap', '--kubeconfig', c.kubeconfig, '--plan', path]);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(wideReads()).toBe(0);
  });

  it('keeps a lease renewed between plan and apply: its delete answers 409 and is reported as changed', async () => {
    // Prepare
    const c = await start('renewed');
    const { path, plan } = await planOut(c);
    const planned = plan.clusters[0]?.deletions.map(key) ?? [];
    const renewed = planned[0];
    if (!renewed) throw new Error('nothing planned');
    touch(c.sim, renewed, Date.now());

    // Act
    const json = await runCli([
      'reap',
      '--kubeconfig',
      c.kubeconfig,
      '--apply',
      '--plan',
      path,
      '-o',
      'json',
      '--verbose',
    ]);

    // Assess
    expect(json.code, json.stderr).toBe(0);
    expect(keysOf(c.sim).has(renewed)).toBe(true);
    for (const k of planned.slice(1)) expect(keysOf(c.sim).has(k)).toBe(false);
    const only = onlyCluster(json);
    expect(only.execution).toMatchObject({
      planned: planned.length,
      deleted: planned.length - 1,
      changed: 1,
    });
    const actions = actionLines(json.stderr);
    const conflict = actions.find((a) => key(a) === renewed);
    expect(conflict).toMatchObject({ outcome: 'changed', dryRun: false });
    expect(conflict?.detail).toMatch(/the ResourceVersion in the precondition \(\d+\) does not match/);
  });

  it('re-checks the protect annotation on the live lease: a plan edited to the protected version deletes nothing', async () => {
    // Prepare: protect a planned lease, and forge the plan to carry its new resourceVersion.
    const c = await start('protected');
    const { path, plan } = await planOut(c);
    const target = plan.clusters[0]?.deletions[0];
    if (!target) throw new Error('nothing planned');
    touch(c.sim, key(target), Date.now() - 300 * DAY, { 'lease-reaper.io/protect': 'true' });
    target.resourceVersion = c.sim.store.get(leases, target.namespace, target.name)?.obj.metadata
      .resourceVersion as string;
    await writeFile(path, JSON.stringify(plan));

    // Act
    const result = await runCli([
      'reap',
      '--kubeconfig',
      c.kubeconfig,
      '--apply',
      '--plan',
      path,
      '-o',
      'json',
    ]);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(keysOf(c.sim).has(key(target))).toBe(true);
    const only = onlyCluster(result);
    expect(only.plan.skipped).toEqual([
      expect.objectContaining({
        name: target.name,
        skip: 'protected',
        detail: expect.stringContaining('"true"'),
      }),
    ]);
    expect(only.execution.deleted).toBe((plan.clusters[0]?.deletions.length ?? 0) - 1);
  });

  it.each([
    {
      edit: 'a missing resourceVersion',
      field: 'clusters.0.deletions.0.resourceVersion',
      change: (p: PlanDocument) => {
        delete firstDeletion(p).resourceVersion;
      },
    },
    {
      edit: 'an unknown key',
      field: 'clusters.0.deletions.0',
      change: (p: PlanDocument) => {
        firstDeletion(p).force = true;
      },
    },
    {
      edit: 'another format version',
      field: 'formatVersion',
      change: (p: PlanDocument) => {
        p.formatVersion = 2;
      },
    },
    {
      edit: 'an age under minExpiredFor',
      field: 'clusters.0.deletions.0.ageSeconds',
      change: (p: PlanDocument) => {
        firstDeletion(p).ageSeconds = 60;
      },
    },
    {
      edit: 'a cap raised past its policy',
      field: 'policy.maxDeletionsPerCluster',
      change: (p: PlanDocument) => {
        p.policy.maxDeletionsPerCluster = 50;
      },
    },
    {
      edit: 'broken JSON',
      field: 'is not valid JSON',
      change: 'not json {',
    },
  ])(
    'refuses a plan with $edit: exit 64, one line naming $field, nothing sent',
    async ({ field, change }) => {
      // Prepare
      const c = await start('edited');
      const { path, plan } = await planOut(c);
      if (typeof change === 'string') await writeFile(path, change);
      else {
        const doc = structuredClone(plan) as unknown as PlanDocument;
        change(doc);
        await writeFile(path, JSON.stringify(doc));
      }
      const before = keysOf(c.sim);
      const requests = countRequests(c.sim);

      // Act
      const result = await runCli(['reap', '--kubeconfig', c.kubeconfig, '--apply', '--plan', path]);

      // Assess
      expect(result.code).toBe(64);
      const lines = nonEmpty(result.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^error: --plan ${path} `));
      expect(lines[0]).toContain(field);
      expect(result.stdout).toBe('');
      expect(requests()).toBe(0);
      expect(keysOf(c.sim)).toEqual(before);
    },
  );

  it('refuses a plan older than --max-plan-age (1h by default), and one for a cluster the run does not address', async () => {
    // Prepare
    const c = await start('stale');
    const other = await clusters.start({}, { name: 'other' });
    const { path, plan } = await planOut(c);
    await writeFile(
      path,
      JSON.stringify({ ...plan, createdAt: new Date(Date.now() - 2 * 3_600_000).toISOString() }),
    );
    const otherKubeconfig = await writeFleetKubeconfig([other]);
    const requests = countRequests(c.sim);

    // Act
    const [stale, longer, elsewhere] = await Promise.all([
      runCli(['reap', '--kubeconfig', c.kubeconfig, '--apply', '--plan', path]),
      runCli(['reap', '--kubeconfig', c.kubeconfig, '--plan', path, '--max-plan-age', '3h']),
      runCli(['reap', '--kubeconfig', otherKubeconfig, '--plan', path, '--max-plan-age', '3h']),
    ]);

    // Assess
    expect(stale.code).toBe(64);
    expect(nonEmpty(stale.stderr)).toEqual([
      expect.stringMatching(
        /^error: --plan .* was made at .*, \S+ ago, older than --max-plan-age 1h: a stale plan/,
      ),
    ]);
    expect(longer.code, longer.stderr).toBe(0);
    expect(longer.stdout.startsWith('*** DRY-RUN')).toBe(true);
    expect(elsewhere.code).toBe(64);
    expect(nonEmpty(elsewhere.stderr)).toEqual([
      expect.stringMatching(
        /^error: --plan .* is for cluster "stale", which this run does not address \(it addresses: other\)/,
      ),
    ]);
    // Only the dry run with --max-plan-age 3h reached the cluster: one read and one dryRun=All delete per lease.
    expect(requests()).toBe(2 * (plan.clusters[0]?.deletions.length ?? 0));
  });

  it('prints the banner first, titled sections, skip reasons in policy units, and closes with the command that applies', async () => {
    // Prepare
    const c = await start('output');
    const log = join(c.dir, 'reap.log');

    // Act
    const path = join(c.dir, 'plan.json');
    const [withPlan, withoutPlan, verbose, logged] = await Promise.all([
      runCli(['reap', '--kubeconfig', c.kubeconfig, '--policy', c.policy, '--plan-out', path]),
      runCli(['reap', '--kubeconfig', c.kubeconfig, '--policy', c.policy]),
      runCli(['reap', '--kubeconfig', c.kubeconfig, '--policy', c.policy, '--verbose']),
      runCli(['reap', '--kubeconfig', c.kubeconfig, '--policy', c.policy, '--log-file', log]),
    ]);

    // Assess: the table alone on stdout, nothing on stderr.
    for (const r of [withPlan, withoutPlan, verbose, logged]) {
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toMatch(/^\*\*\* DRY-RUN: nothing is deleted\./);
      const titles = lines.filter((l) => ['Plan', 'Skipped', 'Summary'].includes(l));
      expect(titles).toEqual(['Plan', 'Skipped', 'Summary']);
      expect(lines.some(isJsonLine)).toBe(false);
      // Too young orphaned node leases: the policy said 24h, and so does the skip reason.
      expect(r.stdout).toMatch(
        /kube-node-lease\s+\S+\s+OrphanedNodeLease\s+tooYoung\s+unrenewed for \S+, less than minExpiredFor 24h/,
      );
      expect(r.stdout).not.toMatch(/\d s\b/);
    }
    expect(withPlan.stderr).toBe('');
    expect(withoutPlan.stderr).toBe('');
    expect(logged.stderr).toBe('');
    expect(nonEmpty(withPlan.stdout).at(-1)).toBe(
      `To apply: lease-reaper reap --apply --plan ${path} --kubeconfig ${c.kubeconfig}`,
    );
    expect(withPlan.stdout).toMatch(new RegExp(`Plan written to ${path}: ${CAP} leases in 1 cluster\\. `));
    expect(nonEmpty(withoutPlan.stdout).at(-1)).toBe(
      `To apply: lease-reaper reap --apply --policy ${c.policy} --kubeconfig ${c.kubeconfig}`,
    );

    // --verbose: the action lines on stderr; --log-file: the same lines in the file.
    const onStderr = actionLines(verbose.stderr);
    expect(onStderr).toHaveLength(CAP);
    expect(onStderr.every((a) => a.event === 'lease-reaper.delete' && a.dryRun)).toBe(true);
    const inFile = actionLines(await readFile(log, 'utf8'));
    expect(inFile.map(key)).toEqual(onStderr.map(key));
  });
});

/** Counts the audit's wide reads (all leases, Nodes, Pods): a saved plan needs none of them. */
function countWideReads(sim: SimCluster): () => number {
  sim.faults.add({
    action: { type: 'latency', ms: 0 },
    match: { method: 'GET', path: /^\/(apis\/coordination\.k8s\.io\/v1\/leases|api\/v1\/(nodes|pods))/ },
  });
  return () => sim.faults.hits.latency;
}

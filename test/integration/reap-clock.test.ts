import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../../shared/reap/execute-plan.ts';
import type { ClusterReap } from '../../shared/reap/reap-clusters.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases } from '../../sim/resources.ts';
import { type CliResult, runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { countRequests, seedRecentlyRenewedLease, summaryRow } from '../support/reap-output.ts';
import { simClusters } from '../support/sim.ts';

const clusters = simClusters();
const DAY = 86_400_000;
const LEASE = 'payments/checkout-controller';

interface ReapReport {
  dryRun: boolean;
  maxClockSkewSeconds: number;
  clusters: ClusterReap[];
}

/**
 * A cluster whose API server clock is `skewMs` off this machine's, holding one leader lease its holder
 * renewed two seconds ago (by the real clock) and whose holder Pod is not listed: healthy, unless judged
 * by a wrong clock.
 */
async function skewedCluster(name: string, skewMs: number) {
  const sim = await clusters.start({}, { name, clock: () => Date.now() + skewMs });
  seedRecentlyRenewedLease(sim);
  const policy = join(await mkdtemp(join(tmpdir(), 'lease-reaper-clock-')), 'policy.yaml');
  await writeFile(policy, 'dryRun: false\nnamespaces:\n  include: [payments]\n', { mode: 0o600 });
  return { sim, policy, kubeconfig: await writeFleetKubeconfig([sim]) };
}

const leaseState = (sim: SimCluster) =>
  sim.store.list(leases).map((s) => `${s.key}@${s.obj.metadata.uid}@${s.obj.metadata.resourceVersion}`);

function actionLines(result: CliResult): ActionRecord[] {
  return result.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ActionRecord);
}

describe('the reaper clock guard (CLI)', () => {
  it('refuses to delete in a cluster whose API server clock is 40 days ahead, even with --apply, and says why', async () => {
    // Prepare
    const { sim, policy, kubeconfig } = await skewedCluster('skewed', 40 * DAY);
    const before = leaseState(sim);
    const deletes = countRequests(sim, 'DELETE');

    // Act
    const [table, json] = await Promise.all([
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--apply', '--verbose']),
      runCli([
        'reap',
        '--kubeconfig',
        kubeconfig,
        '--policy',
        policy,
        '--apply',
        '--output',
        'json',
        '--verbose',
      ]),
    ]);

    // Assess: nothing was sent, nothing deleted.
    expect(deletes()).toBe(0);
    expect(leaseState(sim)).toEqual(before);
    expect(table.code).toBe(2);
    expect(json.code).toBe(2);

    // The wrong clock did make the fresh lease look abandoned: only the guard kept it.
    const report = JSON.parse(json.stdout) as ReapReport;
    expect(report).toMatchObject({ dryRun: false, maxClockSkewSeconds: 300 });
    const only = report.clusters[0];
    if (only?.status !== 'refused') throw new Error(`expected a refusal: ${json.stdout}`);
    expect(only.plan.deletions.map((d) => `${d.namespace}/${d.name}`)).toEqual([LEASE]);
    expect(only.refusal).toMatchObject({ reason: 'clockSkew', maxClockSkewSeconds: 300 });
    expect(only.refusal.message).toMatch(
      /^refused: the API server's clock is 40\.0d ahead of this machine's/,
    );
    expect(only.clock.source).toBe('server');
    expect(only.clock.skewMs).toBeGreaterThan(40 * DAY - 5_000);
    expect(only.clock.skewMs).toBeLessThan(40 * DAY + 5_000);
    expect(only.execution).toMatchObject({ planned: 1, deleted: 0, notAttempted: 1 });

    expect(summaryRow(table.stdout, 'skewed')).toMatchObject({
      STATUS: 'refused',
      PLANNED: '1',
      DELETED: '0',
      'NOT-ATTEMPTED': '1',
      CLOCK: 'server',
      SKEW: '+40.0d',
    });
    expect(table.stdout).toContain("cluster skewed: refused: the API server's clock is 40.0d ahead");
    expect(table.stdout).toMatch(
      /skewed\s+payments\s+checkout-controller\s+AbandonedLease\s+\S+\s+notAttempted\s+refused:/,
    );

    for (const result of [table, json]) {
      const actions = actionLines(result);
      expect(actions.map((a) => [a.name, a.outcome, a.dryRun])).toEqual([
        ['checkout-controller', 'notAttempted', false],
      ]);
      expect(actions[0]?.detail).toMatch(/^refused: /);
      expect(actions[0]?.clock).toMatchObject({ source: 'server', skewMs: expect.any(Number) });
    }
  });

  it('rejects --now together with --apply as a usage error (exit 64) before any request', async () => {
    // Prepare
    const { sim, policy, kubeconfig } = await skewedCluster('fixed-time', 0);
    const requests = countRequests(sim);
    const before = leaseState(sim);

    // Act
    const result = await runCli([
      'reap',
      '--kubeconfig',
      kubeconfig,
      '--policy',
      policy,
      '--apply',
      '--now',
      '2099-01-01T00:00:00Z',
    ]);

    // Assess
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toEqual([expect.stringMatching(/^error: --now cannot be used with --apply/)]);
    expect(requests()).toBe(0);
    expect(leaseState(sim)).toEqual(before);
  });

  it('holds a dry run to the same guard; --max-clock-skew widens it, and must stay under minExpiredFor', async () => {
    // Prepare: a clock ten minutes ahead
    const { sim, policy, kubeconfig } = await skewedCluster('ten-minutes', 10 * 60_000);
    const before = leaseState(sim);
    const args = ['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--output', 'json'];

    // Act
    const [byPolicy, widened, tooWide] = await Promise.all([
      runCli(args),
      runCli([...args, '--max-clock-skew', '15m']),
      runCli([...args, '--max-clock-skew', '2d']),
    ]);

    // Assess
    expect(byPolicy.code).toBe(2);
    const refused = (JSON.parse(byPolicy.stdout) as ReapReport).clusters[0];
    expect(refused).toMatchObject({ status: 'refused', refusal: { reason: 'clockSkew' } });

    expect(widened.code).toBe(0);
    const report = JSON.parse(widened.stdout) as ReapReport;
    expect(report.maxClockSkewSeconds).toBe(900);
    expect(report.clusters[0]).toMatchObject({
      status: 'ok',
      clock: { source: 'server', skewMs: expect.any(Number) },
    });

    expect(tooWide.code).toBe(64);
    expect(tooWide.stderr).toMatch(/^error: --max-clock-skew 2d with the policy is invalid: maxClockSkew: /);
    expect(leaseState(sim)).toEqual(before);
  });

  it('prints the clock each cluster was judged by and its measured skew, in the table and the action log', async () => {
    // Prepare: an honest clock, and a dry run at a given time
    const { sim, policy, kubeconfig } = await skewedCluster('honest', 0);
    const at = '2099-01-01T00:00:00.000Z';

    // Act
    const [table, fixed] = await Promise.all([
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy]),
      runCli(['reap', '--kubeconfig', kubeconfig, '--policy', policy, '--now', at, '--verbose']),
    ]);

    // Assess
    expect(table.code).toBe(0);
    const row = summaryRow(table.stdout, 'honest');
    expect(row).toMatchObject({ STATUS: 'ok', CLOCK: 'server', PLANNED: '0' });
    expect(row.SKEW).toMatch(/^[+-]\d+\.\ds$/);
    expect(Date.parse(row['JUDGED-AT'] ?? '')).toBeGreaterThan(Date.now() - 600_000);

    // Judged in 2099 the lease is long expired: planned, sent with dryRun=All, and the line says by which clock.
    expect(fixed.code).toBe(0);
    expect(summaryRow(fixed.stdout, 'honest')).toMatchObject({ CLOCK: 'override', 'JUDGED-AT': at });
    const actions = actionLines(fixed);
    expect(actions.map((a) => [a.name, a.outcome, a.dryRun])).toEqual([
      ['checkout-controller', 'deleted', true],
    ]);
    expect(actions[0]?.clock).toMatchObject({ source: 'override', now: at, skewMs: expect.any(Number) });
    expect(sim.store.get(leases, 'payments', 'checkout-controller')).toBeDefined();
  });
});

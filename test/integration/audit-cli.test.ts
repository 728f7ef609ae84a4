import { describe, expect, it } from 'vitest';
import type { Finding, FindingType } from '../../shared/audit/findings.ts';
import type { AuditReport } from '../../shared/report/audit-report.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { defaultScenario, emptySeededReport, type SeededReport } from '../../sim/scenario.ts';
import { runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { simClusters } from '../support/sim.ts';

const clusters = simClusters();
const cluster = (name: string, spec = defaultScenario): Promise<SimCluster> => clusters.start(spec, { name });

/** What the audit must report for a scenario: every seeded anomaly, by finding type. */
function expectedFindings(seeded: SeededReport): Record<FindingType, string[]> {
  return {
    StaleNodeHeartbeat: seeded.staleNodeHeartbeats,
    OrphanedNodeLease: [
      ...seeded.orphanedNodeLeases.ownerless,
      ...seeded.orphanedNodeLeases.previousIncarnation,
    ],
    NodeWithoutLease: seeded.nodesWithoutLease.map((n) => `/${n}`),
    ExpiredApiServerIdentity: seeded.apiServerIdentities.expired,
    OrphanedApiServerIdentity: seeded.apiServerIdentities.orphaned,
    DuplicateApiServerHostname: seeded.apiServerIdentities.duplicateHostname,
    ExpiredLease: seeded.leaderLeases.expired,
    AbandonedLease: seeded.leaderLeases.abandoned,
    MalformedLease: seeded.malformedLeases,
    ControlPlaneLeaderMissing: seeded.leaderLeases.controlPlaneLeaderless,
    LeaderChurn: seeded.leaderLeases.flapping,
    StaleLeaseCandidate: seeded.leaseCandidates.stale,
    CoordinatedLeaseWithoutCandidate: seeded.leaderLeases.coordinatedWithoutCandidate,
    // Asked for with --naming-advice only (audit-leader-shapes-cli.test.ts).
    LeaseNamingAdvice: [],
  };
}

function actualFindings(findings: readonly Finding[]): Record<FindingType, string[]> {
  const out = Object.fromEntries(
    Object.keys(expectedFindings(emptySeed())).map((t) => [t, [] as string[]]),
  ) as Record<FindingType, string[]>;
  for (const f of findings) out[f.type].push(`${f.namespace}/${f.name}`);
  return out;
}

const emptySeed = (): SeededReport => emptySeededReport(defaultScenario, 0, 0);

const sorted = (r: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [...v].sort()]));

describe('lease-reaper audit', () => {
  it('reports exactly the anomalies the scenario seeded, nothing more, nothing less', async () => {
    const sim = await cluster('seeded');
    const kubeconfig = await writeFleetKubeconfig([sim]);

    const result = await runCli(['audit', '--kubeconfig', kubeconfig, '--output', 'json']);

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as AuditReport;
    const only = report.clusters[0];
    if (only?.status !== 'ok') throw new Error(`cluster failed: ${JSON.stringify(only)}`);
    const seeded = sim.seeded ?? emptySeed();
    expect(sorted(actualFindings(only.findings))).toEqual(sorted(expectedFindings(seeded)));
    expect(only.counts).toMatchObject({
      leases: seeded.counts.leases,
      nodes: seeded.counts.nodes,
      pods: seeded.counts.pods,
      liveApiServers: seeded.apiServerIdentities.live.length,
    });
    expect(only.clock.source).toBe('server');
    expect(Math.abs(only.clock.skewMs ?? Number.NaN)).toBeLessThan(1_500);
  });

  it('audits several contexts concurrently and reports an unreachable one as an error row', async () => {
    const healthy = await cluster('healthy', { ...defaultScenario, staleNodes: 0, nodes: 20 });
    const broken = await cluster('broken');
    const kubeconfig = await writeFleetKubeconfig(
      [healthy, broken],
      [{ name: 'gone', server: 'https://127.0.0.1:9' }],
    );

    const result = await runCli([
      'audit',
      '--kubeconfig',
      kubeconfig,
      '--all-contexts',
      '--output',
      'json',
      '--timeout',
      '20',
    ]);

    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(report.clusters.map((c) => [c.cluster, c.status])).toEqual([
      ['healthy', 'ok'],
      ['broken', 'ok'],
      ['gone', 'error'],
    ]);
    expect(report.clusters[2]).toMatchObject({
      error: { kind: 'unreachable', message: expect.stringContaining('cluster "gone"') },
    });
    expect(report.summary.failedClusters).toBe(1);
    expect(result.stdout).not.toContain('dead-endpoint-token');
    expect(result.stderr).not.toContain('dead-endpoint-token');
  });

  it('exits 1 with --fail-on critical when a heartbeat is critically stale, and 0 when none is', async () => {
    const stale = await cluster('stale');
    const fresh = await cluster('fresh', { ...defaultScenario, staleNodes: 0 });
    const staleConfig = await writeFleetKubeconfig([stale]);
    const freshConfig = await writeFleetKubeconfig([fresh]);

    const failing = await runCli(['audit', '--kubeconfig', staleConfig, '--fail-on', 'critical']);
    const passing = await runCli(['audit', '--kubeconfig', freshConfig, '--fail-on', 'critical']);
    const strict = await runCli(['audit', '--kubeconfig', freshConfig, '--fail-on', 'warning']);

    expect(failing.code).toBe(1);
    expect(passing.code).toBe(0);
    expect(strict.code).toBe(1);
  });

  it('prints kubectl-like tables without colour when stdout is not a terminal', async () => {
    const sim = await cluster('tables');
    const kubeconfig = await writeFleetKubeconfig([sim]);

    const result = await runCli(['audit', '--kubeconfig', kubeconfig]);

    expect(result.stdout).toMatch(/^CLUSTER {3}STATUS {3}LEASES {3}NODES {3}APISERVERS/);
    expect(result.stdout).toContain('StaleNodeHeartbeat');
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('judges by the given --now and says so', async () => {
    const sim = await cluster('later', { ...defaultScenario, nodes: 10, staleNodes: 0 });
    const kubeconfig = await writeFleetKubeconfig([sim]);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();

    const result = await runCli(['audit', '--kubeconfig', kubeconfig, '--output', 'json', '--now', inAnHour]);

    const report = JSON.parse(result.stdout) as AuditReport;
    const only = report.clusters[0];
    if (only?.status !== 'ok') throw new Error('cluster failed');
    expect(only.clock).toMatchObject({ source: 'override', now: inAnHour });
    // An hour later every heartbeat (no renewer runs here) is critically stale.
    expect(only.counts.findings.StaleNodeHeartbeat).toBe(10);
  });

  it('fails fast with a usage error naming an unknown context', async () => {
    const sim = await cluster('known');
    const kubeconfig = await writeFleetKubeconfig([sim]);

    const result = await runCli(['audit', '--kubeconfig', kubeconfig, '--context', 'nope']);

    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--context "nope" is not in the kubeconfig (it has: known)');
  });

  it('rejects a malformed --now with a usage error', async () => {
    const result = await runCli(['audit', '--now', 'yesterday']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("option '--now <time>' argument 'yesterday' is invalid");
  });
});

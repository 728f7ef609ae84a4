import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/audit/findings.ts';
import type { AuditReport } from '../../shared/report/audit-report.ts';
import type { ScenarioSpec } from '../../sim/scenario.ts';
import { runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { leaderShapes, simClusters } from '../support/sim.ts';

/**
 * `lease-reaper audit -o json`, the bundled CLI over HTTPS, against a simulated cluster seeded with every
 * shape of the control-plane, churn, LeaseCandidate and naming rules (sim/scenario.ts; the shapes as a
 * client reads them are checked in sim-audit-shapes.test.ts). The seeded report, written by the judge,
 * names what each rule must find: exactly those, nothing more.
 */

const clusters = simClusters();

const shapes: Partial<ScenarioSpec> = { ...leaderShapes, nodes: 3, workloadLeases: 2 };

const keys = (findings: readonly Finding[], type: Finding['type']) =>
  findings
    .filter((f) => f.type === type)
    .map((f) => `${f.namespace}/${f.name}`)
    .sort();

async function auditJson(extra: readonly string[] = []) {
  const sim = await clusters.start(shapes, { coordinatedLeaderElection: { kubernetesMinor: 33 } });
  const kubeconfig = await writeFleetKubeconfig([sim]);
  const result = await runCli(['audit', '--kubeconfig', kubeconfig, '--output', 'json', ...extra]);
  const report = JSON.parse(result.stdout) as AuditReport;
  const only = report.clusters[0];
  if (only?.status !== 'ok') throw new Error(`cluster failed: ${JSON.stringify(only)}`);
  const seeded = sim.seeded;
  if (!seeded) throw new Error('the sim seeded nothing');
  return { code: result.code, findings: only.findings, seeded };
}

describe('lease-reaper audit against the seeded leader shapes', () => {
  it('reports exactly the seeded control-plane, churn and LeaseCandidate shapes', async () => {
    // Act
    const { findings, seeded } = await auditJson();

    // Assert
    const sorted = (k: readonly string[]) => [...k].sort();
    expect(seeded.leaderLeases.controlPlaneLeaderless).toHaveLength(2);
    expect(keys(findings, 'ControlPlaneLeaderMissing')).toEqual(
      sorted(seeded.leaderLeases.controlPlaneLeaderless),
    );
    expect(keys(findings, 'LeaderChurn')).toEqual(sorted(seeded.leaderLeases.flapping));
    expect(keys(findings, 'StaleLeaseCandidate')).toEqual(sorted(seeded.leaseCandidates.stale));
    expect(keys(findings, 'CoordinatedLeaseWithoutCandidate')).toEqual(
      sorted(seeded.leaderLeases.coordinatedWithoutCandidate),
    );
    // Naming advice is opt-in.
    expect(keys(findings, 'LeaseNamingAdvice')).toEqual([]);
    // A control plane without a leader is critical.
    for (const f of findings.filter((f) => f.type === 'ControlPlaneLeaderMissing'))
      expect(f.severity).toBe('critical');
  });

  it('with --naming-advice, advises exactly the seeded generic, shared and unlinked names', async () => {
    // Act
    const { findings, seeded } = await auditJson(['--naming-advice']);

    // Assert
    const advice = seeded.namingAdvice;
    const expected = new Set([...advice.generic, ...advice.shared, ...advice.withoutOwnerLink]);
    expect(expected.size).toBeGreaterThan(0);
    expect(keys(findings, 'LeaseNamingAdvice')).toEqual([...expected].sort());
  });
});

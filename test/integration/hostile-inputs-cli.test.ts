import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterReap } from '../../shared/reap/reap-clusters.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { type CliResult, runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { simClusters } from '../support/sim.ts';

const clusters = simClusters();

async function tempFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'lease-reaper-hostile-')), name);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

/** A usage error: exit 64 and exactly one line on stderr, nothing on stdout. */
function expectUsageError(result: CliResult): string {
  expect(result.code, result.stderr).toBe(64);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

const policyText = 'namespaces:\n  include: [payments]\n';

// One CLI run per class of flag (the unit tables in cli-options.test.ts cover every value).
describe('lease-reaper refuses hostile flag values with one line and exit 64', () => {
  it.each([
    {
      flagClass: 'a timeout past what a Node.js timer holds',
      args: ['audit', '--timeout', '2147484'],
      line: "error: option '--timeout <seconds>' argument '2147484' is invalid. expected whole seconds from 1 to 2147483 (the longest a Node.js timer holds)",
    },
    {
      flagClass: 'a count written as an exponent',
      args: ['reap', '--concurrency', '1e3'],
      line: "error: option '--concurrency <n>' argument '1e3' is invalid. expected a whole number from 1 to 256",
    },
    {
      flagClass: 'a fractional threshold',
      args: ['audit', '--grace-period', '1.5'],
      line: "error: option '--grace-period <seconds>' argument '1.5' is invalid. expected whole seconds from 0 to 31536000 (365 days)",
    },
    {
      flagClass: 'a date that does not exist',
      args: ['audit', '--now', '2026-02-30T00:00:00Z'],
      line: "error: option '--now <time>' argument '2026-02-30T00:00:00Z' is invalid. expected an RFC 3339 time with a real date and an offset, e.g. 2026-11-25T10:00:00Z or 2026-11-25T11:00:00+01:00",
    },
    {
      flagClass: 'a time without an offset',
      args: ['reap', '--now', '2026-11-25T10:00:00'],
      line: "error: option '--now <time>' argument '2026-11-25T10:00:00' is invalid. expected an RFC 3339 time with a real date and an offset, e.g. 2026-11-25T10:00:00Z or 2026-11-25T11:00:00+01:00",
    },
  ])('$flagClass', async ({ args, line }) => {
    const result = await runCli(args);

    expect(expectUsageError(result)).toBe(line);
  });

  it('refuses a policy duration out of range, naming the field', async () => {
    const policy = await tempFile('policy.yaml', `${policyText}minExpiredFor: 400d\n`);

    const result = await runCli(['reap', '--policy', policy]);

    expect(expectUsageError(result)).toBe(
      `error: policy ${policy} is invalid: minExpiredFor: must be at most 31536000 s ("365d")`,
    );
  });

  it('refuses a policy file over 1 MiB before parsing it, naming the file and the cap', async () => {
    const big = `${policyText}# ${'x'.repeat(2 * 1024 * 1024)}\n`;
    const policy = await tempFile('policy.yaml', big);

    const result = await runCli(['reap', '--policy', policy]);

    expect(expectUsageError(result)).toBe(
      `error: --policy ${policy} is ${big.length} bytes, over the 1 MiB (1048576 bytes) limit for configuration`,
    );
  });

  it('refuses a registry file over 1 MiB, naming the file and the cap', async () => {
    const big = `clusters: []\n# ${'x'.repeat(1024 * 1024)}\n`;
    const registry = await tempFile('clusters.yaml', big);

    const result = await runCli(['audit', '--clusters', registry]);

    expect(expectUsageError(result)).toBe(
      `error: --clusters ${registry} is ${big.length} bytes, over the 1 MiB (1048576 bytes) limit for configuration`,
    );
  });
});

describe('the protect annotation fails closed', () => {
  it('keeps an abandoned lease annotated lease-reaper.io/protect: "yes" through reap --apply', async () => {
    // Prepare: two abandoned leases in an included namespace; one gets a "yes" (not the literal "true").
    const sim = await clusters.start(defaultScenario, { name: 'protect' });
    const abandoned = sim.seeded?.leaderLeases.abandoned ?? [];
    const [protectedKey, controlKey] = abandoned;
    if (!protectedKey || !controlKey) throw new Error('the scenario seeded fewer than two abandoned leases');
    const [namespace, name] = protectedKey.split('/') as [string, string];
    const current = sim.store.get(leases, namespace, name);
    if (!current) throw new Error(`${protectedKey} is not in the store`);
    sim.store.update(leases, {
      ...current.obj,
      metadata: {
        ...current.obj.metadata,
        annotations: { ...current.obj.metadata.annotations, 'lease-reaper.io/protect': 'yes' },
      },
    });
    const namespaces = [...new Set([protectedKey, controlKey].map((k) => k.split('/')[0]))];
    const policy = await tempFile(
      'policy.yaml',
      `dryRun: false\nnamespaces:\n  include: [${namespaces.join(', ')}]\nminExpiredFor: 10m\nmaxDeletionsPerRun: 500\nmaxDeletionsPerCluster: 500\n`,
    );
    const kubeconfig = await writeFleetKubeconfig([sim]);

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
    ]);

    // Assess: the annotated lease is still there and was skipped as protected; the control was deleted.
    expect(result.code, result.stderr).toBe(0);
    expect(sim.store.get(leases, namespace, name)).toBeDefined();
    const [controlNamespace, controlName] = controlKey.split('/') as [string, string];
    expect(sim.store.get(leases, controlNamespace, controlName)).toBeUndefined();
    const report = JSON.parse(result.stdout) as { clusters: ClusterReap[] };
    const only = report.clusters[0];
    if (only?.status !== 'ok') throw new Error(`cluster failed: ${JSON.stringify(only)}`);
    expect(only.plan.skipped).toContainEqual(
      expect.objectContaining({
        namespace,
        name,
        skip: 'protected',
        detail: 'annotated lease-reaper.io/protect: "yes"',
      }),
    );
    expect(only.plan.deletions.map((d) => `${d.namespace}/${d.name}`)).not.toContain(protectedKey);
  });
});

import { describe, expect, it } from 'vitest';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { seedLeases, simClusters } from '../support/sim.ts';

const clusters = simClusters();

describe('read limits set from the CLI', () => {
  it('end a cluster whose list passes --max-list-items with a limit error, while the other cluster is audited', async () => {
    const big = await clusters.start({}, { name: 'big' });
    seedLeases(big, 60, 2);
    const small = await clusters.start({}, { name: 'small' });
    seedLeases(small, 5, 1);
    const kubeconfig = await writeFleetKubeconfig([big, small]);

    const result = await runCli([
      'audit',
      '--kubeconfig',
      kubeconfig,
      '--all-contexts',
      '--output',
      'json',
      '--max-list-items',
      '20',
    ]);

    const report = JSON.parse(result.stdout) as {
      clusters: { cluster: string; status: string; error?: { kind: string; message: string } }[];
    };
    const byName = new Map(report.clusters.map((c) => [c.cluster, c]));
    expect(byName.get('big')).toMatchObject({ status: 'error', error: { kind: 'limit' } });
    expect(byName.get('big')?.error?.message).toContain('maxListItems');
    expect(byName.get('small')?.status).toBe('ok');
  });

  it('refuse a limit out of range with one line and exit 64', async () => {
    const result = await runCli(['audit', '--max-response-mib', '0']);

    expect(result.code).toBe(64);
    expect(result.stderr.trim()).toBe(
      "error: option '--max-response-mib <n>' argument '0' is invalid. expected a whole number of MiB from 1 to 1024",
    );
  });
});

describe('read limits in the cluster registry', () => {
  it('accepts readLimits and refuses an unknown or out-of-range limit naming the field', () => {
    const clusters = [
      {
        name: 'a',
        type: 'kubeconfig',
        secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:lease-reaper/a-AbCdEf',
      },
    ];
    expect(parseClusterRegistry({ clusters, readLimits: { maxListItems: 1_000_000 } }).readLimits).toEqual({
      maxListItems: 1_000_000,
    });
    expect(() => parseClusterRegistry({ clusters, readLimits: { maxListItems: 0 } })).toThrow(
      /readLimits\.maxListItems/,
    );
    expect(() => parseClusterRegistry({ clusters, readLimits: { maxBytes: 1 } })).toThrow(/readLimits/);
  });
});

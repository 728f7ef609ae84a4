import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { FleetReapSummary } from '../../functions/commons/fleet-reap.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { makeReapHandler } from '../../functions/reap/handler.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { lambdaContext, mockedAws, secretArn, unreachableKubeconfig } from '../support/aws.ts';
import { simClusters } from '../support/sim.ts';

const clusters = simClusters();
const { cw, cwMock, clients, serveKubeconfig } = mockedAws();

async function fleet(dryRun: boolean) {
  const troubled = await clusters.start(defaultScenario, { name: 'troubled' });
  serveKubeconfig('troubled', troubled.kubeconfig());
  serveKubeconfig('gone', unreachableKubeconfig(troubled.kubeconfig()));
  const policy = parseReapPolicy({
    dryRun,
    namespaces: { include: ['payments', 'checkout', 'search', 'ml-pipelines', 'platform-*'] },
    maxDeletionsPerRun: 4,
  });
  const lines: string[] = [];
  const handler = makeReapHandler({
    registry: parseClusterRegistry({
      clusters: ['troubled', 'gone'].map((name) => ({
        name,
        type: 'kubeconfig',
        secretArn: secretArn(name),
      })),
    }),
    policy,
    connector: new ClusterConnector(clients),
    cloudWatch: cw,
    log: jsonLogger((line) => lines.push(line)),
  });
  const leaseKeys = () => new Set(troubled.store.list(leases).map((s) => s.key));
  return { troubled, handler, lines, leaseKeys };
}

const metric = (name: string, cluster: string) =>
  cwMock
    .commandCalls(PutMetricDataCommand)
    .flatMap((c) => c.args[0].input.MetricData ?? [])
    .filter((d) => d.MetricName === name && d.Dimensions?.[0]?.Value === cluster)
    .map((d) => d.Value);

describe('the reap function', () => {
  it('in dry-run checks every planned delete with the server and deletes nothing', async () => {
    const { troubled, handler, lines, leaseKeys } = await fleet(true);
    const before = leaseKeys();

    const summary = (await handler({}, lambdaContext)) as FleetReapSummary;

    expect(summary).toMatchObject({ dryRun: true, clusters: 2, failedClusters: 1, deleted: 0 });
    expect(summary.perCluster[0]).toMatchObject({
      cluster: 'troubled',
      status: 'ok',
      planned: 4,
      deleted: 4,
    });
    expect(leaseKeys()).toEqual(before);
    expect(metric('LeasesDeleted', 'troubled')).toEqual([0]);
    const actions = lines
      .map((l) => JSON.parse(l) as { message: string; outcome?: string; dryRun?: boolean })
      .filter((l) => l.message === 'lease action');
    expect(actions).toHaveLength(4);
    expect(actions.every((a) => a.outcome === 'deleted' && a.dryRun === true)).toBe(true);
    expect(lines.join('\n')).not.toContain(troubled.tokens.admin);
  });

  it('with dryRun false deletes exactly the planned leases, oldest first, and counts them', async () => {
    const { troubled, handler, leaseKeys } = await fleet(false);
    const before = leaseKeys();

    const summary = (await handler({}, lambdaContext)) as FleetReapSummary;

    const removed = [...before].filter((k) => !leaseKeys().has(k));
    expect(summary).toMatchObject({ dryRun: false, deleted: 4, failedClusters: 1 });
    expect(removed).toHaveLength(4);
    for (const key of removed) expect(troubled.seeded?.leaderLeases.abandoned).toContain(key);
    expect(metric('LeasesDeleted', 'troubled')).toEqual([4]);
  });
});

import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import 'aws-sdk-client-mock-vitest/extend';
import { describe, expect, it } from 'vitest';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import type { FleetAuditSummary } from '../../functions/commons/fleet-audit.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { lambdaContext, mockedAws, secretArn, unreachableKubeconfig } from '../support/aws.ts';
import { simClusters } from '../support/sim.ts';

const clusters = simClusters();
const { cw, cwMock, clients, serveKubeconfig } = mockedAws();

async function fleet(metricsSink: 'cloudwatch' | 'emf' = 'cloudwatch') {
  const healthy = await clusters.start({ ...defaultScenario, nodes: 30, staleNodes: 0 }, { name: 'healthy' });
  const troubled = await clusters.start(defaultScenario, { name: 'troubled' });
  serveKubeconfig('healthy', healthy.kubeconfig());
  serveKubeconfig('troubled', troubled.kubeconfig());
  serveKubeconfig('gone', unreachableKubeconfig(healthy.kubeconfig()));
  const registry = parseClusterRegistry({
    clusters: ['healthy', 'troubled', 'gone'].map((name) => ({
      name,
      type: 'kubeconfig',
      secretArn: secretArn(name),
    })),
    metricsSink,
  });
  const emf: string[] = [];
  const lines: string[] = [];
  const handler = makeAuditHandler({
    registry,
    connector: new ClusterConnector(clients),
    cloudWatch: cw,
    log: jsonLogger((line) => lines.push(line)),
    emfWrite: (line) => emf.push(line),
  });
  return { healthy, troubled, handler, lines, emf };
}

/** The value of a metric in what was sent to CloudWatch, for a cluster or (undefined) the fleet. */
function metric(name: string, cluster?: string): number[] {
  return cwMock
    .commandCalls(PutMetricDataCommand)
    .flatMap((c) => c.args[0].input.MetricData ?? [])
    .filter(
      (d) =>
        d.MetricName === name &&
        (cluster === undefined ? d.Dimensions === undefined : d.Dimensions?.[0]?.Value === cluster),
    )
    .map((d) => d.Value ?? Number.NaN);
}

describe('the audit function', () => {
  it('audits every cluster of the registry, publishes metrics for all three, and survives the unreachable one', async () => {
    const { healthy, troubled, handler, lines } = await fleet();

    const summary = (await handler({ source: 'scheduler' }, lambdaContext)) as FleetAuditSummary;

    expect(summary).toMatchObject({ clusters: 3, failedClusters: 1 });
    expect(summary.perCluster.map((c) => [c.cluster, c.status])).toEqual([
      ['healthy', 'ok'],
      ['troubled', 'ok'],
      ['gone', 'error'],
    ]);
    expect(metric('ClusterScanErrors', 'gone')).toEqual([1]);
    expect(metric('ClusterScanErrors', 'healthy')).toEqual([0]);
    expect(metric('ClusterScanErrors', 'troubled')).toEqual([0]);
    expect(metric('ClusterScanErrors')).toEqual([1]);
    expect(metric('StaleNodeHeartbeats', 'troubled')).toEqual([troubled.seeded?.staleNodeHeartbeats.length]);
    expect(metric('StaleNodeHeartbeats', 'healthy')).toEqual([0]);
    // Only what the alarms watch is a metric per cluster; every count is in the cluster's log line.
    const perCluster = cwMock
      .commandCalls(PutMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricData ?? [])
      .filter((d) => d.Dimensions?.[0]?.Value === 'healthy');
    expect(perCluster.map((d) => d.MetricName).sort()).toEqual(['ClusterScanErrors', 'StaleNodeHeartbeats']);
    expect(metric('NodeLeases', 'healthy')).toEqual([]);
    const audited = lines
      .map((l) => JSON.parse(l) as { message: string; cluster?: string; nodeLeases?: number })
      .find((l) => l.message === 'cluster audited' && l.cluster === 'healthy');
    expect(audited?.nodeLeases).toBe(healthy.seeded?.counts.nodeLeases);
    const logs = lines.join('\n');
    for (const token of [healthy.tokens.admin, troubled.tokens.admin]) expect(logs).not.toContain(token);
    expect(logs).not.toContain('certificate-authority-data');
    expect(
      lines
        .map((l) => JSON.parse(l) as { message: string; cluster?: string })
        .filter((l) => l.cluster)
        .map((l) => [l.cluster, l.message]),
    ).toEqual(
      expect.arrayContaining([
        ['healthy', 'cluster audited'],
        ['troubled', 'cluster audited'],
        ['gone', 'cluster could not be audited'],
      ]),
    );
  });

  it('audits only the clusters the event names', async () => {
    const { handler } = await fleet();

    const summary = (await handler({ clusters: ['troubled'] }, lambdaContext)) as FleetAuditSummary;

    expect(summary.perCluster.map((c) => c.cluster)).toEqual(['troubled']);
    expect(metric('ClusterScanErrors', 'healthy')).toEqual([]);
  });

  it('returns the audit result even when CloudWatch refuses the metrics', async () => {
    const { handler, lines } = await fleet();
    cwMock
      .on(PutMetricDataCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    const summary = (await handler({}, lambdaContext)) as FleetAuditSummary;

    expect(summary).toMatchObject({ clusters: 3, failedClusters: 1, metrics: { failedCalls: 1, datums: 0 } });
    expect(lines.some((l) => l.includes('some metrics were not published'))).toBe(true);
  });

  it('writes the same metrics as EMF log lines, with no API call, when the registry asks for EMF', async () => {
    const { handler, emf } = await fleet('emf');

    await handler({}, lambdaContext);

    expect(cwMock).not.toHaveReceivedCommand(PutMetricDataCommand);
    const byCluster = emf.map(
      (l: string) => JSON.parse(l) as { Cluster?: string; ClusterScanErrors?: number },
    );
    expect(byCluster.find((l) => l.Cluster === 'gone')?.ClusterScanErrors).toBe(1);
    expect(byCluster.find((l) => l.Cluster === undefined)?.ClusterScanErrors).toBe(1);
  });

  it('rejects an event whose clusters are not a list of names', async () => {
    const { handler } = await fleet();
    await expect(handler({ clusters: 'troubled' }, lambdaContext)).rejects.toThrow(/invalid event: clusters/);
  });
});

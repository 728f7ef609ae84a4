import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as deployedHandler, makeAuditHandler } from '../../functions/audit/handler.ts';
import type { FleetAuditSummary } from '../../functions/commons/fleet-audit.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { RunDeadlineError } from '../../functions/commons/run-deadline.ts';
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
  const handler = makeAuditHandler(async () => ({
    registry,
    connector: new ClusterConnector(clients),
    cloudWatch: cw,
    log: jsonLogger((line) => lines.push(line)),
    emfWrite: (line) => emf.push(line),
  }));
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

/** The RunFailed data sent through a CloudWatch mock. */
const runFailed = (mock: { commandCalls: typeof cwMock.commandCalls }) =>
  mock
    .commandCalls(PutMetricDataCommand)
    .map((c) => c.args[0].input)
    .filter((input) => input.MetricData?.some((d) => d.MetricName === 'RunFailed'));

describe('the audit handler around the run', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('deployed, with a registry it cannot load: logs the error with its request id, publishes RunFailed, and tries again next time', async () => {
    // Prepare: the environment the stack sets, with a registry that does not parse; stdout and every
    // CloudWatch client (the handler builds its own: setup never got to) captured.
    vi.stubEnv('LEASE_REAPER_CLUSTERS_PARAMETER', '');
    vi.stubEnv('LEASE_REAPER_CLUSTERS', '{"clusters": "prod-eu"}');
    vi.stubEnv('LEASE_REAPER_METRICS_NAMESPACE', 'Platform/Leases');
    vi.stubEnv('LEASE_REAPER_METRICS_STACK', 'LeaseReaperProd');
    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });

    try {
      // Act: two invocations of the deployed export, each failing in setup.
      await expect(deployedHandler({}, { ...lambdaContext, awsRequestId: 'req-a' })).rejects.toThrow(
        /LEASE_REAPER_CLUSTERS/,
      );
      await expect(deployedHandler({}, { ...lambdaContext, awsRequestId: 'req-b' })).rejects.toThrow(
        /LEASE_REAPER_CLUSTERS/,
      );

      // Assess: one RunFailed per failed run, under the stack's namespace and dimensions.
      const sent = runFailed(cloudWatch);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatchObject({
        Namespace: 'Platform/Leases',
        MetricData: [
          {
            MetricName: 'RunFailed',
            Value: 1,
            Dimensions: [
              { Name: 'Function', Value: 'audit' },
              { Name: 'Stack', Value: 'LeaseReaperProd' },
            ],
          },
        ],
      });
      const failed = out
        .flatMap((chunk) => chunk.split('\n'))
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.message === 'run failed');
      expect(failed.map((l) => [l.function, l.requestId, l.coldStart])).toEqual([
        ['audit', 'req-a', true],
        ['audit', 'req-b', false],
      ]);
      expect(failed[0]?.error).toMatchObject({
        name: 'ConfigError',
        message: expect.stringContaining('clusters'),
      });
    } finally {
      cloudWatch.restore();
    }
  });

  it('carries the request id and cold start on every log line of an invocation', async () => {
    const { handler, lines } = await fleet();

    await handler({}, { ...lambdaContext, awsRequestId: 'req-cold' });
    const first = lines.length;
    await handler({ clusters: ['healthy'] }, { ...lambdaContext, awsRequestId: 'req-warm' });

    const logged = lines.map(
      (l) => JSON.parse(l) as { requestId?: string; coldStart?: boolean; function?: string },
    );
    expect(first).toBeGreaterThan(3);
    expect(new Set(logged.slice(0, first).map((l) => [l.function, l.requestId, l.coldStart].join()))).toEqual(
      new Set(['audit,req-cold,true']),
    );
    expect(new Set(logged.slice(first).map((l) => [l.function, l.requestId, l.coldStart].join()))).toEqual(
      new Set(['audit,req-warm,false']),
    );
  });

  it('fails an invalid event and publishes RunFailed for it', async () => {
    const { handler, lines } = await fleet();

    await expect(handler({ clusters: [] }, lambdaContext)).rejects.toThrow(/invalid event: clusters/);

    expect(runFailed(cwMock)).toHaveLength(1);
    expect(cwMock).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual([
      'invalid event',
      'run failed',
    ]);
  });

  it('stops a run whose publishing hangs before the Lambda deadline, and reports it as RunFailed', async () => {
    const { handler } = await fleet();
    // CloudWatch never answers (a mock ignores abort signals, as a stuck connection might).
    cwMock.on(PutMetricDataCommand).callsFake(() => new Promise(() => {}));
    const deadline = Date.now() + 4_000;
    const context = { ...lambdaContext, getRemainingTimeInMillis: () => deadline - Date.now() } as Context;

    await expect(handler({}, context)).rejects.toBeInstanceOf(RunDeadlineError);

    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(runFailed(cwMock)).toHaveLength(1);
  });
});

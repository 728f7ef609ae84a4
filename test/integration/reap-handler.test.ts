import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FleetReapSummary } from '../../functions/commons/fleet-reap.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { handler as deployedHandler, makeReapHandler } from '../../functions/reap/handler.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { lambdaContext, mockedAws, secretArn, unreachableKubeconfig } from '../support/aws.ts';
import { deletedLeasePaths, listLeaseVersions, readLeaseVersions } from '../support/lease-versions.ts';
import { seedRecentlyRenewedLease } from '../support/reap-output.ts';
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
  const handler = makeReapHandler(async () => ({
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
  }));
  const leaseKeys = () => new Set(troubled.store.list(leases).map((s) => s.key));
  return { troubled, handler, lines, leaseKeys };
}

const metric = (name: string, cluster: string) =>
  cwMock
    .commandCalls(PutMetricDataCommand)
    .flatMap((c) => c.args[0].input.MetricData ?? [])
    .filter((d) => d.MetricName === name && d.Dimensions?.[0]?.Value === cluster)
    .map((d) => d.Value);
/** A fleet total: no Cluster dimension (the reaper publishes only totals unless the registry asks). */
const total = (name: string) =>
  cwMock
    .commandCalls(PutMetricDataCommand)
    .flatMap((c) => c.args[0].input.MetricData ?? [])
    .filter((d) => d.MetricName === name && !d.Dimensions?.some((x) => x.Name === 'Cluster'))
    .map((d) => d.Value);

describe('the reap function', () => {
  it('in dry-run sends each planned delete, hears success, and every lease keeps its resourceVersion', async () => {
    // Prepare: every lease as any client reads it, over HTTPS.
    const { troubled, handler, lines } = await fleet(true);
    const before = await listLeaseVersions(troubled);

    // Act
    const summary = (await handler({}, lambdaContext)) as FleetReapSummary;

    // Assess: four planned deletes, each sent and answered with success (a 200: RBAC and the preconditions
    // passed, not a 403 or 409 a real delete would also get)...
    expect(summary).toMatchObject({ dryRun: true, clusters: 2, failedClusters: 1, deleted: 0 });
    expect(summary.perCluster[0]).toMatchObject({
      cluster: 'troubled',
      status: 'ok',
      planned: 4,
      deleted: 4,
    });
    const actions = lines
      .map(
        (l) =>
          JSON.parse(l) as {
            message: string;
            namespace?: string;
            name?: string;
            outcome?: string;
            dryRun?: boolean;
          },
      )
      .filter((l) => l.message === 'lease action');
    expect(actions).toHaveLength(4);
    expect(actions.every((a) => a.outcome === 'deleted' && a.dryRun === true)).toBe(true);
    const planned = actions.map((a) => `${a.namespace}/${a.name}`);
    for (const k of planned) expect(troubled.seeded?.leaderLeases.abandoned).toContain(k);
    expect([...deletedLeasePaths(troubled)].sort()).toEqual([...planned].sort());
    // ...and nothing changed: each planned lease, and every other, has the same uid and resourceVersion.
    expect(await readLeaseVersions(troubled, planned)).toEqual(planned.map((k) => before.get(k)));
    expect(await listLeaseVersions(troubled)).toEqual(before);
    expect(total('LeasesDeleted')).toEqual([0]);
    expect(metric('LeasesDeleted', 'troubled')).toEqual([]);
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
    expect(total('LeasesDeleted')).toEqual([4]);
  });

  it('refuses to delete in a cluster whose API server clock is 40 days ahead, and says so in its summary and logs', async () => {
    // Prepare: a lease its holder renewed seconds ago (by the real clock), judged by a server 40 days ahead.
    const DAY = 86_400_000;
    const skewed = await clusters.start({}, { name: 'skewed', clock: () => Date.now() + 40 * DAY });
    seedRecentlyRenewedLease(skewed);
    serveKubeconfig('skewed', skewed.kubeconfig());
    const lines: string[] = [];
    const handler = makeReapHandler(async () => ({
      registry: parseClusterRegistry({
        clusters: [{ name: 'skewed', type: 'kubeconfig', secretArn: secretArn('skewed') }],
      }),
      policy: parseReapPolicy({ dryRun: false, namespaces: { include: ['payments'] } }),
      connector: new ClusterConnector(clients),
      cloudWatch: cw,
      log: jsonLogger((line) => lines.push(line)),
    }));
    skewed.faults.add({ action: { type: 'latency', ms: 0 }, match: { method: 'DELETE' } });
    const before = skewed.store.list(leases).map((l) => `${l.key}@${l.obj.metadata.resourceVersion}`);

    // Act
    const summary = (await handler({}, lambdaContext)) as FleetReapSummary;

    // Assess
    expect(skewed.faults.hits.latency).toBe(0);
    expect(skewed.store.list(leases).map((l) => `${l.key}@${l.obj.metadata.resourceVersion}`)).toEqual(
      before,
    );
    expect(summary).toMatchObject({ dryRun: false, clusters: 1, refusedClusters: 1, deleted: 0 });
    expect(summary.perCluster[0]).toMatchObject({
      cluster: 'skewed',
      status: 'refused',
      planned: 1,
      deleted: 0,
      clock: { source: 'server', skewMs: expect.any(Number) },
      error: expect.stringMatching(/^refused: the API server's clock is 40\.0d ahead of this machine's/),
    });
    const logged = lines.map(
      (l) => JSON.parse(l) as { level: string; message: string; outcome?: string; reason?: string },
    );
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'cluster reap refused', reason: 'clockSkew' }),
    );
    const actions = logged.filter((l) => l.message === 'lease action');
    expect(actions.map((a) => a.outcome)).toEqual(['notAttempted']);
    expect(actions[0]).toMatchObject({
      clock: { source: 'server' },
      detail: expect.stringMatching(/^refused: /),
    });
  });
});

describe('the deployed reap handler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('publishes RunFailed when the registry has no valid policy, before any cluster is read', async () => {
    vi.stubEnv('LEASE_REAPER_CLUSTERS_PARAMETER', '');
    vi.stubEnv(
      'LEASE_REAPER_CLUSTERS',
      JSON.stringify({
        clusters: [{ name: 'prod', type: 'kubeconfig', secretArn: secretArn('prod') }],
        policy: { namespaces: { include: [] } },
      }),
    );
    vi.stubEnv('LEASE_REAPER_METRICS_STACK', 'LeaseReaperProd');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.on(PutMetricDataCommand).resolves({});
    try {
      await expect(deployedHandler({}, lambdaContext)).rejects.toThrow(/policy/);

      expect(cloudWatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)).toEqual([
        {
          Namespace: 'LeaseReaper',
          MetricData: [
            expect.objectContaining({
              MetricName: 'RunFailed',
              Value: 1,
              Dimensions: [
                { Name: 'Function', Value: 'reap' },
                { Name: 'Stack', Value: 'LeaseReaperProd' },
              ],
            }),
          ],
        },
      ]);
    } finally {
      cloudWatch.restore();
    }
  });
});

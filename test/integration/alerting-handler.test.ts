import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { V1MicroTime } from '@kubernetes/client-node';
import 'aws-sdk-client-mock-vitest/extend';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import type { FleetAuditSummary } from '../../functions/commons/fleet-audit.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { dynamoDbStateStore } from '../../shared/alerting/dynamodb-state-store.ts';
import { eventBridgePublisher } from '../../shared/alerting/eventbridge-publisher.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { lambdaContext, mockedAlertingAws, mockedAws, secretArn } from '../support/aws.ts';
import { KubeletLeaseLoop } from '../support/lease-writers.ts';
import { apis, simClusters } from '../support/sim.ts';

/**
 * The audit function run after run against a simulated cluster over real HTTPS, with its finding state in
 * an in-memory DynamoDB table (the store's conditional writes honoured) and events caught at PutEvents.
 * Leases change between runs through the Kubernetes API, as a kubelet (or its silence) would change them.
 */
const clusters = simClusters();
const { cw, cwMock, clients, serveKubeconfig } = mockedAws();
const { ddb, eb, ddbMock, ebMock, items } = mockedAlertingAws();

interface LogLine {
  message: string;
  cluster?: string;
  [field: string]: unknown;
}

async function prodCluster() {
  // Two Nodes: the scenario seeds the second one's lease minutes stale (critical), the first one fresh.
  const sim = await clusters.start({ nodes: 2, staleNodes: 1 }, { name: 'prod' });
  serveKubeconfig('prod', sim.kubeconfig());
  const stale = sim.seeded?.staleNodeHeartbeats[0]?.split('/')[1] ?? '';
  const { coordination, core } = apis(sim);
  const names = (await core.listNode()).items.map((n) => n.metadata?.name ?? '');
  const fresh = names.find((n) => n !== stale) ?? '';
  const lines: string[] = [];
  const handler = makeAuditHandler(async () => ({
    registry: parseClusterRegistry({
      clusters: [{ name: 'prod', type: 'kubeconfig', secretArn: secretArn('prod') }],
    }),
    connector: new ClusterConnector(clients),
    cloudWatch: cw,
    log: jsonLogger((line) => lines.push(line)),
    state: dynamoDbStateStore(ddb, 'lease-reaper-state'),
    events: eventBridgePublisher(eb, 'default'),
    stack: 'LeaseReaper',
  }));
  /** One scheduled run: its summary, and the log lines, events and DynamoDB requests it made. */
  const run = async (context = lambdaContext) => {
    lines.length = 0;
    const calls = {
      events: ebMock.commandCalls(PutEventsCommand).length,
      gets: ddbMock.commandCalls(GetItemCommand).length,
      puts: ddbMock.commandCalls(PutItemCommand).length,
      metrics: cwMock.commandCalls(PutMetricDataCommand).length,
    };
    const summary = (await handler({}, context)) as FleetAuditSummary;
    const logs = lines.map((l) => JSON.parse(l) as LogLine);
    return {
      summary,
      logs,
      findingLines: logs
        .filter((l) => l.message === 'lease finding')
        // Without what every line carries (level, time, the invocation's context): the finding's own fields.
        .map(
          ({
            level: _l,
            timestamp: _t,
            message: _m,
            function: _f,
            requestId: _r,
            coldStart: _c,
            ...fields
          }) => fields,
        ),
      events: ebMock
        .commandCalls(PutEventsCommand)
        .slice(calls.events)
        .flatMap((c) => c.args[0].input.Entries ?? [])
        .map((e) => ({
          source: e.Source,
          detailType: e.DetailType,
          bus: e.EventBusName,
          detail: JSON.parse(e.Detail ?? '{}'),
        })),
      gets: ddbMock.commandCalls(GetItemCommand).slice(calls.gets),
      gotItems: await Promise.all(
        ddbMock
          .commandCalls(GetItemCommand)
          .slice(calls.gets)
          .map((c) => c.returnValue as Promise<{ Item?: Record<string, { N?: string; B?: Uint8Array }> }>),
      ),
      puts: ddbMock.commandCalls(PutItemCommand).slice(calls.puts),
      metrics: cwMock
        .commandCalls(PutMetricDataCommand)
        .slice(calls.metrics)
        .flatMap((c) => c.args[0].input.MetricData ?? []),
      metricSignals: cwMock
        .commandCalls(PutMetricDataCommand)
        .slice(calls.metrics)
        .map((c) => (c.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined)
        .map((options) => options?.abortSignal),
    };
  };
  return { sim, stale, fresh, coordination, core, run };
}

/** The lease's renewTime as an RFC 3339 time with milliseconds, as events and logs carry it. */
async function renewTimeOf(sim: SimCluster, node: string): Promise<string> {
  const lease = await apis(sim).coordination.readNamespacedLease({
    name: node,
    namespace: 'kube-node-lease',
  });
  return new Date(Date.parse(String(lease.spec?.renewTime))).toISOString();
}

const storedFindings = (bytes: Uint8Array | undefined) =>
  (
    JSON.parse(gunzipSync(bytes ?? new Uint8Array()).toString('utf8')) as {
      open: { name: string; since: string }[];
    }
  ).open;

describe('the audit function keeps finding state between runs and announces its transitions', () => {
  it('opens B, then opens A and resolves B when A stops renewing and B recovers', async () => {
    const { sim, stale: b, fresh: a, coordination, core, run } = await prodCluster();
    const bSince = await renewTimeOf(sim, b);

    // Run 1: B's heartbeat is minutes old.
    const first = await run();

    expect(first.findingLines).toEqual([
      {
        cluster: 'prod',
        type: 'StaleNodeHeartbeat',
        severity: 'critical',
        namespace: 'kube-node-lease',
        name: b,
        since: bSince,
        state: 'opened',
        reason: expect.stringContaining(`Node ${b} last renewed its heartbeat`),
        node: b,
      },
    ]);
    expect(first.events).toEqual([
      {
        source: 'lease-reaper',
        detailType: 'Lease finding opened',
        bus: 'default',
        detail: {
          stack: 'LeaseReaper',
          cluster: 'prod',
          type: 'StaleNodeHeartbeat',
          severity: 'critical',
          namespace: 'kube-node-lease',
          name: b,
          since: bSince,
          reason: expect.stringContaining(`Node ${b}`),
          node: b,
        },
      },
    ]);
    expect(first.summary).toMatchObject({
      opened: 1,
      resolved: 0,
      events: { sent: 1, failed: 0 },
      state: { written: 1, conflicts: 0, failures: 0 },
    });
    expect(first.gotItems.map((o) => o.Item)).toEqual([undefined]);
    expect(first.puts).toHaveLength(1);
    const written = first.puts[0]?.args[0].input;
    expect(written?.ExpressionAttributeValues).toEqual({ ':prev': { N: '0' } });
    expect(storedFindings(written?.Item?.findings?.B).map((f) => [f.name, f.since])).toEqual([[b, bSince]]);

    // Between runs: A's kubelet stops (its last renewal 90 s ago), B's kubelet comes back and renews.
    const aRenewed = Math.floor(Date.now() / 1000) * 1000 - 90_000;
    const aLease = await coordination.readNamespacedLease({ name: a, namespace: 'kube-node-lease' });
    await coordination.replaceNamespacedLease({
      name: a,
      namespace: 'kube-node-lease',
      body: { ...aLease, spec: { ...aLease.spec, renewTime: new V1MicroTime(aRenewed) } },
    });
    const bNode = await core.readNode({ name: b });
    await new KubeletLeaseLoop(coordination, b, bNode.metadata?.uid ?? '').sync(Date.now());
    const aSince = new Date(aRenewed).toISOString();

    // Run 2.
    const second = await run();

    expect(second.findingLines).toEqual([
      expect.objectContaining({ name: b, state: 'resolved', severity: 'critical', since: bSince }),
      expect.objectContaining({ name: a, state: 'opened', severity: 'warning', since: aSince, node: a }),
    ]);
    expect(second.events.map((e) => [e.detailType, e.detail.name, e.detail.since])).toEqual([
      ['Lease finding opened', a, aSince],
      ['Lease finding resolved', b, bSince],
    ]);
    const resolved = second.events.find((e) => e.detailType === 'Lease finding resolved')?.detail;
    expect(Date.parse(resolved?.resolvedAt)).toBeGreaterThan(Date.parse(bSince));
    expect(second.summary).toMatchObject({ opened: 1, resolved: 1, events: { sent: 2, failed: 0 } });
    // The state run 2 read is the item run 1 wrote, and run 2 wrote on top of that revision.
    expect(second.gotItems[0]?.Item?.revision).toEqual({ N: '1' });
    expect(storedFindings(second.gotItems[0]?.Item?.findings?.B)).toEqual(
      storedFindings(written?.Item?.findings?.B),
    );
    expect(second.puts[0]?.args[0].input.ExpressionAttributeValues).toEqual({ ':prev': { N: '1' } });
    expect(storedFindings(items.get('prod')?.findings?.B).map((f) => [f.name, f.since])).toEqual([
      [a, aSince],
    ]);

    // Run 3: nothing changed, so nothing is announced, logged or written: A, still open, was logged when it
    // opened and is listed again with every open finding once an hour (unit-tested in finding-alerts).
    const third = await run();

    expect(third.findingLines).toEqual([]);
    expect(third.events).toEqual([]);
    expect(third.puts).toEqual([]);
    expect(items.get('prod')?.revision).toEqual({ N: '2' });
  });

  it('keeps the state of a cluster whose scan fails and carries its stale count forward, resolving nothing', async () => {
    const { sim, stale: b, run } = await prodCluster();
    const first = await run();
    expect(first.events.map((e) => e.detail.name)).toEqual([b]);
    const stored = structuredClone(items.get('prod'));

    // The cluster goes away: the run cannot read it.
    clusters.forget(sim);
    await sim.close();
    const failed = await run();

    expect(failed.summary).toMatchObject({
      failedClusters: 1,
      opened: 0,
      resolved: 0,
      events: { sent: 0, failed: 0 },
      state: { written: 0, carriedForward: 1 },
    });
    expect(failed.events).toEqual([]);
    expect(failed.puts).toEqual([]);
    expect(items.get('prod')).toEqual(stored);
    expect(failed.findingLines).toEqual([]);
    expect(failed.logs.find((l) => l.message === 'finding metrics carried forward')).toMatchObject({
      cluster: 'prod',
      counts: { StaleNodeHeartbeat: 1 },
    });
    const value = (name: string, perCluster: boolean) =>
      failed.metrics
        .filter((d) => d.MetricName === name && (d.Dimensions?.[0]?.Name === 'Cluster') === perCluster)
        .map((d) => [d.Value, d.StorageResolution]);
    expect(value('StaleNodeHeartbeats', true)).toEqual([[1, 1]]);
    expect(value('StaleNodeHeartbeats', false)).toEqual([[1, 1]]);
    expect(value('ClusterScanErrors', true)).toEqual([[1, 1]]);
    expect(value('ClusterScanErrors', false)).toEqual([[1, 1]]);
  });

  it('still publishes, with the stored counts carried forward, when a slow cluster makes the run hit its read deadline', async () => {
    const { sim, run } = await prodCluster();
    await run();

    // Every request now takes 5 s; the run's read deadline is 1 s away (11 s left, less the 10 s reserve).
    sim.faults.add({ action: { type: 'latency', ms: 5_000 } });
    const hurried = await run({ ...lambdaContext, getRemainingTimeInMillis: () => 11_000 });

    expect(hurried.summary).toMatchObject({ failedClusters: 1, state: { carriedForward: 1, written: 0 } });
    expect(hurried.metricSignals.length).toBeGreaterThan(0);
    for (const signal of hurried.metricSignals) expect(signal?.aborted ?? false).toBe(false);
    const sent = (name: string) =>
      hurried.metrics
        .filter((d) => d.MetricName === name && d.Dimensions?.[0]?.Name === 'Cluster')
        .map((d) => d.Value);
    expect(sent('ClusterScanErrors')).toEqual([1]);
    expect(sent('StaleNodeHeartbeats')).toEqual([1]);
  });
});

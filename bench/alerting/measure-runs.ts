import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import type { FleetAuditDeps } from '../../functions/commons/fleet-audit.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { FINDING_EVENT_BUS_ENV } from '../../shared/alerting/finding-event.ts';
import { STATE_TABLE_ENV } from '../../shared/alerting/state-table.ts';
import { type AwsClientFactory, ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { METRICS_STACK_ENV } from '../../shared/metrics/metric-names.ts';
import { type SimCluster, startSimCluster } from '../../sim/cluster.ts';
import { defaultScenario, type ScenarioSpec } from '../../sim/scenario.ts';

/**
 * Runs the real audit handler (makeAuditHandler, as test/integration/audit-handler.test.ts does) against
 * simulated clusters over real HTTPS, with the AWS side mocked by aws-sdk-client-mock: kubeconfigs from
 * Secrets Manager, PutMetricData captured, and — when the handler uses them — DynamoDB (an in-memory
 * GetItem/PutItem table) and EventBridge PutEvents. Every figure the alerting benchmark derives from a run
 * (durations, datums with their timestamps and storage resolution, log bytes, requests) is measured here.
 */

export interface CapturedDatum {
  name: string;
  dimensions: Record<string, string>;
  value: number;
  storageResolution: 1 | 60;
  /** The datum's Timestamp, from the invocation's start. */
  timestampOffsetMs: number;
  /** When PutMetricData was called, from the invocation's start. */
  sentOffsetMs: number;
}

export interface RunCapture {
  label: string;
  clusters: number;
  durationMs: number;
  /** When the cluster was judged (its `cluster audited` durationMs), from the invocation's start. */
  judgedOffsetMs: number;
  datums: CapturedDatum[];
  putMetricDataCalls: number;
  logLines: number;
  logBytes: number;
  dynamo: { getItems: number; putItems: number; readUnits: number; writeUnits: number; itemBytes: number };
  putEventsCalls: number;
  eventEntries: number;
  secretReads: number;
  failedClusters: number;
}

export const BENCH_STACK = 'LeaseReaper';
const LATENCY_MS = 50;
const context = {
  getRemainingTimeInMillis: () => 240_000,
  functionName: 'lease-reaper-bench',
  awsRequestId: 'bench',
} as unknown as Context;
const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

/** DynamoDB and EventBridge mocked at class level (any client the handler builds), if installed. */
async function mockOptionalClients(counters: RunCounters) {
  const table = new Map<string, unknown>();
  const key = (item: unknown) =>
    JSON.stringify((item as Record<string, unknown> | undefined)?.cluster ?? item);
  const size = (item: unknown) => Buffer.byteLength(JSON.stringify(item ?? {}));
  try {
    const ddb = await import('@aws-sdk/client-dynamodb');
    const mock = mockClient(ddb.DynamoDBClient);
    mock.on(ddb.GetItemCommand).callsFake((input: { Key?: unknown }) => {
      const item = table.get(key(input.Key));
      counters.dynamo.getItems++;
      counters.dynamo.readUnits += Math.max(1, Math.ceil(size(item) / 4096));
      return item ? { Item: item } : {};
    });
    mock.on(ddb.PutItemCommand).callsFake((input: { Item?: unknown }) => {
      table.set(key(input.Item), input.Item);
      counters.dynamo.putItems++;
      counters.dynamo.writeUnits += Math.max(1, Math.ceil(size(input.Item) / 1024));
      counters.dynamo.itemBytes = Math.max(counters.dynamo.itemBytes, size(input.Item));
      return {};
    });
  } catch {
    // Not installed: the handler cannot be using it.
  }
  try {
    const eb = await import('@aws-sdk/client-eventbridge');
    mockClient(eb.EventBridgeClient)
      .on(eb.PutEventsCommand)
      .callsFake((input: { Entries?: unknown[] }) => {
        const entries = input.Entries ?? [];
        counters.putEventsCalls++;
        counters.eventEntries += entries.length;
        return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `e${i}` })) };
      });
  } catch {
    // Not installed.
  }
}

interface RunCounters {
  dynamo: RunCapture['dynamo'];
  putEventsCalls: number;
  eventEntries: number;
  secretReads: number;
}
const zeroCounters = (): RunCounters => ({
  dynamo: { getItems: 0, putItems: 0, readUnits: 0, writeUnits: 0, itemBytes: 0 },
  putEventsCalls: 0,
  eventEntries: 0,
  secretReads: 0,
});

export interface AuditBench {
  /** Serve this simulated cluster's kubeconfig under the registry name `name` (a new endpoint for a known name reconnects). */
  serve(name: string, sim: SimCluster): void;
  /** One invocation over the registry of `names`, measured. */
  run(label: string, names: readonly string[]): Promise<RunCapture>;
}

export async function startAuditBench(): Promise<AuditBench> {
  process.env[METRICS_STACK_ENV] = BENCH_STACK;
  process.env[STATE_TABLE_ENV] = 'lease-reaper-bench-state';
  process.env[FINDING_EVENT_BUS_ENV] = 'default';
  const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };
  const sm = new SecretsManagerClient({ region: 'us-east-1', credentials });
  const cw = new CloudWatchClient({ region: 'us-east-1', credentials });
  const served = new Map<string, string>();
  const counters = zeroCounters();
  await mockOptionalClients(counters);
  mockClient(sm)
    .on(GetSecretValueCommand)
    .callsFake((input: { SecretId?: string }) => {
      counters.secretReads++;
      const name = /secret:(.+)-AbCdEf$/.exec(input.SecretId ?? '')?.[1] ?? '';
      return { SecretString: served.get(name) };
    });
  const calls: { at: number; data: NonNullable<PutMetricDataCommand['input']['MetricData']> }[] = [];
  mockClient(cw)
    .on(PutMetricDataCommand)
    .callsFake((input: PutMetricDataCommand['input']) => {
      calls.push({ at: Date.now(), data: input.MetricData ?? [] });
      return {};
    });
  const clients: AwsClientFactory = {
    secretsManager: async () => sm,
    eks: async () => new EKSClient({ region: 'us-east-1', credentials }),
    sts: async () => new STSClient({ region: 'us-east-1', credentials }),
  };
  // The finding-state store and event sink, built as the deployed handler builds them (from the
  // environment set above; their SDK clients are the class-level mocks). The module is looked up at run
  // time so this benchmark also runs on a tree without it (then there is no state and no event).
  const portsModule = '../../functions/commons/finding-alert-ports.ts';
  const ports = (await import(portsModule)
    .then((m: { findingAlertPorts: (env: NodeJS.ProcessEnv) => Promise<object> }) =>
      m.findingAlertPorts(process.env),
    )
    .catch(() => ({}))) as object;
  // A warm Lambda container keeps its connections: one connector for all runs, replaced only when a
  // registry name is served by another simulated cluster (the connector caches a cluster's connection).
  let connector = new ClusterConnector(clients);

  return {
    serve(name, sim) {
      const kubeconfig = sim.kubeconfig();
      if (served.has(name) && served.get(name) !== kubeconfig) connector = new ClusterConnector(clients);
      served.set(name, kubeconfig);
    },
    async run(label, names) {
      const registry = parseClusterRegistry({
        clusters: names.map((name) => ({ name, type: 'kubeconfig', secretArn: secretArn(name) })),
      });
      const lines: string[] = [];
      const deps = {
        registry,
        connector,
        cloudWatch: cw,
        log: jsonLogger((line) => lines.push(line)),
        emfWrite: (line: string) => lines.push(line),
        stack: BENCH_STACK,
        ...ports,
      } as unknown as FleetAuditDeps;
      const handler = makeAuditHandler(async () => deps);
      Object.assign(counters, zeroCounters());
      calls.length = 0;
      const startedAt = Date.now();
      const t0 = performance.now();
      const summary = (await handler({}, context)) as { failedClusters?: number };
      const durationMs = performance.now() - t0;
      const datums = calls.flatMap(({ at, data }) =>
        data.map(
          (d): CapturedDatum => ({
            name: d.MetricName ?? '',
            dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name ?? '', x.Value ?? ''])),
            value: d.Value ?? Number.NaN,
            storageResolution: d.StorageResolution === 1 ? 1 : 60,
            timestampOffsetMs: (d.Timestamp instanceof Date ? d.Timestamp.getTime() : at) - startedAt,
            sentOffsetMs: at - startedAt,
          }),
        ),
      );
      const audited = lines
        .map((l) => JSON.parse(l) as { message?: string; durationMs?: number })
        .filter((l) => l.message === 'cluster audited' && typeof l.durationMs === 'number')
        .map((l) => l.durationMs as number);
      return {
        label,
        clusters: names.length,
        durationMs,
        judgedOffsetMs: audited.length ? Math.max(...audited) : durationMs,
        datums,
        putMetricDataCalls: calls.length,
        logLines: lines.length,
        logBytes: lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0),
        dynamo: { ...counters.dynamo },
        putEventsCalls: counters.putEventsCalls,
        eventEntries: counters.eventEntries,
        secretReads: counters.secretReads,
        failedClusters: summary.failedClusters ?? 0,
      };
    },
  };
}

/** A simulated cluster with kubelets renewing and every request delayed as across a network. */
export async function startBenchCluster(name: string, spec: Partial<ScenarioSpec>, seed: number) {
  const sim = await startSimCluster({ name, seed, scenario: { ...defaultScenario, ...spec }, renew: true });
  sim.faults.add({ action: { type: 'latency', ms: LATENCY_MS } });
  return sim;
}

export const NETWORK_LATENCY_MS = LATENCY_MS;

import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { METRICS_STACK_ENV, MetricName } from '../../shared/metrics/metric-names.ts';
import { stateMachineDefinition } from '../infra/asl.ts';
import { only, resources, synth } from '../infra/support.ts';
import {
  type ExecutionOptions,
  execute,
  type RetryEvent,
  StatesError,
  type TaskHandler,
} from '../support/asl-interpreter.ts';
import { lambdaContext, mockedAws, secretArn } from '../support/aws.ts';
import { simClusters } from '../support/sim.ts';

/**
 * The state machine the stack deploys and the function it invokes must agree on the payload and the
 * result, and a shard that fails must be retried and then reported as Step Functions would run it. This
 * runs the synthesized definition on the test's ASL interpreter (test/support/asl-interpreter.ts: Retry,
 * Catch, the input/output processing order, Map, per the States Language spec; it refuses what it does
 * not implement) against the real audit handler reading simulated clusters.
 */
type Json = Record<string, unknown>;

const clusters = simClusters();
const { cw, cwMock, clients, serveKubeconfig } = mockedAws();
const names = ['east', 'west', 'north', 'south', 'edge'];
const fleet = names.map((name) => ({ name, type: 'kubeconfig' as const, secretArn: secretArn(name) }));
/** The fleet's simulated clusters, served as kubeconfig secrets (each test starts its own). */
async function startFleet(): Promise<void> {
  for (const name of names) {
    const sim = await clusters.start({ nodes: 3, staleNodes: 1 }, { name });
    serveKubeconfig(name, sim.kubeconfig());
  }
}
/** Synthesizing the stack takes a while on a busy machine. */
const SYNTH_TIMEOUT = 120_000;
const PUT_METRIC_DATA = 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData';

let template: ReturnType<typeof synth>['template'];
let definition: Json;
/** The audit function's ARN as the definition names it. */
let auditArn: string;
beforeAll(() => {
  ({ template } = synth({ clusters: fleet, fanOut: { threshold: 4, shardSize: 2, maxConcurrency: 2 } }));
  definition = stateMachineDefinition(
    template.toJSON(),
    onlyId('AWS::StepFunctions::StateMachine', (id) => id.startsWith('FanOut')),
  );
  auditArn = `arn:aws:lambda:eu-west-1:123456789012:function:${onlyId('AWS::Lambda::Function', (id) => id.startsWith('AuditFunction'))}`;
}, SYNTH_TIMEOUT);

/** The logical id of the template's one resource of this type that matches. */
function onlyId(type: string, match: (id: string) => boolean): string {
  const ids = resources(template, type)
    .map(([id]) => id)
    .filter(match);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** The definition's states with this Resource, inside Map item processors too. */
function statesCalling(machine: Json, resource: string): Json[] {
  return Object.values(machine.States as Record<string, Json>).flatMap((state) => [
    ...(state.Resource === resource ? [state] : []),
    ...(state.ItemProcessor ? statesCalling(state.ItemProcessor as Json, resource) : []),
  ]);
}

/**
 * The retrier of the audit invocation that takes this error, read from the definition: the first whose
 * ErrorEquals names it (the States Language's rule; no States.ALL or States.TaskFailed is expected there,
 * since a failed run must not be retried — asserted).
 */
function auditRetrier(error: string): { index: number; maxAttempts: number } {
  const [state] = statesCalling(definition, auditArn);
  const retry = (state?.Retry ?? []) as { ErrorEquals: string[]; MaxAttempts?: number }[];
  expect(retry.flatMap((r) => r.ErrorEquals)).not.toContain('States.ALL');
  expect(retry.flatMap((r) => r.ErrorEquals)).not.toContain('States.TaskFailed');
  const index = retry.findIndex((r) => r.ErrorEquals.includes(error));
  expect(index, `a retrier of the audit invocation takes ${error}`).toBeGreaterThanOrEqual(0);
  const maxAttempts = retry[index]?.MaxAttempts ?? 3;
  expect(maxAttempts).toBeGreaterThan(0);
  return { index, maxAttempts };
}

function auditHandler() {
  return makeAuditHandler(async () => ({
    registry: parseClusterRegistry({ clusters: fleet }),
    connector: new ClusterConnector(clients),
    cloudWatch: cw,
    log: jsonLogger(() => {}),
    stack: (
      only(template, 'AWS::Lambda::Function', (id) => id.startsWith('AuditFunction')).Properties
        .Environment as { Variables: Record<string, string> }
    ).Variables[METRICS_STACK_ENV] as string,
  }));
}

/**
 * Runs the definition: `invoke` stands for the Lambda invocation of a shard (the real handler unless a
 * test makes it fail), `putMetricData` for the SDK integration (the mocked CloudWatch client). FULL
 * jitter draws 0 unless a test gives `random`: attempts are counted exactly, and waits are the subject of
 * one test only (the longest waits still end inside the definition's TimeoutSeconds).
 */
async function runFanOut(invoke: TaskHandler, putMetricData?: TaskHandler, random: () => number = () => 0) {
  const invocations: string[][] = [];
  const retries: RetryEvent[] = [];
  const options: ExecutionOptions = {
    tasks: {
      [auditArn]: async (payload, call) => {
        invocations.push((payload as { clusters: string[] }).clusters);
        return invoke(payload, call);
      },
      [PUT_METRIC_DATA]:
        putMetricData ?? (async (parameters) => cw.send(new PutMetricDataCommand(parameters as never))),
    },
    random,
    onRetry: (e) => retries.push(e),
  };
  const result = await execute(definition, {}, options);
  return { output: result.output as Json[], invocations, retries };
}

const count = (invocations: string[][], cluster: string) =>
  invocations.filter((shard) => shard.includes(cluster)).length;
const throttled = () => new StatesError('Lambda.TooManyRequestsException', 'Rate exceeded');
const HEALTHY_RESULT = [
  { clusters: 2, failedClusters: 0, findings: 2 },
  { clusters: 2, failedClusters: 0, findings: 2 },
  { clusters: 1, failedClusters: 0, findings: 1 },
];

/** Every ClusterScanErrors datum published, keyed by namespace and dimensions. */
function scanErrors(): Record<string, number | undefined> {
  const datums = cwMock
    .commandCalls(PutMetricDataCommand)
    .flatMap((c) =>
      (c.args[0].input.MetricData ?? []).map((d) => ({ namespace: c.args[0].input.Namespace, ...d })),
    )
    .filter(
      (d) => d.MetricName === MetricName.ClusterScanErrors && d.Dimensions?.some((x) => x.Name === 'Cluster'),
    );
  return Object.fromEntries(datums.map((d) => [key(d), d.Value]));
}
const key = (d: { namespace?: string; Dimensions?: { Name?: string; Value?: string }[] }) =>
  JSON.stringify([d.namespace, Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value]))]);
const clusterKey = (name: string) =>
  key({
    namespace: 'LeaseReaper',
    Dimensions: [
      { Name: 'Cluster', Value: name },
      { Name: 'Stack', Value: 'LeaseReaper' },
    ],
  });

describe('the fan-out state machine and the audit function', () => {
  it('agree: each shard’s payload is a valid event, each cluster is audited once, every result field exists', async () => {
    await startFleet();
    const handler = auditHandler();
    const published: unknown[] = [];
    const { output, invocations, retries } = await runFanOut(
      async (payload) => handler(payload as never, lambdaContext),
      async (parameters) => {
        published.push(parameters);
        return {};
      },
    );

    expect(invocations).toEqual([['east', 'west'], ['north', 'south'], ['edge']]);
    expect(retries).toEqual([]);
    expect(published).toEqual([]);
    // The ResultSelector's fields, as the handler returned them for each shard.
    expect(output).toEqual(HEALTHY_RESULT);
    // Every cluster's metrics were published, by the invocation of its own shard.
    const scanned = cwMock
      .commandCalls(PutMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricData ?? [])
      .filter(
        (d) => d.MetricName === 'StaleNodeHeartbeats' && d.Dimensions?.some((x) => x.Name === 'Cluster'),
      )
      .map((d) => [d.Dimensions?.[0]?.Value, d.Value]);
    expect(scanned.sort()).toEqual(names.map((n) => [n, 1]).sort());
  });

  it('a shard throttled past its retries is invoked 1 + MaxAttempts times, then publishes a scan error for each of its clusters, which the alarm reads', async () => {
    await startFleet();
    const handler = auditHandler();
    const { index, maxAttempts } = auditRetrier('Lambda.TooManyRequestsException');

    const { output, invocations, retries } = await runFanOut(async (payload) => {
      if ((payload as { clusters: string[] }).clusters.includes('north')) throw throttled();
      return handler(payload as never, lambdaContext);
    });

    // Exactly the definition's retries of the throttled shard, by the throttling retrier; none of others.
    expect(count(invocations, 'north')).toBe(1 + maxAttempts);
    expect(retries.map((r) => [r.retrier, r.error, r.attempt])).toEqual(
      Array.from({ length: maxAttempts }, (_, i) => [index, 'Lambda.TooManyRequestsException', i + 1]),
    );
    for (const cluster of ['east', 'edge']) expect(count(invocations, cluster)).toBe(1);
    // The execution succeeds; the failed shard says so in its result, the others are unchanged.
    expect(output).toEqual([
      HEALTHY_RESULT[0],
      { clusters: ['north', 'south'], error: 'Lambda.TooManyRequestsException' },
      HEALTHY_RESULT[2],
    ]);

    // Every cluster has its scan-error figure: 1 for the failed shard's, 0 for the audited ones.
    const errors = scanErrors();
    expect(Object.keys(errors).sort()).toEqual(names.map(clusterKey).sort());
    expect(names.map((name) => [name, errors[clusterKey(name)]])).toEqual(
      names.map((name) => [name, ['north', 'south'].includes(name) ? 1 : 0]),
    );

    // …exactly the series the scan-error alarms read: one alarm per cluster (up to 10 clusters).
    const watched = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((r) => r.Properties as Record<string, unknown>)
      .filter((a) => a.MetricName === MetricName.ClusterScanErrors && a.Statistic === 'Maximum')
      .map((a) =>
        key({
          namespace: a.Namespace as string,
          Dimensions: a.Dimensions as { Name: string; Value: string }[],
        }),
      );
    expect(watched.sort()).toEqual(Object.keys(errors).sort());

    // The failed shard also sends a 1 on the Stack-only total, the series a fleet-wide alarm (past 10
    // clusters) reads with Maximum: a failed shard is never read as "no errors".
    const totals = cwMock
      .commandCalls(PutMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricData ?? [])
      .filter(
        (d) =>
          d.MetricName === MetricName.ClusterScanErrors && !d.Dimensions?.some((x) => x.Name === 'Cluster'),
      );
    expect(totals.map((d) => d.Dimensions)).toContainEqual([{ Name: 'Stack', Value: 'LeaseReaper' }]);
    expect(Math.max(...totals.map((d) => d.Value ?? 0))).toBe(1);
  });

  it('a shard throttled on every retry but the last, or hit by transient Lambda service errors, yields the normal result', async () => {
    await startFleet();
    const handler = auditHandler();
    const throttling = auditRetrier('Lambda.TooManyRequestsException');
    const service = auditRetrier('Lambda.ServiceException');
    // Each shard's failures, by its first cluster, in order: north's shard fails on every try its
    // throttling retrier allows but the last; edge's once with a Lambda service error.
    const failures: Record<string, StatesError[]> = {
      north: Array.from({ length: throttling.maxAttempts }, throttled),
      edge: [new StatesError('Lambda.ServiceException', 'Service unavailable')],
    };

    const { output, invocations, retries } = await runFanOut(async (payload) => {
      const [first] = (payload as { clusters: string[] }).clusters;
      const failure = failures[first as string]?.shift();
      if (failure) throw failure;
      return handler(payload as never, lambdaContext);
    });

    expect(output).toEqual(HEALTHY_RESULT);
    expect(count(invocations, 'north')).toBe(1 + throttling.maxAttempts);
    expect(count(invocations, 'edge')).toBe(2);
    expect(count(invocations, 'east')).toBe(1);
    expect(retries.filter((r) => r.retrier === service.index)).toHaveLength(1);
    // No scan error: every cluster was audited, by its shard's successful invocation.
    const errors = scanErrors();
    expect(Object.keys(errors)).toHaveLength(names.length);
    expect(Object.values(errors)).toEqual(names.map(() => 0));
  });

  it('a shard whose run failed (a function error) is not retried: invoked once, then reported as scan errors', async () => {
    await startFleet();
    const handler = auditHandler();
    const { output, invocations, retries } = await runFanOut(async (payload) => {
      if ((payload as { clusters: string[] }).clusters.includes('edge'))
        throw new StatesError('Error', '{"errorMessage":"boom","errorType":"Error"}');
      return handler(payload as never, lambdaContext);
    });

    expect(count(invocations, 'edge')).toBe(1);
    expect(retries).toEqual([]);
    expect(output[2]).toEqual({ clusters: ['edge'], error: 'Error' });
    expect(scanErrors()[clusterKey('edge')]).toBe(1);
  });

  it('a scan error that cannot be published is retried, and past its retries fails the execution', async () => {
    await startFleet();
    const handler = auditHandler();
    const [publish] = statesCalling(definition, PUT_METRIC_DATA);
    const [publishRetry] = (publish?.Retry ?? []) as { MaxAttempts?: number }[];
    const publishAttempts = 1 + (publishRetry?.MaxAttempts ?? 3);
    expect(publishAttempts).toBeGreaterThan(1);
    const failShard = async (payload: unknown) => {
      if ((payload as { clusters: string[] }).clusters.includes('edge')) throw throttled();
      return handler(payload as never, lambdaContext);
    };

    // Throttled once: published on the retry.
    let calls = 0;
    const once = await runFanOut(failShard, async (parameters) => {
      if (++calls === 1) throw new StatesError('CloudWatch.ThrottlingException', 'Rate exceeded');
      return cw.send(new PutMetricDataCommand(parameters as never));
    });
    expect(calls).toBe(2);
    expect(once.output[2]).toEqual({ clusters: ['edge'], error: 'Lambda.TooManyRequestsException' });
    expect(scanErrors()[clusterKey('edge')]).toBe(1);

    // Never published: the execution fails (FanOutFailures alarms on it) rather than end in silence.
    calls = 0;
    await expect(
      runFanOut(failShard, async () => {
        calls++;
        throw new StatesError('CloudWatch.InternalServiceError', 'down');
      }),
    ).rejects.toMatchObject({ error: 'CloudWatch.InternalServiceError' });
    expect(calls).toBe(publishAttempts);
  });

  it('with the longest waits FULL jitter can draw, a throttled shard’s scan errors, throttled too, are published before the execution times out', async () => {
    await startFleet();
    const handler = auditHandler();
    const { maxAttempts } = auditRetrier('Lambda.TooManyRequestsException');
    const [publish] = statesCalling(definition, PUT_METRIC_DATA);
    const publishRetries = ((publish?.Retry ?? []) as { MaxAttempts?: number }[])[0]?.MaxAttempts ?? 3;
    const publishCalls = new Map<string, number>();
    // The draw just under 1 waits (almost) the whole backoff before every retry, on both steps.
    const { output, invocations, retries } = await runFanOut(
      async (payload) => {
        if ((payload as { clusters: string[] }).clusters.includes('north')) throw throttled();
        return handler(payload as never, lambdaContext);
      },
      async (parameters) => {
        // Each of the shard's two clusters (published concurrently): throttled on every try but the last.
        const cluster = JSON.stringify(parameters).match(/"Value":"(north|south)"/)?.[1] ?? '';
        const calls = (publishCalls.get(cluster) ?? 0) + 1;
        publishCalls.set(cluster, calls);
        if (calls <= publishRetries) throw new StatesError('CloudWatch.ThrottlingException', 'Rate exceeded');
        return cw.send(new PutMetricDataCommand(parameters as never));
      },
      () => 0.999_999,
    );

    expect(count(invocations, 'north')).toBe(1 + maxAttempts);
    expect(Object.fromEntries(publishCalls)).toEqual({
      north: 1 + publishRetries,
      south: 1 + publishRetries,
    });
    expect(retries.length).toBe(maxAttempts + 2 * publishRetries);
    expect(output[1]).toEqual({ clusters: ['north', 'south'], error: 'Lambda.TooManyRequestsException' });
    expect(scanErrors()[clusterKey('north')]).toBe(1);
    expect(scanErrors()[clusterKey('south')]).toBe(1);
  });
});

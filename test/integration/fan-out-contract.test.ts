import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { METRICS_STACK_ENV, MetricName } from '../../shared/metrics/metric-names.ts';
import { only, synth } from '../infra/support.ts';
import { lambdaContext, mockedAws, secretArn } from '../support/aws.ts';
import { simClusters } from '../support/sim.ts';

/**
 * The state machine the stack deploys and the function it invokes must agree on the payload and the
 * result: a mismatch would only show in AWS, as a States.Runtime error. This runs the synthesized
 * definition — its Pass, Map, ItemSelector, Parameters and ResultSelector, as Step Functions evaluates
 * them — against the real audit handler reading simulated clusters.
 */
type Json = Record<string, unknown>;
type State = Json & { Type: string; Next?: string; End?: boolean };
interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

/** JSONPath as these states use it: `$`, `$.a.b`, and the Map context `$$.Map.Item.Value`. */
function path(expr: string, input: unknown, context: Json): unknown {
  const [root, rest] = expr.startsWith('$$.') ? [context, expr.slice(3)] : [input, expr.slice(2)];
  if (expr === '$') return input;
  return rest.split('.').reduce<unknown>((v, k) => {
    if (v === null || typeof v !== 'object' || !(k in v))
      throw new Error(`States.Runtime: ${expr} not found`);
    return (v as Json)[k];
  }, root);
}

/**
 * A payload template: keys ending in `.$` are paths (Parameters, ItemSelector, ResultSelector), at any
 * depth of objects and arrays, as Step Functions evaluates them.
 */
function fill<T>(template: T, input: unknown, context: Json = {}): T {
  if (Array.isArray(template)) return template.map((t) => fill(t, input, context)) as T;
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([k, v]) =>
      k.endsWith('.$') ? [k.slice(0, -2), path(v as string, input, context)] : [k, fill(v, input, context)],
    ),
  ) as T;
}

/** ResultPath: null discards the result, `$.a` puts it into the input, absent replaces the input. */
function place(input: unknown, result: unknown, resultPath: unknown): unknown {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === '$') return result;
  const key = /^\$\.(\w+)$/.exec(resultPath as string)?.[1];
  if (!key) throw new Error(`ResultPath ${String(resultPath)} is not part of the contract`);
  return { ...(input as Json), [key]: result };
}

/** The integrations the definition calls: the audit function, and CloudWatch's PutMetricData. */
interface Integrations {
  invoke: (payload: Json) => Promise<unknown>;
  putMetricData: (parameters: Json) => Promise<unknown>;
}
const LAMBDA_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:audit';

async function task(state: State, input: unknown, integrations: Integrations): Promise<unknown> {
  const parameters = fill(state.Parameters as Json, input);
  if (state.Resource === LAMBDA_ARN) return integrations.invoke(parameters);
  if (state.Resource === 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData')
    return integrations.putMetricData(parameters);
  throw new Error(`Resource ${String(state.Resource)} is not part of the contract`);
}

async function run(machine: Machine, input: unknown, integrations: Integrations): Promise<unknown> {
  let name: string | undefined = machine.StartAt;
  let data = input;
  while (name) {
    const state: State = machine.States[name] as State;
    let next = state.Next;
    switch (state.Type) {
      case 'Pass':
        data = state.Result ?? (state.Parameters ? fill(state.Parameters as Json, data) : data);
        break;
      case 'Map': {
        const items = path(state.ItemsPath as string, data, {}) as unknown[];
        const processor = state.ItemProcessor as Machine;
        const results = await Promise.all(
          items.map((item, index) =>
            run(
              processor,
              fill(state.ItemSelector as Json, data, { Map: { Item: { Value: item, Index: index } } }),
              integrations,
            ),
          ),
        );
        data = place(data, results, state.ResultPath);
        break;
      }
      case 'Task': {
        try {
          const result = await task(state, data, integrations);
          data = place(
            data,
            state.ResultSelector ? fill(state.ResultSelector as Json, result) : result,
            state.ResultPath,
          );
        } catch (err) {
          // Retries are Step Functions' own; here a thrown error is one that outlived them.
          const catcher = (
            (state.Catch ?? []) as { ErrorEquals: string[]; ResultPath?: string; Next: string }[]
          ).find((c) => c.ErrorEquals.includes('States.ALL') || c.ErrorEquals.includes((err as Error).name));
          if (!catcher) throw err;
          data = place(
            data,
            { Error: (err as Error).name, Cause: (err as Error).message },
            catcher.ResultPath,
          );
          next = catcher.Next;
          break;
        }
        break;
      }
      default:
        throw new Error(`state type ${state.Type} is not part of the contract`);
    }
    name = state.End && next === state.Next ? undefined : next;
  }
  return data;
}

/** The synthesized definition, its references made concrete (the function's ARN, the partition). */
function definitionOf(template: ReturnType<typeof synth>['template']): Machine {
  const definition = (
    only(template, 'AWS::StepFunctions::StateMachine', () => true).Properties.DefinitionString as {
      'Fn::Join': [string, unknown[]];
    }
  )['Fn::Join'][1]
    .map((part) =>
      typeof part === 'string'
        ? part
        : (part as { Ref?: string }).Ref === 'AWS::Partition'
          ? 'aws'
          : LAMBDA_ARN,
    )
    .join('');
  return JSON.parse(definition) as Machine;
}

/** The environment the stack gives the audit function. */
function auditEnvironment(template: ReturnType<typeof synth>['template']): Record<string, unknown> {
  const fn = only(template, 'AWS::Lambda::Function', (id) => id.startsWith('AuditFunction'));
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

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

describe('the fan-out state machine and the audit function', () => {
  it(
    'agree: each shard’s payload is a valid event, each cluster is audited once, every result field exists',
    async () => {
      const { template } = synth({
        clusters: fleet,
        fanOut: { threshold: 4, shardSize: 2, maxConcurrency: 2 },
      });
      // The clusters start after the (slow) synthesis, so no lease ages while the stack is built.
      await startFleet();
      const machine = definitionOf(template);

      const handler = makeAuditHandler(async () => ({
        registry: parseClusterRegistry({ clusters: fleet }),
        connector: new ClusterConnector(clients),
        cloudWatch: cw,
        log: jsonLogger(() => {}),
        stack: auditEnvironment(template)[METRICS_STACK_ENV] as string,
      }));
      const payloads: Json[] = [];
      const output = (await run(
        machine,
        {},
        {
          invoke: async (payload) => {
            payloads.push(payload);
            return handler(payload, lambdaContext);
          },
          putMetricData: async () => {
            throw new Error('no shard failed: nothing to publish for one');
          },
        },
      )) as Json[];

      expect(payloads).toEqual([
        { clusters: ['east', 'west'] },
        { clusters: ['north', 'south'] },
        { clusters: ['edge'] },
      ]);
      // The ResultSelector's fields, as the handler returned them for each shard.
      expect(output).toEqual([
        { clusters: 2, failedClusters: 0, findings: 2 },
        { clusters: 2, failedClusters: 0, findings: 2 },
        { clusters: 1, failedClusters: 0, findings: 1 },
      ]);
      // Every cluster's metrics were published, by the invocation of its own shard.
      const scanned = cwMock
        .commandCalls(PutMetricDataCommand)
        .flatMap((c) => c.args[0].input.MetricData ?? [])
        .filter(
          (d) => d.MetricName === 'StaleNodeHeartbeats' && d.Dimensions?.some((x) => x.Name === 'Cluster'),
        )
        .map((d) => [d.Dimensions?.[0]?.Value, d.Value]);
      expect(scanned.sort()).toEqual(names.map((n) => [n, 1]).sort());
    },
    SYNTH_TIMEOUT,
  );

  it(
    'a shard that fails (throttled past its retries) publishes a scan error for each of its clusters, which the alarm reads',
    async () => {
      const { template } = synth({
        clusters: fleet,
        fanOut: { threshold: 4, shardSize: 2, maxConcurrency: 2 },
      });
      // The clusters start after the (slow) synthesis, so no lease ages while the stack is built.
      await startFleet();
      const handler = makeAuditHandler(async () => ({
        registry: parseClusterRegistry({ clusters: fleet }),
        connector: new ClusterConnector(clients),
        cloudWatch: cw,
        log: jsonLogger(() => {}),
        stack: auditEnvironment(template)[METRICS_STACK_ENV] as string,
      }));
      const throttled = Object.assign(new Error('Rate exceeded'), {
        name: 'Lambda.TooManyRequestsException',
      });

      const output = (await run(
        definitionOf(template),
        {},
        {
          invoke: async (payload) => {
            if ((payload.clusters as string[]).includes('north')) throw throttled;
            return handler(payload, lambdaContext);
          },
          putMetricData: async (parameters) => cw.send(new PutMetricDataCommand(parameters as never)),
        },
      )) as Json[];

      // The execution succeeds; the failed shard says so in its result.
      expect(output[1]).toEqual({ clusters: ['north', 'south'], error: 'Lambda.TooManyRequestsException' });
      const datums = cwMock
        .commandCalls(PutMetricDataCommand)
        .flatMap((c) =>
          (c.args[0].input.MetricData ?? []).map((d) => ({ namespace: c.args[0].input.Namespace, ...d })),
        )
        .filter(
          (d) =>
            d.MetricName === MetricName.ClusterScanErrors && d.Dimensions?.some((x) => x.Name === 'Cluster'),
        );
      const key = (d: { namespace?: string; Dimensions?: { Name?: string; Value?: string }[] }) =>
        JSON.stringify([d.namespace, Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value]))]);
      const errors = Object.fromEntries(datums.map((d) => [key(d), d.Value]));
      // Every cluster has its scan-error figure: 1 for the failed shard's, 0 for the audited ones.
      expect(Object.keys(errors)).toHaveLength(5);
      for (const name of names)
        expect(
          errors[
            key({
              namespace: 'LeaseReaper',
              Dimensions: [
                { Name: 'Cluster', Value: name },
                { Name: 'Stack', Value: 'LeaseReaper' },
              ],
            })
          ],
        ).toBe(['north', 'south'].includes(name) ? 1 : 0);

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
    },
    SYNTH_TIMEOUT,
  );
});

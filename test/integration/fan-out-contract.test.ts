import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
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

/** A payload template: keys ending in `.$` are paths (Parameters, ItemSelector, ResultSelector). */
function fill(template: Json, input: unknown, context: Json = {}): Json {
  return Object.fromEntries(
    Object.entries(template).map(([k, v]) =>
      k.endsWith('.$') ? [k.slice(0, -2), path(v as string, input, context)] : [k, v],
    ),
  );
}

async function run(machine: Machine, input: unknown, invoke: (payload: Json) => Promise<unknown>) {
  let name: string | undefined = machine.StartAt;
  let data = input;
  while (name) {
    const state: State = machine.States[name] as State;
    switch (state.Type) {
      case 'Pass':
        data = state.Result ?? (state.Parameters ? fill(state.Parameters as Json, data) : data);
        break;
      case 'Map': {
        const items = path(state.ItemsPath as string, data, {}) as unknown[];
        const processor = state.ItemProcessor as Machine;
        data = await Promise.all(
          items.map((item, index) =>
            run(
              processor,
              fill(state.ItemSelector as Json, data, { Map: { Item: { Value: item, Index: index } } }),
              invoke,
            ),
          ),
        );
        break;
      }
      case 'Task': {
        const result = await invoke(fill(state.Parameters as Json, data));
        data = state.ResultSelector ? fill(state.ResultSelector as Json, result) : result;
        break;
      }
      default:
        throw new Error(`state type ${state.Type} is not part of the contract`);
    }
    name = state.End ? undefined : state.Next;
  }
  return data;
}

const clusters = simClusters();
const { cw, cwMock, clients, serveKubeconfig } = mockedAws();

describe('the fan-out state machine and the audit function', () => {
  it('agree: each shard’s payload is a valid event, each cluster is audited once, every result field exists', async () => {
    const names = ['east', 'west', 'north', 'south', 'edge'];
    for (const name of names) {
      const sim = await clusters.start({ nodes: 3, staleNodes: 1 }, { name });
      serveKubeconfig(name, sim.kubeconfig());
    }
    const fleet = names.map((name) => ({ name, type: 'kubeconfig' as const, secretArn: secretArn(name) }));

    const { template } = synth({
      clusters: fleet,
      fanOut: { threshold: 4, shardSize: 2, maxConcurrency: 2 },
    });
    const definition = (
      only(template, 'AWS::StepFunctions::StateMachine', () => true).Properties.DefinitionString as {
        'Fn::Join': [string, unknown[]];
      }
    )['Fn::Join'][1]
      .map((part) =>
        typeof part === 'string' ? part : 'arn:aws:lambda:eu-west-1:123456789012:function:audit',
      )
      .join('');
    const machine = JSON.parse(definition) as Machine;

    const handler = makeAuditHandler({
      registry: parseClusterRegistry({ clusters: fleet }),
      connector: new ClusterConnector(clients),
      cloudWatch: cw,
      log: jsonLogger(() => {}),
    });
    const payloads: Json[] = [];
    const output = (await run(machine, {}, async (payload) => {
      payloads.push(payload);
      return handler(payload, lambdaContext);
    })) as Json[];

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
      .filter((d) => d.MetricName === 'StaleNodeHeartbeats' && d.Dimensions?.length)
      .map((d) => [d.Dimensions?.[0]?.Value, d.Value]);
    expect(scanned.sort()).toEqual(names.map((n) => [n, 1]).sort());
  });
});

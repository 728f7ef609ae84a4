import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FleetReapSummary } from '../../functions/commons/fleet-reap.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { makeReapHandler } from '../../functions/reap/handler.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases } from '../../sim/resources.ts';
import { stateMachineDefinition } from '../infra/asl.ts';
import { resources, synth } from '../infra/support.ts';
import { type ExecutionOptions, execute, StatesError, type TaskHandler } from '../support/asl-interpreter.ts';
import { lambdaContext, mockedAws, secretArn } from '../support/aws.ts';
import { seedAbandonedLeases, simClusters } from '../support/sim.ts';

/**
 * The reap's fan-out state machine, as synthesized, run on the States Language interpreter
 * (test/support/asl-interpreter.ts: Retry, Catch, ResultPath, Map per the spec) against the real reap handler
 * over simulated clusters: five clusters in shards of two, each cluster with three abandoned leases. The
 * run-wide cap holds across the shards, a failed shard raises the reap's RunFailed (the series its alarm
 * reads), and a dry run deletes nothing on servers that decode DELETE and dryRun=All as kube-apiserver does.
 */
type Json = Record<string, unknown>;

const clusters = simClusters();
const { cw, cwMock, clients, serveKubeconfig } = mockedAws();
const names = ['east', 'west', 'north', 'south', 'edge'];
const fleet = names.map((name) => ({ name, type: 'kubeconfig' as const, secretArn: secretArn(name) }));
const NS = 'payments';
const ABANDONED_PER_CLUSTER = 3;
const CAP = 5;
const policyInput = (dryRun: boolean) => ({
  dryRun,
  namespaces: { include: [NS] },
  maxDeletionsPerRun: CAP,
  maxDeletionsPerCluster: CAP,
  recordEvents: false,
});
const PUT_METRIC_DATA = 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData';
const SYNTH_TIMEOUT = 120_000;

let template: ReturnType<typeof synth>['template'];
let definition: Json;
let reapArn: string;
beforeAll(() => {
  ({ template } = synth({
    clusters: fleet,
    fanOut: { threshold: 4, shardSize: 2, maxConcurrency: 2 },
    reap: { enabled: true, policy: policyInput(false) },
  }));
  const machines = resources(template, 'AWS::StepFunctions::StateMachine').map(([id]) => id);
  const reapMachine = machines.filter((id) => id.startsWith('ReapFanOut'));
  expect(reapMachine).toHaveLength(1);
  definition = stateMachineDefinition(template.toJSON(), reapMachine[0] as string);
  const reapFunction = resources(template, 'AWS::Lambda::Function')
    .map(([id]) => id)
    .filter((id) => id.startsWith('ReapFunction'));
  expect(reapFunction).toHaveLength(1);
  reapArn = `arn:aws:lambda:eu-west-1:123456789012:function:${reapFunction[0]}`;
}, SYNTH_TIMEOUT);

/** Each cluster with three leader leases renewed three days ago whose holders are gone: abandoned. */
async function startFleet(): Promise<Map<string, SimCluster>> {
  const sims = new Map<string, SimCluster>();
  for (const name of names) {
    const sim = await clusters.start({}, { name });
    seedAbandonedLeases(sim, NS, ABANDONED_PER_CLUSTER);
    serveKubeconfig(name, sim.kubeconfig());
    sims.set(name, sim);
  }
  return sims;
}

function reapHandler(dryRun: boolean) {
  return makeReapHandler(async () => ({
    registry: parseClusterRegistry({ clusters: fleet }),
    policy: parseReapPolicy(policyInput(dryRun)),
    connector: new ClusterConnector(clients),
    cloudWatch: cw,
    log: jsonLogger(() => {}),
    stack: 'LeaseReaper',
  }));
}

async function runFanOut(invoke: TaskHandler) {
  const payloads: Json[] = [];
  const options: ExecutionOptions = {
    tasks: {
      [reapArn]: async (payload, call) => {
        payloads.push(payload as Json);
        return invoke(payload, call);
      },
      [PUT_METRIC_DATA]: async (parameters) => cw.send(new PutMetricDataCommand(parameters as never)),
    },
    random: () => 0,
  };
  const result = await execute(definition, {}, options);
  return { output: result.output as Json[], payloads };
}

const remaining = (sims: Map<string, SimCluster>) =>
  names.map((n) => [
    n,
    sims
      .get(n)
      ?.store.list(leases)
      .filter((s) => s.obj.metadata.namespace === NS).length,
  ]);
const deletesSent = (sims: Map<string, SimCluster>) =>
  [...sims.values()].reduce((n, s) => n + s.requests.filter((r) => r.method === 'DELETE').length, 0);

describe('the reap fan-out state machine and the reap function', () => {
  it('split the run-wide cap across the shards: together they delete the cap, never more', async () => {
    const sims = await startFleet();
    const handler = reapHandler(false);

    const { output, payloads } = await runFanOut(async (payload) => handler(payload as never, lambdaContext));

    // 5 deletions across 3 shards: 2, 2 and 1 (the remainder to the first), each a valid event.
    expect(payloads).toEqual([
      { clusters: ['east', 'west'], maxDeletions: 2 },
      { clusters: ['north', 'south'], maxDeletions: 2 },
      { clusters: ['edge'], maxDeletions: 1 },
    ]);
    expect(output).toEqual([
      { clusters: 2, failedClusters: 0, deleted: 2 },
      { clusters: 2, failedClusters: 0, deleted: 2 },
      { clusters: 1, failedClusters: 0, deleted: 1 },
    ]);
    // 15 abandoned leases, 5 deleted: each shard spends its share on its first cluster (clusters go in order).
    expect(remaining(sims)).toEqual([
      ['east', 1],
      ['west', 3],
      ['north', 1],
      ['south', 3],
      ['edge', 2],
    ]);
    expect(deletesSent(sims)).toBe(CAP);
  });

  it('a dry run deletes nothing in any shard: every delete is sent with dryRun=All and every lease stays', async () => {
    const sims = await startFleet();
    const before = names.map((n) =>
      sims
        .get(n)
        ?.store.list(leases)
        .map((s) => `${s.key}@${s.obj.metadata.resourceVersion}`),
    );
    const handler = reapHandler(true);

    const { output } = await runFanOut(async (payload) => {
      const summary = (await handler(payload as never, lambdaContext)) as FleetReapSummary;
      expect(summary.dryRun).toBe(true);
      return summary as unknown as Json;
    });

    // Each shard's deletes were sent, and answered as a dry run (deleted: 0 for real).
    expect(output.map((o) => o.deleted)).toEqual([0, 0, 0]);
    expect(deletesSent(sims)).toBe(CAP);
    expect(
      names.map((n) =>
        sims
          .get(n)
          ?.store.list(leases)
          .map((s) => `${s.key}@${s.obj.metadata.resourceVersion}`),
      ),
    ).toEqual(before);
  });

  it('a failed shard is caught: the others reap, and the reap’s RunFailed series its alarm reads gets a 1', async () => {
    const sims = await startFleet();
    const handler = reapHandler(false);

    const { output } = await runFanOut(async (payload) => {
      if ((payload as { clusters: string[] }).clusters.includes('north'))
        throw new StatesError('Lambda.Unknown', 'The function timed out');
      return handler(payload as never, lambdaContext);
    });

    expect(output).toEqual([
      { clusters: 2, failedClusters: 0, deleted: 2 },
      { clusters: ['north', 'south'], error: 'Lambda.Unknown' },
      { clusters: 1, failedClusters: 0, deleted: 1 },
    ]);
    expect(remaining(sims)).toEqual([
      ['east', 1],
      ['west', 3],
      ['north', 3],
      ['south', 3],
      ['edge', 2],
    ]);
    const runFailed = cwMock
      .commandCalls(PutMetricDataCommand)
      .flatMap((c) =>
        (c.args[0].input.MetricData ?? []).map((d) => ({ namespace: c.args[0].input.Namespace, ...d })),
      )
      .filter((d) => d.MetricName === 'RunFailed');
    expect(runFailed.map((d) => [d.namespace, d.Dimensions, d.Value])).toEqual([
      [
        'LeaseReaper',
        [
          { Name: 'Function', Value: 'reap' },
          { Name: 'Stack', Value: 'LeaseReaper' },
        ],
        1,
      ],
    ]);
    // …exactly the series of the reap's RunFailed alarm.
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((r) => r.Properties as Record<string, unknown>)
      .filter((a) => a.MetricName === 'RunFailed');
    expect(alarms.map((a) => [a.Namespace, a.Dimensions])).toContainEqual([
      'LeaseReaper',
      [
        { Name: 'Function', Value: 'reap' },
        { Name: 'Stack', Value: 'LeaseReaper' },
      ],
    ]);
  });
});

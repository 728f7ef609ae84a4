import { describe, expect, it, vi } from 'vitest';
import { reapShards } from '../../infra/reap-fan-out.ts';
import { stateMachineDefinition } from './asl.ts';
import { eksFleet, only, resources, synth } from './support.ts';

vi.setConfig({ testTimeout: 120_000 });

const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

describe('reapShards: the run-wide cap split ahead of time', () => {
  it.each([
    // [clusters, shard size, cap, shares]: the shares add up to the cap; the first shards take the remainder.
    [5, 2, 5, [2, 2, 1]],
    [60, 25, 10, [4, 3, 3]],
    [60, 25, 2, [1, 1, 0]],
    [4, 2, 6, [3, 3]],
    [1, 25, 10, [10]],
  ])('%i clusters in shards of %i with a cap of %i: shares %j', (clusters, size, cap, shares) => {
    const shards = reapShards(names(clusters), size, cap);

    expect(shards.map((s) => s.maxDeletions)).toEqual(shares);
    expect(shards.flatMap((s) => s.clusters)).toEqual(names(clusters));
  });

  it('never lets the shards together pass the cap, for any fleet and cap', () => {
    for (let clusters = 1; clusters <= 120; clusters += 7)
      for (const size of [1, 5, 25])
        for (const cap of [1, 3, 10, 100]) {
          const shares = reapShards(names(clusters), size, cap).map((s) => s.maxDeletions);
          expect(shares.reduce((a, b) => a + b, 0)).toBe(cap);
          expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        }
  });
});

describe('the reap fan-out in the stack', () => {
  const reap = {
    enabled: true,
    policy: { dryRun: false, namespaces: { include: ['team-*'] }, maxDeletionsPerRun: 7 },
  };

  it('past the threshold, the reap schedule starts a Map over shards, each with its share of the cap', () => {
    const { template } = synth({
      clusters: eksFleet(60),
      fanOut: { shardSize: 25, maxConcurrency: 4 },
      reap,
    });
    const machines = resources(template, 'AWS::StepFunctions::StateMachine').map(([id]) => id);
    const id = machines.find((m) => m.startsWith('ReapFanOut')) as string;
    const definition = stateMachineDefinition(template.toJSON(), id) as {
      States: Record<string, Record<string, unknown>>;
    };

    const result = definition.States.Shards?.Result as
      | { shards: { clusters: string[]; maxDeletions: number }[] }
      | undefined;
    const shards = result?.shards ?? [];
    expect(shards.map((s) => [s.clusters.length, s.maxDeletions])).toEqual([
      [25, 3],
      [25, 2],
      [10, 2],
    ]);
    expect(definition.States.ReapShards).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.shards',
      MaxConcurrency: 4,
    });
    const schedule = only(template, 'AWS::Scheduler::Schedule', (s) => s.startsWith('ReapSchedule'));
    expect(schedule.Properties).toMatchObject({
      State: 'ENABLED',
      Target: { Arn: { Ref: id } },
    });
    // The shards run at once, up to maxConcurrency: the function may run that many times at once.
    const fn = only(template, 'AWS::Lambda::Function', (f) => f.startsWith('ReapFunction'));
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(4);
    const alarm = only(template, 'AWS::CloudWatch::Alarm', (a) => a.startsWith('AlarmsReapFanOutFailures'));
    expect(alarm.Properties).toMatchObject({ Threshold: 1, EvaluationPeriods: 1 });
  });

  it('below the threshold, the reap is one invocation that never runs twice at once', () => {
    const { template } = synth({ clusters: eksFleet(10), reap });

    expect(resources(template, 'AWS::StepFunctions::StateMachine')).toEqual([]);
    const fn = only(template, 'AWS::Lambda::Function', (f) => f.startsWith('ReapFunction'));
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
  });
});

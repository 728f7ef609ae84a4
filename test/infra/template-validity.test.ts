import { describe, expect, it } from 'vitest';
import type { LeaseReaperStackProps } from '../../infra/stack-props.ts';
import { aslProblems, stateMachineDefinition } from './asl.ts';
import { CfnSchemas } from './cfn-schema.ts';
import { mixedFleet } from './fleets.ts';
import { eksFleet, synth } from './support.ts';

/**
 * Every template the stack synthesizes, from 1 to 1,000 clusters, as CloudFormation and Step Functions
 * will validate it: each resource against its CloudFormation registry schema (test/infra/cfn-schema.ts),
 * the fan-out's definition with an Amazon States Language validator (test/infra/asl.ts). Each fleet is
 * synthesized once, on first use, and shared by the tests that read it.
 */
const SYNTH_TIMEOUT = 300_000;
const schemas = CfnSchemas.load();

const reaping = { enabled: true, policy: { namespaces: { include: ['team-*'] } } };
const network = { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] };
const FLEETS: Record<string, Partial<LeaseReaperStackProps>> = {
  '1 cluster': { clusters: mixedFleet(1) },
  '10 clusters, reaping': { clusters: mixedFleet(10), reap: reaping },
  '100 clusters': { clusters: mixedFleet(100) },
  '130 clusters, reaping': { clusters: mixedFleet(130), reap: reaping },
  '130 clusters, reaping, Control Tower compliance mode in a VPC': {
    clusters: mixedFleet(130),
    reap: reaping,
    network,
    compliance: { controlTower: true },
    logRetention: undefined,
  },
  '900 clusters': { clusters: mixedFleet(900) },
  '1,000 EKS clusters, access entries made elsewhere': {
    clusters: eksFleet(1000),
    eksAccess: { createAccessEntries: false },
  },
};

const templates = new Map<string, Record<string, unknown>>();
function templateOf(label: keyof typeof FLEETS): Record<string, unknown> {
  let template = templates.get(label);
  if (!template) {
    template = synth(FLEETS[label]).template.toJSON();
    templates.set(label, template);
  }
  return template;
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (template: object) => (template as { Resources: Resources }).Resources;
const idsOf = (template: object, type: string) =>
  Object.entries(resourcesOf(template))
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);

describe.each(Object.keys(FLEETS))('%s', (label) => {
  it(
    'every resource matches its CloudFormation registry schema',
    () => {
      const template = templateOf(label);
      expect(Object.keys(resourcesOf(template)).length).toBeGreaterThan(20);
      expect(schemas.validate(template)).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'its state machines, when the fleet is fanned out, are valid Amazon States Language',
    () => {
      const template = templateOf(label);
      const clusters = FLEETS[label]?.clusters ?? [];
      const machines = idsOf(template, 'AWS::StepFunctions::StateMachine');
      // Past 50 clusters (the default threshold) the audit fans out, and the reap (every fleet here has the
      // sample deployment's reap policy, or its own); below it there is nothing to validate.
      expect(machines.length).toBe(clusters.length > 50 ? 2 : 0);
      for (const id of machines) {
        const definition = stateMachineDefinition(template, id);
        expect(aslProblems(definition)).toEqual([]);
        // The whole fleet is in the shards, up to its last cluster.
        expect(JSON.stringify(definition)).toContain(JSON.stringify(clusters.at(-1)?.name));
      }
    },
    SYNTH_TIMEOUT,
  );
});

/** A copy of a template with one thing changed. */
function broken(template: object, change: (resources: Resources) => void): object {
  const copy = structuredClone(template) as { Resources: Resources };
  change(copy.Resources);
  return copy;
}
const first = (resources: Resources, type: string) => {
  const found = Object.entries(resources).find(([, r]) => r.Type === type);
  if (!found) throw new Error(`no ${type}`);
  return { id: found[0], properties: found[1].Properties, resource: found[1] };
};
function rename(o: Record<string, unknown>, from: string, to: string): void {
  if (!(from in o)) throw new Error(`no ${from} to rename`);
  o[to] = o[from];
  delete o[from];
}

describe('the registry-schema check is strict', () => {
  const cases: [string, (r: Resources) => void, RegExp][] = [
    [
      'a typo’d property',
      (r) => rename(first(r, 'AWS::Lambda::Function').properties, 'MemorySize', 'MemorySzie'),
      /^Resources\/\w+\/Properties\/MemorySzie: unknown property \(did you mean MemorySize\?\)$/,
    ],
    [
      'a typo’d property of a nested type',
      (r) => {
        const target = first(r, 'AWS::Scheduler::Schedule').properties.Target as Record<string, unknown>;
        rename(target.RetryPolicy as Record<string, unknown>, 'MaximumRetryAttempts', 'MaxRetryAttempts');
      },
      /^Resources\/\w+\/Properties\/Target\/RetryPolicy\/MaxRetryAttempts: unknown property; known: /,
    ],
    [
      'a property in the wrong case',
      (r) => rename(first(r, 'AWS::Logs::LogGroup').properties, 'RetentionInDays', 'RetentionInDAYS'),
      /RetentionInDAYS: unknown property \(did you mean RetentionInDays\?\)$/,
    ],
    [
      'a missing required property',
      (r) => {
        delete first(r, 'AWS::IAM::Role').properties.AssumeRolePolicyDocument;
      },
      /^Resources\/\w+\/Properties: missing required property AssumeRolePolicyDocument$/,
    ],
    [
      'a string where an integer belongs',
      (r) => {
        first(r, 'AWS::Lambda::Function').properties.Timeout = '60';
      },
      /^Resources\/\w+\/Properties\/Timeout: expected an integer, got "60"$/,
    ],
    [
      'a value the schema does not allow',
      (r) => {
        first(r, 'AWS::Logs::LogGroup').properties.RetentionInDays = 31;
      },
      /RetentionInDays: expected one of 1, 3, 5, 7, 14, 30, 60, 90/,
    ],
    [
      'a resource type that does not exist',
      (r) => {
        first(r, 'AWS::Lambda::Function').resource.Type = 'AWS::Lambda::Funtion';
      },
      /^Resources\/\w+\/Type: no resource type AWS::Lambda::Funtion in the CloudFormation registry$/,
    ],
    [
      'a Ref to a resource that does not exist',
      (r) => {
        first(r, 'AWS::Lambda::Function').properties.Role = { Ref: 'AuditRoleTypo' };
      },
      /^Resources\/\w+\/Properties\/Role: Ref to AuditRoleTypo: no such resource or parameter$/,
    ],
    [
      'an attribute the resource type does not have',
      (r) => {
        const role = first(r, 'AWS::IAM::Role').id;
        first(r, 'AWS::Lambda::Function').properties.Role = { 'Fn::GetAtt': [role, 'ARN'] };
      },
      /Fn::GetAtt \w+\.ARN: AWS::IAM::Role has no attribute ARN/,
    ],
  ];

  it.each(cases)('finds %s', (_name, change, problem) => {
    const problems = schemas.validate(broken(templateOf('1 cluster'), change));
    expect(problems).toEqual([expect.stringMatching(problem)]);
  });
});

describe('the ASL check is strict', () => {
  type States = Record<string, Record<string, unknown>>;
  const definition = () => {
    const template = templateOf('100 clusters');
    const [id] = idsOf(template, 'AWS::StepFunctions::StateMachine');
    return stateMachineDefinition(template, id as string) as { States: States };
  };
  const shard = (d: { States: States }) => {
    const processor = d.States.AuditShards?.ItemProcessor as { States: States } | undefined;
    return processor?.States.AuditShard ?? {};
  };
  const cases: [string, (d: { States: States }) => void, RegExp][] = [
    [
      'a transition to a state that does not exist',
      (d) => {
        (d.States.Shards as Record<string, unknown>).Next = 'AuditShard';
      },
      /AuditShard/,
    ],
    [
      'a Map without its ItemProcessor',
      (d) => {
        delete d.States.AuditShards?.ItemProcessor;
      },
      /ItemProcessor/,
    ],
    [
      'a JSONPath that does not parse',
      (d) => {
        (d.States.AuditShards as Record<string, unknown>).ItemsPath = '$.shards[';
      },
      /ItemsPath|shards\[/,
    ],
    [
      'a Task without a Resource',
      (d) => {
        delete shard(d).Resource;
      },
      /\/States\/AuditShard\//,
    ],
    [
      'an unknown retrier jitter',
      (d) => {
        ((shard(d).Retry as Record<string, unknown>[])[1] as Record<string, unknown>).JitterStrategy = 'FUL';
      },
      /^AuditShard\.Retry\[1\]: JitterStrategy must be FULL or NONE$/,
    ],
  ];

  it.each(cases)(
    'finds %s',
    (_name, change, problem) => {
      const d = definition();
      expect(aslProblems(d)).toEqual([]);
      change(d);
      const problems = aslProblems(d);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join('\n')).toMatch(problem);
    },
    SYNTH_TIMEOUT,
  );
});

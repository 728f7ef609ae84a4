import { GetParameterCommand, GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { loadRegistry, PARTS_PREFIX } from '../../shared/fleet/registry-source.ts';
import { parameterStore } from '../support/ssm-parameter-store.ts';
import { mixedFleet } from './fleets.ts';
import { only, resources, type Synthesized, synth } from './support.ts';

// The first synthesis of a file (asset staging of the project) can take a minute on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Template = Synthesized['template'];
const NAME = '/lease-reaper/LeaseReaper/registry';

/** The SSM parameters of a template, by name, as CloudFormation will write them. */
function parametersOf(template: Template): Map<string, string> {
  return new Map(
    resources(template, 'AWS::SSM::Parameter').map(([, r]) => [
      r.Properties.Name as string,
      r.Properties.Value as string,
    ]),
  );
}

const auditEnvironment = (template: Template) =>
  only(template, 'AWS::Lambda::Function', (id) => id.startsWith('AuditFunction')).Properties.Environment as {
    Variables: Record<string, string>;
  };

describe('a registry larger than one SSM parameter (1,000 clusters of a mixed fleet)', () => {
  let synthesized: Synthesized;
  // cdk-nag runs at this synth: the statement below needs no acknowledgement (no wildcard).
  beforeAll(() => {
    synthesized = synth({ clusters: mixedFleet(1000) }, { nag: true });
  });

  it('is an index and parts of 4 KB in the standard tier, each part written before the index', () => {
    const { template, stack } = synthesized;
    const params = resources(template, 'AWS::SSM::Parameter');
    const index = params.find(([, r]) => r.Properties.Name === NAME);
    const parts = params.filter(([, r]) => r.Properties.Name !== NAME);

    expect(parts.map(([, r]) => r.Properties.Name)).toEqual([`${NAME}/1`, `${NAME}/2`, `${NAME}/3`]);
    expect(index).toBeDefined();
    expect(params).toHaveLength(4);
    for (const [, r] of params) {
      expect(r.Properties.Tier).toBe('Standard');
      expect((r.Properties.Value as string).length).toBeLessThanOrEqual(4096);
    }
    expect(String(index?.[1].Properties.Value).startsWith(PARTS_PREFIX)).toBe(true);
    const json = template.toJSON() as { Resources: Record<string, { DependsOn?: string[] }> };
    expect(json.Resources[index?.[0] as string]?.DependsOn).toEqual(parts.map(([id]) => id));
    expect(stack.registryParts).toHaveLength(3);
  });

  it('lets each function read exactly the registry parameter, by name and by its path', () => {
    const { template, stack } = synthesized;
    const registryRef = stack.getLogicalId(stack.registryParameter.node.defaultChild as never);
    for (const role of ['Audit', 'Reap']) {
      const [, policy] = resources(template, 'AWS::IAM::Policy').find(([id]) =>
        id.startsWith(`${role}RoleDefaultPolicy`),
      ) as unknown as [string, { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }];
      const ssm = policy.Properties.PolicyDocument.Statement.filter((s) =>
        JSON.stringify(s.Action).includes('ssm:'),
      );
      expect(ssm).toEqual([
        {
          Sid: 'ReadClusterRegistry',
          Effect: 'Allow',
          Action: ['ssm:GetParameter', 'ssm:GetParametersByPath'],
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':ssm:eu-west-1:123456789012:parameter',
                { Ref: registryRef },
              ],
            ],
          },
        },
      ]);
    }
  });

  it('reads back, through the SDK, exactly the 1,000 clusters: one GetParameter, one GetParametersByPath', async () => {
    const store = parameterStore(parametersOf(synthesized.template));

    const registry = await loadRegistry({ LEASE_REAPER_CLUSTERS_PARAMETER: NAME }, async () => store.client);

    expect(registry.clusters).toHaveLength(1000);
    expect(registry.clusters).toEqual(parseClusterRegistry({ clusters: mixedFleet(1000) }).clusters);
    expect(store.mock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(store.mock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 1);
  });

  it('changes the functions’ configuration when a part changes, so warm containers reload', () => {
    const fleet = mixedFleet(1000);
    const last = fleet.at(-1);
    const changed = synth({
      clusters: [...fleet.slice(0, -1), { ...last, name: 'renamed' } as (typeof fleet)[0]],
    });
    const before = parametersOf(synthesized.template);
    const after = parametersOf(changed.template);

    // One cluster renamed at the end of the document: the same parameters, the last part among those changed.
    expect([...after.keys()]).toEqual([...before.keys()]);
    expect(after.get(`${NAME}/3`)).not.toBe(before.get(`${NAME}/3`));
    expect(auditEnvironment(changed.template).Variables.LEASE_REAPER_REGISTRY_SHA256).not.toBe(
      auditEnvironment(synthesized.template).Variables.LEASE_REAPER_REGISTRY_SHA256,
    );
  });
});

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LeaseReaperStackProps } from '../../infra/stack-props.ts';
import { mixedFleet } from './fleets.ts';
import { iamChars, resolveValue } from './iam-policy.ts';
import { eksFleet, ROOT, synth } from './support.ts';

/**
 * The synthesized stack within AWS's quotas at every fleet size, measured on the template as
 * CloudFormation and IAM will see it (references resolved at their longest: partition aws-us-gov):
 * - IAM and AWS STS quotas (IAM User Guide): a role's inline policies 10,240 characters in all, a
 *   managed policy 6,144, a trust policy 2,048 (default), 10 managed policies per role (default); IAM
 *   counts characters without white space;
 * - CloudFormation quotas (CloudFormation User Guide): 500 resources, 200 outputs and parameters, a
 *   template of 1 MB from S3 (cdk deploy uploads it there; a template passed inline is limited to 51,200
 *   bytes);
 * - a KMS key policy of 32 KB (AWS KMS quotas), an SNS topic policy of 30 KB (Amazon SNS quotas);
 * - an SSM parameter's value: 4,096 characters in the standard tier, 8 KB in the advanced one (AWS Systems
 *   Manager User Guide, "Managing parameter tiers").
 */
const QUOTAS = {
  roleInlineChars: 10_240,
  managedPolicyChars: 6_144,
  trustPolicyChars: 2_048,
  managedPoliciesPerRole: 10,
  resources: 500,
  outputs: 200,
  parameters: 200,
  templateBytes: 1_000_000,
  keyPolicyBytes: 32_768,
  topicPolicyBytes: 30_720,
  parameterChars: { Standard: 4_096, Advanced: 8_192 } as Record<string, number>,
};
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** The template as deployed: every reference a plausible, long ARN. */
function deployed(template: object): Template {
  const pseudo = { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };
  const { Resources } = template as Template;
  return resolveValue({ Resources }, pseudo, (id, attribute) =>
    attribute === undefined || attribute === 'Arn'
      ? `arn:aws-us-gov:service:${REGION}:${ACCOUNT}:resource/${id}-ABCDEFGHIJKL`
      : `${id}-${attribute}-ABCDEFGHIJKL`,
  ) as Template;
}

interface Measured {
  resources: number;
  templateBytes: number;
  roleInline: Record<string, number>;
  managedPolicies: Record<string, number>;
  trustPolicies: Record<string, number>;
  managedPerRole: Record<string, number>;
  keyPolicies: number[];
  topicPolicies: number[];
  parameters: { name: string; tier: string; chars: number }[];
}

/** What each quota counts, for one synthesized template. */
function measure(raw: object): Measured {
  const t = deployed(raw);
  const m: Measured = {
    resources: Object.keys(t.Resources).length,
    templateBytes: Buffer.byteLength(JSON.stringify(raw)),
    roleInline: {},
    managedPolicies: {},
    trustPolicies: {},
    managedPerRole: {},
    keyPolicies: [],
    topicPolicies: [],
    parameters: [],
  };
  const roleOf = (ref: unknown) => String(ref).replace(/^arn:.*resource\/(.*)-ABCDEFGHIJKL$/, '$1');
  for (const [id, r] of Object.entries(t.Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Role') {
      m.trustPolicies[id] = iamChars(p.AssumeRolePolicyDocument);
      m.managedPerRole[id] = ((p.ManagedPolicyArns as unknown[]) ?? []).length;
      for (const inline of (p.Policies as { PolicyDocument: unknown }[]) ?? [])
        m.roleInline[id] = (m.roleInline[id] ?? 0) + iamChars(inline.PolicyDocument);
    }
    if (r.Type === 'AWS::IAM::Policy')
      for (const role of (p.Roles as unknown[]) ?? [])
        m.roleInline[roleOf(role)] = (m.roleInline[roleOf(role)] ?? 0) + iamChars(p.PolicyDocument);
    if (r.Type === 'AWS::IAM::ManagedPolicy') {
      m.managedPolicies[id] = iamChars(p.PolicyDocument);
      for (const role of (p.Roles as unknown[]) ?? [])
        m.managedPerRole[roleOf(role)] = (m.managedPerRole[roleOf(role)] ?? 0) + 1;
    }
    if (r.Type === 'AWS::KMS::Key') m.keyPolicies.push(Buffer.byteLength(JSON.stringify(p.KeyPolicy)));
    if (r.Type === 'AWS::SSM::Parameter')
      m.parameters.push({
        name: String(p.Name),
        tier: String(p.Tier ?? 'Standard'),
        chars: String(p.Value).length,
      });
    if (r.Type === 'AWS::SNS::TopicPolicy')
      m.topicPolicies.push(Buffer.byteLength(JSON.stringify(p.PolicyDocument)));
  }
  return m;
}

function synthesized(props: Partial<LeaseReaperStackProps>): object {
  return synth({ env: { account: ACCOUNT, region: REGION }, ...props }).template.toJSON();
}

const max = (values: Record<string, number> | number[]) => Math.max(0, ...Object.values(values));
const SYNTH_TIMEOUT = 300_000;

describe('one stack within AWS’s quotas', () => {
  const fleets: [string, Partial<LeaseReaperStackProps>][] = [
    ['1 cluster', { clusters: mixedFleet(1) }],
    [
      '10 clusters, reaping',
      { clusters: mixedFleet(10), reap: { enabled: true, policy: { namespaces: { include: ['team-*'] } } } },
    ],
    ['100 clusters', { clusters: mixedFleet(100) }],
    [
      '130 clusters, reaping',
      { clusters: mixedFleet(130), reap: { enabled: true, policy: { namespaces: { include: ['team-*'] } } } },
    ],
    // The registry no longer fits one SSM parameter (8,317 characters gzipped): an index and 3 parts.
    ['1,000 clusters', { clusters: mixedFleet(1000) }],
    [
      '11,312 clusters, the most one registry holds (1 MiB of JSON), access entries made elsewhere',
      { clusters: mixedFleet(11_312), eksAccess: { createAccessEntries: false } },
    ],
    [
      '1,000 EKS clusters of this account and region, access entries made elsewhere',
      { clusters: eksFleet(1000), eksAccess: { createAccessEntries: false } },
    ],
  ];

  it.each(fleets)(
    '%s: every policy and the template fit, with room to spare',
    (label, props) => {
      const m = measure(synthesized(props));
      // What was measured, for the README's table.
      console.log(
        `${label}: ${m.resources} resources, template ${m.templateBytes} bytes; largest role inline ${max(m.roleInline)} chars, managed ${max(m.managedPolicies)}, trust ${max(m.trustPolicies)}; registry in ${m.parameters.length} SSM parameter(s), ${m.parameters.filter((p) => p.tier === 'Advanced').length} advanced, largest ${max(m.parameters.map((p) => p.chars))} chars`,
      );
      expect(m.resources).toBeLessThanOrEqual(QUOTAS.resources);
      expect(m.templateBytes).toBeLessThanOrEqual(QUOTAS.templateBytes);
      expect(Object.keys(m.roleInline).length).toBeGreaterThan(0);
      for (const [role, chars] of Object.entries(m.roleInline))
        expect(chars, role).toBeLessThanOrEqual(QUOTAS.roleInlineChars * 0.9);
      for (const [policy, chars] of Object.entries(m.managedPolicies))
        expect(chars, policy).toBeLessThanOrEqual(QUOTAS.managedPolicyChars * 0.9);
      expect(Object.keys(m.trustPolicies).length).toBeGreaterThan(0);
      for (const [role, chars] of Object.entries(m.trustPolicies))
        expect(chars, role).toBeLessThanOrEqual(QUOTAS.trustPolicyChars);
      for (const [role, n] of Object.entries(m.managedPerRole))
        expect(n, role).toBeLessThanOrEqual(QUOTAS.managedPoliciesPerRole);
      expect(m.keyPolicies.length).toBeGreaterThan(0);
      expect(m.topicPolicies).toHaveLength(1);
      for (const bytes of m.keyPolicies) expect(bytes).toBeLessThanOrEqual(QUOTAS.keyPolicyBytes);
      for (const bytes of m.topicPolicies) expect(bytes).toBeLessThanOrEqual(QUOTAS.topicPolicyBytes);
      expect(m.parameters.length).toBeGreaterThan(0);
      for (const { name, tier, chars } of m.parameters)
        expect(chars, name).toBeLessThanOrEqual(QUOTAS.parameterChars[tier] ?? 0);
      // No statement was moved to an overflow policy: the functions' roles hold their own inline policies.
      expect(Object.keys(m.managedPolicies)).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  it('measures as IAM does: the role policy of 130 named clusters the stack used to write is over the managed quota', () => {
    // One DescribeCluster statement naming 130 clusters of this account: what CDK moved to an overflow
    // managed policy before, 6,218 characters with the partition at its longest.
    const statement = {
      Effect: 'Allow',
      Action: 'eks:DescribeCluster',
      Resource: eksFleet(130).map(
        (c) => `arn:aws-us-gov:eks:${c.region}:${ACCOUNT}:cluster/${c.clusterName}`,
      ),
    };
    expect(iamChars({ Version: '2012-10-17', Statement: [statement] })).toBeGreaterThan(
      QUOTAS.managedPolicyChars,
    );
  });
});

describe('past one stack’s limits, the synth fails with one line naming the field and the way out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lease-reaper-quotas-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'more EKS access entries than a stack’s 500 resources: the app prints one line',
    async () => {
      const file = join(dir, 'big.json');
      writeFileSync(
        file,
        JSON.stringify({ env: { account: ACCOUNT, region: REGION }, clusters: eksFleet(600) }),
      );
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'infra/app.ts'],
          {
            cwd: ROOT,
            env: {
              ...process.env,
              CDK_OUTDIR: join(dir, 'out'),
              CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], leaseReaperConfig: file }),
            },
          },
          (error, _stdout, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr: err }),
        );
      });
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^lease-reaper: clusters: 600 clusters make 63\d CloudFormation resources \(600 EKS access entries\), over the 500 a stack may declare; set eksAccess\.createAccessEntries: false and create the access entries another way, or split the fleet across stacks$/,
        ),
      ]);
    },
    SYNTH_TIMEOUT,
  );

  it('a registry over the 1 MiB the functions read (11,313 clusters of the mixed fleet)', () => {
    expect(() =>
      synthesized({ clusters: mixedFleet(11_313), eksAccess: { createAccessEntries: false } }),
    ).toThrow(
      /^clusters: the registry is 1048633 bytes of JSON, over the 1 MiB \(1048576 bytes\) the functions read; split the fleet across stacks$/,
    );
  });

  it('a registry that gzips poorly, past the 50 SSM parameters of 4 KB it may take', () => {
    // Long random secret names: ~420 KB of JSON that gzip cannot shrink to 200 KB of base64.
    const clusters = Array.from({ length: 600 }, (_, i) => {
      const noise = Array.from({ length: 8 }, (_, j) =>
        createHash('sha256').update(`${i}.${j}`).digest('hex'),
      ).join('');
      return {
        name: `c${i}`,
        type: 'kubeconfig' as const,
        secretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:lease-reaper/${noise}`,
      };
    });
    expect(() => synthesized({ clusters })).toThrow(
      /^clusters: the registry is \d+ characters, \d+ gzipped, over the 50 SSM parameters of 4096 characters it may take; split the fleet across stacks$/,
    );
  });

  it('more distinct roles to assume than a role’s policy holds', () => {
    const clusters = eksFleet(200).map((c, i) => ({
      ...c,
      roleArn: `arn:aws:iam::${String(300000000000 + i)}:role/lease-reaper-access`,
    }));
    expect(() => synthesized({ clusters })).toThrow(
      /^clusters: reaching these clusters takes \d+ characters of IAM policy .*use one roleArn per account, keep kubeconfig secrets under one folder \(e\.g\. lease-reaper\/\), or split the fleet across stacks$/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig, stackPropsFor } from '../../infra/deployment-config.ts';
import { CfnSchemas } from './cfn-schema.ts';
import { CN_FLEET, type FleetLocation, GOV_FLEET, mixedFleet } from './fleets.ts';
import { evaluate, iamChars, type Request, resolveValue, type Statement } from './iam-policy.ts';
import { sampleProps, synth } from './support.ts';

/**
 * The stack deployed outside the `aws` partition: in China (aws-cn, whose endpoints end in
 * amazonaws.com.cn) and in AWS GovCloud (US) (aws-us-gov). Each fleet is the mixed fleet of
 * test/infra/fleets.ts in that partition's regions, written as a deployment file, synthesized once and
 * shared by the checks that read it: ARNs in the stack's partition, endpoint names in its DNS suffix,
 * the CloudFormation registry schemas, IAM's size quotas, and alarm notifications still delivered.
 */
const SYNTH_TIMEOUT = 300_000;
const ACCOUNT = '123456789012';
const schemas = CfnSchemas.load();

/**
 * Service principals that are the same in every partition (IAM User Guide for the China regions,
 * "Specifying a service principal": most services are `service.amazonaws.com` there too; the stack uses
 * only these). A regional principal or an endpoint name must end in `${AWS::URLSuffix}` instead.
 */
const GLOBAL_SERVICE_PRINCIPALS = new Set(
  // events: the critical-findings rule's publisher (aws-cdk-lib's region facts: events.amazonaws.com in
  // every partition, China included). logging.s3: S3 server access log delivery to the tombstone archive in
  // compliance mode (the principal aws-cdk-lib's Bucket grants log delivery to in every partition).
  ['lambda', 'states', 'scheduler', 'cloudwatch', 'events', 'logging.s3'].map((s) => `${s}.amazonaws.com`),
);

interface Case {
  where: FleetLocation;
  urlSuffix: string;
  /** The deployment file's fields besides env and clusters. */
  deployment: Record<string, unknown>;
  clusters: number;
}
const reap = { enabled: true, policy: { namespaces: { include: ['team-*'] } } };
const notifications = { emails: ['oncall@example.com'] };
const kmsKey = (p: string, region: string) =>
  `arn:${p}:kms:${region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CASES: Record<string, Case> = {
  'aws-cn, 10 clusters, reaping, kubeconfig secrets under a customer key': {
    where: CN_FLEET,
    urlSuffix: 'amazonaws.com.cn',
    clusters: 10,
    deployment: { reap, notifications, secretsKmsKeyArns: [kmsKey('aws-cn', 'cn-north-1')] },
  },
  'aws-cn, 130 clusters, reaping, Control Tower compliance mode in a VPC': {
    where: CN_FLEET,
    urlSuffix: 'amazonaws.com.cn',
    clusters: 130,
    deployment: {
      reap,
      notifications,
      secretsKmsKeyArns: [kmsKey('aws-cn', 'cn-north-1')],
      compliance: { controlTower: true },
      network: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
    },
  },
  'aws-us-gov, 10 clusters': {
    where: GOV_FLEET,
    urlSuffix: 'amazonaws.com',
    clusters: 10,
    deployment: { notifications, secretsKmsKeyArns: [kmsKey('aws-us-gov', 'us-gov-west-1')] },
  },
  'aws-us-gov, 130 clusters, reaping': {
    where: GOV_FLEET,
    urlSuffix: 'amazonaws.com',
    clusters: 130,
    deployment: { reap, notifications },
  },
};

const regionOf = (c: Case) => c.where.regions[0] as string;

/** The deployment file of a case, through the same parser and props as `cdk synth`. */
function deploymentOf(c: Case) {
  const doc = {
    env: { account: ACCOUNT, region: regionOf(c) },
    clusters: mixedFleet(c.clusters, c.where),
    ...c.deployment,
  };
  return parseDeploymentConfig(JSON.parse(JSON.stringify(doc)), `${c.where.partition} deployment`);
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type Template = { Resources: Resources };
const templates = new Map<string, Template>();
function templateOf(label: string): Template {
  let template = templates.get(label);
  if (!template) {
    const c = CASES[label] as Case;
    // The deployment file alone: nothing of the sample deployment synth() starts from.
    const props = stackPropsFor(deploymentOf(c));
    const unset = Object.fromEntries(Object.keys(sampleProps()).map((k) => [k, undefined]));
    template = synth({ ...unset, ...props }).template.toJSON() as Template;
    templates.set(label, template);
  }
  return template;
}

/**
 * The resources as the stack wrote them: pseudo parameters left as `<Partition>`, `<URLSuffix>`…,
 * references as `<Ref id>`.
 */
function symbolic(template: Template): Template {
  const pseudo = Object.fromEntries(
    ['AWS::Partition', 'AWS::URLSuffix', 'AWS::Region', 'AWS::AccountId', 'AWS::StackName'].map((p) => [
      p,
      `<${p.slice('AWS::'.length)}>`,
    ]),
  );
  return resolveValue({ Resources: template.Resources }, pseudo, (id, attr) =>
    attr ? `<GetAtt ${id}.${attr}>` : `<Ref ${id}>`,
  ) as Template;
}

/** Every string of a value, with its path. */
function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}/${k}`));
}

/** Each ARN the template builds whose partition is neither `<Partition>` nor `partition`. */
function foreignArns(template: Template, partition: string): string[] {
  return strings(symbolic(template)).flatMap(([path, s]) =>
    [...s.matchAll(/arn:([^:"\\]*):[^"\\,]*/g)]
      .filter((m) => m[1] !== '<Partition>' && m[1] !== partition)
      .map((m) => `${path}: ${m[0]}`),
  );
}

/** Each literal `amazonaws…` name that is not a service principal of every partition. */
function literalEndpoints(template: Template): string[] {
  return strings(symbolic(template))
    .filter(([, s]) => s.includes('amazonaws'))
    .filter(([path, s]) => !(/\/Principal\/Service(\/\d+)?$/.test(path) && GLOBAL_SERVICE_PRINCIPALS.has(s)))
    .map(([path, s]) => `${path}: ${s}`);
}

/** The template as deployed in the case's partition: every reference a plausible, long ARN there. */
function deployed(c: Case, template: Template, named: Record<string, string> = {}): Template {
  const region = regionOf(c);
  const pseudo = {
    'AWS::Partition': c.where.partition,
    'AWS::Region': region,
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': c.urlSuffix,
  };
  return resolveValue(
    { Resources: template.Resources },
    pseudo,
    (id, attr) =>
      named[`${id}.${attr ?? 'Ref'}`] ??
      (attr === undefined || attr === 'Arn'
        ? `arn:${c.where.partition}:service:${region}:${ACCOUNT}:resource/${id}-ABCDEFGHIJKL`
        : `${id}-${attr}-ABCDEFGHIJKL`),
  ) as Template;
}

const ofType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe.each(Object.keys(CASES))('%s', (label) => {
  const c = CASES[label] as Case;
  const { partition } = c.where;
  const region = regionOf(c);

  it('the deployment file is accepted: the stack’s region and the clusters’ regions and ARNs', () => {
    const config = deploymentOf(c);
    expect(config.env?.region).toBe(region);
    expect(stackPropsFor(config).env).toEqual({ account: ACCOUNT, region });
  });

  it(
    'every ARN it builds is in AWS::Partition or, when given, in the partition’s literal',
    () => {
      const template = templateOf(label);
      expect(foreignArns(template, partition)).toEqual([]);
      // There is something to check: built ARNs, and the fleet's own (the roles, secrets, key).
      const all = strings(symbolic(template)).map(([, s]) => s);
      expect(all.some((s) => s.includes('arn:<Partition>:'))).toBe(true);
      expect(all.some((s) => s.includes(`arn:${partition}:iam::`))).toBe(true);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'endpoint names end in AWS::URLSuffix; service principals are ones every partition has',
    () => {
      const template = templateOf(label);
      expect(literalEndpoints(template)).toEqual([]);
      const viaService = strings(symbolic(template)).filter(([path]) => path.endsWith('/kms:ViaService'));
      if (c.deployment.secretsKmsKeyArns) expect(viaService.length).toBeGreaterThan(0);
      else expect(viaService).toEqual([]);
      for (const [, value] of viaService) expect(value).toBe('secretsmanager.*.<URLSuffix>');
    },
    SYNTH_TIMEOUT,
  );

  it(
    'every resource matches its CloudFormation registry schema',
    () => {
      expect(schemas.validate(templateOf(label))).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'its IAM policies fit IAM’s quotas with the partition’s ARNs, and the stack CloudFormation’s',
    () => {
      const raw = templateOf(label);
      const t = deployed(c, raw);
      expect(Object.keys(t.Resources).length).toBeLessThanOrEqual(500);
      expect(Buffer.byteLength(JSON.stringify(raw))).toBeLessThanOrEqual(1_000_000);
      // As test/infra/quotas.test.ts measures: inline policies per role (the role's own and each
      // AWS::IAM::Policy attached to it), trust policies, no overflow managed policy.
      const inline: Record<string, number> = {};
      const roleOf = (ref: unknown) => String(ref).replace(/^arn:.*resource\/(.*)-ABCDEFGHIJKL$/, '$1');
      expect(ofType(t, 'AWS::IAM::Role').length).toBeGreaterThan(0);
      expect(ofType(t, 'AWS::IAM::Policy').length).toBeGreaterThan(0);
      for (const [id, r] of ofType(t, 'AWS::IAM::Role')) {
        const p = r.Properties ?? {};
        expect(iamChars(p.AssumeRolePolicyDocument), id).toBeLessThanOrEqual(2_048);
        for (const policy of (p.Policies as { PolicyDocument: unknown }[]) ?? [])
          inline[id] = (inline[id] ?? 0) + iamChars(policy.PolicyDocument);
      }
      for (const [, r] of ofType(t, 'AWS::IAM::Policy'))
        for (const role of (r.Properties?.Roles as unknown[]) ?? [])
          inline[roleOf(role)] = (inline[roleOf(role)] ?? 0) + iamChars(r.Properties?.PolicyDocument);
      expect(Object.keys(inline).length).toBeGreaterThan(0);
      for (const [role, chars] of Object.entries(inline))
        expect(chars, role).toBeLessThanOrEqual(10_240 * 0.9);
      expect(ofType(t, 'AWS::IAM::ManagedPolicy')).toEqual([]);
      expect(ofType(t, 'AWS::KMS::Key').length).toBeGreaterThan(0);
      expect(ofType(t, 'AWS::SNS::TopicPolicy')).toHaveLength(1);
      for (const [id, r] of ofType(t, 'AWS::KMS::Key'))
        expect(Buffer.byteLength(JSON.stringify(r.Properties?.KeyPolicy)), id).toBeLessThanOrEqual(32_768);
      for (const [id, r] of ofType(t, 'AWS::SNS::TopicPolicy'))
        expect(Buffer.byteLength(JSON.stringify(r.Properties?.PolicyDocument)), id).toBeLessThanOrEqual(
          30_720,
        );
    },
    SYNTH_TIMEOUT,
  );

  it(
    'CloudWatch may publish each alarm to the topic and use its key, with the partition’s ARNs',
    () => {
      const raw = templateOf(label);
      const [topicId] = ofType(raw, 'AWS::SNS::Topic').map(([id]) => id);
      const alarms = ofType(raw, 'AWS::CloudWatch::Alarm');
      expect(topicId).toBeDefined();
      expect(alarms.length).toBeGreaterThan(0);
      const topicArn = `arn:${partition}:sns:${region}:${ACCOUNT}:LeaseReaper-Topic`;
      const keyArn = kmsKey(partition, region);
      const keyRef = (ofType(raw, 'AWS::SNS::Topic')[0]?.[1].Properties?.KmsMasterKeyId ?? {}) as {
        'Fn::GetAtt'?: [string, string];
      };
      const [keyId] = keyRef['Fn::GetAtt'] ?? [];
      expect(keyId).toBeDefined();
      const t = deployed(c, raw, { [`${topicId}.Ref`]: topicArn, [`${keyId}.Arn`]: keyArn });
      const topicPolicy = ofType(t, 'AWS::SNS::TopicPolicy')[0]?.[1].Properties?.PolicyDocument as {
        Statement: Statement[];
      };
      const keyPolicy = t.Resources[keyId as string]?.Properties?.KeyPolicy as { Statement: Statement[] };
      const alarmArn = (name: string, p = partition) =>
        `arn:${p}:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`;
      const request = (action: string, resource: string, sourceArn: string): Request => ({
        principal: { service: 'cloudwatch.amazonaws.com' },
        action,
        resource,
        context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': sourceArn, 'aws:SecureTransport': true },
      });
      for (const [id, alarm] of alarms) {
        const source = alarmArn(alarm.Properties?.AlarmName as string);
        expect([id, evaluate(topicPolicy, request('sns:Publish', topicArn, source))]).toEqual([id, 'allow']);
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
          expect([id, action, evaluate(keyPolicy, request(action, keyArn, source))]).toEqual([
            id,
            action,
            'allow',
          ]);
      }
      // The partition is part of what is matched: the same alarm under the `aws` partition's ARN is refused.
      const name = alarms[0]?.[1].Properties?.AlarmName as string;
      expect(evaluate(topicPolicy, request('sns:Publish', topicArn, alarmArn(name, 'aws')))).toBe(
        'implicit-deny',
      );
    },
    SYNTH_TIMEOUT,
  );
});

describe('the partition checks are strict', () => {
  const label = 'aws-cn, 10 clusters, reaping, kubeconfig secrets under a customer key';
  const withPolicy = (statement: Statement): Template => {
    const copy = structuredClone(templateOf(label));
    const [, role] = ofType(copy, 'AWS::IAM::Policy')[0] ?? [];
    const document = role?.Properties?.PolicyDocument as { Statement: Statement[] };
    document.Statement.push(statement);
    return copy;
  };

  it(
    'finds an ARN hard-coded in the aws partition, and one built with it',
    () => {
      const literal = withPolicy({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: 'arn:aws:sns:cn-north-1:1:t',
      });
      expect(foreignArns(literal, 'aws-cn')).toEqual([
        expect.stringMatching(/: arn:aws:sns:cn-north-1:1:t$/),
      ]);
      const joined = withPolicy({
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: { 'Fn::Join': ['', ['arn:aws:ssm:', { Ref: 'AWS::Region' }, ':1:parameter/x']] } as never,
      });
      expect(foreignArns(joined, 'aws-cn')).toEqual([
        expect.stringMatching(/: arn:aws:ssm:<Region>:1:parameter\/x$/),
      ]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'finds an endpoint name written with amazonaws.com, as kms:ViaService used to be',
    () => {
      const viaService = withPolicy({
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
      });
      expect(literalEndpoints(viaService)).toEqual([
        expect.stringMatching(/\/kms:ViaService: secretsmanager\.\*\.amazonaws\.com$/),
      ]);
      // …which in China matches no Secrets Manager endpoint: the key would never decrypt a kubeconfig.
      const statement: Statement = {
        Effect: 'Allow',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
      };
      const decrypt: Request = {
        principal: { aws: `arn:aws-cn:iam::${ACCOUNT}:role/audit` },
        action: 'kms:Decrypt',
        resource: kmsKey('aws-cn', 'cn-north-1'),
        context: { 'kms:ViaService': 'secretsmanager.cn-north-1.amazonaws.com.cn' },
      };
      expect(evaluate({ Statement: [statement] }, decrypt)).toBe('implicit-deny');
      const fixed = {
        ...statement,
        Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com.cn' } },
      };
      expect(evaluate({ Statement: [fixed] }, decrypt)).toBe('allow');
    },
    SYNTH_TIMEOUT,
  );

  it(
    'finds a service principal that differs in China written as in the aws partition',
    () => {
      const ec2 = withPolicy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: '*' });
      expect(literalEndpoints(ec2)).toEqual([
        expect.stringMatching(/\/Principal\/Service: ec2\.amazonaws\.com$/),
      ]);
    },
    SYNTH_TIMEOUT,
  );
});

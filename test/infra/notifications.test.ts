import { describe, expect, it } from 'vitest';
import { evaluate, type Request, resolveValue, type Statement } from './iam-policy.ts';
import { only, resources, synth } from './support.ts';

/**
 * Alarm notifications are delivered only if CloudWatch may publish to the topic (its resource policy)
 * and use the topic's key (its key policy). These tests evaluate the synthesized policies for the
 * requests CloudWatch makes when an alarm of this stack changes state (CloudWatch User Guide, "Using
 * Amazon SNS"; SNS Developer Guide, "Enable compatibility between event sources from AWS services and
 * encrypted topics").
 */
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const { template } = synth({ env: { account: ACCOUNT, region: REGION } });

const topicId = resources(template, 'AWS::SNS::Topic')[0]?.[0] as string;
const keyId = resources(template, 'AWS::KMS::Key')[0]?.[0] as string;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:LeaseReaper-Topic`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const resolve = (value: unknown) =>
  resolveValue(
    value,
    { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT },
    (id, attr) => {
      if (id === topicId && attr === undefined) return TOPIC_ARN;
      if (id === keyId && attr === 'Arn') return KEY_ARN;
      throw new Error(`unexpected reference ${id}.${attr}`);
    },
  ) as { Statement: Statement[] };

const topicPolicy = resolve(only(template, 'AWS::SNS::TopicPolicy', () => true).Properties.PolicyDocument);
const keyPolicy = resolve(only(template, 'AWS::KMS::Key', () => true).Properties.KeyPolicy);
const alarmArn = (name: string, account = ACCOUNT) => `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`;

/** What CloudWatch sends when this stack's alarm fires: over TLS, for this account's alarm. */
const publish = (context: Partial<Request['context']> = {}): Request => ({
  principal: { service: 'cloudwatch.amazonaws.com' },
  action: 'sns:Publish',
  resource: TOPIC_ARN,
  context: {
    'aws:SourceAccount': ACCOUNT,
    'aws:SourceArn': alarmArn('LeaseReaper-ClusterScanErrors-fleet'),
    'aws:SecureTransport': true,
    ...context,
  } as Request['context'],
});

describe('the alarm topic’s policy', () => {
  it('lets CloudWatch publish this stack’s alarms over TLS', () => {
    expect(evaluate(topicPolicy, publish())).toBe('allow');
  });

  it('refuses a publish without TLS, explicitly', () => {
    expect(evaluate(topicPolicy, publish({ 'aws:SecureTransport': false }))).toBe('explicit-deny');
  });

  it('refuses CloudWatch acting for another account, or for an alarm not of this stack', () => {
    expect(evaluate(topicPolicy, publish({ 'aws:SourceAccount': '999999999999' }))).toBe('implicit-deny');
    expect(
      evaluate(
        topicPolicy,
        publish({
          'aws:SourceAccount': '999999999999',
          'aws:SourceArn': alarmArn('LeaseReaper-x', '999999999999'),
        }),
      ),
    ).toBe('implicit-deny');
    expect(evaluate(topicPolicy, publish({ 'aws:SourceArn': alarmArn('OtherApp-HighCpu') }))).toBe(
      'implicit-deny',
    );
    expect(evaluate(topicPolicy, { ...publish(), context: { 'aws:SecureTransport': true } })).toBe(
      'implicit-deny',
    );
  });

  it('allows nothing else to CloudWatch, and nothing to anyone else', () => {
    expect(evaluate(topicPolicy, { ...publish(), action: 'sns:Subscribe' })).toBe('implicit-deny');
    expect(evaluate(topicPolicy, { ...publish(), principal: { service: 'events.amazonaws.com' } })).toBe(
      'implicit-deny',
    );
  });
});

describe('the alarm topic’s key policy', () => {
  const use = (action: string, context: Partial<Request['context']> = {}): Request => ({
    ...publish(context),
    action,
    resource: KEY_ARN,
  });

  it('lets CloudWatch encrypt to the topic for this stack’s alarms: GenerateDataKey and Decrypt', () => {
    expect(evaluate(keyPolicy, use('kms:GenerateDataKey'))).toBe('allow');
    expect(evaluate(keyPolicy, use('kms:Decrypt'))).toBe('allow');
  });

  it('refuses it for another account’s alarms, or an alarm not of this stack', () => {
    expect(evaluate(keyPolicy, use('kms:GenerateDataKey', { 'aws:SourceAccount': '999999999999' }))).toBe(
      'implicit-deny',
    );
    expect(
      evaluate(keyPolicy, use('kms:GenerateDataKey', { 'aws:SourceArn': alarmArn('OtherApp-HighCpu') })),
    ).toBe('implicit-deny');
  });

  it('gives CloudWatch nothing else on the key', () => {
    for (const action of ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion'])
      expect(evaluate(keyPolicy, use(action))).toBe('implicit-deny');
  });
});

/**
 * The critical-findings rule delivers only if EventBridge may publish to the topic and use its key for that
 * rule (EventBridge User Guide, "Using resource-based policies for Amazon EventBridge": Amazon SNS
 * permissions, encrypted topics). The policies name the rule by the ARN its fixed name gives it.
 */
describe('the critical-findings rule’s access to the topic and its key', () => {
  const rule = only(template, 'AWS::Events::Rule', () => true).Properties;
  const ruleArn = (name: string, account = ACCOUNT) => `arn:aws:events:${REGION}:${account}:rule/${name}`;
  const fromRule = (
    action: string,
    resource: string,
    context: Partial<Request['context']> = {},
  ): Request => ({
    principal: { service: 'events.amazonaws.com' },
    action,
    resource,
    context: {
      'aws:SourceAccount': ACCOUNT,
      'aws:SourceArn': ruleArn(rule.Name as string),
      'aws:SecureTransport': true,
      ...context,
    } as Request['context'],
  });

  it('targets the topic, and is the rule the policies name', () => {
    expect(rule.Name).toBe('LeaseReaper-critical-findings');
    expect((rule.Targets as { Arn: unknown }[]).map((t) => t.Arn)).toEqual([{ Ref: topicId }]);
  });

  it('lets EventBridge publish for this rule and encrypt the message with the topic’s key', () => {
    expect(evaluate(topicPolicy, fromRule('sns:Publish', TOPIC_ARN))).toBe('allow');
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
      expect([action, evaluate(keyPolicy, fromRule(action, KEY_ARN))]).toEqual([action, 'allow']);
  });

  it('refuses any other rule, another account’s rule, and a publish without TLS', () => {
    for (const context of [
      { 'aws:SourceArn': ruleArn('LeaseReaper-other') },
      { 'aws:SourceArn': ruleArn(rule.Name as string, '999999999999'), 'aws:SourceAccount': '999999999999' },
      { 'aws:SourceAccount': '999999999999' },
    ]) {
      expect(evaluate(topicPolicy, fromRule('sns:Publish', TOPIC_ARN, context))).toBe('implicit-deny');
      expect(evaluate(keyPolicy, fromRule('kms:GenerateDataKey', KEY_ARN, context))).toBe('implicit-deny');
    }
    expect(evaluate(topicPolicy, fromRule('sns:Publish', TOPIC_ARN, { 'aws:SecureTransport': false }))).toBe(
      'explicit-deny',
    );
  });

  it('gives EventBridge nothing else, and CloudWatch nothing through the rule’s statements', () => {
    for (const action of ['sns:Subscribe', 'sns:SetTopicAttributes'])
      expect(evaluate(topicPolicy, fromRule(action, TOPIC_ARN))).toBe('implicit-deny');
    for (const action of ['kms:Encrypt', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion'])
      expect(evaluate(keyPolicy, fromRule(action, KEY_ARN))).toBe('implicit-deny');
    const cloudWatch = {
      ...fromRule('sns:Publish', TOPIC_ARN),
      principal: { service: 'cloudwatch.amazonaws.com' },
    };
    expect(evaluate(topicPolicy, cloudWatch)).toBe('implicit-deny');
  });

  it('is really evaluated: without the rule’s statements EventBridge is refused', () => {
    const without = (policy: { Statement: Statement[] }) => ({
      Statement: policy.Statement.filter((s) => s.Sid !== 'CriticalFindingsRulePublish'),
    });
    expect(without(topicPolicy).Statement.length).toBe(topicPolicy.Statement.length - 1);
    expect(evaluate(without(topicPolicy), fromRule('sns:Publish', TOPIC_ARN))).toBe('implicit-deny');
    expect(evaluate(without(keyPolicy), fromRule('kms:GenerateDataKey', KEY_ARN))).toBe('implicit-deny');
  });
});

describe('the evaluator', () => {
  it('is really evaluating: the topic policy the stack used to write (Deny only) refuses the alarm', () => {
    const denyOnly = { Statement: topicPolicy.Statement.filter((s) => s.Effect === 'Deny') };
    expect(denyOnly.Statement).toHaveLength(1);
    expect(evaluate(denyOnly, publish())).toBe('implicit-deny');
  });

  it('refuses what it does not implement rather than ignoring it', () => {
    const statement: Statement = { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' };
    expect(() =>
      evaluate(
        {
          Statement: [
            { ...statement, Condition: { DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } } },
          ],
        },
        publish(),
      ),
    ).toThrow(/DateGreaterThan/);
    expect(() => evaluate({ Statement: [{ ...statement, NotAction: 'sns:Publish' }] }, publish())).toThrow(
      /NotAction/,
    );
  });
});

describe('every alarm of the stack', () => {
  const alarms = resources(template, 'AWS::CloudWatch::Alarm') as [
    string,
    { Properties: Record<string, unknown> },
  ][];

  it('exists, and each sends its actions to the topic under a name this stack’s policies allow', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      const name = alarm.Properties.AlarmName;
      expect(typeof name, `${id} has a literal AlarmName`).toBe('string');
      expect(alarm.Properties.AlarmActions, `${id} notifies the topic`).toEqual([{ Ref: topicId }]);
      const source = alarmArn(name as string);
      expect([id, evaluate(topicPolicy, publish({ 'aws:SourceArn': source }))]).toEqual([id, 'allow']);
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        const request: Request = {
          principal: { service: 'cloudwatch.amazonaws.com' },
          action,
          resource: KEY_ARN,
          context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': source } as Request['context'],
        };
        expect([id, action, evaluate(keyPolicy, request)]).toEqual([id, action, 'allow']);
      }
    }
  });
});

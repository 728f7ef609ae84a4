import { Duration } from 'aws-cdk-lib';
import { describe, expect, it, vi } from 'vitest';
import { parseDeploymentConfig } from '../../infra/deployment-config.ts';
import type { LeaseReaperStackProps } from '../../infra/stack-props.ts';
import {
  FINDING_EVENT_SOURCE,
  type FindingEventDetail,
  FindingEventType,
} from '../../shared/alerting/finding-event.ts';
import { MetricName } from '../../shared/metrics/metric-names.ts';
import { CfnSchemas } from './cfn-schema.ts';
import { only, resources, synth } from './support.ts';

// The first synthesis of a file (asset staging of the project) can take a minute on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

describe('the finding-state table', () => {
  it('is on demand, encrypted with the AWS managed KMS key, recoverable to a point in time, expiring by expiresAt', () => {
    const { template } = synth();
    const tables = resources(template, 'AWS::DynamoDB::Table') as [
      string,
      { Properties: Record<string, unknown>; DeletionPolicy?: string },
    ][];
    expect(tables).toHaveLength(1);
    const [, table] = tables[0] as (typeof tables)[number];
    expect(table.Properties).toEqual({
      KeySchema: [{ AttributeName: 'cluster', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'cluster', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      // SSE on with no key named: KMS with the AWS managed key aws/dynamodb (CT.DYNAMODB.PR.2).
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // Derived state: deleting the stack deletes it.
    expect(table.DeletionPolicy).toBe('Delete');
  });
});

/** EventBridge's matching for the pattern forms the rule uses: exact values, nested under `detail`. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) =>
    Array.isArray(expected)
      ? expected.includes(event[key])
      : typeof event[key] === 'object' &&
        event[key] !== null &&
        matches(expected as Record<string, unknown>, event[key] as Record<string, unknown>),
  );
}

/** What an input transformer sends for an event: each <key> replaced by its path's value (missing: empty). */
function transform(
  transformer: { InputPathsMap: Record<string, string>; InputTemplate: string },
  event: object,
) {
  const valueAt = (path: string) =>
    path
      .replace(/^\$\./, '')
      .split('.')
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], event);
  const text = transformer.InputTemplate.replace(/<([\w-]+)>/g, (_, key: string) => {
    const path = transformer.InputPathsMap[key];
    if (path === undefined) throw new Error(`no input path for <${key}>`);
    return String(valueAt(path) ?? '');
  });
  return JSON.parse(text) as string;
}

const detail: FindingEventDetail = {
  stack: 'LeaseReaper',
  cluster: 'prod-eu',
  type: 'StaleNodeHeartbeat',
  severity: 'critical',
  namespace: 'kube-node-lease',
  name: 'ip-10-0-1-17.eu-west-1.compute.internal',
  since: '2026-11-25T10:41:07Z',
  reason: 'the kubelet has not renewed its lease for 312 s while its Node still exists',
  node: 'ip-10-0-1-17.eu-west-1.compute.internal',
};
const event = (d: Partial<FindingEventDetail> = {}, detailType: string = FindingEventType.Opened) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  source: FINDING_EVENT_SOURCE,
  account: '123456789012',
  region: 'eu-west-1',
  time: '2026-11-25T10:46:20Z',
  resources: [],
  'detail-type': detailType,
  detail: { ...detail, ...d },
});

describe('the critical-findings rule', () => {
  const { template } = synth();
  const rule = only(template, 'AWS::Events::Rule', () => true).Properties;
  const topicId = resources(template, 'AWS::SNS::Topic')[0]?.[0];

  it('matches critical "Lease finding opened" events of this stack on the default bus, and sends them to the topic', () => {
    expect(rule).toEqual({
      Name: 'LeaseReaper-critical-findings',
      Description: expect.any(String),
      State: 'ENABLED',
      EventPattern: {
        source: ['lease-reaper'],
        'detail-type': ['Lease finding opened'],
        detail: { severity: ['critical'], stack: ['LeaseReaper'] },
      },
      // No EventBusName: the default bus, where the audit puts its events. No RoleArn: the topic's policy
      // admits the rule itself (test/infra/notifications.test.ts).
      Targets: [{ Id: 'Target0', Arn: { Ref: topicId }, InputTransformer: expect.any(Object) }],
    });
    const pattern = rule.EventPattern as Record<string, unknown>;
    expect(matches(pattern, event())).toBe(true);
    // An escalation to critical is an "opened" event too (escalatedFrom set): it matches.
    expect(matches(pattern, event({ escalatedFrom: 'warning' } as Partial<FindingEventDetail>))).toBe(true);
    expect(matches(pattern, event({}, FindingEventType.Resolved))).toBe(false);
    expect(matches(pattern, event({ severity: 'warning' }))).toBe(false);
    expect(matches(pattern, event({ stack: 'OtherTeam' }))).toBe(false);
    expect(matches(pattern, { ...event(), source: 'aws.health' })).toBe(false);
  });

  it('turns an event into a message naming the cluster, the finding, the node, since when and why', () => {
    const [target] = rule.Targets as { InputTransformer: Parameters<typeof transform>[0] }[];
    const transformer = target?.InputTransformer as Parameters<typeof transform>[0];
    expect(Object.values(transformer.InputPathsMap).sort()).toEqual(
      ['cluster', 'type', 'namespace', 'name', 'node', 'since', 'reason'].map((f) => `$.detail.${f}`).sort(),
    );
    expect(transform(transformer, event()).split('\n')).toEqual([
      'lease-reaper (LeaseReaper): critical finding in cluster prod-eu',
      'StaleNodeHeartbeat: kube-node-lease/ip-10-0-1-17.eu-west-1.compute.internal',
      'node: ip-10-0-1-17.eu-west-1.compute.internal',
      'since: 2026-11-25T10:41:07Z',
      'the kubelet has not renewed its lease for 312 s while its Node still exists',
    ]);
  });

  it('is off when asked, and then no policy admits EventBridge', () => {
    const off = synth({ notifications: { emails: [], criticalFindings: false } }).template;
    off.resourceCountIs('AWS::Events::Rule', 0);
    expect(JSON.stringify(off.toJSON())).not.toContain('events.amazonaws.com');
  });

  it('is off by default with an existing topic (its policies are not the stack’s), on when asked', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:oncall';
    synth({ notifications: { topicArn } }).template.resourceCountIs('AWS::Events::Rule', 0);
    const on = synth({ notifications: { topicArn, criticalFindings: true } }).template;
    const targets = only(on, 'AWS::Events::Rule', () => true).Properties.Targets as { Arn: unknown }[];
    expect(targets.map((t) => t.Arn)).toEqual([topicArn]);
    on.resourceCountIs('AWS::SNS::TopicPolicy', 0);
  });

  it('fails the synth, naming stackName, when the rule name would pass EventBridge’s 64 characters', () => {
    expect(() => synth({}, { id: `L${'x'.repeat(46)}` })).toThrow(
      /^stackName: "Lx+" leaves no room for the rule "Lx+-critical-findings" \(EventBridge allows 64 characters\); use a stack name of at most 46 characters or set notifications\.criticalFindings: false$/,
    );
    expect(() => synth({}, { id: `L${'x'.repeat(45)}` })).not.toThrow();
  });
});

describe('AWS Chatbot channels for the alarm topic', () => {
  const slack = { workspaceId: 'T0123ABCD', channelId: 'C0123ABCDEF' };
  const teams = {
    teamId: '5d8c1c6e-0b0a-4d5e-9f3a-2f1e8d7c6b5a',
    channelId: '19:abcdef0123456789@thread.tacv2',
    tenantId: '8f7e6d5c-4b3a-4921-8f0e-1d2c3b4a5968',
  };
  const props: Partial<LeaseReaperStackProps> = {
    notifications: { emails: ['oncall@example.com'], slack, teams },
  };

  it('subscribe Slack and Teams to the topic, notifications only: a role with no permission, guardrail AWSDenyAll', () => {
    const { template } = synth(props, { nag: true });
    const topicId = resources(template, 'AWS::SNS::Topic')[0]?.[0];
    const denyAll = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSDenyAll']],
    };
    const role = { 'Fn::GetAtt': [expect.stringMatching(/^ChatRole/), 'Arn'] };
    expect(only(template, 'AWS::Chatbot::SlackChannelConfiguration', () => true).Properties).toEqual({
      ConfigurationName: 'LeaseReaper-alarms',
      SlackWorkspaceId: slack.workspaceId,
      SlackChannelId: slack.channelId,
      IamRoleArn: role,
      SnsTopicArns: [{ Ref: topicId }],
      GuardrailPolicies: [denyAll],
      LoggingLevel: 'NONE',
      UserRoleRequired: false,
    });
    expect(only(template, 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration', () => true).Properties).toEqual(
      {
        ConfigurationName: 'LeaseReaper-alarms',
        TeamId: teams.teamId,
        TeamsChannelId: teams.channelId,
        TeamsTenantId: teams.tenantId,
        IamRoleArn: role,
        SnsTopicArns: [{ Ref: topicId }],
        GuardrailPolicies: [denyAll],
        LoggingLevel: 'NONE',
      },
    );
    const chatRoles = resources(template, 'AWS::IAM::Role').filter(([id]) => id.startsWith('ChatRole'));
    expect(chatRoles).toHaveLength(1);
    const [roleId, chatRole] = chatRoles[0] as (typeof chatRoles)[number];
    expect(chatRole.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
      ],
    });
    expect(chatRole.Properties.Policies).toBeUndefined();
    expect(chatRole.Properties.ManagedPolicyArns).toBeUndefined();
    // No policy of the stack is attached to it.
    const policies = resources(template, 'AWS::IAM::Policy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [, policy] of policies) expect(policy.Properties.Roles).not.toContainEqual({ Ref: roleId });
  });

  it('match the CloudFormation registry schemas', () => {
    expect(CfnSchemas.load().validate(synth(props).template.toJSON())).toEqual([]);
  });

  it('are validated in the deployment file, naming the field', () => {
    const clusters = [{ name: 'prod', type: 'eks', clusterName: 'prod', region: 'eu-west-1' }];
    expect(() =>
      parseDeploymentConfig(
        { clusters, notifications: { slack: { workspaceId: 'my workspace', channelId: 'C1' } } },
        'test config',
      ),
    ).toThrow(/notifications\.slack\.workspaceId: expected a Slack workspace id/);
    expect(() =>
      parseDeploymentConfig(
        { clusters, notifications: { teams: { teamId: 'x', channelId: 'c', tenantId: teams.tenantId } } },
        'test config',
      ),
    ).toThrow(/notifications\.teams\.teamId: expected the team id/);
  });
});

describe('alarm settings CloudWatch would refuse, or that could never fire, fail the synth naming the field', () => {
  const cases: [string, Partial<LeaseReaperStackProps>, RegExp][] = [
    [
      'a sub-minute period on a metric stored at 1-minute resolution',
      { alarms: { orphanedApiServerIdentities: { period: Duration.seconds(30) } } },
      /^alarms\.orphanedApiServerIdentities\.period: 30 s needs a high-resolution metric and OrphanedApiServerIdentities is published at 1-minute resolution; use whole minutes$/,
    ],
    [
      'a period CloudWatch does not take',
      { alarms: { staleNodeHeartbeats: { period: Duration.seconds(45) } } },
      /^alarms\.staleNodeHeartbeats\.period must be 10, 20 or 30 seconds or whole minutes, as CloudWatch alarms take \(got 45 seconds\)$/,
    ],
    [
      'more datapoints than evaluation periods',
      { alarms: { orphanedApiServerIdentities: { evaluationPeriods: 3, datapointsToAlarm: 4 } } },
      /^alarms\.orphanedApiServerIdentities\.datapointsToAlarm must be a whole number from 1 to evaluationPeriods \(3\) \(got 4\)$/,
    ],
    [
      'an evaluation range over a day with periods under an hour',
      { alarms: { staleNodeHeartbeats: { evaluationPeriods: 2881 } } },
      /^alarms\.staleNodeHeartbeats: period × evaluationPeriods is 86430 s, over the 86400 s CloudWatch allows for a period under an hour$/,
    ],
    [
      'a negative threshold',
      { alarms: { staleNodeHeartbeats: { threshold: -1 } } },
      /^alarms\.staleNodeHeartbeats\.threshold must be a number, at least 0 \(got -1\)$/,
    ],
    [
      'a silence window a healthy schedule leaves empty (it would fire)',
      { audit: { every: Duration.minutes(5) }, alarms: { auditorSilent: { period: Duration.minutes(1) } } },
      /^alarms\.auditorSilent: 3 of 3 periods of 60 s without a sample happen on a healthy schedule \(audit\.every 5 minutes, one run late\), and the alarm would fire; raise period, evaluationPeriods or datapointsToAlarm$/,
    ],
    [
      'a silence window of one minute with an audit every minute (one late run would fire it)',
      { alarms: { auditorSilent: { evaluationPeriods: 2, datapointsToAlarm: 2 } } },
      /^alarms\.auditorSilent: 2 of 2 periods of 30 s without a sample happen on a healthy schedule \(audit\.every 1 minute, one run late\), and the alarm would fire; raise period, evaluationPeriods or datapointsToAlarm$/,
    ],
    [
      '3 breaching minutes of 5 with an audit every 5 minutes',
      {
        audit: { every: Duration.minutes(5) },
        alarms: { clusterScanErrors: { period: Duration.minutes(1) } },
      },
      /^alarms\.clusterScanErrors\.datapointsToAlarm: 3 of 5 periods of 60 s can never breach with audit\.every 5 minutes \(at most 1 of them hold a datapoint\); lower datapointsToAlarm, or raise period or evaluationPeriods$/,
    ],
    [
      'an alarmed metric published neither per cluster nor as a fleet total',
      {
        metrics: {
          perCluster: [MetricName.StaleNodeHeartbeats],
          fleet: [MetricName.OrphanedApiServerIdentities],
        },
        alarms: { perCluster: false },
      },
      /^metrics\.fleet: StaleNodeHeartbeats is alarmed fleet-wide \(alarms\.perCluster is off\) but not published as a fleet total; add it to metrics\.fleet$/,
    ],
    [
      'a sub-minute period on the leaderless-control-plane alarm (1-minute resolution)',
      { alarms: { controlPlaneLeadersMissing: { period: Duration.seconds(30) } } },
      /^alarms\.controlPlaneLeadersMissing\.period: 30 s needs a high-resolution metric and ControlPlaneLeadersMissing is published at 1-minute resolution; use whole minutes$/,
    ],
    [
      'leaderless control planes published neither per cluster nor as a fleet total',
      { metrics: { fleet: [MetricName.StaleNodeHeartbeats, MetricName.OrphanedApiServerIdentities] } },
      /^metrics\.fleet: ControlPlaneLeadersMissing is alarmed fleet-wide but not published as a fleet total; add it to metrics\.fleet or metrics\.perCluster$/,
    ],
    [
      'orphaned identities not published as a fleet total',
      { metrics: { fleet: [MetricName.StaleNodeHeartbeats] } },
      /^metrics\.fleet: OrphanedApiServerIdentities is alarmed fleet-wide but not published as a fleet total; add it to metrics\.fleet$/,
    ],
  ];

  it.each(cases)('%s', (_label, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it('the limits are CloudWatch’s, not stricter: the edge values synthesize', () => {
    expect(() =>
      synth({
        alarms: {
          staleNodeHeartbeats: { period: Duration.seconds(10), evaluationPeriods: 8640 },
          clusterScanErrors: { period: Duration.hours(1), evaluationPeriods: 168, datapointsToAlarm: 168 },
        },
      }),
    ).not.toThrow();
  });
});

import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { loadAll } from 'js-yaml';
import { describe, expect, it, vi } from 'vitest';
import { parseDeploymentConfig, stackPropsFor } from '../../infra/deployment-config.ts';
import { CURRENT_FINDINGS_QUERY } from '../../infra/fleet-dashboard.ts';
import type { LeaseReaperStackProps, RegistryClusterInput } from '../../infra/stack-props.ts';
import { FINDING_EVENT_BUS_ENV } from '../../shared/alerting/finding-event.ts';
import { STATE_TABLE_ENV } from '../../shared/alerting/state-table.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { loadRegistry } from '../../shared/fleet/registry-source.ts';
import { MetricName, RUN_FAILED_METRIC } from '../../shared/metrics/metric-names.ts';
import { resolveValue } from './iam-policy.ts';
import { eksFleet, only, resources, synth } from './support.ts';

// The first synthesis of a file (asset staging of the project) can take a minute on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

const lambdaOf = (template: ReturnType<typeof synth>['template'], job: 'Audit' | 'Reap') =>
  only(template, 'AWS::Lambda::Function', (id) => id.startsWith(`${job}Function`)).Properties;
const policyOf = (template: ReturnType<typeof synth>['template'], role: string) =>
  (
    only(template, 'AWS::IAM::Policy', (id) => id.startsWith(`${role}RoleDefaultPolicy`)).Properties
      .PolicyDocument as { Statement: Record<string, unknown>[] }
  ).Statement;
describe('the functions', () => {
  it('are two arm64 nodejs24.x functions with timeouts inside their schedule and a never-concurrent reaper', () => {
    const { template } = synth();
    const audit = lambdaOf(template, 'Audit');
    const reap = lambdaOf(template, 'Reap');

    for (const fn of [audit, reap]) {
      expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
    expect(audit.Timeout).toBe(60); // 1-minute schedule: Lambda's 60 s floor of this stack
    expect(reap.Timeout).toBe(900); // hourly: Lambda's 15-minute maximum
    expect(audit.ReservedConcurrentExecutions).toBeUndefined();
    expect(reap.ReservedConcurrentExecutions).toBe(1);
  });

  it('are never retried asynchronously, and drop events older than their period', () => {
    const { template } = synth();
    const configs = resources(template, 'AWS::Lambda::EventInvokeConfig').map(([id, r]) => [
      id.startsWith('Audit') ? 'audit' : 'reap',
      r.Properties,
    ]);
    expect(Object.fromEntries(configs)).toEqual({
      audit: expect.objectContaining({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 }),
      reap: expect.objectContaining({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 }),
    });
  });

  it('read the registry from the SSM parameter the stack writes, which the functions’ schema accepts', () => {
    const { template, stack } = synth();
    const parameter = only(template, 'AWS::SSM::Parameter', () => true).Properties;
    const registry = parseClusterRegistry(parameter.Value as string);

    expect(registry.clusters.map((c) => c.name)).toEqual(['prod-eu', 'staging-eu', 'partner', 'onprem-dc1']);
    expect(registry.metricsNamespace).toBe('LeaseReaper');
    expect(parameter).toMatchObject({
      Type: 'String',
      Tier: 'Standard',
      Name: '/lease-reaper/LeaseReaper/registry',
    });
    const shared = {
      NODE_OPTIONS: '--max-semi-space-size=4',
      LEASE_REAPER_CLUSTERS_PARAMETER: {
        Ref: stack.getLogicalId(stack.registryParameter.node.defaultChild as never),
      },
      LEASE_REAPER_REGISTRY_SHA256: expect.stringMatching(/^[0-9a-f]{64}$/),
      // The stack's name, the Stack dimension of every metric the function publishes.
      LEASE_REAPER_METRICS_STACK: 'LeaseReaper',
      // Where RunFailed goes when a run fails before reading the registry.
      LEASE_REAPER_METRICS_NAMESPACE: 'LeaseReaper',
      LEASE_REAPER_METRICS_SINK: 'cloudwatch',
    };
    expect(lambdaOf(template, 'Reap').Environment).toEqual({ Variables: shared });
    // The audit alone keeps finding state (the table the stack creates) and puts events on the default bus.
    expect(lambdaOf(template, 'Audit').Environment).toEqual({
      Variables: {
        ...shared,
        [STATE_TABLE_ENV]: { Ref: stack.getLogicalId(stack.findingState.table.node.defaultChild as never) },
        [FINDING_EVENT_BUS_ENV]: 'default',
      },
    });
  });

  it('store a fleet too large for a text parameter gzipped, which the functions decode', async () => {
    const { template } = synth({ clusters: eksFleet(300) });
    const parameter = only(template, 'AWS::SSM::Parameter', () => true).Properties;
    const value = parameter.Value as string;
    // 300 clusters' JSON is ~21 KB; gzipped it even fits the standard tier.
    expect(parameter.Tier).toBe(value.length > 4096 ? 'Advanced' : 'Standard');
    expect(value.startsWith('gzip:')).toBe(true);

    const registry = await loadRegistry(
      { LEASE_REAPER_CLUSTERS_PARAMETER: '/p' },
      async () =>
        ({
          send: async () => ({ Parameter: { Value: value } }),
        }) as never,
    );
    expect(registry.clusters.map((c) => c.name)).toEqual(eksFleet(300).map((c) => c.name));
  });

  it('change configuration when the registry changes, so warm containers do not keep the old one', () => {
    const hash = (t: ReturnType<typeof synth>['template']) =>
      (lambdaOf(t, 'Audit').Environment as { Variables: Record<string, string> }).Variables
        .LEASE_REAPER_REGISTRY_SHA256;
    expect(hash(synth({ clusters: eksFleet(2) }).template)).not.toBe(
      hash(synth({ clusters: eksFleet(3) }).template),
    );
  });

  it('keep logs in their own log groups with the configured retention', () => {
    const { template } = synth();
    const groups = resources(template, 'AWS::Logs::LogGroup');
    expect(groups.map(([, g]) => g.Properties.RetentionInDays)).toEqual([30, 30]);
    for (const job of ['Audit', 'Reap'] as const) {
      const logging = lambdaOf(template, job).LoggingConfig as { LogGroup: { Ref: string } };
      expect(groups.map(([id]) => id)).toContain(logging.LogGroup.Ref);
    }
  });

  it('run in the given subnets and security groups, with the ENI permissions a VPC function needs', () => {
    const network = { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] };
    const { template } = synth({ network });
    for (const job of ['Audit', 'Reap'] as const) {
      expect(lambdaOf(template, job).VpcConfig).toEqual({
        SubnetIds: network.subnetIds,
        SecurityGroupIds: network.securityGroupIds,
      });
    }
    const roles = resources(template, 'AWS::IAM::Role').filter(([id]) => /^(Audit|Reap)Role/.test(id));
    expect(roles).toHaveLength(2);
    for (const [, role] of roles) {
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(
        'service-role/AWSLambdaVPCAccessExecutionRole',
      );
    }
    // Without a network, no managed policy at all.
    const plain = resources(synth().template, 'AWS::IAM::Role').filter(([id]) =>
      /^(Audit|Reap)Role/.test(id),
    );
    expect(plain).toHaveLength(2);
    for (const [, role] of plain) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('the schedules', () => {
  it('audit every minute and reap hourly, the reap schedule disabled by default', () => {
    const { template } = synth();
    const schedules = resources(template, 'AWS::Scheduler::Schedule').map(([id, s]) => [id, s.Properties]);
    const audit = schedules.find(([id]) => String(id).startsWith('AuditSchedule'))?.[1];
    const reap = schedules.find(([id]) => String(id).startsWith('ReapSchedule'))?.[1];

    expect(audit).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^AuditFunction/), 'Arn'] }, Input: '{}' },
    });
    expect(reap).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'DISABLED',
      Target: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReapFunction/), 'Arn'] }, Input: '{}' },
    });
  });

  it('follow the props: the reap schedule enabled, other periods', () => {
    const { template } = synth({
      audit: { every: Duration.minutes(10) },
      reap: { enabled: true, every: Duration.hours(6), policy: { namespaces: { include: ['team-*'] } } },
    });
    const expressions = resources(template, 'AWS::Scheduler::Schedule').map(([, s]) => [
      s.Properties.ScheduleExpression,
      s.Properties.State,
    ]);
    expect(expressions).toEqual(
      expect.arrayContaining([
        ['rate(10 minutes)', 'ENABLED'],
        ['rate(6 hours)', 'ENABLED'],
      ]),
    );
    expect(lambdaOf(template, 'Audit').Timeout).toBe(570);
  });

  it('assume a role only EventBridge Scheduler of this account can use', () => {
    const { template } = synth();
    const role = only(template, 'AWS::IAM::Role', (id) => id.startsWith('SchedulerRole')).Properties;
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        },
      ],
    });
  });
});

describe('least privilege', () => {
  it('grants each function exactly: the registry, the named clusters, roles and secrets, the audit its finding state and events, metrics in its namespace, its logs', () => {
    const { template, stack } = synth();
    const registryRef = stack.getLogicalId(stack.registryParameter.node.defaultChild as never);
    const tableId = stack.getLogicalId(stack.findingState.table.node.defaultChild as never);
    // The audit alone reads and conditionally writes its clusters' state items (no Query, Scan or delete),
    // and puts events on the default bus as source lease-reaper only.
    const alerting = {
      Audit: [
        {
          Sid: 'FindingStateReadWrite',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        },
        {
          Sid: 'PutFindingEvents',
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:event-bus/default'],
            ],
          },
          Condition: { StringEquals: { 'events:source': 'lease-reaper' } },
        },
      ],
      Reap: [],
    };
    for (const role of ['Audit', 'Reap'] as const) {
      const statements = policyOf(template, role);
      expect(statements).toEqual([
        {
          Sid: 'ReadClusterRegistry',
          Effect: 'Allow',
          Action: 'ssm:GetParameter',
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
        {
          Sid: 'DescribeFleetEksClusters',
          Effect: 'Allow',
          Action: 'eks:DescribeCluster',
          Resource: [
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':eks:eu-west-1:',
                  { Ref: 'AWS::AccountId' },
                  ':cluster/prod',
                ],
              ],
            },
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':eks:eu-west-1:',
                  { Ref: 'AWS::AccountId' },
                  ':cluster/staging',
                ],
              ],
            },
          ],
        },
        {
          Sid: 'AssumeClusterAccessRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::210987654321:role/lease-reaper-access',
        },
        {
          Sid: 'ReadKubeconfigSecrets',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          // A partial ARN (no random suffix) only matches with the six-character wildcard.
          Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lease-reaper/onprem-dc1-??????',
        },
        ...alerting[role],
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${role}Logs`)), 'Arn'] },
        },
      ]);
      // Metrics in a policy of its own (its "*" acknowledged alone), only in the namespace.
      const publish = only(template, 'AWS::IAM::Policy', (id) =>
        id.startsWith(`${role}PublishMetrics`),
      ).Properties;
      expect(publish.PolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'PublishLeaseMetrics',
            Effect: 'Allow',
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'LeaseReaper' } },
          },
        ],
      });
      expect(publish.Roles).toEqual([{ Ref: expect.stringMatching(new RegExp(`^${role}Role`)) }]);
    }
  });

  it('uses a full secret ARN as it is, and scopes KMS decryption to Secrets Manager', () => {
    const { template } = synth({
      clusters: [
        {
          name: 'dc2',
          type: 'kubeconfig',
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dc2-AbC123',
        },
      ],
      secretsKmsKeyArns: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    });
    const statements = policyOf(template, 'Audit');
    expect(statements).toContainEqual({
      Sid: 'ReadKubeconfigSecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dc2-AbC123',
    });
    expect(statements).toContainEqual({
      Sid: 'DecryptKubeconfigSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Condition: {
        StringLike: {
          'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.*.', { Ref: 'AWS::URLSuffix' }]] },
        },
      },
    });
    // No EKS cluster, no role: no such statements.
    expect(JSON.stringify(statements)).not.toMatch(/eks:|sts:/);
  });

  it('publishing through EMF needs no CloudWatch permission at all', () => {
    const { template } = synth({ metricsSink: 'emf' });
    const policies = resources(template, 'AWS::IAM::Policy');
    expect(policies.length).toBeGreaterThan(0);
    expect(JSON.stringify(policies)).not.toContain('cloudwatch:');
    expect(JSON.stringify(resources(synth().template, 'AWS::IAM::Policy'))).toContain(
      'cloudwatch:PutMetricData',
    );
  });

  it('has no "*" resource anywhere AWS allows a narrower one', () => {
    // Fan-out and VPC included, so every policy the stack can create is checked.
    const { template } = synth({
      clusters: eksFleet(60),
      network: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
    });
    const unscopable = new Set([
      'cloudwatch:PutMetricData',
      // Step Functions log delivery
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    const wildcards: string[] = [];
    const policies = resources(template, 'AWS::IAM::Policy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [id, policy] of policies) {
      const doc = policy.Properties.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      };
      for (const s of doc.Statement) {
        const actions = ([] as string[]).concat(s.Action);
        const res = ([] as unknown[]).concat(s.Resource);
        if (res.includes('*'))
          wildcards.push(...actions.filter((a) => !unscopable.has(a)).map((a) => `${id}: ${a}`));
        expect(actions.some((a) => a.endsWith('*'))).toBe(false);
      }
    }
    expect(wildcards).toEqual([]);
  });
});

describe('EKS access entries', () => {
  it('map the audit role to its group on this region’s clusters; other accounts and regions are left to them', () => {
    const { template } = synth();
    const entries = resources(template, 'AWS::EKS::AccessEntry').map(([, e]) => e.Properties);
    expect(entries).toEqual([
      {
        ClusterName: 'prod',
        PrincipalArn: { 'Fn::GetAtt': [expect.stringMatching(/^AuditRole/), 'Arn'] },
        KubernetesGroups: ['lease-reaper-audit'],
        Type: 'STANDARD',
      },
      {
        ClusterName: 'staging',
        PrincipalArn: { 'Fn::GetAtt': [expect.stringMatching(/^AuditRole/), 'Arn'] },
        KubernetesGroups: ['lease-reaper-audit'],
        Type: 'STANDARD',
      },
    ]);
  });

  it('add the reap role, with its own group, only when reaping is enabled', () => {
    const { template } = synth({
      reap: { enabled: true, policy: { namespaces: { include: ['team-*'] } } },
      eksAccess: { reapGroup: 'custom-reapers' },
    });
    const groups = resources(template, 'AWS::EKS::AccessEntry').map(([, e]) => [
      e.Properties.ClusterName,
      e.Properties.KubernetesGroups,
    ]);
    expect(groups).toEqual([
      ['prod', ['lease-reaper-audit']],
      ['prod', ['custom-reapers']],
      ['staging', ['lease-reaper-audit']],
      ['staging', ['custom-reapers']],
    ]);
  });

  it('carry a region condition when the stack’s region is only known at deploy time, and can be turned off', () => {
    const agnostic = synth({ env: {} });
    const entries = resources(agnostic.template, 'AWS::EKS::AccessEntry');
    expect(entries).toHaveLength(2);
    for (const [, e] of entries) expect(e.Condition).toMatch(/^EksAccessIneuwest1/);
    agnostic.template.hasCondition(entries[0]?.[1].Condition ?? '', {
      'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'],
    });

    expect(
      resources(synth({ eksAccess: { createAccessEntries: false } }).template, 'AWS::EKS::AccessEntry'),
    ).toEqual([]);
  });
});

describe('the RBAC manifest for the deployment', () => {
  it('binds the access entries’ groups: the audit group, and the reap group only when reaping', () => {
    const subjects = (manifest: string) =>
      (loadAll(manifest) as { kind: string; metadata: { name: string }; subjects?: { name: string }[] }[])
        .filter((d) => d.kind === 'ClusterRoleBinding')
        .map((d) => [d.metadata.name, d.subjects?.map((x) => x.name)]);

    expect(subjects(synth().stack.rbacManifest)).toEqual([['lease-reaper-audit', ['lease-reaper-audit']]]);
    expect(
      subjects(
        synth({
          reap: { enabled: true, policy: { namespaces: { include: ['team-*'] } } },
          eksAccess: { auditGroup: 'platform-audit', reapGroup: 'platform-reap' },
        }).stack.rbacManifest,
      ),
    ).toEqual([
      ['lease-reaper-audit', ['platform-audit']],
      ['lease-reaper-reap', ['platform-reap']],
    ]);
  });
});

describe('alarms', () => {
  const published = new Set<string>([...Object.values(MetricName), RUN_FAILED_METRIC]);
  const metricNamesOf = (alarm: Record<string, unknown>): string[] => {
    if (typeof alarm.MetricName === 'string') return [alarm.MetricName];
    return (
      (alarm.Metrics ?? []) as { MetricStat?: { Metric: { MetricName: string } }; Expression?: string }[]
    ).flatMap((m) =>
      m.MetricStat
        ? [m.MetricStat.Metric.MetricName]
        : [...(m.Expression ?? '').matchAll(/(?:SUM|MAX|AVG)\((\w+)\)/g)].map((x) => x[1] as string),
    );
  };

  it('watch only metrics the functions publish, under their namespace, and notify the topic on alarm and recovery', () => {
    const { template } = synth();
    const alarms = resources(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const leaseAlarms = alarms.filter((a) => a.Namespace === 'LeaseReaper' || Array.isArray(a.Metrics));
    expect(leaseAlarms.length).toBeGreaterThan(0);
    for (const alarm of leaseAlarms) {
      const names = metricNamesOf(alarm);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(published).toContain(name);
    }
    const topic = resources(template, 'AWS::SNS::Topic')[0]?.[0];
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  /** Each alarm by its name without the stack's prefix, with what decides when it fires. */
  const alarmsOf = (template: ReturnType<typeof synth>['template']) =>
    Object.fromEntries(
      resources(template, 'AWS::CloudWatch::Alarm').map(([, a]) => {
        const p = a.Properties;
        // A metric-math alarm: its one metric and its expression.
        const queries = (p.Metrics ?? []) as {
          Expression?: string;
          Period?: number;
          MetricStat?: { Metric: { MetricName: string; Dimensions: unknown }; Stat: string; Period: number };
        }[];
        const stat = queries.find((q) => q.MetricStat)?.MetricStat;
        const expression = queries.find((q) => q.Expression);
        return [
          String(p.AlarmName).replace(/^LeaseReaper-/, ''),
          {
            ...(expression ? { Expression: expression.Expression } : {}),
            MetricName: p.MetricName ?? stat?.Metric.MetricName,
            Dimensions: p.Dimensions ?? stat?.Metric.Dimensions,
            Statistic: p.Statistic ?? stat?.Stat,
            Period: p.Period ?? expression?.Period ?? stat?.Period,
            EvaluationPeriods: p.EvaluationPeriods,
            DatapointsToAlarm: p.DatapointsToAlarm,
            Threshold: p.Threshold,
            ComparisonOperator: p.ComparisonOperator,
            TreatMissingData: p.TreatMissingData,
          },
        ];
      }),
    );
  const cluster = (name: string) => [
    { Name: 'Cluster', Value: name },
    { Name: 'Stack', Value: 'LeaseReaper' },
  ];
  const fleet = [{ Name: 'Stack', Value: 'LeaseReaper' }];
  /** Findings: at or above the threshold; a missing datapoint keeps the state (never reads as recovery). */
  const finding = { ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'ignore' };

  it('for a small fleet: stale heartbeats and scan errors per cluster, orphaned identities and leaderless control planes fleet-wide, silence, audit errors — each with its evaluation', () => {
    const alarms = alarmsOf(synth().template);
    const clusters = ['onprem-dc1', 'partner', 'prod-eu', 'staging-eu'];
    expect(Object.keys(alarms).sort()).toEqual(
      [
        'AuditFunctionErrors',
        'AuditorSilent',
        ...clusters.map((c) => `ClusterScanErrors-${c}`),
        'ControlPlaneLeadersMissing-fleet',
        'OrphanedApiServerIdentities-fleet',
        'RunFailed-audit',
        ...clusters.map((c) => `StaleNodeHeartbeats-${c}`),
      ].sort(),
    );
    for (const c of clusters) {
      // High resolution: 30-second periods, one breaching datapoint of two periods.
      expect(alarms[`StaleNodeHeartbeats-${c}`]).toEqual({
        MetricName: MetricName.StaleNodeHeartbeats,
        Dimensions: cluster(c),
        Statistic: 'Maximum',
        Period: 30,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ...finding,
      });
      expect(alarms[`ClusterScanErrors-${c}`]).toEqual({
        MetricName: MetricName.ClusterScanErrors,
        Dimensions: cluster(c),
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ...finding,
      });
    }
    expect(alarms['OrphanedApiServerIdentities-fleet']).toEqual({
      MetricName: MetricName.OrphanedApiServerIdentities,
      Dimensions: fleet,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ...finding,
    });
    // Every run publishes the ClusterScanErrors total (1-second resolution): 2 minutes of 30-second periods
    // without a sample (each filled as a real 0) is silence; one missed run is not.
    expect(alarms.AuditorSilent).toEqual({
      Expression: 'FILL(samples, 0)',
      MetricName: MetricName.ClusterScanErrors,
      Dimensions: fleet,
      Statistic: 'SampleCount',
      Period: 30,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 4,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(alarms.AuditFunctionErrors).toMatchObject({
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('never watch one metric both per cluster and fleet-wide, whatever the fleet and settings', () => {
    const cases: Partial<LeaseReaperStackProps>[] = [
      {},
      { clusters: eksFleet(11) },
      { alarms: { perCluster: false } },
      { clusters: eksFleet(11), alarms: { perCluster: true } },
      { metrics: { perCluster: [MetricName.ClusterScanErrors] } },
    ];
    for (const props of cases) {
      const byMetric = new Map<string, Set<string>>();
      for (const alarm of Object.values(alarmsOf(synth(props).template))) {
        // The silence alarm counts samples of the scan-error total: a different condition.
        if (alarm.Statistic === 'SampleCount' || alarm.MetricName === 'Errors') continue;
        const scope = (alarm.Dimensions as { Name: string }[]).some((d) => d.Name === 'Cluster')
          ? 'cluster'
          : 'fleet';
        const scopes = byMetric.get(String(alarm.MetricName)) ?? new Set();
        byMetric.set(String(alarm.MetricName), scopes.add(scope));
      }
      for (const [metric, scopes] of byMetric)
        expect([metric, [...scopes]]).toEqual([metric, [expect.any(String)]]);
      expect(byMetric.get(MetricName.StaleNodeHeartbeats)?.size).toBe(1);
      expect(byMetric.get(MetricName.ClusterScanErrors)?.size).toBe(1);
    }
  });

  it('past 10 clusters, one alarm per metric on the fleet total the functions publish (Stack only, Maximum)', () => {
    const { template } = synth({ clusters: eksFleet(11), metricsNamespace: 'Platform/Leases' });
    const alarms = alarmsOf(template);
    expect(Object.keys(alarms).some((n) => /-c\d{3}$/.test(n))).toBe(false);
    expect(alarms['StaleNodeHeartbeats-fleet']).toEqual({
      MetricName: MetricName.StaleNodeHeartbeats,
      Dimensions: fleet,
      Statistic: 'Maximum',
      Period: 30,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ...finding,
    });
    expect(alarms['ClusterScanErrors-fleet']).toEqual({
      MetricName: MetricName.ClusterScanErrors,
      Dimensions: fleet,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ...finding,
    });
    for (const name of ['StaleNodeHeartbeats-fleet', 'ClusterScanErrors-fleet'])
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `LeaseReaper-${name}`,
        Namespace: 'Platform/Leases',
      });
  });

  describe('on a leaderless control plane (ControlPlaneLeadersMissing)', () => {
    const topicOf = (template: ReturnType<typeof synth>['template']) =>
      resources(template, 'AWS::SNS::Topic')[0]?.[0];

    it('fire on the fleet total in 2 of 2 audit periods, ignore missing data, and page and recover through the topic with a runbook', () => {
      const { template } = synth();
      expect(alarmsOf(template)['ControlPlaneLeadersMissing-fleet']).toEqual({
        MetricName: MetricName.ControlPlaneLeadersMissing,
        Dimensions: fleet,
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        // Counts are whole numbers: ≥ 1 is "more than 0".
        Threshold: 1,
        ...finding,
      });
      const topic = topicOf(template);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'LeaseReaper-ControlPlaneLeadersMissing-fleet',
        Namespace: 'LeaseReaper',
        MetricName: 'ControlPlaneLeadersMissing',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
        AlarmDescription: Match.stringLikeRegexp(
          'no active leader.*kubectl -n kube-system get lease kube-controller-manager kube-scheduler -o wide.*pods and logs.*On EKS the control plane is AWS-managed: open an AWS Support case',
        ),
      });
    });

    it('fire per cluster, naming it, when each cluster publishes the metric; never also fleet-wide', () => {
      const { template } = synth({
        metrics: {
          perCluster: [
            MetricName.StaleNodeHeartbeats,
            MetricName.ClusterScanErrors,
            MetricName.ControlPlaneLeadersMissing,
          ],
        },
      });
      const alarms = alarmsOf(template);
      const clusters = ['onprem-dc1', 'partner', 'prod-eu', 'staging-eu'];
      expect(
        Object.keys(alarms)
          .filter((n) => n.startsWith('ControlPlaneLeadersMissing'))
          .sort(),
      ).toEqual(clusters.map((c) => `ControlPlaneLeadersMissing-${c}`));
      for (const c of clusters) {
        expect(alarms[`ControlPlaneLeadersMissing-${c}`]).toEqual({
          MetricName: MetricName.ControlPlaneLeadersMissing,
          Dimensions: cluster(c),
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          Threshold: 1,
          ...finding,
        });
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `LeaseReaper-ControlPlaneLeadersMissing-${c}`,
          AlarmDescription: Match.stringLikeRegexp(
            `^${c} has a control-plane component with no active leader`,
          ),
          AlarmActions: [{ Ref: topicOf(template) }],
        });
      }
      // Past 10 clusters (or with alarms.perCluster off) the same metric is alarmed on its total only.
      expect(
        Object.keys(
          alarmsOf(
            synth({
              metrics: { perCluster: [MetricName.ControlPlaneLeadersMissing] },
              alarms: { perCluster: false },
            }).template,
          ),
        ).filter((n) => n.startsWith('ControlPlaneLeadersMissing')),
      ).toEqual(['ControlPlaneLeadersMissing-fleet']);
    });

    it('follow a slower audit: two audits in a row are two periods of audit.every', () => {
      const alarms = alarmsOf(synth({ audit: { every: Duration.minutes(5) } }).template);
      expect(alarms['ControlPlaneLeadersMissing-fleet']).toMatchObject({
        Period: 300,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
      });
    });

    it('take every setting from the props and from the deployment file', () => {
      const fromProps = alarmsOf(
        synth({
          alarms: {
            controlPlaneLeadersMissing: {
              period: Duration.minutes(2),
              evaluationPeriods: 3,
              datapointsToAlarm: 2,
              threshold: 2,
            },
          },
        }).template,
      );
      expect(fromProps['ControlPlaneLeadersMissing-fleet']).toMatchObject({
        Period: 120,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 2,
      });
      // evaluationPeriods alone keeps the default M where it fits.
      expect(
        alarmsOf(synth({ alarms: { controlPlaneLeadersMissing: { evaluationPeriods: 4 } } }).template)[
          'ControlPlaneLeadersMissing-fleet'
        ],
      ).toMatchObject({ EvaluationPeriods: 4, DatapointsToAlarm: 2 });
      const deployed = stackPropsFor(
        parseDeploymentConfig(
          {
            clusters: [{ name: 'prod', type: 'eks', clusterName: 'prod', region: 'eu-west-1' }],
            alarms: { controlPlaneLeadersMissing: { period: '3m', evaluationPeriods: 2, threshold: 1 } },
          },
          'test config',
        ),
      );
      expect(deployed.alarms?.controlPlaneLeadersMissing?.period?.toSeconds()).toBe(180);
      expect(
        alarmsOf(synth({ alarms: deployed.alarms }).template)['ControlPlaneLeadersMissing-fleet'],
      ).toMatchObject({
        Period: 180,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
      });
      expect(() =>
        parseDeploymentConfig(
          {
            clusters: [{ name: 'prod', type: 'eks', clusterName: 'prod', region: 'eu-west-1' }],
            alarms: { controlPlaneLeadersMissing: { treshold: 1 } },
          },
          'test config',
        ),
      ).toThrow(/alarms\.controlPlaneLeadersMissing: .*"treshold"/);
    });

    it('keep the runbook inside CloudWatch’s 1,024 characters for the longest cluster name', () => {
      const name = `c${'x'.repeat(99)}`;
      const { template } = synth({
        clusters: [{ name, type: 'eks', clusterName: 'prod', region: 'eu-west-1' }],
        metrics: { perCluster: [MetricName.ControlPlaneLeadersMissing] },
      });
      const description = only(template, 'AWS::CloudWatch::Alarm', (id) =>
        id.includes('ControlPlaneLeadersMissing'),
      ).Properties.AlarmDescription as string;
      expect(description.startsWith(name)).toBe(true);
      expect(description.length).toBeLessThanOrEqual(1024);
    });
  });

  it('per cluster only for a metric each cluster publishes; the fleet total otherwise', () => {
    const alarms = alarmsOf(synth({ metrics: { perCluster: [MetricName.ClusterScanErrors] } }).template);
    expect(Object.keys(alarms).filter((n) => n.startsWith('StaleNodeHeartbeats'))).toEqual([
      'StaleNodeHeartbeats-fleet',
    ]);
    expect(Object.keys(alarms).filter((n) => n.startsWith('ClusterScanErrors'))).toHaveLength(4);
  });

  it('for each cluster that sets expectedApiServers: fewer live apiservers than that, 2 of 3 minutes', () => {
    const [first, ...rest] = eksFleet(3);
    const alarms = alarmsOf(
      synth({ clusters: [{ ...(first as RegistryClusterInput), expectedApiServers: 3 }, ...rest] }).template,
    );
    expect(Object.keys(alarms).filter((n) => n.startsWith('ApiServersBelowExpected'))).toEqual([
      'ApiServersBelowExpected-c000',
    ]);
    expect(alarms['ApiServersBelowExpected-c000']).toEqual({
      MetricName: MetricName.LiveApiServers,
      Dimensions: cluster('c000'),
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 3,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'ignore',
    });
  });

  it('for the reaper only when reaping: delete failures and reap errors over the reap period', () => {
    const alarms = alarmsOf(
      synth({ reap: { enabled: true, policy: { namespaces: { include: ['team-*'] } } } }).template,
    );
    expect(alarms.DeleteFailures).toEqual({
      MetricName: MetricName.DeleteFailures,
      Dimensions: fleet,
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarms.ReapFunctionErrors).toMatchObject({ MetricName: 'Errors', Period: 3600 });
    const off = alarmsOf(synth().template);
    expect(off.DeleteFailures).toBeUndefined();
    expect(off.ReapFunctionErrors).toBeUndefined();
  });

  it('on RunFailed per function (Function, Stack): the audit 2 of 2 audit periods, the reaper one run when reaping', () => {
    const runFailed = (job: string) => ({
      MetricName: RUN_FAILED_METRIC,
      Dimensions: [
        { Name: 'Function', Value: job },
        { Name: 'Stack', Value: 'LeaseReaper' },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const reaping = alarmsOf(
      synth({ reap: { enabled: true, policy: { namespaces: { include: ['team-*'] } } } }).template,
    );
    expect(reaping['RunFailed-audit']).toEqual({
      ...runFailed('audit'),
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    expect(reaping['RunFailed-reap']).toEqual({
      ...runFailed('reap'),
      Period: 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
    expect(alarmsOf(synth().template)['RunFailed-reap']).toBeUndefined();
    expect(() => synth({ alarms: { runFailed: { period: Duration.seconds(30) } } })).toThrow(
      /alarms\.runFailed\.period: 30 s needs a high-resolution metric and RunFailed/,
    );
  });

  it('follow a slower audit schedule: the minute-long periods become the audit period', () => {
    const alarms = alarmsOf(synth({ audit: { every: Duration.minutes(5) } }).template);
    expect(alarms['ClusterScanErrors-prod-eu']).toMatchObject({ Period: 300, EvaluationPeriods: 5 });
    expect(alarms['OrphanedApiServerIdentities-fleet']).toMatchObject({ Period: 300 });
    expect(alarms.AuditorSilent).toMatchObject({ Period: 300, EvaluationPeriods: 3 });
    // Missing data is ignored: a 30-second period still reads each 5-minute datapoint.
    expect(alarms['StaleNodeHeartbeats-prod-eu']).toMatchObject({ Period: 30, DatapointsToAlarm: 1 });
  });

  it('take every setting from the props', () => {
    const alarms = alarmsOf(
      synth({
        alarms: {
          staleNodeHeartbeats: { threshold: 5, period: Duration.seconds(10), evaluationPeriods: 6 },
          clusterScanErrors: { evaluationPeriods: 2 },
          orphanedApiServerIdentities: {
            period: Duration.minutes(5),
            evaluationPeriods: 4,
            datapointsToAlarm: 3,
          },
          auditorSilent: { period: Duration.minutes(2), evaluationPeriods: 5, datapointsToAlarm: 4 },
        },
      }).template,
    );
    expect(alarms['StaleNodeHeartbeats-prod-eu']).toMatchObject({
      Threshold: 5,
      Period: 10,
      EvaluationPeriods: 6,
      DatapointsToAlarm: 1,
    });
    // Two periods asked for: the default 3 of 5 becomes 2 of 2.
    expect(alarms['ClusterScanErrors-prod-eu']).toMatchObject({ EvaluationPeriods: 2, DatapointsToAlarm: 2 });
    expect(alarms['OrphanedApiServerIdentities-fleet']).toMatchObject({
      Period: 300,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 3,
    });
    expect(alarms.AuditorSilent).toMatchObject({ Period: 120, EvaluationPeriods: 5, DatapointsToAlarm: 4 });
  });
});

describe('notifications', () => {
  it('go to a new KMS-encrypted, TLS-only topic CloudWatch may encrypt to, with the e-mail subscribed', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // The topic policy replaces SNS's default one: without this Allow no alarm is ever delivered
          // (evaluated for CloudWatch's requests in notifications.test.ts).
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('or to an existing topic, creating none', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:oncall';
    const { template } = synth({ notifications: { topicArn } });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    const alarms = resources(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
  });
});

describe('fan-out', () => {
  it('past the threshold, a Step Functions Map audits shards with bounded concurrency, started by the schedule', () => {
    const { template, stack } = synth({
      clusters: eksFleet(60),
      fanOut: { shardSize: 25, maxConcurrency: 4 },
    });
    const machine = only(template, 'AWS::StepFunctions::StateMachine', (id) =>
      id.startsWith('FanOut'),
    ).Properties;
    const definition = JSON.parse(
      ((machine.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] as unknown[])
        .map((p) =>
          typeof p === 'string' ? p : (p as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : 'ARN',
        )
        .join(''),
    ) as {
      StartAt: string;
      States: Record<string, Record<string, unknown>>;
    };

    const shards = (definition.States.Shards?.Result as { shards: string[][] } | undefined)?.shards ?? [];
    expect(shards.map((s) => s.length)).toEqual([25, 25, 10]);
    expect(shards.flat()).toEqual(eksFleet(60).map((c) => c.name));
    expect(definition.States.AuditShards).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.shards',
      MaxConcurrency: 4,
      ItemSelector: { 'clusters.$': '$$.Map.Item.Value' },
    });
    const processor = definition.States.AuditShards?.ItemProcessor as {
      States: Record<string, Record<string, unknown>>;
    };
    expect(processor.States.AuditShard).toMatchObject({
      Type: 'Task',
      Parameters: { 'clusters.$': '$.clusters' },
      // A failed shard's clusters are published as scan errors (test/integration/fan-out-contract.test.ts).
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'PublishShardScanErrors' }],
    });
    expect(processor.States.PublishShardScanErrors).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.clusters',
      ItemProcessor: {
        States: {
          PublishScanError: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData',
            Parameters: {
              Namespace: 'LeaseReaper',
              MetricData: [
                {
                  MetricName: MetricName.ClusterScanErrors,
                  Value: 1,
                  Dimensions: [
                    { Name: 'Cluster', 'Value.$': '$.cluster' },
                    { Name: 'Stack', Value: 'LeaseReaper' },
                  ],
                },
                {
                  MetricName: MetricName.ClusterScanErrors,
                  Value: 1,
                  Dimensions: [{ Name: 'Stack', Value: 'LeaseReaper' }],
                },
              ],
            },
          },
        },
      },
    });
    // Lambda's service errors and throttling are retried (the run has not happened); a failed run is not.
    const retried = ((processor.States.AuditShard?.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap(
      (r) => r.ErrorEquals,
    );
    expect(retried).toEqual(
      expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']),
    );
    expect(retried).not.toContain('States.ALL');
    expect(retried).not.toContain('States.TaskFailed');
    expect(machine).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL' },
    });

    const audit = resources(template, 'AWS::Scheduler::Schedule').find(([id]) =>
      id.startsWith('AuditSchedule'),
    )?.[1];
    expect(audit?.Properties.Target).toMatchObject({
      Arn: { Ref: stack.getLogicalId(stack.fanOut?.stateMachine.node.defaultChild as never) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'LeaseReaper-FanOutFailures' });
  });

  it('up to the threshold, the schedule invokes the function directly and no state machine exists', () => {
    const { template, stack } = synth({ clusters: eksFleet(50) });
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(stack.fanOut).toBeUndefined();
  });
});

describe('the dashboard', () => {
  /** The dashboard's body as CloudWatch reads it (references resolved to their logical ids). */
  const bodyOf = (template: ReturnType<typeof synth>['template']) =>
    resolveValue(
      only(template, 'AWS::CloudWatch::Dashboard', () => true).Properties.DashboardBody,
      { 'AWS::Region': 'eu-west-1', 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012' },
      (id) => id,
    ) as string;
  /** The metrics drawn one line per cluster (Metrics Insights GROUP BY Cluster). */
  const perClusterGraphs = (body: string) =>
    (JSON.parse(body) as { widgets: { properties: { metrics?: { expression?: string }[][] } }[] }).widgets
      .flatMap((w) => w.properties.metrics ?? [])
      .map(
        (m) => /^SELECT MAX\((\w+)\) FROM SCHEMA.* GROUP BY Cluster /.exec(m.at(-1)?.expression ?? '')?.[1],
      )
      .filter((name) => name !== undefined);

  it('shows the fleet: totals, the current findings, each cluster through Metrics Insights, the reaper, the alarms and the logs', () => {
    const { template, stack } = synth();
    const body = bodyOf(template);
    const auditLogs = stack.getLogicalId(stack.auditFunction.logGroup.node.defaultChild as never);
    for (const name of [
      MetricName.StaleNodeHeartbeats,
      MetricName.ClusterScanErrors,
      MetricName.OrphanedNodeLeases,
      MetricName.NodesWithoutLease,
      MetricName.ExpiredApiServerIdentities,
      MetricName.OrphanedApiServerIdentities,
      MetricName.ControlPlaneLeadersMissing,
      MetricName.AbandonedLeases,
      MetricName.LeasesDeleted,
      MetricName.DeleteFailures,
    ])
      expect(body).toContain(name);
    expect(body).toContain('alarms');
    expect(body).toContain('Leaderless control-plane components');
    expect(body).toContain('cluster could not be audited');
    // The current findings: the latest "lease finding" line of each, resolved ones dropped, critical first.
    const widgets = (JSON.parse(body) as { widgets: { type: string; properties: Record<string, string> }[] })
      .widgets;
    expect(widgets).toContainEqual(
      expect.objectContaining({
        type: 'log',
        properties: expect.objectContaining({
          title: 'Current findings (critical first)',
          query: `SOURCE '${auditLogs}' | ${CURRENT_FINDINGS_QUERY.join('\n| ')}`,
        }),
      }),
    );
  });

  it('draws a line per cluster only for what each cluster publishes (no graph of series that never arrive)', () => {
    expect(perClusterGraphs(bodyOf(synth().template))).toEqual([
      MetricName.StaleNodeHeartbeats,
      MetricName.ClusterScanErrors,
    ]);
    const [first, ...rest] = eksFleet(3);
    const expecting = synth({
      clusters: [{ ...(first as RegistryClusterInput), expectedApiServers: 3 }, ...rest],
    });
    expect(perClusterGraphs(bodyOf(expecting.template))).toEqual([
      MetricName.StaleNodeHeartbeats,
      MetricName.ClusterScanErrors,
      MetricName.LiveApiServers,
    ]);
    expect(bodyOf(synth().template)).not.toContain(MetricName.ScanDurationMs);
  });
});

describe('configuration fails the synth, naming the field', () => {
  it('an invalid cluster', () => {
    expect(() =>
      synth({ clusters: [{ name: 'x', type: 'eks', clusterName: 'x', region: 'mars-1' }] }),
    ).toThrow(/clusters\.0\.region: expected an AWS region/);
  });

  it('an enabled reaper without a policy that could delete anything', () => {
    expect(() => synth({ reap: { enabled: true } })).toThrow(/reap\.policy is invalid: namespaces\.include/);
  });

  it('a schedule too frequent for the alarms’ periods', () => {
    expect(() => synth({ audit: { every: Duration.seconds(30) } })).toThrow(
      /audit\.every must be whole minutes/,
    );
  });

  it('a namespace CloudWatch would refuse', () => {
    expect(() => synth({ metricsNamespace: 'Lease "Reaper"' })).toThrow(/metricsNamespace/);
  });
});

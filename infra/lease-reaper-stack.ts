import { createHash } from 'node:crypto';
import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { parseClusterRegistry } from '../shared/fleet/cluster-registry.ts';
import { encodeRegistryText } from '../shared/fleet/registry-source.ts';
import { DEFAULT_AUDIT_GROUP, DEFAULT_REAP_GROUP } from '../shared/kube/rbac-manifest.ts';
import { DEFAULT_METRICS_NAMESPACE } from '../shared/metrics/metric-names.ts';
import { parseReapPolicy } from '../shared/reap/reap-policy.ts';
import { AuditFanOut } from './audit-fan-out.ts';
import { clusterCredentialStatements, EksAccessEntries } from './cluster-access.ts';
import { FleetAlarms } from './fleet-alarms.ts';
import { FleetDashboard } from './fleet-dashboard.ts';
import { FleetFunction, timeoutFor } from './fleet-function.ts';
import { LeaseMetrics, METRIC_MATH_LIMIT } from './lease-metrics.ts';
import type { LeaseReaperStackProps } from './stack-props.ts';

export type { LeaseReaperStackProps } from './stack-props.ts';

/** SSM String parameters: 4 KB standard, 8 KB advanced. */
const STANDARD_PARAMETER_LIMIT = 4096;
const ADVANCED_PARAMETER_LIMIT = 8192;

/**
 * lease-reaper on AWS: the fleet's registry in SSM, the audit and reap functions with their own
 * least-privilege roles, EventBridge Scheduler schedules (the reaper's disabled unless enabled), a Step
 * Functions fan-out for large fleets, EKS access entries, alarms to SNS and a dashboard.
 */
export class LeaseReaperStack extends Stack {
  readonly auditFunction: FleetFunction;
  readonly reapFunction: FleetFunction;
  readonly registryParameter: StringParameter;
  readonly topic: ITopic;
  readonly alarms: FleetAlarms;
  readonly dashboard: FleetDashboard;
  readonly fanOut: AuditFanOut | undefined;
  readonly auditSchedule: Schedule;
  readonly reapSchedule: Schedule;

  constructor(scope: Construct, id: string, props: LeaseReaperStackProps) {
    super(scope, id, props);
    const auditEvery = props.audit?.every ?? Duration.minutes(5);
    const reapEvery = props.reap?.every ?? Duration.hours(1);
    const reapEnabled = props.reap?.enabled ?? false;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const namespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    if (auditEvery.toSeconds() < 60 || auditEvery.toSeconds() % 60 !== 0)
      throw new Error(`audit.every must be whole minutes, at least 1 (got ${auditEvery.toHumanString()})`);
    if (reapEvery.toSeconds() < 600 || reapEvery.toSeconds() % 60 !== 0)
      throw new Error(`reap.every must be whole minutes, at least 10 (got ${reapEvery.toHumanString()})`);

    // The registry the functions read, validated here exactly as they will validate it: bad
    // configuration fails the synth, not the first scheduled run.
    const registry = {
      clusters: props.clusters,
      metricsNamespace: namespace,
      metricsSink: props.metricsSink ?? 'cloudwatch',
      concurrency: props.concurrency ?? 8,
      ...(props.reap?.policy !== undefined ? { policy: props.reap.policy } : {}),
    };
    const parsed = parseClusterRegistry(registry, 'LeaseReaperStack props');
    const policy =
      props.reap?.policy !== undefined || reapEnabled
        ? parseReapPolicy(props.reap?.policy, 'LeaseReaperStack props reap.policy')
        : undefined;
    const document = JSON.stringify(registry);
    // Readable JSON while it fits an advanced parameter; gzipped past that (the functions decode both).
    const value = document.length > ADVANCED_PARAMETER_LIMIT ? encodeRegistryText(document) : document;
    if (value.length > ADVANCED_PARAMETER_LIMIT)
      throw new Error(
        `the cluster registry is ${document.length} characters (${value.length} gzipped); an SSM parameter holds at most ${ADVANCED_PARAMETER_LIMIT} (split the fleet across stacks)`,
      );
    this.registryParameter = new StringParameter(this, 'Registry', {
      parameterName: `/lease-reaper/${this.stackName}/registry`,
      description: 'lease-reaper cluster registry and reap policy (no secrets: ARNs only)',
      stringValue: value,
      tier: value.length > STANDARD_PARAMETER_LIMIT ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
    });

    const statements = [
      new PolicyStatement({
        sid: 'ReadClusterRegistry',
        actions: ['ssm:GetParameter'],
        resources: [this.registryParameter.parameterArn],
      }),
      ...clusterCredentialStatements(props.clusters, props.secretsKmsKeyArns),
    ];
    const environment = {
      LEASE_REAPER_CLUSTERS_PARAMETER: this.registryParameter.parameterName,
      // A changed registry changes the functions' configuration, so no warm container keeps the old one.
      LEASE_REAPER_REGISTRY_SHA256: createHash('sha256').update(document).digest('hex'),
    };
    const clamp = (d: Duration) => Duration.seconds(Math.min(21_600, Math.max(60, d.toSeconds())));

    this.auditFunction = new FleetFunction(this, 'Audit', {
      job: 'audit',
      description: 'lease-reaper: audit the fleet’s leases and publish metrics',
      timeout: timeoutFor(auditEvery),
      memorySize: props.audit?.memorySize ?? 1024,
      maxEventAge: clamp(auditEvery),
      environment,
      statements,
      ...(parsed.metricsSink === 'cloudwatch' ? { metricsNamespace: namespace } : {}),
      logRetention,
      ...(props.network ? { network: props.network } : {}),
    });
    this.reapFunction = new FleetFunction(this, 'Reap', {
      job: 'reap',
      description: `lease-reaper: delete abandoned leases under the policy${policy?.dryRun === false ? '' : ' (dry-run)'}`,
      timeout: timeoutFor(reapEvery),
      memorySize: props.reap?.memorySize ?? 1024,
      maxEventAge: clamp(reapEvery),
      // Never two reaps at once: two runs would plan from the same leases and together exceed the cap.
      reservedConcurrentExecutions: 1,
      environment,
      statements,
      ...(parsed.metricsSink === 'cloudwatch' ? { metricsNamespace: namespace } : {}),
      logRetention,
      ...(props.network ? { network: props.network } : {}),
    });
    for (const fn of [this.auditFunction, this.reapFunction]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime lease-reaper is built and tested for (bundle target node22); moving runtimes is a tested change.',
      });
    }

    // Fan-out: past the threshold, shards of the fleet run in parallel under Step Functions.
    const fanOutThreshold = props.fanOut?.threshold ?? 50;
    const names = parsed.clusters.map((c) => c.name);
    this.fanOut =
      names.length > fanOutThreshold
        ? new AuditFanOut(this, 'FanOut', {
            auditFunction: this.auditFunction.function,
            clusters: names,
            shardSize: props.fanOut?.shardSize ?? 25,
            maxConcurrency: props.fanOut?.maxConcurrency ?? 10,
            timeout: timeoutFor(auditEvery, Duration.seconds(10)),
            logRetention,
          })
        : undefined;

    // The schedules' role, only for this account's Scheduler (confused-deputy guard); each target grants
    // it exactly its own function or state machine.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'EventBridge Scheduler: start the lease-reaper runs',
    });
    for (const fn of [this.auditFunction, this.reapFunction])
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.function.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason:
          'The Scheduler target grant covers the qualifiers (versions, aliases) of this one function, no other.',
      });
    const deliver = { role: schedulerRole, retryAttempts: 2, maxEventAge: clamp(auditEvery) };
    this.auditSchedule = new Schedule(this, 'AuditSchedule', {
      description: `lease-reaper audit of ${names.length} clusters`,
      schedule: ScheduleExpression.rate(auditEvery),
      target: this.fanOut
        ? new StepFunctionsStartExecution(this.fanOut.stateMachine, {
            input: ScheduleTargetInput.fromObject({}),
            ...deliver,
          })
        : new LambdaInvoke(this.auditFunction.function, {
            input: ScheduleTargetInput.fromObject({}),
            ...deliver,
          }),
    });
    this.reapSchedule = new Schedule(this, 'ReapSchedule', {
      description: 'lease-reaper reap (disabled unless reap.enabled)',
      schedule: ScheduleExpression.rate(reapEvery),
      enabled: reapEnabled,
      target: new LambdaInvoke(this.reapFunction.function, {
        input: ScheduleTargetInput.fromObject({}),
        role: schedulerRole,
        retryAttempts: 2,
        maxEventAge: clamp(reapEvery),
      }),
    });

    if (props.eksAccess?.createAccessEntries ?? true) {
      new EksAccessEntries(this, 'EksAccess', {
        clusters: props.clusters,
        principals: [
          {
            id: 'audit',
            role: this.auditFunction.role,
            group: props.eksAccess?.auditGroup ?? DEFAULT_AUDIT_GROUP,
          },
          ...(reapEnabled
            ? [
                {
                  id: 'reap',
                  role: this.reapFunction.role,
                  group: props.eksAccess?.reapGroup ?? DEFAULT_REAP_GROUP,
                },
              ]
            : []),
        ],
      });
    }

    this.topic = props.notifications?.topicArn
      ? Topic.fromTopicArn(this, 'Topic', props.notifications.topicArn)
      : this.createTopic();
    for (const email of props.notifications?.emails ?? [])
      this.topic.addSubscription(new EmailSubscription(email));

    const metrics = new LeaseMetrics(namespace, names, auditEvery);
    this.alarms = new FleetAlarms(this, 'Alarms', {
      metrics,
      topic: this.topic,
      auditFunction: this.auditFunction.function,
      reapFunction: this.reapFunction.function,
      reapPeriod: reapEvery,
      silentAfter: props.alarms?.silentAfter ?? Duration.seconds(auditEvery.toSeconds() * 3),
      perCluster: props.alarms?.perCluster ?? names.length <= METRIC_MATH_LIMIT,
      staleNodeHeartbeats: { threshold: 1, evaluationPeriods: 2, ...props.alarms?.staleNodeHeartbeats },
      clusterScanErrors: { threshold: 1, evaluationPeriods: 2, ...props.alarms?.clusterScanErrors },
      orphanedApiServerIdentities: {
        threshold: 1,
        evaluationPeriods: 2,
        ...props.alarms?.orphanedApiServerIdentities,
      },
      deleteFailures: { threshold: 1, evaluationPeriods: 1, ...props.alarms?.deleteFailures },
      ...(this.fanOut ? { fanOut: this.fanOut.stateMachine } : {}),
    });
    this.dashboard = new FleetDashboard(this, 'Dashboard', {
      metrics,
      alarms: this.alarms.alarms,
      auditFunction: this.auditFunction.function,
      reapFunction: this.reapFunction.function,
      auditLogs: this.auditFunction.logGroup,
      reapLogs: this.reapFunction.logGroup,
    });

    new CfnOutput(this, 'RegistryParameterName', { value: this.registryParameter.parameterName });
    new CfnOutput(this, 'AuditFunctionName', { value: this.auditFunction.function.functionName });
    new CfnOutput(this, 'ReapFunctionName', { value: this.reapFunction.function.functionName });
    new CfnOutput(this, 'AuditRoleArn', {
      value: this.auditFunction.role.roleArn,
      description: `map to Kubernetes group ${props.eksAccess?.auditGroup ?? DEFAULT_AUDIT_GROUP} (aws-auth or access entry)`,
    });
    new CfnOutput(this, 'ReapRoleArn', {
      value: this.reapFunction.role.roleArn,
      description: `map to Kubernetes group ${props.eksAccess?.reapGroup ?? DEFAULT_REAP_GROUP} when reaping`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
  }

  /** An encrypted topic CloudWatch alarms may publish to (the key lets CloudWatch encrypt to it). */
  private createTopic(): Topic {
    const key = new Key(this, 'TopicKey', {
      description: 'lease-reaper alarm notifications',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    return new Topic(this, 'Topic', {
      displayName: 'lease-reaper alarms',
      masterKey: key,
      enforceSSL: true,
    });
  }
}

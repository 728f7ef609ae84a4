import { createHash } from 'node:crypto';
import { CfnOutput, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { MAX_CONFIG_BYTES } from '../shared/config-file.ts';
import { ConfigError } from '../shared/errors.ts';
import { type ClusterRegistry, parseClusterRegistry } from '../shared/fleet/cluster-registry.ts';
import {
  MAX_REGISTRY_PARTS,
  registryParameterValues,
  STANDARD_PARAMETER_CHARS,
} from '../shared/fleet/registry-source.ts';
import { DEFAULT_AUDIT_GROUP, DEFAULT_REAP_GROUP, rbacManifest } from '../shared/kube/rbac-manifest.ts';
import {
  DEFAULT_METRICS_NAMESPACE,
  METRICS_NAMESPACE_ENV,
  METRICS_SINK_ENV,
  METRICS_STACK_ENV,
  MetricName,
} from '../shared/metrics/metric-names.ts';
import { parseReapPolicy } from '../shared/reap/reap-policy.ts';
import { type AlarmPlan, planAlarms } from './alarm-settings.ts';
import { AuditFanOut } from './audit-fan-out.ts';
import {
  clusterCredentialStatements,
  clusterCredentialWildcards,
  EksAccessEntries,
} from './cluster-access.ts';
import { logEncryption, logRetentionFor, restrictGrantsToAwsServices } from './compliance.ts';
import {
  ChatChannels,
  CriticalFindingsRule,
  criticalFindingsRuleArn,
  criticalFindingsRuleName,
} from './finding-notifications.ts';
import { FindingState } from './finding-state.ts';
import { FleetAlarms } from './fleet-alarms.ts';
import { FleetDashboard } from './fleet-dashboard.ts';
import { FleetFunction, timeoutFor } from './fleet-function.ts';
import { LeaseMetrics } from './lease-metrics.ts';
import { policyChars } from './policy-size.ts';
import { ReapFanOut } from './reap-fan-out.ts';
import type { LeaseReaperStackProps } from './stack-props.ts';
import { archiveKey, TombstoneArchive, tombstoneRetention } from './tombstone-archive.ts';

export type { LeaseReaperStackProps } from './stack-props.ts';

/** A stack declares at most 500 resources (CloudFormation quotas, CloudFormation User Guide). */
export const RESOURCE_LIMIT = 500;
/**
 * What the statements reaching the clusters may take of a role's inline policies: IAM allows 10,240
 * characters in all per role (IAM and AWS STS quotas), and the rest (registry, logs, metrics) takes ~1 KB.
 * Staying under it, no statement is ever moved to an overflow managed policy (6,144 characters each).
 */
export const CREDENTIALS_POLICY_BUDGET = 8_000;

/** The settings the parts of the stack share, defaults applied and validated once. */
interface Settings {
  auditEvery: Duration;
  reapEvery: Duration;
  reapEnabled: boolean;
  dryRun: boolean;
  /** The policy's run-wide cap on deletions; none without a policy (the reap function cannot run then). */
  maxDeletionsPerRun?: number;
  /** The tombstone archive, when the reaper can delete (reaping enabled, or a policy that deletes). */
  archive: { expireAfter: Duration } | undefined;
  namespace: string;
  publishesMetrics: boolean;
  clusterNames: string[];
  groups: { audit: string; reap: string };
  logRetention: RetentionDays;
  controlTower: boolean;
  registry: ClusterRegistry;
  alarms: AlarmPlan;
  /** The EventBridge rule sending critical findings to the topic. */
  criticalFindings: boolean;
}

/** Async events, and scheduled deliveries, older than a period are dropped: the next run replaces them. */
const maxEventAge = (every: Duration) => Duration.seconds(Math.min(21_600, Math.max(60, every.toSeconds())));

/**
 * lease-reaper on AWS: the fleet's registry in SSM, the audit and reap functions with their own
 * least-privilege roles, EventBridge Scheduler schedules (the reaper's disabled unless enabled), a Step
 * Functions fan-out for large fleets, EKS access entries, the audit's finding state (DynamoDB), alarms and
 * critical findings to SNS (and optionally chat), and a dashboard.
 */
export class LeaseReaperStack extends Stack {
  /** The registry, or the index of its parts when it does not fit one parameter. */
  readonly registryParameter: StringParameter;
  /** The registry's parts, `<registry>/1..n`, when it does not fit one parameter (none otherwise). */
  readonly registryParts: StringParameter[];
  readonly auditFunction: FleetFunction;
  readonly reapFunction: FleetFunction;
  readonly fanOut: AuditFanOut | undefined;
  /** The reap's fan-out over the same shards, each with its share of the run-wide cap. */
  readonly reapFanOut: ReapFanOut | undefined;
  readonly auditSchedule: Schedule;
  readonly reapSchedule: Schedule;
  readonly accessEntries: EksAccessEntries | undefined;
  /** The audit's finding state between runs (DynamoDB). */
  readonly findingState: FindingState;
  /** The reaper's tombstones (S3), when it can delete. */
  readonly archive: TombstoneArchive | undefined;
  readonly topic: ITopic;
  readonly criticalFindings: CriticalFindingsRule | undefined;
  readonly chatChannels: ChatChannels | undefined;
  readonly alarms: FleetAlarms;
  readonly dashboard: FleetDashboard;
  /**
   * The ClusterRoles and bindings for the groups the access entries map the roles to (reap only when
   * reaping): `kubectl apply -f` it in each EKS cluster. The app writes it next to the template.
   */
  readonly rbacManifest: string;

  constructor(scope: Construct, id: string, props: LeaseReaperStackProps) {
    super(scope, id, props);
    const { settings, document } = this.validate(props);

    [this.registryParameter, this.registryParts] = this.registry(document);
    const credentials = clusterCredentialStatements(props.clusters, props.secretsKmsKeyArns);
    this.checkPolicySize(credentials);
    const statements = [
      new PolicyStatement({
        sid: 'ReadClusterRegistry',
        // The parts are read by path, the registry parameter's own name: no other resource to name.
        actions: this.registryParts.length
          ? ['ssm:GetParameter', 'ssm:GetParametersByPath']
          : ['ssm:GetParameter'],
        resources: [this.registryParameter.parameterArn],
      }),
      ...credentials,
    ];
    const common = {
      statements,
      environment: {
        LEASE_REAPER_CLUSTERS_PARAMETER: this.registryParameter.parameterName,
        // A changed registry changes the functions' configuration, so no warm container keeps the old one.
        // Every part is cut from this document: a part that changes is a document that changes.
        LEASE_REAPER_REGISTRY_SHA256: createHash('sha256').update(document).digest('hex'),
        // Every datum carries Stack=<this stack>: stacks sharing a namespace stay apart.
        [METRICS_STACK_ENV]: this.stackName,
        // Where RunFailed goes when a run fails before it could read the registry (which says the same).
        [METRICS_NAMESPACE_ENV]: settings.namespace,
        [METRICS_SINK_ENV]: settings.publishesMetrics ? 'cloudwatch' : 'emf',
      },
      ...(settings.publishesMetrics ? { metricsNamespace: settings.namespace } : {}),
      logRetention: settings.logRetention,
      ...(props.network ? { network: props.network } : {}),
    };
    const logs = logEncryption(this, props.compliance);
    this.findingState = new FindingState(this, 'FindingState');
    this.auditFunction = new FleetFunction(this, 'Audit', {
      ...common,
      // Only the audit keeps finding state and announces transitions.
      statements: [...statements, ...this.findingState.statements()],
      environment: { ...common.environment, ...this.findingState.environment() },
      job: 'audit',
      description: 'lease-reaper: audit the fleet’s leases and publish metrics',
      timeout: timeoutFor(settings.auditEvery),
      memorySize: props.audit?.memorySize ?? 1024,
      maxEventAge: maxEventAge(settings.auditEvery),
      ...(logs ? { logEncryption: { key: logs.key, logGroupName: logs.groupNames.audit } } : {}),
    });
    const fannedOut = settings.clusterNames.length > (props.fanOut?.threshold ?? 50);
    // A reap needs a policy: without one there is nothing to fan out (the function alone reports it).
    const reapFannedOut = fannedOut && settings.maxDeletionsPerRun !== undefined;
    const maxConcurrency = props.fanOut?.maxConcurrency ?? 10;
    this.archive = settings.archive
      ? new TombstoneArchive(this, 'Archive', {
          expireAfter: settings.archive.expireAfter,
          ...(settings.controlTower ? { encryptionKey: archiveKey(this), controlTower: true } : {}),
        })
      : undefined;
    this.reapFunction = new FleetFunction(this, 'Reap', {
      ...common,
      // Only the reaper keeps tombstones: before each delete, in the archive bucket.
      statements: [...statements, ...(this.archive?.statements() ?? [])],
      environment: { ...common.environment, ...this.archive?.environment() },
      job: 'reap',
      description: `lease-reaper: delete abandoned leases under the policy${settings.dryRun ? ' (dry-run)' : ''}`,
      timeout: timeoutFor(settings.reapEvery),
      memorySize: props.reap?.memorySize ?? 1024,
      maxEventAge: maxEventAge(settings.reapEvery),
      // Never two reaps of the same clusters at once: two runs would plan from the same leases and together
      // exceed the cap. Fanned out, the shards are disjoint and each has its share of the cap.
      reservedConcurrentExecutions: reapFannedOut ? maxConcurrency : 1,
      ...(logs ? { logEncryption: { key: logs.key, logGroupName: logs.groupNames.reap } } : {}),
    });
    this.archive?.acknowledgeWildcard(this.reapFunction.role);
    for (const resource of clusterCredentialWildcards(props.clusters))
      for (const fn of [this.auditFunction, this.reapFunction])
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${resource}]`,
          reason:
            'Past 20 clusters (or secrets) the policy names each region (or secret folder) of the fleet instead of each cluster: a list of every ARN would exceed IAM’s policy size quotas.',
        });

    // Past the threshold, shards of the fleet are audited, and reaped, in parallel under Step Functions.
    const shards = {
      clusters: settings.clusterNames,
      shardSize: props.fanOut?.shardSize ?? 25,
      maxConcurrency,
      metrics: { namespace: settings.namespace, stack: this.stackName },
      logRetention: settings.logRetention,
      ...(logs ? { logEncryptionKey: logs.key } : {}),
      tracing: settings.controlTower,
    };
    this.fanOut = fannedOut
      ? new AuditFanOut(this, 'FanOut', {
          ...shards,
          auditFunction: this.auditFunction.function,
          timeout: timeoutFor(settings.auditEvery, Duration.seconds(10)),
        })
      : undefined;
    this.reapFanOut =
      reapFannedOut && settings.maxDeletionsPerRun !== undefined
        ? new ReapFanOut(this, 'ReapFanOut', {
            ...shards,
            reapFunction: this.reapFunction.function,
            maxDeletionsPerRun: settings.maxDeletionsPerRun,
            timeout: timeoutFor(settings.reapEvery, Duration.seconds(10)),
          })
        : undefined;
    [this.auditSchedule, this.reapSchedule] = this.schedules(settings);

    this.accessEntries =
      (props.eksAccess?.createAccessEntries ?? true)
        ? new EksAccessEntries(this, 'EksAccess', {
            clusters: props.clusters,
            principals: [
              { id: 'audit', role: this.auditFunction.role, group: settings.groups.audit },
              // The reaper's role reaches the clusters only when reaping is enabled.
              ...(settings.reapEnabled
                ? [{ id: 'reap', role: this.reapFunction.role, group: settings.groups.reap }]
                : []),
            ],
          })
        : undefined;

    this.topic = props.notifications?.topicArn
      ? Topic.fromTopicArn(this, 'Topic', props.notifications.topicArn)
      : this.encryptedTopic(settings);
    for (const email of props.notifications?.emails ?? [])
      this.topic.addSubscription(new EmailSubscription(email));
    this.criticalFindings = settings.criticalFindings
      ? new CriticalFindingsRule(this, 'CriticalFindings', { topic: this.topic })
      : undefined;
    const { slack, teams } = props.notifications ?? {};
    this.chatChannels =
      slack || teams
        ? new ChatChannels(this, 'Chat', {
            topic: this.topic,
            ...(slack ? { slack } : {}),
            ...(teams ? { teams } : {}),
          })
        : undefined;

    const metrics = new LeaseMetrics(
      settings.namespace,
      this.stackName,
      settings.clusterNames,
      settings.auditEvery,
    );
    this.alarms = new FleetAlarms(this, 'Alarms', {
      metrics,
      topic: this.topic,
      plan: settings.alarms,
      auditFunction: this.auditFunction.function,
      auditEvery: settings.auditEvery,
      ...(settings.reapEnabled
        ? { reap: { function: this.reapFunction.function, every: settings.reapEvery } }
        : {}),
      ...(this.fanOut ? { fanOut: this.fanOut.stateMachine } : {}),
      ...(this.reapFanOut ? { reapFanOut: this.reapFanOut.stateMachine } : {}),
    });
    this.dashboard = new FleetDashboard(this, 'Dashboard', {
      metrics,
      published: {
        // LiveApiServers is published per cluster for the clusters that expect a number of apiservers.
        perCluster: [
          ...new Set([
            ...settings.registry.metrics.perCluster,
            ...(settings.alarms.apiServersBelowExpected.clusters.length ? [MetricName.LiveApiServers] : []),
          ]),
        ],
        fleet: settings.registry.metrics.fleet,
      },
      fanOut: this.fanOut !== undefined,
      alarms: this.alarms.alarms,
      auditFunction: this.auditFunction.function,
      reapFunction: this.reapFunction.function,
      auditLogs: this.auditFunction.logGroup,
      reapLogs: this.reapFunction.logGroup,
    });

    this.rbacManifest = rbacManifest({
      audit: { kind: 'Group', name: settings.groups.audit },
      ...(settings.reapEnabled ? { reap: { kind: 'Group', name: settings.groups.reap } } : {}),
    });
    this.outputs(settings);
    this.checkResourceCount(settings);
  }

  /** The statements reaching the clusters fit a role's inline policy, or the synth fails saying why. */
  private checkPolicySize(credentials: PolicyStatement[]): void {
    const chars = policyChars(this, credentials);
    if (chars > CREDENTIALS_POLICY_BUDGET)
      throw new ConfigError(
        `clusters: reaching these clusters takes ${chars} characters of IAM policy (roles to assume, secrets), over the ${CREDENTIALS_POLICY_BUDGET} a role's 10,240 leave; use one roleArn per account, keep kubeconfig secrets under one folder (e.g. lease-reaper/), or split the fleet across stacks`,
      );
  }

  /** The stack fits CloudFormation's 500 resources, or the synth fails naming what grows with the fleet. */
  private checkResourceCount(settings: Settings): void {
    // +1: the AWS::CDK::Metadata resource the app adds at synth.
    const count = this.node.findAll().filter((c) => c instanceof CfnResource).length + 1;
    if (count <= RESOURCE_LIMIT) return;
    const entries = this.accessEntries?.entries.length ?? 0;
    const { staleNodeHeartbeats, clusterScanErrors, controlPlaneLeadersMissing } = settings.alarms;
    const perCluster = [staleNodeHeartbeats, clusterScanErrors, controlPlaneLeadersMissing].filter(
      (a) => a.scope === 'perCluster',
    ).length;
    const alarms = perCluster ? `, ${perCluster} alarm${perCluster > 1 ? 's' : ''} per cluster` : '';
    throw new ConfigError(
      `clusters: ${settings.clusterNames.length} clusters make ${count} CloudFormation resources (${entries} EKS access entries${alarms}), over the ${RESOURCE_LIMIT} a stack may declare; set eksAccess.createAccessEntries: false and create the access entries another way${alarms ? ', set alarms.perCluster: false' : ''}, or split the fleet across stacks`,
    );
  }

  /**
   * The registry the functions will read, validated here exactly as they will validate it (their own
   * schemas): bad configuration fails the synth, naming the field, not the first scheduled run.
   */
  private validate(props: LeaseReaperStackProps): { settings: Settings; document: string } {
    const auditEvery = props.audit?.every ?? Duration.minutes(1);
    const reapEvery = props.reap?.every ?? Duration.hours(1);
    if (auditEvery.toSeconds() < 60 || auditEvery.toSeconds() % 60 !== 0)
      throw new ConfigError(
        `audit.every must be whole minutes, at least 1 (got ${auditEvery.toHumanString()})`,
      );
    if (reapEvery.toSeconds() < 600 || reapEvery.toSeconds() % 60 !== 0)
      throw new ConfigError(
        `reap.every must be whole minutes, at least 10 (got ${reapEvery.toHumanString()})`,
      );
    const reapEnabled = props.reap?.enabled ?? false;
    const namespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    const registry = {
      clusters: props.clusters,
      metricsNamespace: namespace,
      metricsSink: props.metricsSink ?? 'cloudwatch',
      concurrency: props.concurrency ?? 8,
      ...(props.metrics !== undefined ? { metrics: props.metrics } : {}),
      ...(props.findingLogLimit !== undefined ? { findingLogLimit: props.findingLogLimit } : {}),
      ...(props.reap?.policy !== undefined ? { policy: props.reap.policy } : {}),
    };
    const parsed = parseClusterRegistry(registry, 'LeaseReaperStack props');
    const policy =
      props.reap?.policy !== undefined || reapEnabled
        ? parseReapPolicy(props.reap?.policy, 'LeaseReaperStack props reap.policy')
        : undefined;
    return {
      document: JSON.stringify(registry),
      settings: {
        auditEvery,
        reapEvery,
        reapEnabled,
        dryRun: policy?.dryRun !== false,
        ...(policy ? { maxDeletionsPerRun: policy.maxDeletionsPerRun } : {}),
        archive:
          reapEnabled || policy?.dryRun === false
            ? { expireAfter: tombstoneRetention(props.reap?.tombstoneRetention) }
            : undefined,
        namespace,
        publishesMetrics: parsed.metricsSink === 'cloudwatch',
        clusterNames: parsed.clusters.map((c) => c.name),
        groups: {
          audit: props.eksAccess?.auditGroup ?? DEFAULT_AUDIT_GROUP,
          reap: props.eksAccess?.reapGroup ?? DEFAULT_REAP_GROUP,
        },
        logRetention: logRetentionFor(props.logRetention, props.compliance?.controlTower ?? false),
        controlTower: props.compliance?.controlTower ?? false,
        registry: parsed,
        alarms: planAlarms(props, parsed, { auditEvery, reapEvery, reapEnabled }),
        // Our own topic's policies can admit the rule; someone else's topic is opted in knowingly.
        criticalFindings:
          props.notifications?.criticalFindings ?? props.notifications?.topicArn === undefined,
      },
    };
  }

  /**
   * The registry in SSM, as the functions read it (shared/fleet/registry-source.ts): one parameter while it
   * fits 8 KB (JSON, gzipped past that); past that, `/…/registry` holds the index of parts `/…/registry/1..n`
   * of 4 KB each (standard tier: no charge), each written before the index, so a run that reads the new
   * index finds the new parts. It stops at what the functions read (1 MiB of JSON, ~11,000 clusters of a
   * mixed fleet) or MAX_REGISTRY_PARTS parts, whichever comes first.
   */
  private registry(document: string): [StringParameter, StringParameter[]] {
    const bytes = Buffer.byteLength(document);
    if (bytes > MAX_CONFIG_BYTES)
      throw new ConfigError(
        `clusters: the registry is ${bytes} bytes of JSON, over the 1 MiB (${MAX_CONFIG_BYTES} bytes) the functions read; split the fleet across stacks`,
      );
    const { value, parts } = registryParameterValues(document);
    if (parts.length > MAX_REGISTRY_PARTS)
      throw new ConfigError(
        `clusters: the registry is ${document.length} characters, ${parts.join('').length} gzipped, over the ${MAX_REGISTRY_PARTS} SSM parameters of ${STANDARD_PARAMETER_CHARS} characters it may take; split the fleet across stacks`,
      );
    const name = `/lease-reaper/${this.stackName}/registry`;
    const tier = (text: string) =>
      text.length > STANDARD_PARAMETER_CHARS ? ParameterTier.ADVANCED : ParameterTier.STANDARD;
    const written = parts.map(
      (part, i) =>
        new StringParameter(this, `RegistryPart${i + 1}`, {
          parameterName: `${name}/${i + 1}`,
          description: `lease-reaper cluster registry, part ${i + 1} of ${parts.length} (${name} is the index)`,
          stringValue: part,
          tier: tier(part),
        }),
    );
    const registry = new StringParameter(this, 'Registry', {
      parameterName: name,
      description: parts.length
        ? `lease-reaper cluster registry and reap policy: the index of its ${parts.length} parts`
        : 'lease-reaper cluster registry and reap policy (no secrets: ARNs only)',
      stringValue: value,
      tier: tier(value),
    });
    for (const part of written) registry.node.addDependency(part);
    return [registry, written];
  }

  /**
   * EventBridge Scheduler: the audit (the function, or the fan-out state machine) and the reap, whose
   * schedule exists but stays disabled unless enabled. One role, usable only by this account's Scheduler
   * (confused-deputy guard); each target grants it exactly its own function or state machine.
   */
  private schedules(settings: Settings): [Schedule, Schedule] {
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'EventBridge Scheduler: start the lease-reaper runs',
    });
    for (const fn of [this.auditFunction, this.reapFunction])
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.function.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason:
          'The Scheduler target grant covers the qualifiers (versions, aliases) of this one function, no other.',
      });
    const delivery = (every: Duration) => ({
      input: ScheduleTargetInput.fromObject({}),
      role,
      retryAttempts: 2,
      maxEventAge: maxEventAge(every),
    });
    const audit = new Schedule(this, 'AuditSchedule', {
      description: `lease-reaper audit of ${settings.clusterNames.length} clusters`,
      schedule: ScheduleExpression.rate(settings.auditEvery),
      target: this.fanOut
        ? new StepFunctionsStartExecution(this.fanOut.stateMachine, delivery(settings.auditEvery))
        : new LambdaInvoke(this.auditFunction.function, delivery(settings.auditEvery)),
    });
    const reap = new Schedule(this, 'ReapSchedule', {
      description: `lease-reaper reap${settings.dryRun ? ' (dry-run)' : ''}; disabled unless reap.enabled`,
      schedule: ScheduleExpression.rate(settings.reapEvery),
      enabled: settings.reapEnabled,
      target: this.reapFanOut
        ? new StepFunctionsStartExecution(this.reapFanOut.stateMachine, delivery(settings.reapEvery))
        : new LambdaInvoke(this.reapFunction.function, delivery(settings.reapEvery)),
    });
    return [audit, reap];
  }

  /**
   * An encrypted, TLS-only topic this stack's alarms (and its critical-findings rule) can publish to.
   * `enforceSSL` writes a topic policy, which replaces SNS's default one: without an Allow for CloudWatch,
   * every notification would be refused ("no resource-based policy allows the SNS:Publish action"). So the
   * policy lets the CloudWatch service publish for this account's alarms named `<stack>-*` only, and
   * EventBridge for this stack's one rule only (the confused-deputy conditions); the key lets each encrypt
   * the message under the same conditions (SNS: "Enable compatibility between event sources from AWS
   * services and encrypted topics").
   */
  private encryptedTopic(settings: Settings): Topic {
    const publishers = [
      {
        sid: 'CloudWatchAlarmsPublish',
        principal: new ServicePrincipal('cloudwatch.amazonaws.com'),
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:${this.stackName}-*`,
          },
        },
      },
      ...(settings.criticalFindings
        ? [
            {
              sid: 'CriticalFindingsRulePublish',
              principal: new ServicePrincipal('events.amazonaws.com'),
              // The rule by its ARN, built from its fixed name: a reference would make the key depend on
              // the rule, which depends on the topic, which depends on the key.
              conditions: {
                StringEquals: { 'aws:SourceAccount': this.account },
                ArnEquals: { 'aws:SourceArn': criticalFindingsRuleArn(this) },
              },
            },
          ]
        : []),
    ];
    const key = new Key(this, 'TopicKey', {
      description: 'lease-reaper alarm notifications',
      enableKeyRotation: true,
    });
    if (settings.controlTower) restrictGrantsToAwsServices(key);
    for (const { sid, principal, conditions } of publishers)
      key.addToResourcePolicy(
        new PolicyStatement({
          sid,
          effect: Effect.ALLOW,
          principals: [principal],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions,
        }),
      );
    const topic = new Topic(this, 'Topic', {
      displayName: 'lease-reaper alarms',
      masterKey: key,
      enforceSSL: true,
    });
    for (const { sid, principal, conditions } of publishers)
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid,
          effect: Effect.ALLOW,
          principals: [principal],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions,
        }),
      );
    return topic;
  }

  /** What a deployer needs next: the roles to map in the clusters, and where things are. */
  private outputs(settings: Settings): void {
    new CfnOutput(this, 'RegistryParameterName', { value: this.registryParameter.parameterName });
    new CfnOutput(this, 'AuditFunctionName', { value: this.auditFunction.function.functionName });
    new CfnOutput(this, 'ReapFunctionName', { value: this.reapFunction.function.functionName });
    new CfnOutput(this, 'AuditRoleArn', {
      value: this.auditFunction.role.roleArn,
      description: `map to Kubernetes group ${settings.groups.audit} (access entry or aws-auth)`,
    });
    new CfnOutput(this, 'ReapRoleArn', {
      value: this.reapFunction.role.roleArn,
      description: `map to Kubernetes group ${settings.groups.reap} when reaping`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'FindingStateTableName', { value: this.findingState.table.tableName });
    if (this.criticalFindings)
      new CfnOutput(this, 'CriticalFindingsRuleName', { value: criticalFindingsRuleName(this.stackName) });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
  }
}

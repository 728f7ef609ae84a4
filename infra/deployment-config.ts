import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod/mini';
import { isAwsRegion } from '../shared/aws/partitions.ts';
import { parseConfigInput, readConfigFile } from '../shared/config-file.ts';
import { ConfigError } from '../shared/errors.ts';
import { durationSeconds } from '../shared/reap/reap-policy.ts';
import type { LeaseReaperStackProps, ReapPolicyInput, RegistryClusterInput } from './stack-props.ts';

/** An alarm's evaluation (the stack checks the combination against CloudWatch's rules). */
const timing = {
  period: z.optional(durationSeconds),
  evaluationPeriods: z.optional(z.int().check(z.gte(1))),
  datapointsToAlarm: z.optional(z.int().check(z.gte(1))),
};
const alarmTiming = z.strictObject(timing);
const alarm = z.strictObject({ ...timing, threshold: z.optional(z.number().check(z.gte(0))) });
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const awsAccount = z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account id'));
// One region rule for the stack and its clusters: the partition table's (eusc-de-east-1 too).
const awsRegion = z.string().check(z.refine(isAwsRegion, 'expected an AWS region'));

/**
 * The deployment as JSON or YAML: in cdk.json under the context key `leaseReaper`, or in a file named by
 * `-c leaseReaperConfig=FILE`. The fields are the stack's props, durations written as "5m" / "1h".
 * Clusters and the policy are validated by the stack with the functions' own schemas.
 */
export const deploymentConfigSchema = z.strictObject({
  stackName: z._default(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)), 'LeaseReaper'),
  env: z.optional(z.strictObject({ account: z.optional(awsAccount), region: z.optional(awsRegion) })),
  clusters: z.array(z.unknown()).check(z.minLength(1, 'name at least one cluster')),
  metricsNamespace: z.optional(z.string()),
  metricsSink: z.optional(z.enum(['cloudwatch', 'emf'])),
  concurrency: z.optional(z.int()),
  // Validated by the registry's own schema, as the functions read it.
  metrics: z.optional(z.unknown()),
  findingLogLimit: z.optional(z.int()),
  audit: z.optional(
    z.strictObject({ every: z.optional(durationSeconds), memorySize: z.optional(z.int().check(z.gte(128))) }),
  ),
  reap: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      every: z.optional(durationSeconds),
      policy: z.optional(z.unknown()),
      memorySize: z.optional(z.int().check(z.gte(128))),
      tombstoneRetention: z.optional(durationSeconds),
    }),
  ),
  alarms: z.optional(
    z.strictObject({
      staleNodeHeartbeats: z.optional(alarm),
      clusterScanErrors: z.optional(alarm),
      orphanedApiServerIdentities: z.optional(alarm),
      controlPlaneLeadersMissing: z.optional(alarm),
      auditorSilent: z.optional(alarmTiming),
      apiServersBelowExpected: z.optional(alarmTiming),
      deleteFailures: z.optional(alarm),
      runFailed: z.optional(alarm),
      perCluster: z.optional(z.boolean()),
    }),
  ),
  notifications: z.optional(
    z.strictObject({
      topicArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$/))),
      emails: z.optional(z.array(z.email())),
      criticalFindings: z.optional(z.boolean()),
      slack: z.optional(
        z.strictObject({
          workspaceId: z.string().check(z.regex(/^[0-9A-Z]{1,255}$/, 'expected a Slack workspace id (T…)')),
          channelId: z.string().check(z.regex(/^[A-Za-z0-9]{1,255}$/, 'expected a Slack channel id')),
        }),
      ),
      teams: z.optional(
        z.strictObject({
          teamId: z.string().check(z.regex(UUID, 'expected the team id (a UUID)')),
          channelId: z.string().check(z.minLength(1), z.maxLength(256)),
          tenantId: z.string().check(z.regex(UUID, 'expected the tenant id (a UUID)')),
        }),
      ),
    }),
  ),
  network: z.optional(
    z.strictObject({
      subnetIds: z
        .array(z.string().check(z.regex(/^subnet-[0-9a-f]+$/, 'expected a subnet id')))
        .check(z.minLength(1)),
      securityGroupIds: z
        .array(z.string().check(z.regex(/^sg-[0-9a-f]+$/, 'expected a security group id')))
        .check(z.minLength(1)),
    }),
  ),
  fanOut: z.optional(
    z.strictObject({
      threshold: z.optional(z.int().check(z.gte(1))),
      shardSize: z.optional(z.int().check(z.gte(1), z.lte(256))),
      maxConcurrency: z.optional(z.int().check(z.gte(1), z.lte(40))),
    }),
  ),
  eksAccess: z.optional(
    z.strictObject({
      createAccessEntries: z.optional(z.boolean()),
      auditGroup: z.optional(z.string().check(z.minLength(1))),
      reapGroup: z.optional(z.string().check(z.minLength(1))),
    }),
  ),
  secretsKmsKeyArns: z.optional(z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:kms:/)))),
  logRetentionDays: z.optional(z.enum(RetentionDays)),
  compliance: z.optional(
    z.strictObject({
      controlTower: z.optional(z.boolean()),
      logsKmsKeyArn: z.optional(
        z
          .string()
          .check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'expected a KMS key ARN')),
      ),
    }),
  ),
});

export type DeploymentConfig = z.output<typeof deploymentConfigSchema>;

/** Parses a deployment (object, or YAML/JSON text); one ConfigError names every field in error. */
export function parseDeploymentConfig(input: unknown, source: string): DeploymentConfig {
  return parseConfigInput(deploymentConfigSchema, input, source);
}

/** The deployment from the CDK context: `leaseReaperConfig` (a file) wins over `leaseReaper` (inline). */
export function deploymentFromContext(context: (key: string) => unknown): DeploymentConfig {
  const file = context('leaseReaperConfig');
  if (typeof file === 'string') {
    return parseDeploymentConfig(
      readConfigFile(file, `leaseReaperConfig ${file}`),
      `leaseReaperConfig ${file}`,
    );
  }
  const inline = context('leaseReaper');
  if (inline === undefined)
    throw new ConfigError(
      'no deployment configuration: set "leaseReaper" in cdk.json context, or pass -c leaseReaperConfig=FILE',
    );
  return parseDeploymentConfig(inline, 'cdk.json context "leaseReaper"');
}

const seconds = (s: number | undefined) => (s === undefined ? undefined : Duration.seconds(s));
/** An alarm's period in seconds, as a Duration. */
const withPeriod = <T extends { period?: number }>(a: T | undefined) =>
  a && defined({ ...a, period: seconds(a.period) });
const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The stack's props for a deployment. */
export function stackPropsFor(config: DeploymentConfig): LeaseReaperStackProps {
  const env = config.env ?? {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  return defined({
    env: defined({ account: env.account, region: env.region }),
    description: 'lease-reaper: audits Kubernetes Leases across a fleet; reaps abandoned ones (opt-in)',
    clusters: config.clusters as RegistryClusterInput[],
    metricsNamespace: config.metricsNamespace,
    metricsSink: config.metricsSink,
    concurrency: config.concurrency,
    metrics: config.metrics as LeaseReaperStackProps['metrics'],
    findingLogLimit: config.findingLogLimit,
    audit:
      config.audit && defined({ every: seconds(config.audit.every), memorySize: config.audit.memorySize }),
    reap:
      config.reap &&
      defined({
        enabled: config.reap.enabled,
        every: seconds(config.reap.every),
        policy: config.reap.policy as ReapPolicyInput | undefined,
        memorySize: config.reap.memorySize,
        tombstoneRetention: seconds(config.reap.tombstoneRetention),
      }),
    alarms:
      config.alarms &&
      defined({
        staleNodeHeartbeats: withPeriod(config.alarms.staleNodeHeartbeats),
        clusterScanErrors: withPeriod(config.alarms.clusterScanErrors),
        orphanedApiServerIdentities: withPeriod(config.alarms.orphanedApiServerIdentities),
        controlPlaneLeadersMissing: withPeriod(config.alarms.controlPlaneLeadersMissing),
        auditorSilent: withPeriod(config.alarms.auditorSilent),
        apiServersBelowExpected: withPeriod(config.alarms.apiServersBelowExpected),
        deleteFailures: withPeriod(config.alarms.deleteFailures),
        runFailed: withPeriod(config.alarms.runFailed),
        perCluster: config.alarms.perCluster,
      }),
    notifications: config.notifications,
    network: config.network,
    fanOut: config.fanOut,
    eksAccess: config.eksAccess,
    secretsKmsKeyArns: config.secretsKmsKeyArns,
    logRetention: config.logRetentionDays,
    compliance: config.compliance,
  });
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDeploymentConfig, stackPropsFor } from '../../infra/deployment-config.ts';
import type { LeaseReaperStackProps } from '../../infra/stack-props.ts';
import { ConfigError } from '../../shared/errors.ts';
import { eksFleet, resources, synth } from './support.ts';

// The first synthesis of a file (asset staging of the project) can take a minute on a busy machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ACCOUNT = '123456789012';
const network = { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] };
/** 60 clusters: past the fan-out threshold, so the state machine and its log group are there too. */
// Reaping on: every optional resource is in the templates (the fan-out past 50 clusters, the tombstone archive).
const fleet: Partial<LeaseReaperStackProps> = {
  clusters: eksFleet(60),
  logRetention: undefined,
  reap: { enabled: true, policy: { dryRun: false, namespaces: { include: ['team-*'] } } },
};
const controlTower = { ...fleet, compliance: { controlTower: true } };

type Statement = { Sid?: string; Effect: string; Principal: unknown; Action: unknown; Condition?: unknown };
const keyStatements = (properties: Record<string, unknown>) =>
  (properties.KeyPolicy as { Statement: Statement[] }).Statement;

describe('compliance in the deployment file', () => {
  const minimal = { clusters: [{ name: 'prod', type: 'eks', clusterName: 'prod', region: 'eu-west-1' }] };

  it('passes compliance.controlTower and the logs key through to the stack', () => {
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const config = parseDeploymentConfig(
      { ...minimal, compliance: { controlTower: true, logsKmsKeyArn: key } },
      'test config',
    );
    expect(stackPropsFor(config).compliance).toEqual({ controlTower: true, logsKmsKeyArn: key });
  });

  it('is off when absent', () => {
    expect(stackPropsFor(parseDeploymentConfig(minimal, 'test config')).compliance).toBeUndefined();
  });

  it('refuses an unknown field and a key that is not a KMS key ARN, naming both', () => {
    const attempt = () =>
      parseDeploymentConfig(
        { ...minimal, compliance: { controlTowr: true, logsKmsKeyArn: 'alias/logs' } },
        'test config',
      );
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/compliance\.logsKmsKeyArn.*expected a KMS key ARN/s);
    expect(attempt).toThrow(/controlTowr/);
  });
});

describe('Control Tower compliance mode', () => {
  let on: Record<string, unknown>;
  let off: Record<string, unknown>;
  beforeAll(() => {
    // cdk-nag's AwsSolutions checks run on the compliance-mode synth too: nothing new is left unjustified.
    on = synth(controlTower, { nag: true }).template.toJSON();
    off = synth(fleet).template.toJSON();
  });
  const resourcesOf = (template: Record<string, unknown>, type: string) =>
    Object.entries(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    )
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, r.Properties] as const);

  it('is off by default: compliance.controlTower false synthesizes exactly what no compliance does', () => {
    const explicitOff = synth({ ...fleet, compliance: { controlTower: false } }).template.toJSON();
    expect(explicitOff).toEqual(off);
    expect(resourcesOf(off, 'AWS::KMS::Key')).toHaveLength(1); // the topic's key only
    const groups = resourcesOf(off, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4); // audit, reap, and their fan-outs
    for (const [, group] of groups) {
      expect(group.RetentionInDays).toBe(30);
      expect(group.KmsKeyId).toBeUndefined();
    }
  });

  it('keeps every log group a year (CT.CLOUDWATCH.PR.2)', () => {
    const groups = resourcesOf(on, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4); // audit, reap, and their fan-outs
    for (const [, group] of groups) expect(group.RetentionInDays).toBe(365);
  });

  it('encrypts every log group with a rotated key CloudWatch Logs may use for those groups only (CT.CLOUDWATCH.PR.3, CT.KMS.PR.1)', () => {
    const [[keyId, key] = ['', {}], ...others] = resourcesOf(on, 'AWS::KMS::Key').filter(([id]) =>
      id.startsWith('LogsKey'),
    );
    expect(others).toEqual([]);
    expect(key.EnableKeyRotation).toBe(true);
    const groups = resourcesOf(on, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    for (const [, group] of groups) expect(group.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });

    const logs = keyStatements(key).find((s) => s.Sid === 'CloudWatchLogsEncryptLogGroups');
    expect(logs).toMatchObject({
      Effect: 'Allow',
      // logs.<region>.amazonaws.com (…amazonaws.com.cn in China): the regional CloudWatch Logs principal.
      Principal: { Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    });
    // The encryption context names exactly the stack's log groups, by the names they are created with.
    const condition = logs?.Condition as { ArnEquals: Record<string, string[]> } | undefined;
    const arns = condition?.ArnEquals['kms:EncryptionContext:aws:logs:arn'];
    const names = groups.map(([, g]) => g.LogGroupName);
    expect(names.sort()).toEqual([
      '/aws/vendedlogs/states/LeaseReaper-audit-fan-out',
      '/aws/vendedlogs/states/LeaseReaper-reap-fan-out',
      '/lease-reaper/LeaseReaper/audit',
      '/lease-reaper/LeaseReaper/reap',
    ]);
    expect(arns?.map((arn) => JSON.stringify(arn)).sort()).toEqual(
      names.map((name) =>
        JSON.stringify({
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:${ACCOUNT}:log-group:${name}`],
          ],
        }),
      ),
    );
  });

  it('lets only AWS services create grants on the stack’s keys (CT.KMS.PR.3)', () => {
    const keys = resourcesOf(on, 'AWS::KMS::Key');
    // The tombstone archive's own key (CT.S3.PR.10), beside the logs' and the topic's.
    expect(keys.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ArchiveKey',
      'LogsKey',
      'TopicKey',
    ]);
    for (const [, key] of keys)
      expect(keyStatements(key)).toContainEqual({
        Sid: 'GrantsForAwsServicesOnly',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      });
  });

  it('traces the fan-out state machine with X-Ray (CT.STEPFUNCTIONS.PR.2) and keeps its logging (CT.STEPFUNCTIONS.PR.1)', () => {
    const [[, machine] = ['', {}]] = resourcesOf(on, 'AWS::StepFunctions::StateMachine');
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL' });
    const [[, offMachine] = ['', {}]] = resourcesOf(off, 'AWS::StepFunctions::StateMachine');
    expect(offMachine.TracingConfiguration).toBeUndefined();
  });

  it('keeps a longer retention, and refuses a shorter one naming the control', () => {
    const tenYears = synth({ ...controlTower, logRetention: RetentionDays.TEN_YEARS }).template;
    const groups = resources(tenYears, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(3653);
    expect(() => synth({ ...controlTower, logRetention: RetentionDays.ONE_MONTH })).toThrow(
      /^logRetentionDays: 30 is under the 365 days compliance\.controlTower requires \(CT\.CLOUDWATCH\.PR\.2\); raise it or leave it unset$/,
    );
  });

  it('encrypts the logs with the deployment’s own key when given one, creating no logs key', () => {
    const arn = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const { template } = synth({ ...fleet, compliance: { controlTower: true, logsKmsKeyArn: arn } });
    // The topic's and the tombstone archive's keys are not the logs' key.
    expect(resources(template, 'AWS::KMS::Key').map(([id]) => id)).toEqual([
      expect.stringMatching(/^ArchiveKey/),
      expect.stringMatching(/^TopicKey/),
    ]);
    const groups = resources(template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    for (const [, group] of groups) expect(group.Properties.KmsKeyId).toBe(arn);
  });
});

/**
 * The Control Tower proactive controls as AWS ships them in cfn-guard rules, run by the CDK policy
 * validation plugin @cdklabs/cdk-validator-cfnguard (its bundled cfn-guard binary; no network), over
 * every rule it bundles. One cfn-guard run takes the three templates.
 */
describe('the Control Tower proactive controls (cdk-validator-cfnguard)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lease-reaper-guard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let failed: Record<'on' | 'onWithoutVpc' | 'off', string[]>;

  beforeAll(() => {
    const templates = {
      on: synth({ ...controlTower, network }).template.toJSON(),
      onWithoutVpc: synth(controlTower).template.toJSON(),
      off: synth({ ...fleet, network }).template.toJSON(),
    };
    const paths = Object.fromEntries(
      Object.entries(templates).map(([name, template]) => {
        const path = join(dir, `${name}.template.json`);
        writeFileSync(path, JSON.stringify(template));
        return [name, path];
      }),
    );
    const report = new CfnGuardValidator().validate({
      templatePaths: Object.values(paths),
      appConstruct: new App(),
    });
    failed = { on: [], onWithoutVpc: [], off: [] };
    for (const violation of report.violations) {
      const control = /^\[([A-Z0-9.]+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
      for (const resource of violation.violatingResources) {
        const name = Object.entries(paths).find(([, p]) => p === resource.templatePath)?.[0];
        failed[name as keyof typeof failed].push(`${control} ${resource.resourceLogicalId}`);
      }
    }
  });
  const controls = (found: string[]) => [...new Set(found.map((f) => f.split(' ')[0]))].sort();

  it('compliance mode with the functions in a VPC meets every control', () => {
    expect(failed.on).toEqual([]);
  });

  it('compliance mode outside a VPC fails only CT.LAMBDA.PR.3 (functions in a VPC: set network)', () => {
    expect(controls(failed.onWithoutVpc)).toEqual(['CT.LAMBDA.PR.3']);
  });

  it('is really checking: without compliance mode the logs, keys, bucket and state machine controls fail', () => {
    expect(controls(failed.off)).toEqual([
      'CT.CLOUDWATCH.PR.2',
      'CT.CLOUDWATCH.PR.3',
      'CT.KMS.PR.3',
      // The tombstone archive: SSE-S3, no versioning, no server access logs, no events, no Object Lock.
      'CT.S3.PR.10',
      'CT.S3.PR.11',
      'CT.S3.PR.2',
      'CT.S3.PR.4',
      'CT.S3.PR.9',
      'CT.STEPFUNCTIONS.PR.2',
    ]);
  });
});

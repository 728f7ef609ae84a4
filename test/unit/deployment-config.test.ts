import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  type DeploymentConfig,
  deploymentFromContext,
  parseDeploymentConfig,
  stackPropsFor,
} from '../../infra/deployment-config.ts';
import { ConfigError } from '../../shared/errors.ts';

const cdkJsonPath = join(import.meta.dirname, '..', '..', 'cdk.json');

async function cdkContext(): Promise<Record<string, unknown>> {
  const cdkJson = JSON.parse(await readFile(cdkJsonPath, 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

/** The least valid deployment. */
const minimal = { clusters: [{ name: 'prod-eu', type: 'eks', clusterName: 'prod', region: 'eu-west-1' }] };

/** The ConfigError `fn` throws (fails the test when it throws nothing, or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

const parse = (doc: unknown) => parseDeploymentConfig(doc, 'test config');

async function tempFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'lease-reaper-deploy-')), name);
  await writeFile(path, text);
  return path;
}

describe('the sample deployment in cdk.json', () => {
  it('parses, with the stack name, clusters, schedules and retention it spells', async () => {
    const context = await cdkContext();
    const config = deploymentFromContext((key) => context[key]);

    expect(config.stackName).toBe('LeaseReaper');
    expect(config.env).toEqual({ region: 'eu-west-1' });
    expect(config.clusters.map((c) => (c as { name: string }).name)).toEqual([
      'prod-eu',
      'staging-eu',
      'partner',
      'onprem-dc1',
    ]);
    expect(config.audit?.every).toBe(60);
    expect(config.reap?.every).toBe(3600);
    expect(config.reap?.enabled).toBe(false);
    expect(config.notifications?.emails).toEqual(['oncall@example.com']);
    expect(config.logRetentionDays).toBe(30);
  });

  it('becomes stack props: "1m" and "1h" as Durations of 60 s and 3600 s, 30 days as ONE_MONTH', async () => {
    const context = await cdkContext();
    const props = stackPropsFor(deploymentFromContext((key) => context[key]));

    expect(props.audit?.every).toBeInstanceOf(Duration);
    expect(props.audit?.every?.toSeconds()).toBe(60);
    expect(props.reap?.every).toBeInstanceOf(Duration);
    expect(props.reap?.every?.toSeconds()).toBe(3600);
    expect(props.reap?.enabled).toBe(false);
    expect(props.reap?.policy).toEqual({
      dryRun: true,
      namespaces: { include: ['team-*'] },
      minExpiredFor: '24h',
    });
    expect(props.logRetention).toBe(RetentionDays.ONE_MONTH);
    expect(props.env).toEqual({ region: 'eu-west-1' });
    expect(props.alarms?.staleNodeHeartbeats).toEqual({ threshold: 1, evaluationPeriods: 2 });
    expect(props.clusters).toHaveLength(4);
  });
});

describe('parseDeploymentConfig', () => {
  it('fills in the stack name and leaves out what is not set', () => {
    const config = parse(minimal);
    expect(config).toEqual({ stackName: 'LeaseReaper', clusters: minimal.clusters });
    const props = stackPropsFor({ ...config, env: { region: 'us-east-1' } });
    expect(Object.keys(props).sort()).toEqual(['clusters', 'description', 'env']);
  });

  it('reads YAML text as well as objects', () => {
    const config = parse(
      'stackName: Reaper-Prod\nclusters:\n  - name: prod\n    type: eks\n    clusterName: prod\naudit:\n  every: 10m\n',
    );
    expect(config.stackName).toBe('Reaper-Prod');
    expect(config.audit?.every).toBe(600);
  });

  it('turns every duration into a Duration of its seconds', () => {
    const props = stackPropsFor(
      parse({
        ...minimal,
        env: { account: '123456789012', region: 'eu-central-1' },
        audit: { every: '5m' },
        reap: { every: '1h' },
        alarms: { auditorSilent: { period: '5m' }, staleNodeHeartbeats: { period: '30s' } },
      }),
    );
    expect(props.audit?.every?.toSeconds()).toBe(300);
    expect(props.reap?.every?.toSeconds()).toBe(3600);
    expect(props.alarms?.auditorSilent?.period?.toSeconds()).toBe(300);
    expect(props.alarms?.staleNodeHeartbeats?.period?.toSeconds()).toBe(30);
    expect(props.env).toEqual({ account: '123456789012', region: 'eu-central-1' });
  });

  it.each([
    ['top level', { ...minimal, clusterz: [] }, /\(top level\): .*"clusterz"/],
    ['audit', { ...minimal, audit: { every: '5m', evry: '1m' } }, /audit: .*"evry"/],
    ['reap', { ...minimal, reap: { enable: true } }, /reap: .*"enable"/],
    [
      'alarms',
      { ...minimal, alarms: { staleNodeHeartbeats: { treshold: 1 } } },
      /alarms\.staleNodeHeartbeats: .*"treshold"/,
    ],
    [
      'network',
      { ...minimal, network: { subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0a'], vpc: 'x' } },
      /network: .*"vpc"/,
    ],
  ])('rejects an unknown key (%s), naming where it is', (_, doc, message) => {
    const error = configError(() => parse(doc));
    expect(error.message).toMatch(/^test config is invalid: /);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/Unrecognized key/);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a subnet id',
      { network: { subnetIds: ['subnet-0abc', 'vpc-0abc'], securityGroupIds: ['sg-0abc'] } },
      /network\.subnetIds\.1: expected a subnet id/,
    ],
    [
      'a security group id',
      { network: { subnetIds: ['subnet-0abc'], securityGroupIds: ['0abc'] } },
      /network\.securityGroupIds\.0: expected a security group id/,
    ],
    [
      'an email',
      { notifications: { emails: ['oncall@example.com', 'oncall'] } },
      /notifications\.emails\.1: /,
    ],
    ['a region', { env: { region: 'Europe (Ireland)' } }, /env\.region: expected an AWS region/],
    ['an account', { env: { account: '1234' } }, /env\.account: expected a 12-digit account id/],
    ['a duration', { audit: { every: '5 minutes' } }, /audit\.every: expected whole seconds or a duration/],
    ['a memory size', { reap: { memorySize: 64 } }, /reap\.memorySize: /],
  ])('rejects a bad value (%s), naming the field', (_, fields, message) => {
    const error = configError(() => parse({ ...minimal, ...(fields as object) }));
    expect(error.message).toMatch(message);
  });

  it('names every problem at once', () => {
    const error = configError(() =>
      parse({ ...minimal, env: { region: 'nowhere' }, notifications: { emails: ['x'] }, extra: true }),
    );
    expect(error.message).toMatch(/env\.region/);
    expect(error.message).toMatch(/notifications\.emails\.0/);
    expect(error.message).toMatch(/"extra"/);
  });

  it('needs at least one cluster', () => {
    expect(configError(() => parse({ clusters: [] })).message).toMatch(/clusters: name at least one cluster/);
    expect(configError(() => parse({})).message).toMatch(/clusters: /);
  });

  it('says when the text is not YAML or JSON', () => {
    const error = configError(() => parse('clusters: [unclosed'));
    expect(error.message).toBe(
      'test config is not valid YAML or JSON: unexpected end of the stream within a flow collection (2:1)',
    );
    expect(error.cause).toBeDefined();
  });

  it.each([
    [1, RetentionDays.ONE_DAY],
    [30, RetentionDays.ONE_MONTH],
    [365, RetentionDays.ONE_YEAR],
    [9999, RetentionDays.INFINITE],
  ])('maps logRetentionDays %i to its RetentionDays', (days, retention) => {
    expect(stackPropsFor(parse({ ...minimal, logRetentionDays: days })).logRetention).toBe(retention);
  });

  it.each([31, 0, -30, 'ONE_MONTH', '30'])(
    'rejects logRetentionDays %j, which CloudWatch Logs does not offer',
    (days) => {
      const error = configError(() => parse({ ...minimal, logRetentionDays: days }));
      expect(error.message).toMatch(/logRetentionDays: /);
      expect(error.message).toMatch(/30/); // lists what is allowed
    },
  );
});

describe('deploymentFromContext', () => {
  const contextOf =
    (values: Record<string, unknown>) =>
    (key: string): unknown =>
      values[key];

  it('reads the YAML file named by leaseReaperConfig', async () => {
    const file = await tempFile(
      'deploy.yaml',
      'stackName: FromFile\nclusters:\n  - { name: lab, type: eks, clusterName: lab }\nreap:\n  every: 2h\n',
    );
    const config = deploymentFromContext(contextOf({ leaseReaperConfig: file }));
    expect(config.stackName).toBe('FromFile');
    expect(config.reap?.every).toBe(7200);
  });

  it('prefers the file over the inline leaseReaper context', async () => {
    const file = await tempFile('deploy.yaml', 'stackName: FromFile\nclusters: [{ name: lab }]\n');
    const context = await cdkContext();
    expect(context.leaseReaper).toBeDefined();

    const config: DeploymentConfig = deploymentFromContext(
      contextOf({ leaseReaper: context.leaseReaper, leaseReaperConfig: file }),
    );

    expect(config.stackName).toBe('FromFile');
    expect(config.clusters).toEqual([{ name: 'lab' }]);
    expect(config.audit).toBeUndefined();
  });

  it('names the file when it is invalid', async () => {
    const file = await tempFile('deploy.yaml', 'clusters: [{ name: lab }]\nlogRetentionDays: 31\n');
    const error = configError(() => deploymentFromContext(contextOf({ leaseReaperConfig: file })));
    expect(error.message).toContain(`leaseReaperConfig ${file} is invalid`);
    expect(error.message).toMatch(/logRetentionDays/);
  });

  it('says so when the file cannot be read', async () => {
    const missing = join(await mkdtemp(join(tmpdir(), 'lease-reaper-deploy-')), 'absent.yaml');
    const error = configError(() => deploymentFromContext(contextOf({ leaseReaperConfig: missing })));
    expect(error.message).toMatch(new RegExp(`^leaseReaperConfig ${missing} cannot be read: ENOENT`));
  });

  it('refuses a file over the 1 MiB cap before parsing it, naming the file and the cap', async () => {
    const text = `stackName: Big\nclusters: [{ name: lab }]\n#${'x'.repeat(1024 * 1024)}\n`;
    const file = await tempFile('deploy.yaml', text);
    const error = configError(() => deploymentFromContext(contextOf({ leaseReaperConfig: file })));
    expect(error.message).toBe(
      `leaseReaperConfig ${file} is ${text.length} bytes, over the 1 MiB (1048576 bytes) limit for configuration`,
    );
  });

  it('names the inline context when it is invalid', () => {
    const error = configError(() =>
      deploymentFromContext(contextOf({ leaseReaper: { ...minimal, env: { region: 'mars' } } })),
    );
    expect(error.message).toMatch(/^cdk\.json context "leaseReaper" is invalid: env\.region/);
  });

  it('without any configuration, says where to put it', () => {
    const error = configError(() => deploymentFromContext(contextOf({})));
    expect(error.message).toContain('"leaseReaper"');
    expect(error.message).toContain('leaseReaperConfig');
  });
});

describe('the stack region', () => {
  it.each(['eu-west-1', 'cn-north-1', 'us-gov-west-1', 'eusc-de-east-1'])(
    'accepts %s, as the cluster list does',
    (region) => {
      expect(parse({ ...minimal, env: { region } }).env).toEqual({ region });
    },
  );
});

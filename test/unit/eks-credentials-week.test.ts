import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import type { KubeConfig } from '@kubernetes/client-node';
import { Duration } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { timeoutFor } from '../../infra/fleet-function.ts';
import { eksToken } from '../../shared/aws/eks-token.ts';
import { type AwsClientFactory, ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry, type RegistryCluster } from '../../shared/fleet/cluster-registry.ts';
import { type IssuedCredentials, verifyEksToken } from '../support/iam-authenticator.ts';

/**
 * A week of scheduled runs on a fake clock, every request's token checked as aws-iam-authenticator and STS
 * would (test/support/iam-authenticator.ts). Each run lasts its whole function timeout (the infra's
 * `timeoutFor`: 270 s for a 5-minute audit, 210 s for 4 minutes, 60 s for 1 minute, 900 s for the hourly
 * reap), sends a request per cluster at its start, every minute and in its last millisecond, and the
 * container stays warm all week: the worst case for anything cached.
 */

const WEEK_MS = 7 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;
const START = Date.parse('2026-11-23T00:00:00Z');

/** The cluster side of each registry entry: its name at EKS, partition and region. */
const registry = parseClusterRegistry({
  clusters: [
    { name: 'own', type: 'eks', clusterName: 'prod', region: 'eu-west-1' },
    {
      name: 'partner',
      type: 'eks',
      clusterName: 'shared',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::210987654321:role/lr',
    },
    {
      name: 'partner-b',
      type: 'eks',
      clusterName: 'batch',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::210987654321:role/lr',
    },
    {
      name: 'china',
      type: 'eks',
      clusterName: 'cn',
      region: 'cn-north-1',
      roleArn: 'arn:aws-cn:iam::310987654321:role/lr',
    },
    {
      name: 'sovereign',
      type: 'eks',
      clusterName: 'eu',
      region: 'eusc-de-east-1',
      roleArn: 'arn:aws-eusc:iam::410987654321:role/lr',
    },
  ],
});
const partitionOf: Record<string, string> = {
  'eu-west-1': 'aws',
  'cn-north-1': 'aws-cn',
  'eusc-de-east-1': 'aws-eusc',
};

interface FakeSts {
  issued: Map<string, IssuedCredentials>;
  assumeRoleCalls: number;
  clients: AwsClientFactory;
}

/**
 * STS as a Lambda sees it: AssumeRole grants the duration asked (at most `capSeconds`, as a role's
 * MaxSessionDuration or role chaining would); the function's own role credentials come from the SDK's
 * provider chain, which renews them 5 minutes before they expire (here: hourly credentials).
 */
function fakeSts(capSeconds: number): FakeSts {
  const issued = new Map<string, IssuedCredentials>();
  let serial = 0;
  const issue = (lifetimeMs: number) => {
    const accessKeyId = `ASIA${String(++serial).padStart(12, '0')}`;
    const creds = {
      secretAccessKey: `secret-${serial}`,
      sessionToken: `session-${serial}`,
      expiresAtMs: Date.now() + lifetimeMs,
    };
    issued.set(accessKeyId, creds);
    return { accessKeyId, ...creds };
  };
  const own = issue(3600_000);
  let ownCreds = own;
  const sts = new STSClient({
    region: 'eu-west-1',
    credentials: async () => {
      if (Date.now() > ownCreds.expiresAtMs - 300_000) ownCreds = issue(3600_000);
      return { ...ownCreds, expiration: new Date(ownCreds.expiresAtMs) };
    },
  });
  const eks = new EKSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const state: FakeSts = {
    issued,
    assumeRoleCalls: 0,
    clients: { sts: async () => sts, eks: async () => eks, secretsManager: async () => never() },
  };
  mockClient(sts)
    .on(AssumeRoleCommand)
    .callsFake((input: AssumeRoleCommandInput) => {
      state.assumeRoleCalls++;
      const c = issue(Math.min(input.DurationSeconds ?? 3600, capSeconds) * 1000);
      return {
        Credentials: {
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          SessionToken: c.sessionToken,
          Expiration: new Date(c.expiresAtMs),
        },
      };
    });
  mockClient(eks)
    .on(DescribeClusterCommand)
    .resolves({
      cluster: { endpoint: 'https://ABC.gr7.eks.example', certificateAuthority: { data: 'Q0E=' } },
    });
  return state;
}
const never = (): never => {
  throw new Error('not used');
};

async function bearer(kc: KubeConfig): Promise<string> {
  const opts: { headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(opts);
  return (opts.headers?.Authorization ?? '').replace(/^Bearer /, '');
}

interface WeekResult {
  runs: number;
  requests: number;
  rejected: Record<string, number>;
  assumeRoleCalls: number;
  tokensMinted: number;
  /** The oldest token sent, seconds after its X-Amz-Date. */
  maxTokenAgeS: number;
  /** The least time its credentials had left when a token was sent, seconds. */
  minCredentialsLeftS: number;
}

async function simulate(
  every: Duration,
  options: { capSeconds: number; wireTimeout: boolean; spanMs: number },
): Promise<WeekResult> {
  vi.setSystemTime(START);
  const sts = fakeSts(options.capSeconds);
  const timeoutMs = timeoutFor(every).toMilliseconds();
  const connector = new ClusterConnector(
    sts.clients,
    undefined,
    options.wireTimeout ? { runTimeoutMs: timeoutMs } : {},
  );
  const result: WeekResult = {
    runs: 0,
    requests: 0,
    rejected: {},
    assumeRoleCalls: 0,
    tokensMinted: 0,
    maxTokenAgeS: 0,
    minCredentialsLeftS: Number.POSITIVE_INFINITY,
  };
  const tokens = new Set<string>();
  for (let runStart = START; runStart < START + options.spanMs; runStart += every.toMilliseconds()) {
    result.runs++;
    vi.setSystemTime(runStart);
    const targets = await Promise.all(registry.clusters.map((entry) => connector.connect(entry)));
    const times: number[] = [];
    for (let t = runStart; t < runStart + timeoutMs; t += 60_000) times.push(t);
    times.push(runStart + timeoutMs - 1);
    for (const t of times) {
      vi.setSystemTime(t);
      for (const [i, target] of targets.entries()) {
        const entry = registry.clusters[i] as Extract<RegistryCluster, { type: 'eks' }>;
        const token = await bearer(target.kubeConfig);
        tokens.add(token);
        result.requests++;
        const verdict = verifyEksToken(token, t, {
          clusterId: entry.clusterName,
          partition: partitionOf[entry.region] ?? 'unknown',
          region: entry.region,
          credentials: (id) => sts.issued.get(id),
        });
        if (!verdict.ok) {
          const key = `${verdict.by}: ${verdict.reason}`;
          result.rejected[key] = (result.rejected[key] ?? 0) + 1;
          continue;
        }
        const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
        const date = url.searchParams.get('X-Amz-Date') ?? '';
        const signedAt = Date.parse(
          `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
        );
        result.maxTokenAgeS = Math.max(result.maxTokenAgeS, (t - signedAt) / 1000);
        const expiresAt = sts.issued.get(verdict.accessKeyId)?.expiresAtMs ?? Number.POSITIVE_INFINITY;
        result.minCredentialsLeftS = Math.min(result.minCredentialsLeftS, (expiresAt - t) / 1000);
      }
    }
  }
  result.assumeRoleCalls = sts.assumeRoleCalls;
  result.tokensMinted = tokens.size;
  return result;
}

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterAll(() => {
  vi.useRealTimers();
});

const SCHEDULES = [
  { name: 'audit every 5 min (270 s runs)', every: Duration.minutes(5) },
  { name: 'audit every 4 min (210 s runs)', every: Duration.minutes(4) },
  { name: 'audit every 1 min (60 s runs)', every: Duration.minutes(1) },
  { name: 'reap every hour (900 s runs)', every: Duration.hours(1) },
  { name: 'reap every 10 min (570 s runs)', every: Duration.minutes(10) },
];
/**
 * The week as deployed; a day each where the function's timeout is passed in, and where STS grants only
 * 900 s (a role capped below what is asked): credentials then never outlast a run and are renewed mid-run.
 */
const VARIANTS = [
  { name: 'a week as deployed', capSeconds: 3600, wireTimeout: false, spanMs: WEEK_MS },
  { name: 'a day with the timeout passed in', capSeconds: 3600, wireTimeout: true, spanMs: DAY_MS },
  { name: 'a day of 900 s credentials', capSeconds: 900, wireTimeout: false, spanMs: DAY_MS },
];

describe('a simulated week of EKS tokens, checked as aws-iam-authenticator and STS would', () => {
  it.each(SCHEDULES.flatMap((s) => VARIANTS.map((v) => ({ ...s, variant: v }))))(
    '$name, $variant.name: no request is refused',
    { timeout: 600_000 },
    async ({ name, every, variant }) => {
      const r = await simulate(every, variant);

      console.log(
        `[eks-week] ${name}, ${variant.name}: ${r.runs} runs, ${r.requests} requests, ` +
          `${Object.values(r.rejected).reduce((a, b) => a + b, 0)} rejected, ${r.tokensMinted} tokens minted, ` +
          `${r.assumeRoleCalls} AssumeRole calls, oldest token sent ${r.maxTokenAgeS} s after signing, ` +
          `least credential life left at a send ${Math.round(r.minCredentialsLeftS)} s`,
      );
      expect(r.rejected).toEqual({});
      expect(r.requests).toBeGreaterThan(r.runs * registry.clusters.length);
      expect(r.maxTokenAgeS).toBeLessThanOrEqual(15 * 60 - 60);
      expect(r.minCredentialsLeftS).toBeGreaterThanOrEqual(60);
    },
  );
});

describe('the verifier used above', () => {
  const creds = { accessKeyId: 'ASIAVERIFIER', secretAccessKey: 'secret', sessionToken: 'session' };
  const at = Date.parse('2026-11-25T12:00:00Z');
  const verifier = (expiresAtMs?: number) => ({
    clusterId: 'prod',
    partition: 'aws',
    region: 'eu-west-1',
    credentials: (id: string) =>
      id === creds.accessKeyId ? { ...creds, ...(expiresAtMs ? { expiresAtMs } : {}) } : undefined,
  });

  it('refuses a token 15 minutes after its X-Amz-Date, a token of expired credentials and one for another cluster', async () => {
    vi.setSystemTime(at);
    const token = await eksToken('prod', 'eu-west-1', creds, new Date(at));
    const other = await eksToken('staging', 'eu-west-1', creds, new Date(at));

    expect(verifyEksToken(token, at + 15 * 60_000, verifier())).toMatchObject({ ok: true });
    expect(verifyEksToken(token, at + 15 * 60_000 + 1000, verifier())).toMatchObject({
      ok: false,
      by: 'authenticator',
      reason: expect.stringContaining('X-Amz-Date parameter is expired'),
    });
    expect(verifyEksToken(token, at + 5 * 60_000, verifier(at + 5 * 60_000))).toMatchObject({
      ok: false,
      by: 'sts',
      reason: expect.stringContaining('ExpiredToken'),
    });
    expect(verifyEksToken(other, at, verifier())).toMatchObject({
      ok: false,
      reason: 'SignatureDoesNotMatch',
    });
  });
});

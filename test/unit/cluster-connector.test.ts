import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { KubeConfig } from '@kubernetes/client-node';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ClusterCredentialsError } from '../../shared/errors.ts';
import { type AwsClientFactory, ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';

const credentials = {
  accessKeyId: 'AKIDLAMBDAROLE',
  secretAccessKey: 'secret',
  sessionToken: 'lambda-session',
};
const eks = new EKSClient({ region: 'eu-west-1', credentials });
const sts = new STSClient({ region: 'eu-west-1', credentials });
const sm = new SecretsManagerClient({ region: 'eu-west-1', credentials });
const eksMock = mockClient(eks);
const stsMock = mockClient(sts);
const smMock = mockClient(sm);
/** The credentials each EKS client was asked for (undefined: the function's own role). */
let eksCredentials: (string | undefined)[] = [];
const clients: AwsClientFactory = {
  eks: async (_region, credentials) => {
    eksCredentials.push(credentials?.accessKeyId);
    return eks;
  },
  sts: async () => sts,
  secretsManager: async () => sm,
};

const registry = parseClusterRegistry({
  clusters: [
    { name: 'prod-eu', type: 'eks', clusterName: 'prod', region: 'eu-west-1' },
    {
      name: 'partner',
      type: 'eks',
      clusterName: 'shared',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::210987654321:role/lease-reaper',
    },
    {
      name: 'onprem',
      type: 'kubeconfig',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onprem-AbCd',
    },
  ],
});
function entry(name: string) {
  const found = registry.clusters.find((c) => c.name === name);
  if (!found) throw new Error(`no registry entry ${name}`);
  return found;
}

function tokenUrl(token: string | undefined): URL {
  return new URL(Buffer.from((token ?? '').replace('k8s-aws-v1.', ''), 'base64url').toString());
}

/** The bearer token client-node sends on a request through this KubeConfig (asked for per request). */
async function bearer(kc: KubeConfig): Promise<string> {
  const opts: { headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(opts);
  return (opts.headers?.Authorization ?? '').replace(/^Bearer /, '');
}

beforeEach(() => {
  eksCredentials = [];
  eksMock.reset();
  stsMock.reset();
  smMock.reset();
  eksMock.on(DescribeClusterCommand).resolves({
    cluster: {
      endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
    },
  });
});

describe('ClusterConnector', () => {
  it('reaches an EKS cluster at its DescribeCluster endpoint with a token signed by the function role', async () => {
    const target = await new ClusterConnector(clients).connect(entry('prod-eu'));

    const cluster = target.kubeConfig.getCurrentCluster();
    expect(cluster).toMatchObject({
      server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      caData: 'LS0tLS1CRUdJTg==',
      skipTLSVerify: false,
    });
    expect(eksMock).toHaveReceivedCommandWith(DescribeClusterCommand, { name: 'prod' });
    const url = tokenUrl(await bearer(target.kubeConfig));
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDLAMBDAROLE\//);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('x-k8s-aws-id');
    expect(stsMock).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(eksCredentials).toEqual([undefined]);
  });

  it('assumes the entry’s role first, describes the cluster and signs as that role, assuming it once', async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAPARTNER',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(Date.now() + 3600_000),
      },
    });

    const target = await new ClusterConnector(clients).connect(entry('partner'));

    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::210987654321:role/lease-reaper',
      RoleSessionName: 'lease-reaper',
      DurationSeconds: 3600,
    });
    expect(tokenUrl(await bearer(target.kubeConfig)).searchParams.get('X-Amz-Credential')).toMatch(
      /^ASIAPARTNER\//,
    );
    // DescribeCluster in the other account is made with the assumed role, not the function's own.
    expect(eksCredentials).toEqual(['ASIAPARTNER']);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('caches the cluster description and mints a token per connect, re-minted within a run before EKS’s 15 minutes', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    const connector = new ClusterConnector(clients, () => now);
    const prod = entry('prod-eu');

    const run1 = await connector.connect(prod);
    const first = await bearer(run1.kubeConfig);
    now += 13 * 60_000 + 59_000;
    const stillFirst = await bearer(run1.kubeConfig);
    now += 1000; // 14 minutes after X-Amz-Date: one minute of margin left
    const renewed = await bearer(run1.kubeConfig);
    now += 60_000;
    const run2 = await connector.connect(prod);

    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);
    expect(stillFirst).toBe(first);
    expect(renewed).not.toBe(first);
    expect(tokenUrl(renewed).searchParams.get('X-Amz-Date')).toBe('20261125T121400Z');
    expect(await bearer(run2.kubeConfig)).not.toBe(renewed);
  });

  it('reuses assumed-role credentials only while they outlast a whole run, and never signs past their expiry', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    let serial = 0;
    stsMock.on(AssumeRoleCommand).callsFake(() => ({
      Credentials: {
        AccessKeyId: `ASIAROLE${++serial}`,
        SecretAccessKey: 's',
        SessionToken: 't',
        // A role that grants only 15 minutes, whatever is asked.
        Expiration: new Date(now + 900_000),
      },
    }));
    const connector = new ClusterConnector(clients, () => now, { runTimeoutMs: 270_000 });
    const partner = entry('partner');
    const keyOf = async (kc: KubeConfig) =>
      tokenUrl(await bearer(kc))
        .searchParams.get('X-Amz-Credential')
        ?.split('/')[0];

    const run1 = await keyOf((await connector.connect(partner)).kubeConfig);
    now += 5 * 60_000;
    const run2 = await connector.connect(partner); // 10 min left ≥ 270 s + 60 s: reused
    const run2Key = await keyOf(run2.kubeConfig);
    now += 5 * 60_000;
    const run3 = await keyOf((await connector.connect(partner)).kubeConfig); // 5 min left: assumed again
    now += 4 * 60_000; // run2's credentials expire in a minute: its token is re-minted with run3's
    const run2Late = await keyOf(run2.kubeConfig);

    expect([run1, run2Key, run3, run2Late]).toEqual(['ASIAROLE1', 'ASIAROLE1', 'ASIAROLE2', 'ASIAROLE2']);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('reads a kubeconfig cluster from its secret', async () => {
    smMock.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        clusters: [
          { name: 'c', cluster: { server: 'https://10.1.2.3:6443', 'certificate-authority-data': 'Q0E=' } },
        ],
        users: [{ name: 'u', user: { token: 'sa-token-value' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    });

    const target = await new ClusterConnector(clients).connect(entry('onprem'));

    expect(target.kubeConfig.getCurrentCluster()?.server).toBe('https://10.1.2.3:6443');
    expect(smMock).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onprem-AbCd',
    });
  });

  it('turns a refused secret or an AWS failure into a credentials error for that cluster only', async () => {
    smMock.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://10.1.2.3:6443' } }],
        users: [{ name: 'u', user: { exec: { command: 'aws', args: ['eks', 'get-token'] } } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    });
    eksMock
      .on(DescribeClusterCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const connector = new ClusterConnector(clients);

    const secretError = await connector.connect(entry('onprem')).catch((e: unknown) => e);
    const eksError = await connector.connect(entry('prod-eu')).catch((e: unknown) => e);

    expect(secretError).toBeInstanceOf(ClusterCredentialsError);
    expect(secretError).toMatchObject({
      cluster: 'onprem',
      kind: 'credentials',
      message: expect.stringContaining('"exec" is not allowed (runs a command)'),
    });
    expect(eksError).toMatchObject({
      cluster: 'prod-eu',
      kind: 'credentials',
      message: expect.stringContaining('AccessDeniedException'),
    });
  });
});

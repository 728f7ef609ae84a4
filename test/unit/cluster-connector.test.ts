import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
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
    const url = tokenUrl(target.kubeConfig.getCurrentUser()?.token);
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
        Expiration: new Date(),
      },
    });

    const target = await new ClusterConnector(clients).connect(entry('partner'));

    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::210987654321:role/lease-reaper',
      RoleSessionName: 'lease-reaper',
    });
    expect(tokenUrl(target.kubeConfig.getCurrentUser()?.token).searchParams.get('X-Amz-Credential')).toMatch(
      /^ASIAPARTNER\//,
    );
    // DescribeCluster in the other account is made with the assumed role, not the function's own.
    expect(eksCredentials).toEqual(['ASIAPARTNER']);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('caches the cluster description and reuses a token for 5 minutes, then mints a new one', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    const connector = new ClusterConnector(clients, () => now);
    const prod = entry('prod-eu');

    const first = await connector.connect(prod);
    now += 4 * 60_000;
    const second = await connector.connect(prod);
    now += 2 * 60_000;
    const third = await connector.connect(prod);

    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);
    expect(second.kubeConfig.getCurrentUser()?.token).toBe(first.kubeConfig.getCurrentUser()?.token);
    expect(third.kubeConfig.getCurrentUser()?.token).not.toBe(first.kubeConfig.getCurrentUser()?.token);
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
      message: expect.stringContaining('uses exec'),
    });
    expect(eksError).toMatchObject({
      cluster: 'prod-eu',
      kind: 'credentials',
      message: expect.stringContaining('AccessDeniedException'),
    });
  });
});

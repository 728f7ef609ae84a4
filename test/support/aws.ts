import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach } from 'vitest';
import type { AwsClientFactory } from '../../shared/fleet/cluster-connector.ts';

/**
 * The AWS side of a function test: Secrets Manager and CloudWatch clients mocked with aws-sdk-client-mock
 * (reset before each test; PutMetricData succeeds unless a test says otherwise), and the connector's
 * client factory over them. Kubernetes is never mocked: the secrets hold simulated clusters' kubeconfigs.
 */
export function mockedAws() {
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
  const sm = new SecretsManagerClient({ region: 'eu-west-1', credentials });
  const cw = new CloudWatchClient({ region: 'eu-west-1', credentials });
  const smMock = mockClient(sm);
  const cwMock = mockClient(cw);
  beforeEach(() => {
    smMock.reset();
    cwMock.reset();
    cwMock.on(PutMetricDataCommand).resolves({});
  });
  const clients: AwsClientFactory = {
    secretsManager: async () => sm,
    eks: async () => new EKSClient({}),
    sts: async () => new STSClient({}),
  };
  /** The secret `secretArn(name)` holds this kubeconfig. */
  const serveKubeconfig = (name: string, kubeconfig: string) =>
    smMock.on(GetSecretValueCommand, { SecretId: secretArn(name) }).resolves({ SecretString: kubeconfig });
  return { sm, cw, smMock, cwMock, clients, serveKubeconfig };
}

/** The same kubeconfig pointing at a port nothing listens on: a cluster that cannot be reached. */
export function unreachableKubeconfig(kubeconfig: string): string {
  const doc = JSON.parse(kubeconfig) as { clusters: { cluster: { server: string } }[] };
  for (const c of doc.clusters) c.cluster.server = 'https://127.0.0.1:9';
  return JSON.stringify(doc);
}

/** A kubeconfig secret's ARN (full: with Secrets Manager's random suffix). */
export const secretArn = (name: string) =>
  `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

/** A Lambda context with a deadline one minute away. */
export const lambdaContext = {
  getRemainingTimeInMillis: () => 60_000,
  functionName: 'lease-reaper-test',
  awsRequestId: 'req-1',
} as unknown as Context;

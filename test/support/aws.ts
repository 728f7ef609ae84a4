import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
  return { sm, cw, smMock, cwMock, clients };
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

import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
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

/**
 * The alerting side of a function test: a DynamoDB client over a table kept in memory (GetItem; PutItem
 * only with the state store's condition, which it honours: no item yet, or the revision read), and an
 * EventBridge client whose PutEvents accepts every entry unless a test says otherwise. Reset before each test.
 */
export function mockedAlertingAws() {
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
  const ddb = new DynamoDBClient({ region: 'eu-west-1', credentials });
  const eb = new EventBridgeClient({ region: 'eu-west-1', credentials });
  const ddbMock = mockClient(ddb);
  const ebMock = mockClient(eb);
  const items = new Map<string, Record<string, AttributeValue>>();
  beforeEach(() => {
    items.clear();
    ddbMock.reset();
    ebMock.reset();
    ddbMock.on(GetItemCommand).callsFake((input: { Key: Record<string, AttributeValue> }) => {
      const item = items.get(input.Key.cluster?.S ?? '');
      return item ? { Item: structuredClone(item) } : {};
    });
    ddbMock
      .on(PutItemCommand)
      .callsFake(
        (input: {
          Item: Record<string, AttributeValue>;
          ConditionExpression?: string;
          ExpressionAttributeNames?: Record<string, string>;
          ExpressionAttributeValues?: Record<string, AttributeValue>;
        }) => {
          if (
            input.ConditionExpression !== 'attribute_not_exists(#c) OR revision = :prev' ||
            input.ExpressionAttributeNames?.['#c'] !== 'cluster'
          )
            throw new Error(`unexpected condition: ${input.ConditionExpression}`);
          const key = input.Item.cluster?.S ?? '';
          const existing = items.get(key);
          if (existing && existing.revision?.N !== input.ExpressionAttributeValues?.[':prev']?.N)
            throw new ConditionalCheckFailedException({
              message: 'The conditional request failed',
              $metadata: {},
            });
          items.set(key, structuredClone(input.Item));
          return {};
        },
      );
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `event-${i}` })),
    }));
  });
  return { ddb, eb, ddbMock, ebMock, items };
}

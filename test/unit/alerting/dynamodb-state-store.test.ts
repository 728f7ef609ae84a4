import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbStateStore, SAVE_CONDITION } from '../../../shared/alerting/dynamodb-state-store.ts';
import type { ClusterFindingState } from '../../../shared/alerting/open-findings.ts';
import { decodeState, encodeState } from '../../../shared/alerting/state-codec.ts';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'eu-west-1' });
const store = dynamoDbStateStore(client, 'lease-reaper-state');
const now = Date.parse('2026-11-25T03:05:11.302Z');
const state: ClusterFindingState = {
  open: [
    {
      type: 'StaleNodeHeartbeat',
      severity: 'critical',
      namespace: 'kube-node-lease',
      name: 'node-a',
      since: '2026-11-25T02:55:00.000Z',
      reason: 'Node node-a last renewed its heartbeat 10 min ago.',
      node: 'node-a',
    },
  ],
  counts: { StaleNodeHeartbeat: 1 },
  untracked: 0,
};

beforeEach(() => {
  ddb.reset();
});

describe('the DynamoDB finding-state store', () => {
  it('reads one item per cluster, strongly consistent, and decodes its Binary findings', async () => {
    ddb.on(GetItemCommand).resolves({
      Item: {
        cluster: { S: 'prod-eu' },
        revision: { N: '41' },
        findings: { B: encodeState(state) },
        updatedAt: { S: '2026-11-25T03:04:11.000Z' },
        expiresAt: { N: '1766631851' },
      },
    });

    const loaded = await store.load('prod-eu');

    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'lease-reaper-state',
      Key: { cluster: { S: 'prod-eu' } },
      ConsistentRead: true,
    });
    expect(loaded).toEqual({
      state,
      revision: 41,
      expiresAt: 1766631851,
      updatedAt: '2026-11-25T03:04:11.000Z',
    });
  });

  it('reads a cluster with no item as revision 0 and no findings', async () => {
    ddb.on(GetItemCommand).resolves({});

    expect(await store.load('new')).toEqual({ state: { open: [], counts: {}, untracked: 0 }, revision: 0 });
  });

  it('reads an unreadable item as empty, keeping its revision so this run overwrites it', async () => {
    ddb.on(GetItemCommand).resolves({
      Item: { cluster: { S: 'prod-eu' }, revision: { N: '3' }, findings: { B: gzipSync('{"v":99}') } },
    });

    const loaded = await store.load('prod-eu');

    expect(loaded).toMatchObject({ revision: 3, state: { open: [] } });
    expect(loaded.unreadable).toMatch(/not readable/);
  });

  it('writes the next revision only if the item still has the one read, with a 30-day TTL', async () => {
    ddb.on(PutItemCommand).resolves({});

    expect(await store.save('prod-eu', state, 41, now)).toBe('saved');

    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input).toEqual({
      TableName: 'lease-reaper-state',
      Item: {
        cluster: { S: 'prod-eu' },
        revision: { N: '42' },
        findings: { B: expect.any(Uint8Array) },
        openFindings: { N: '1' },
        updatedAt: { S: '2026-11-25T03:05:11.302Z' },
        expiresAt: { N: String(Math.floor(now / 1000) + 30 * 86_400) },
      },
      ConditionExpression: 'attribute_not_exists(#c) OR revision = :prev',
      ExpressionAttributeNames: { '#c': 'cluster' },
      ExpressionAttributeValues: { ':prev': { N: '41' } },
    });
    expect(SAVE_CONDITION).toBe(input?.ConditionExpression);
    expect(decodeState(input?.Item?.findings?.B as Uint8Array)).toEqual(state);
  });

  it('reports a lost race as a conflict, not an error', async () => {
    ddb
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    expect(await store.save('prod-eu', state, 41, now)).toBe('conflict');
  });

  it('throws any other failure, for the caller to count against the cluster', async () => {
    ddb.on(PutItemCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    ddb
      .on(GetItemCommand)
      .rejects(Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' }));

    await expect(store.save('prod-eu', state, 41, now)).rejects.toThrow('denied');
    await expect(store.load('prod-eu')).rejects.toThrow('no table');
  });
});

// Types only: the SDK loads on first use, not at module init (cold start).
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientAtFirstUse, retryingClientConfig, type SdkClientOptions } from '../aws/sdk-clients.ts';
import { expiresAtFor, type FindingStateStore, type LoadedFindingState } from './finding-state.ts';
import { emptyFindingState } from './open-findings.ts';
import { decodeState, encodeState, StateDecodeError } from './state-codec.ts';
import { STATE_TABLE_PARTITION_KEY, STATE_TABLE_TTL_ATTRIBUTE } from './state-table.ts';

/**
 * The item's attributes besides the key and the TTL: `revision` (number, +1 per write), `findings`
 * (Binary, state-codec's gzip-compressed JSON), `openFindings` (number, for people reading the table)
 * and `updatedAt` (RFC 3339).
 */
export const REVISION_ATTRIBUTE = 'revision';
export const FINDINGS_ATTRIBUTE = 'findings';

/**
 * Written only if nobody wrote since we read: no item yet (we read none), or the revision we read. The
 * partition key is aliased: `cluster` is one of DynamoDB's reserved words.
 */
export const SAVE_CONDITION = `attribute_not_exists(#c) OR ${REVISION_ATTRIBUTE} = :prev`;

/** A DynamoDB client whose own retry strategy (standard mode, with backoff) handles throttling. */
export async function dynamoDbClient(options: SdkClientOptions = {}): Promise<DynamoDBClient> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  return new DynamoDBClient(retryingClientConfig(options));
}

/**
 * The finding state in a DynamoDB table (STATE_TABLE_ENV), one item per cluster: GetItem (strongly
 * consistent) and a conditional PutItem on the revision. A conflict is an outcome, not an error; any
 * other failure throws, for the caller to log against that cluster.
 */
export function dynamoDbStateStore(
  clientOrPending: DynamoDBClient | Promise<DynamoDBClient>,
  tableName: string,
): FindingStateStore {
  // A pending client (the SDK still loading) is awaited at first use: its import overlaps the audit.
  const pending = clientAtFirstUse(clientOrPending);
  const key = (cluster: string): Record<string, AttributeValue> => ({
    [STATE_TABLE_PARTITION_KEY]: { S: cluster },
  });
  return {
    async load(cluster, signal) {
      const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
      const client = await pending;
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: key(cluster), ConsistentRead: true }),
        signal ? { abortSignal: signal } : {},
      );
      const item = out.Item;
      if (!item) return { state: emptyFindingState, revision: 0 };
      const loaded: LoadedFindingState = {
        state: emptyFindingState,
        revision: numberOf(item[REVISION_ATTRIBUTE]) ?? 0,
      };
      try {
        const bytes = item[FINDINGS_ATTRIBUTE]?.B;
        if (!bytes) throw new StateDecodeError(`the item has no Binary "${FINDINGS_ATTRIBUTE}" attribute`);
        loaded.state = decodeState(bytes);
      } catch (err) {
        // Read as empty and overwritten by this run's write: its findings are announced once more, rather
        // than never again.
        if (!(err instanceof StateDecodeError)) throw err;
        loaded.unreadable = err.message;
      }
      const expiresAt = numberOf(item[STATE_TABLE_TTL_ATTRIBUTE]);
      if (expiresAt !== undefined) loaded.expiresAt = expiresAt;
      if (item.updatedAt?.S) loaded.updatedAt = item.updatedAt.S;
      return loaded;
    },

    async save(cluster, state, previousRevision, nowMs) {
      const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
      const client = await pending;
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...key(cluster),
              [REVISION_ATTRIBUTE]: { N: String(previousRevision + 1) },
              [FINDINGS_ATTRIBUTE]: { B: encodeState(state) },
              openFindings: { N: String(state.open.length + state.untracked) },
              updatedAt: { S: new Date(nowMs).toISOString() },
              [STATE_TABLE_TTL_ATTRIBUTE]: { N: String(expiresAtFor(nowMs)) },
            },
            ConditionExpression: SAVE_CONDITION,
            ExpressionAttributeNames: { '#c': STATE_TABLE_PARTITION_KEY },
            ExpressionAttributeValues: { ':prev': { N: String(previousRevision) } },
          }),
        );
        return 'saved';
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') return 'conflict';
        throw err;
      }
    },
  };
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  const n = value?.N === undefined ? Number.NaN : Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}

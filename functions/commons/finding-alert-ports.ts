import { dynamoDbClient, dynamoDbStateStore } from '../../shared/alerting/dynamodb-state-store.ts';
import { eventBridgeClient, eventBridgePublisher } from '../../shared/alerting/eventbridge-publisher.ts';
import { FINDING_EVENT_BUS_ENV } from '../../shared/alerting/finding-event.ts';
import type { FindingEventSink } from '../../shared/alerting/finding-events.ts';
import type { FindingStateStore } from '../../shared/alerting/finding-state.ts';
import { STATE_TABLE_ENV } from '../../shared/alerting/state-table.ts';

/**
 * The deployed audit's finding-state store and event sink, from the stack's environment: each only when
 * its variable is set. The DynamoDB and EventBridge SDKs are never loaded at module init: their import
 * starts here, at a container's first invocation, and is not awaited — it runs while the clusters are
 * read, and the adapters wait for it at first use.
 */
export function findingAlertPorts(env: Readonly<Record<string, string | undefined>>): {
  state?: FindingStateStore;
  events?: FindingEventSink;
} {
  const table = env[STATE_TABLE_ENV];
  const bus = env[FINDING_EVENT_BUS_ENV];
  return {
    ...(table ? { state: dynamoDbStateStore(dynamoDbClient(), table) } : {}),
    ...(bus ? { events: eventBridgePublisher(eventBridgeClient(), bus) } : {}),
  };
}

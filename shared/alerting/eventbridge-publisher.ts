// Types only: the SDK loads on first use, not at module init (cold start).
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  clientAtFirstUse,
  retryingClientConfig,
  type SdkClientOptions,
  sizedBatches,
} from '../aws/sdk-clients.ts';
import { FINDING_EVENT_SOURCE } from './finding-event.ts';
import type { EventSendResult, FindingEvent, FindingEventSink } from './finding-events.ts';

/** PutEvents' limits: 10 entries per request, 256 KB per request (entry sizes as EventBridge counts them). */
export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

/** An EventBridge client whose own retry strategy (standard mode, with backoff) handles throttling. */
export async function eventBridgeClient(options: SdkClientOptions = {}): Promise<EventBridgeClient> {
  const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
  return new EventBridgeClient(retryingClientConfig(options));
}

/**
 * An entry's size as EventBridge counts it against the request limit: the UTF-8 bytes of Source,
 * DetailType, Detail and Resources, plus 14 for a Time (AWS: "Calculating PutEvents event entry size").
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0)
  );
}

/** Splits entries into requests within the count and size limits. */
export function eventBatches(
  entries: readonly PutEventsRequestEntry[],
  maxCount = MAX_ENTRIES_PER_CALL,
  maxBytes = MAX_REQUEST_BYTES,
): PutEventsRequestEntry[][] {
  return sizedBatches(entries, entrySize, maxCount, maxBytes);
}

/**
 * Puts finding events on a bus (FINDING_EVENT_BUS_ENV: a name or ARN) with PutEvents. The SDK retries a
 * failed request; an entry EventBridge refuses (its `ErrorCode` in the response) or one in a request that
 * still fails is counted as failed, with its error. Never throws: events must not fail the audit.
 */
export function eventBridgePublisher(
  clientOrPending: EventBridgeClient | Promise<EventBridgeClient>,
  eventBusName: string,
): FindingEventSink {
  // A pending client (the SDK still loading) is awaited at first use: its import overlaps the audit.
  const pending = clientAtFirstUse(clientOrPending);
  return {
    async send(events: readonly FindingEvent[]): Promise<EventSendResult> {
      const result: EventSendResult = { calls: 0, sent: 0, failed: 0, errors: [] };
      if (events.length === 0) return result;
      const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
      const entries = events.map(
        (e): PutEventsRequestEntry => ({
          Source: FINDING_EVENT_SOURCE,
          DetailType: e.detailType,
          Detail: JSON.stringify(e.detail),
          EventBusName: eventBusName,
        }),
      );
      let client: EventBridgeClient;
      try {
        client = await pending;
      } catch (err) {
        return {
          ...result,
          failed: events.length,
          errors: [`${(err as Error).name}: ${(err as Error).message}`],
        };
      }
      for (const batch of eventBatches(entries)) {
        if (batch.length === 1 && entrySize(batch[0] as PutEventsRequestEntry) > MAX_REQUEST_BYTES) {
          result.failed++;
          result.errors.push('entry larger than PutEvents allows: not sent');
          continue;
        }
        result.calls++;
        try {
          const out = await client.send(new PutEventsCommand({ Entries: batch }));
          const refused = (out.Entries ?? []).filter((e) => e.ErrorCode !== undefined);
          // FailedEntryCount and the per-entry codes agree; trust the larger if they do not.
          const failed = Math.max(out.FailedEntryCount ?? 0, refused.length);
          result.failed += failed;
          result.sent += batch.length - failed;
          for (const e of refused) result.errors.push(`${e.ErrorCode}: ${e.ErrorMessage ?? ''}`.trim());
        } catch (err) {
          result.failed += batch.length;
          result.errors.push(`${(err as Error).name}: ${(err as Error).message}`);
        }
      }
      return result;
    },
  };
}

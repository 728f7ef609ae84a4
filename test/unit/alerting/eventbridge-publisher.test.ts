import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  entrySize,
  eventBatches,
  eventBridgePublisher,
  MAX_REQUEST_BYTES,
} from '../../../shared/alerting/eventbridge-publisher.ts';
import type { FindingEvent } from '../../../shared/alerting/finding-events.ts';

const eb = mockClient(EventBridgeClient);
const publisher = eventBridgePublisher(new EventBridgeClient({ region: 'eu-west-1' }), 'default');
const event = (i: number, reason = 'Node stopped renewing.'): FindingEvent => ({
  detailType: i % 2 ? 'Lease finding resolved' : 'Lease finding opened',
  detail: {
    cluster: 'prod-eu',
    type: 'StaleNodeHeartbeat',
    severity: 'critical',
    namespace: 'kube-node-lease',
    name: `node-${i}`,
    since: '2026-11-25T03:00:00.000Z',
    reason,
    node: `node-${i}`,
  },
});

beforeEach(() => {
  eb.reset();
});

describe('the EventBridge finding-event publisher', () => {
  it('puts 23 events in 3 requests of at most 10, from lease-reaper, on the configured bus', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));

    const result = await publisher.send(Array.from({ length: 23 }, (_, i) => event(i)));

    expect(result).toEqual({ calls: 3, sent: 23, failed: 0, errors: [] });
    const calls = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.[1]).toEqual({
      Source: 'lease-reaper',
      DetailType: 'Lease finding resolved',
      Detail: JSON.stringify(event(1).detail),
      EventBusName: 'default',
    });
  });

  it('splits by size before the request limit (256 KB) is reached', () => {
    const big = 'x'.repeat(60_000);
    const entries = Array.from({ length: 6 }, (_, i) => ({
      Source: 'lease-reaper',
      DetailType: 'Lease finding opened',
      Detail: JSON.stringify({ ...event(i).detail, reason: big }),
    }));

    const batches = eventBatches(entries);

    expect(batches.map((b) => b.length)).toEqual([4, 2]);
    for (const b of batches)
      expect(b.reduce((n, e) => n + entrySize(e), 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });

  it('counts the entries EventBridge refuses in a partly failed request, with their errors', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 2,
      Entries: [
        { EventId: 'a' },
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
        { EventId: 'c' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
      ],
    });

    const result = await publisher.send([event(0), event(1), event(2), event(3)]);

    expect(result).toEqual({
      calls: 1,
      sent: 2,
      failed: 2,
      errors: ['ThrottlingException: Rate exceeded', 'InternalFailure: try again'],
    });
  });

  it('counts every entry of a request that fails, sends the other requests, and never throws', async () => {
    eb.on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });

    const result = await publisher.send(Array.from({ length: 11 }, (_, i) => event(i)));

    expect(result).toEqual({
      calls: 2,
      sent: 1,
      failed: 10,
      errors: ['AccessDeniedException: not authorized'],
    });
  });

  it('waits for a client still loading, and counts every event as failed if it never comes', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }] });
    const loading = eventBridgePublisher(
      Promise.resolve(new EventBridgeClient({ region: 'eu-west-1' })),
      'default',
    );
    const broken = eventBridgePublisher(Promise.reject(new Error('cannot load the SDK')), 'default');

    expect(await loading.send([event(0)])).toMatchObject({ calls: 1, sent: 1 });
    expect(await broken.send([event(0), event(1)])).toEqual({
      calls: 0,
      sent: 0,
      failed: 2,
      errors: ['Error: cannot load the SDK'],
    });
  });

  it('makes no request when there is nothing to send', async () => {
    expect(await publisher.send([])).toEqual({ calls: 0, sent: 0, failed: 0, errors: [] });
    expect(eb).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

import { describe, expect, it } from 'vitest';
import {
  eventName,
  leaseReapedEvent,
  microTimeOfNs,
  NOTE_LIMIT_BYTES,
  postEvent,
  truncateBytes,
} from '../../shared/kube/lease-event.ts';
import { events } from '../../sim/resources.ts';
import { clientFor, simClusters } from '../support/sim.ts';

/**
 * The Event recording one deletion (events.k8s.io/v1, as client-go's tools/events recorder writes them), and
 * its POST against the simulated apiserver over HTTPS. Expected values are worked out by hand: 2026-01-01T00:00:00Z
 * is 1767225600 s since the epoch, so 1767225600123456789 ns is .123456 s past it, 0x18867251f555cd15 in hex.
 */

const NOW_NS = 1_767_225_600_123_456_789n;
const lease = { namespace: 'payments', name: 'billing-leader', uid: 'uid-1', resourceVersion: '4711' };

describe('leaseReapedEvent', () => {
  it('builds the events.k8s.io/v1 Event: LeaseReaped by lease-reaper, regarding the lease as deleted', () => {
    const event = leaseReapedEvent({
      lease,
      reason: 'abandoned: expired for 3d, holder pod gone',
      nowNs: NOW_NS,
      reportingInstance: 'lease-reaper-host-1',
    });

    expect(event).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'billing-leader.18867251f555cd15', namespace: 'payments' },
      eventTime: '2026-01-01T00:00:00.123456Z',
      reportingController: 'lease-reaper',
      reportingInstance: 'lease-reaper-host-1',
      action: 'Delete',
      reason: 'LeaseReaped',
      type: 'Normal',
      regarding: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespace: 'payments',
        name: 'billing-leader',
        uid: 'uid-1',
        resourceVersion: '4711',
      },
      note: 'abandoned: expired for 3d, holder pod gone',
    });
  });

  it('cuts a note over 1024 bytes to 1021 bytes and "...", never inside a character', () => {
    const ascii = leaseReapedEvent({
      lease,
      reason: 'a'.repeat(1100),
      nowNs: NOW_NS,
      reportingInstance: 'i',
    });
    expect(ascii.note).toBe(`${'a'.repeat(1021)}...`);
    expect(Buffer.byteLength(ascii.note)).toBe(NOTE_LIMIT_BYTES);

    // é is 2 bytes: 510 of them (1020 bytes) fit in 1021, a 511th would not.
    const accented = truncateBytes('é'.repeat(600), 1024);
    expect(accented).toBe(`${'é'.repeat(510)}...`);
    expect(Buffer.byteLength(accented)).toBe(1023);

    expect(truncateBytes('a'.repeat(1024), 1024)).toBe('a'.repeat(1024));
  });

  it('cuts the reportingInstance to the 128 bytes the apiserver takes', () => {
    const event = leaseReapedEvent({ lease, reason: 'r', nowNs: NOW_NS, reportingInstance: 'h'.repeat(200) });
    expect(event.reportingInstance).toBe(`${'h'.repeat(125)}...`);
  });

  it('names the Event <lease>.<ns in hex>, shortening a lease name so the whole stays a valid 253-character name', () => {
    expect(eventName('billing-leader', NOW_NS)).toBe('billing-leader.18867251f555cd15');
    // ".18867251f555cd15" is 17 characters: 236 remain, and the cut lands right after a "-", which goes too.
    const long = `${'a'.repeat(235)}-${'b'.repeat(17)}`;
    expect(long).toHaveLength(253);
    expect(eventName(long, NOW_NS)).toBe(`${'a'.repeat(235)}.18867251f555cd15`);
  });

  it('writes eventTime as a MicroTime: six fractional digits, the nanoseconds dropped', () => {
    expect(microTimeOfNs(NOW_NS)).toBe('2026-01-01T00:00:00.123456Z');
    expect(microTimeOfNs(1_767_225_600_000_000_999n)).toBe('2026-01-01T00:00:00.000000Z');
  });
});

describe('postEvent', () => {
  const clusters = simClusters();

  it('creates the Event in the lease namespace, where the apiserver accepts it as valid', async () => {
    const sim = await clusters.start();
    const client = clientFor(sim);
    const event = leaseReapedEvent({ lease, reason: 'abandoned', nowNs: NOW_NS, reportingInstance: 'i-1' });

    const outcome = await postEvent(client, event);
    await client.close();

    expect(outcome).toEqual({ result: 'recorded', name: 'billing-leader.18867251f555cd15' });
    const stored = sim.store.get(events, 'payments', 'billing-leader.18867251f555cd15')?.obj;
    expect(stored).toMatchObject({ reason: 'LeaseReaped', note: 'abandoned', regarding: { uid: 'uid-1' } });
  });

  it('answers failed (never throws) when RBAC refuses it, and says it was forbidden', async () => {
    const sim = await clusters.start();
    const client = clientFor(sim, { token: sim.tokens.readOnly });
    const event = leaseReapedEvent({ lease, reason: 'abandoned', nowNs: NOW_NS, reportingInstance: 'i-1' });

    const outcome = await postEvent(client, event);
    await client.close();

    expect(outcome).toMatchObject({ result: 'failed', forbidden: true });
    expect(outcome.result === 'failed' && outcome.message).toContain(
      'cannot create resource "events" in API group "events.k8s.io" in the namespace "payments"',
    );
    expect(sim.store.count(events)).toBe(0);
  });

  it('answers failed, not forbidden, when the server keeps failing (after the client retries)', async () => {
    const sim = await clusters.start();
    sim.faults.add({
      action: { type: 'error', status: 503 },
      match: { method: 'POST', path: '/apis/events.k8s.io/' },
    });
    const client = clientFor(sim);
    const event = leaseReapedEvent({ lease, reason: 'abandoned', nowNs: NOW_NS, reportingInstance: 'i-1' });

    const outcome = await postEvent(client, event);
    await client.close();

    expect(outcome).toMatchObject({ result: 'failed', forbidden: false });
    expect(outcome.result === 'failed' && outcome.message).toContain('gave up after 5 attempts');
  });
});

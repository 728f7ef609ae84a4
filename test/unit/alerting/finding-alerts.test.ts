import { describe, expect, it } from 'vitest';
import { findingAlertPorts } from '../../../functions/commons/finding-alert-ports.ts';
import { type FindingAlertDeps, trackFindings } from '../../../functions/commons/finding-alerts.ts';
import type { Logger } from '../../../functions/commons/logger.ts';
import type { FindingEvent, FindingEventSink } from '../../../shared/alerting/finding-events.ts';
import type {
  FindingStateStore,
  LoadedFindingState,
  SaveOutcome,
} from '../../../shared/alerting/finding-state.ts';
import { emptyFindingState } from '../../../shared/alerting/open-findings.ts';
import type { ClusterResult } from '../../../shared/fleet/audit-clusters.ts';
import { auditOf, MINUTE, NOW, node, nodeLease } from '../audit/builders.ts';

/** A cluster whose named nodes' heartbeats stopped `staleForMs` ago (the others are fresh). */
function scanned(cluster: string, stale: string[], nowMs = NOW): ClusterResult {
  const names = ['node-a', 'node-b', 'node-c'];
  const audit = auditOf(
    {
      leases: names.map((n) =>
        nodeLease(n, { renewAgoMs: (stale.includes(n) ? 3 * MINUTE : 1_000) + NOW - nowMs }),
      ),
      nodes: names.map((n) => node(n)),
    },
    { now: nowMs },
  );
  return {
    status: 'ok',
    cluster,
    clock: { source: 'server', nowMs },
    audit: { ...audit, cluster },
    stats: { requests: 3, retries: 0, pages: 3, restarts: 0, durationMs: 10 },
  };
}
const failedScan = (cluster: string): ClusterResult => ({
  status: 'error',
  cluster,
  error: { kind: 'unreachable', message: 'connect ECONNREFUSED' },
});

/** A state store in memory, with the conditional write's semantics, and hooks to make it fail. */
function memoryStore(
  hooks: { beforeSave?: (cluster: string) => SaveOutcome | undefined; failLoad?: boolean } = {},
) {
  const items = new Map<string, LoadedFindingState>();
  const store = {
    async load(cluster) {
      if (hooks.failLoad) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      return items.get(cluster) ?? { state: emptyFindingState, revision: 0 };
    },
    async save(cluster, state, previousRevision, nowMs) {
      const forced = hooks.beforeSave?.(cluster);
      if (forced) return forced;
      if ((items.get(cluster)?.revision ?? 0) !== previousRevision) return 'conflict';
      items.set(cluster, {
        state,
        revision: previousRevision + 1,
        expiresAt: Math.floor(nowMs / 1000) + 30 * 86_400,
      });
      return 'saved';
    },
  } satisfies FindingStateStore;
  return { store, items };
}

function recorder(fail = false) {
  const sent: FindingEvent[] = [];
  const sink = {
    async send(events) {
      if (fail) return { calls: 1, sent: 0, failed: events.length, errors: ['AccessDeniedException: no'] };
      sent.push(...events);
      return { calls: 1, sent: events.length, failed: 0, errors: [] };
    },
  } satisfies FindingEventSink;
  return { sink, sent };
}

function logs() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log: Logger = { log: (level, message, fields = {}) => lines.push({ level, message, fields }) };
  return { log, lines };
}

const options = { findingLogLimit: 50, concurrency: 4 };

describe('trackFindings', () => {
  it('sends no events for a cluster whose state another run wrote first, and logs its findings as open', async () => {
    // Prepare
    const { store } = memoryStore({ beforeSave: (c) => (c === 'raced' ? 'conflict' : undefined) });
    const { sink, sent } = recorder();
    const { log, lines } = logs();
    const deps: FindingAlertDeps = { state: store, events: sink, log };

    // Act
    const { summary } = await trackFindings(
      deps,
      [scanned('raced', ['node-a']), scanned('calm', ['node-b'])],
      options,
    );

    // Assess
    expect(sent.map((e) => [e.detail.cluster, e.detail.name])).toEqual([['calm', 'node-b']]);
    expect(summary.state).toMatchObject({ written: 1, conflicts: 1, failures: 0 });
    expect(
      lines.find((l) => l.message.startsWith('finding state changed by another run'))?.fields,
    ).toMatchObject({
      cluster: 'raced',
    });
    expect(
      lines.filter((l) => l.message === 'lease finding').map((l) => [l.fields.cluster, l.fields.state]),
    ).toEqual(
      expect.arrayContaining([
        ['raced', 'open'],
        ['calm', 'opened'],
      ]),
    );
  });

  it('logs every open finding once an hour and, in between, only what opened, escalated or resolved', async () => {
    // Prepare: node-a goes stale at NOW; node-b a minute later.
    const { store, items } = memoryStore();
    const { log, lines } = logs();
    const deps: FindingAlertDeps = { state: store, log };
    const logged = () =>
      lines
        .splice(0)
        .filter((l) => l.message === 'lease finding')
        .map((l) => [l.fields.name, l.fields.state]);

    // Act + Assess: the first run lists everything (no listing recorded yet) and records when it did.
    await trackFindings(deps, [scanned('c', ['node-a'], NOW)], options);
    expect(logged()).toEqual([['node-a', 'opened']]);
    expect(items.get('c')?.state.listedAt).toBe(new Date(NOW).toISOString());

    // A minute later: node-b opens; node-a, still open and already listed, is not logged again.
    await trackFindings(deps, [scanned('c', ['node-a', 'node-b'], NOW + MINUTE)], options);
    expect(logged()).toEqual([['node-b', 'opened']]);

    // Nothing changes: nothing is logged, nothing written.
    const revision = items.get('c')?.revision;
    await trackFindings(deps, [scanned('c', ['node-a', 'node-b'], NOW + 2 * MINUTE)], options);
    expect(logged()).toEqual([]);
    expect(items.get('c')?.revision).toBe(revision);

    // An hour after the last listing: every open finding is logged again, and the listing time moves on.
    await trackFindings(deps, [scanned('c', ['node-a', 'node-b'], NOW + 60 * MINUTE)], options);
    expect(logged().sort()).toEqual([
      ['node-a', 'open'],
      ['node-b', 'open'],
    ]);
    expect(items.get('c')?.state.listedAt).toBe(new Date(NOW + 60 * MINUTE).toISOString());

    // A resolution is logged on its run.
    await trackFindings(deps, [scanned('c', ['node-b'], NOW + 61 * MINUTE)], options);
    expect(logged()).toEqual([['node-a', 'resolved']]);
  });

  it('counts a state store that cannot be read against each cluster, still logs findings, and finishes', async () => {
    // Prepare
    const { store } = memoryStore({ failLoad: true });
    const { sink, sent } = recorder();
    const { log, lines } = logs();

    // Act
    const { summary, carried } = await trackFindings(
      { state: store, events: sink, log },
      [scanned('a', ['node-a']), failedScan('b')],
      options,
    );

    // Assess
    expect(sent).toEqual([]);
    expect(summary.state).toMatchObject({ failures: 2, carriedForward: 0 });
    expect(carried.size).toBe(0);
    expect(lines.filter((l) => l.message === 'finding state could not be read')).toHaveLength(2);
    expect(lines.filter((l) => l.message === 'lease finding').map((l) => l.fields.state)).toEqual(['open']);
  });

  it('counts events EventBridge did not take, after the state was written', async () => {
    const { store, items } = memoryStore();
    const { sink } = recorder(true);
    const { log, lines } = logs();

    const { summary } = await trackFindings(
      { state: store, events: sink, log },
      [scanned('a', ['node-a'])],
      options,
    );

    expect(items.get('a')?.revision).toBe(1);
    expect(summary.events).toEqual({ sent: 0, failed: 1 });
    expect(lines.find((l) => l.message === 'some finding events were not sent')?.level).toBe('error');
  });

  it('without a state store: every finding logged as open, no transitions, nothing carried', async () => {
    const { log, lines } = logs();

    const { summary, carried } = await trackFindings(
      { log },
      [scanned('a', ['node-a']), failedScan('b')],
      options,
    );

    expect(lines.filter((l) => l.message === 'lease finding').map((l) => l.fields.state)).toEqual(['open']);
    expect(summary).toMatchObject({ opened: 0, resolved: 0, state: { written: 0, failures: 0 } });
    expect(carried.size).toBe(0);
  });

  it('logs at most findingLogLimit lines per cluster, then one line with the count of the rest', async () => {
    const { log, lines } = logs();

    await trackFindings({ log }, [scanned('a', ['node-a', 'node-b', 'node-c'])], {
      ...options,
      findingLogLimit: 1,
    });

    expect(lines.filter((l) => l.message === 'lease finding')).toHaveLength(1);
    expect(lines.find((l) => l.message === 'lease findings not logged')?.fields).toEqual({
      cluster: 'a',
      count: 2,
      findingLogLimit: 1,
    });
  });

  it('carries the stored counts of a failed scan forward and writes nothing for it', async () => {
    const { store, items } = memoryStore();
    const { sink, sent } = recorder();
    const { log } = logs();
    await trackFindings({ state: store, events: sink, log }, [scanned('a', ['node-a', 'node-b'])], options);
    const before = structuredClone(items.get('a'));

    const { carried, summary } = await trackFindings(
      { state: store, events: sink, log },
      [failedScan('a')],
      options,
    );

    expect(carried.get('a')).toEqual({ StaleNodeHeartbeat: 2 });
    expect(summary).toMatchObject({ resolved: 0, state: { carriedForward: 1, written: 0 } });
    expect(items.get('a')).toEqual(before);
    expect(sent.filter((e) => e.detailType === 'Lease finding resolved')).toEqual([]);
  });

  it('carries nothing for a failed scan of a cluster never scanned before (a guessed 0 would read as health)', async () => {
    const { store } = memoryStore();
    const { log } = logs();

    const { carried, summary } = await trackFindings({ state: store, log }, [failedScan('new')], options);

    expect(carried.size).toBe(0);
    expect(summary.state.carriedForward).toBe(0);
  });
});

describe('findingAlertPorts', () => {
  it('builds the DynamoDB store and the EventBridge sink only when their variables are set', () => {
    expect(findingAlertPorts({})).toEqual({});
    const ports = findingAlertPorts({
      LEASE_REAPER_STATE_TABLE: 'state',
      LEASE_REAPER_EVENT_BUS: 'default',
      AWS_REGION: 'eu-west-1',
    });
    expect(Object.keys(ports).sort()).toEqual(['events', 'state']);
    expect(Object.keys(findingAlertPorts({ LEASE_REAPER_EVENT_BUS: 'default' }))).toEqual(['events']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffFindings, statelessView } from '../../../shared/alerting/finding-diff.ts';
import { findingEvents } from '../../../shared/alerting/finding-events.ts';
import {
  type ClusterFindingState,
  emptyFindingState,
  findingKey,
  sinceOf,
} from '../../../shared/alerting/open-findings.ts';
import type { Finding } from '../../../shared/audit/findings.ts';
import { auditOf, MINUTE, NOW, node, nodeLease, SECOND } from '../audit/builders.ts';

const cluster = 'prod-eu';
const iso = (ms: number) => new Date(ms).toISOString();

/** The findings of a cluster whose named nodes stopped heartbeating `staleFor` ms before `now`. */
function findingsOf(stale: Record<string, number>, now = NOW, others: string[] = []): Finding[] {
  const names = [...Object.keys(stale), ...others].sort();
  return auditOf(
    {
      leases: names.map((n) => nodeLease(n, { renewAgoMs: (stale[n] ?? 2 * SECOND) + (NOW - now) })),
      nodes: names.map((n) => node(n)),
    },
    { now },
  ).findings;
}

/** Runs the diffs of two runs in order, as the store would keep the state between them. */
function runs(...perRun: [{ findings: Finding[]; now: number }, { findings: Finding[]; now: number }]) {
  let state: ClusterFindingState = emptyFindingState;
  const [first, second] = perRun.map(({ findings, now }) => {
    const diff = diffFindings(state, findings, { cluster, nowMs: now });
    state = diff.next;
    return diff;
  });
  if (!first || !second) throw new Error('two runs expected');
  return [first, second] as const;
}

function only<T>(items: readonly T[]): T {
  if (items.length !== 1) throw new Error(`expected one item, got ${items.length}`);
  return items[0] as T;
}

describe('diffFindings', () => {
  it('opens a stale heartbeat dated by its last renewal, and a Node without a lease by the run', () => {
    // Prepare
    const findings = [
      ...findingsOf({ 'node-a': 3 * MINUTE }),
      ...auditOf({ nodes: [node('node-z')] }).findings,
    ];

    // Act
    const diff = diffFindings(emptyFindingState, findings, { cluster, nowMs: NOW });

    // Assess
    expect(diff.opened.map((f) => [f.type, f.name, f.since, f.node])).toEqual([
      ['StaleNodeHeartbeat', 'node-a', iso(NOW - 3 * MINUTE), 'node-a'],
      ['NodeWithoutLease', 'node-z', iso(NOW), 'node-z'],
    ]);
    expect(diff.current.map((c) => c.state)).toEqual(['opened', 'opened']);
    expect(diff.resolved).toEqual([]);
    expect(diff.changed).toBe(true);
    expect(diff.next.counts).toEqual({ StaleNodeHeartbeat: 1, NodeWithoutLease: 1 });
  });

  it('keeps a still-open finding with its original since and reason, announcing nothing', () => {
    // Prepare: a Node without a lease, seen first at NOW, again a minute later.
    const [first, second] = runs(
      { findings: auditOf({ nodes: [node('node-z')] }).findings, now: NOW },
      { findings: auditOf({ nodes: [node('node-z')] }, { now: NOW + MINUTE }).findings, now: NOW + MINUTE },
    );

    // Assess
    expect(first.opened).toHaveLength(1);
    expect(second.current).toEqual([
      { state: 'open', finding: expect.objectContaining({ since: iso(NOW) }) },
    ]);
    expect(second.opened).toEqual([]);
    expect(second.changed).toBe(false);
    expect(findingEvents(second, { cluster, nowMs: NOW + MINUTE })).toEqual([]);
  });

  it('resolves a stored finding the run no longer sees, as it was stored', () => {
    // Prepare
    const [, second] = runs(
      { findings: findingsOf({ 'node-a': 2 * MINUTE }), now: NOW },
      { findings: findingsOf({}, NOW + MINUTE, ['node-a']), now: NOW + MINUTE },
    );

    // Assess
    expect(second.resolved.map((f) => [f.type, f.name, f.since])).toEqual([
      ['StaleNodeHeartbeat', 'node-a', iso(NOW - 2 * MINUTE)],
    ]);
    expect(second.next).toEqual({ open: [], counts: {}, untracked: 0 });
    expect(second.changed).toBe(true);
  });

  it('escalates a stale heartbeat that turns critical: same finding, announced again with its first since', () => {
    // Prepare: 2 min stale (warning), then 6 min (critical, past nodeCriticalAfterSeconds).
    const [first, second] = runs(
      { findings: findingsOf({ 'node-a': 2 * MINUTE }), now: NOW },
      { findings: findingsOf({ 'node-a': 6 * MINUTE }, NOW + 4 * MINUTE), now: NOW + 4 * MINUTE },
    );

    // Assess
    expect(first.opened[0]?.severity).toBe('warning');
    expect(second.opened).toEqual([]);
    expect(second.escalated.map((e) => [e.from, e.finding.severity, e.finding.since])).toEqual([
      ['warning', 'critical', iso(NOW - 2 * MINUTE)],
    ]);
    expect(second.next.open[0]?.severity).toBe('critical');
    const events = findingEvents(second, { cluster, nowMs: NOW + 4 * MINUTE });
    expect(events).toEqual([
      {
        detailType: 'Lease finding opened',
        detail: expect.objectContaining({ severity: 'critical', escalatedFrom: 'warning', name: 'node-a' }),
      },
    ]);
  });

  it('tracks the most urgent findings up to the cap and only counts the rest, with no events for them', () => {
    // Prepare: three stale nodes, the oldest first after critical ones.
    const findings = findingsOf({ 'node-a': 2 * MINUTE, 'node-b': 10 * MINUTE, 'node-c': 3 * MINUTE });

    // Act
    const diff = diffFindings(emptyFindingState, findings, { cluster, nowMs: NOW, maxTracked: 2 });

    // Assess
    expect(diff.opened.map((f) => f.name)).toEqual(['node-b', 'node-c']);
    expect(diff.next.open.map((f) => f.name).sort()).toEqual(['node-b', 'node-c']);
    expect(diff.next.untracked).toBe(1);
    expect(diff.next.counts).toEqual({ StaleNodeHeartbeat: 3 });
    expect(diff.current.find((c) => c.finding.name === 'node-a')).toMatchObject({ untracked: true });
    expect(findingEvents(diff, { cluster, nowMs: NOW })).toHaveLength(2);
  });

  it('neither resolves nor re-opens a tracked finding pushed over the cap by more urgent ones', () => {
    // Prepare: node-a tracked alone, then two critical nodes arrive with a cap of 2.
    const first = diffFindings(emptyFindingState, findingsOf({ 'node-a': 2 * MINUTE }), {
      cluster,
      nowMs: NOW,
      maxTracked: 2,
    });

    // Act
    const second = diffFindings(
      first.next,
      findingsOf({ 'node-a': 2 * MINUTE, 'node-b': 10 * MINUTE, 'node-c': 20 * MINUTE }),
      { cluster, nowMs: NOW, maxTracked: 2 },
    );

    // Assess
    expect(second.resolved).toEqual([]);
    expect(second.opened.map((f) => f.name)).toEqual(['node-c', 'node-b']);
    expect(second.next.untracked).toBe(1);
  });

  it('tracks fewer findings until the state fits', () => {
    // Prepare
    const findings = findingsOf(
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`node-${i}`, 2 * MINUTE + i * SECOND])),
    );

    // Act
    const diff = diffFindings(emptyFindingState, findings, {
      cluster,
      nowMs: NOW,
      fits: (s) => s.open.length <= 20,
    });

    // Assess
    expect(diff.next.open.length).toBeLessThanOrEqual(20);
    expect(diff.next.open.length + diff.next.untracked).toBe(50);
    expect(diff.opened).toHaveLength(diff.next.open.length);
  });

  it('keeps the transitions consistent over any sequence of runs (under the cap)', () => {
    const nodes = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
    const run = fc.record({
      stale: fc.subarray(nodes),
      staleForMs: fc.integer({ min: 70 * SECOND, max: 30 * MINUTE }),
    });
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 8 }), (sequence) => {
        let state: ClusterFindingState = emptyFindingState;
        const sinceByKey = new Map<string, string>();
        sequence.forEach(({ stale, staleForMs }, i) => {
          const now = NOW + i * MINUTE;
          const findings = findingsOf(
            Object.fromEntries(stale.map((n) => [n, staleForMs])),
            now,
            nodes.filter((n) => !stale.includes(n)),
          );
          const before = new Set(state.open.map((f) => findingKey(cluster, f)));
          const diff = diffFindings(state, findings, { cluster, nowMs: now });
          const key = (f: { type: Finding['type']; namespace: string; name: string }) =>
            findingKey(cluster, f);
          // Opened: new; resolved: were open and are gone; the next state is exactly what the run saw.
          for (const f of diff.opened) expect(before.has(key(f))).toBe(false);
          for (const f of diff.resolved) expect(before.has(key(f))).toBe(true);
          expect(new Set(diff.next.open.map(key))).toEqual(new Set(findings.map(key)));
          expect(diff.next.open.length + diff.resolved.length - diff.opened.length).toBe(before.size);
          // A finding keeps the since it opened with for as long as it stays open.
          for (const f of diff.resolved) sinceByKey.delete(key(f));
          for (const f of diff.next.open) {
            const first = sinceByKey.get(key(f)) ?? f.since;
            expect(f.since).toBe(first);
            sinceByKey.set(key(f), first);
          }
          state = diff.next;
        });
      }),
    );
  });
});

describe('sinceOf', () => {
  it('dates a renewal finding by its renewTime but never after now, and other findings by now', () => {
    const stale = only(findingsOf({ 'node-a': 90 * SECOND }));
    const future = { ...stale, facts: { ...stale.facts, renewTime: iso(NOW + MINUTE) } };
    const unreadable = { ...stale, facts: { ...stale.facts, renewTime: 'yesterday' } };

    expect(sinceOf(stale, NOW)).toBe(iso(NOW - 90 * SECOND));
    expect(sinceOf(future, NOW)).toBe(iso(NOW));
    expect(sinceOf(unreadable, NOW)).toBe(iso(NOW));
  });
});

describe('statelessView', () => {
  it('shows every finding as open, dated as if first seen now, with nothing resolved', () => {
    const view = statelessView(cluster, findingsOf({ 'node-a': 2 * MINUTE }), NOW);

    expect(view).toEqual([
      { state: 'open', finding: expect.objectContaining({ name: 'node-a', since: iso(NOW - 2 * MINUTE) }) },
    ]);
  });
});

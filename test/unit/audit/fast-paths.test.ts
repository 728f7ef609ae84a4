/**
 * The audit's fast paths against the general paths they stand in for, on arbitrary inputs (the streaming
 * node join has its own, heartbeat-judge.test.ts): the allocation-free healthy-heartbeat check against the
 * rules that build findings, the positional UTC parser against the strict pattern, and a whole audit of ordered lists (the
 * fast walk) against the same cluster out of order (the general join).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditInput, audit } from '../../../shared/audit/audit.ts';
import { type AuditPolicy, defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { parseKubeTime, parseRfc3339 } from '../../../shared/audit/kube-time.ts';
import { leaseTiming } from '../../../shared/audit/lease-shape.ts';
import {
  isKubeletShaped,
  isQuietHeartbeat,
  nodeHeartbeatFindings,
  nodeLeaseShapeProblems,
} from '../../../shared/audit/rules/node-heartbeats.ts';
import type { LeaseRecord, NodeRecord } from '../../../shared/kube/records.ts';
import { DAY, leaderLease, microTime, NOW, node, nodeLease, SECOND } from './builders.ts';

const RUNS = 1000;

const NODE = 'ip-10-0-3-17.ec2.internal';

const policyArb: fc.Arbitrary<AuditPolicy> = fc.oneof(
  fc.constant({ ...defaultAuditPolicy }),
  fc
    .record({
      nodeGracePeriodSeconds: fc.integer({ min: 0, max: 600 }),
      nodeCriticalAfterSeconds: fc.integer({ min: 0, max: 3600 }),
      clockSkewMarginSeconds: fc.integer({ min: 0, max: 120 }),
      apiServerGcGraceSeconds: fc.constant(7200),
      liveApiServerWindowSeconds: fc.constant(60),
      abandonedAfterSeconds: fc.constant(86_400),
      maxLeaseDurationSeconds: fc.constantFrom(365 * 86_400, 60),
    })
    .map((p) => ({ ...defaultAuditPolicy, ...p })),
);

/** Node leases of every shape a heartbeat can go wrong in, around every threshold. */
const heartbeatArb: fc.Arbitrary<LeaseRecord> = fc
  .record({
    ownerUid: fc.constantFrom<string | null | undefined>(undefined, undefined, null, 'another-uid'),
    ownerKind: fc.constantFrom('Node', 'Node', 'Pod'),
    holder: fc.constantFrom<unknown>(NODE, NODE, '', 'someone-else', null, 7),
    duration: fc.oneof(fc.constantFrom<unknown>(40, 10, 90, 0, -1, 2.5, '40', null), fc.nat(3600)),
    renewTime: fc.oneof(
      fc.integer({ min: -30 * SECOND, max: 2 * DAY }).map((ago) => microTime(NOW - ago)),
      fc.integer({ min: -30 * SECOND, max: 600 * SECOND }).map((ago) => new Date(NOW - ago).toISOString()),
      fc.constantFrom<unknown>('2026-11-25T03:04:60Z', 'yesterday', '', 12, null),
    ),
  })
  .map((h) =>
    nodeLease(NODE, {
      ...(h.ownerUid === undefined ? {} : { ownerUid: h.ownerUid }),
      ownerKind: h.ownerKind,
      holder: h.holder,
      duration: h.duration,
      renewTime: h.renewTime,
    }),
  );

/** What the general path says of a node lease and its Node: a finding, or nothing. */
function generalVerdict(lease: LeaseRecord, n: NodeRecord, nowMs: number, policy: AuditPolicy) {
  const timing = leaseTiming(lease, nowMs, policy);
  if (!timing || nodeLeaseShapeProblems(lease).length > 0) return 'MalformedLease';
  return nodeHeartbeatFindings(lease, timing, n, nowMs, policy)?.type;
}

describe('isQuietHeartbeat (the healthy-heartbeat fast path)', () => {
  it('is true exactly when the general path finds nothing', () => {
    fc.assert(
      fc.property(
        heartbeatArb,
        policyArb,
        fc.integer({ min: -60 * SECOND, max: 60 * SECOND }),
        (lease, policy, offset) => {
          // Prepare
          const n = node(NODE);
          const nowMs = NOW + offset;

          // Act
          const quiet = isQuietHeartbeat(lease, n, nowMs, policy);

          // Assess
          expect(quiet).toBe(generalVerdict(lease, n, nowMs, policy) === undefined);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('agrees with nodeLeaseShapeProblems on what a kubelet writes', () => {
    fc.assert(
      fc.property(heartbeatArb, (lease) => {
        // Act & Assess
        expect(isKubeletShaped(lease)).toBe(nodeLeaseShapeProblems(lease).length === 0);
      }),
      { numRuns: RUNS },
    );
  });
});

/** UTC times, then one character replaced, dropped or repeated: near misses of the positional parser. */
const utcText = fc
  .tuple(
    fc.integer({ min: Date.parse('0001-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59Z') }),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([ms, digits]) => {
    const iso = new Date(ms).toISOString().slice(0, 19);
    return digits === 0 ? `${iso}Z` : `${iso}.${'123456789'.slice(0, digits)}Z`;
  });
const nearUtcText = fc.oneof(
  utcText,
  fc
    .tuple(
      utcText,
      fc.nat(),
      fc.constantFrom('0', '2', '3', '6', '9', ':', '-', '.', 'T', 'Z', 'z', '/', ' ', 'x', ''),
    )
    .map(([text, at, c]) => {
      const i = at % text.length;
      return text.slice(0, i) + c + text.slice(i + 1);
    }),
  fc.tuple(utcText, fc.nat()).map(([text, at]) => {
    const i = at % text.length;
    return text.slice(0, i) + text.slice(i) + text.slice(i, i + 1);
  }),
  fc.constantFrom(
    '2026-02-29T00:00:00Z',
    '2024-02-29T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-11-25T03:04:60Z',
    '2026-11-25T24:00:00Z',
  ),
);

describe('the positional UTC parser', () => {
  it('reads what the strict RFC 3339 pattern reads, and rejects what it rejects', () => {
    fc.assert(
      fc.property(nearUtcText, (text) => {
        // Act & Assess
        expect(parseKubeTime(text)).toBe(parseRfc3339(text));
      }),
      { numRuns: 5 * RUNS },
    );
  });
});

/** A cluster of node leases and Nodes (with and without each other) and some leader leases. */
const clusterArb = fc
  .record({
    nodeNames: fc.uniqueArray(fc.constantFrom('n-a', 'n-b', 'n-c', 'n-d', 'n-e', 'n-f'), { maxLength: 6 }),
    leaseNames: fc.uniqueArray(fc.constantFrom('n-a', 'n-b', 'n-c', 'n-d', 'n-e', 'n-f'), { maxLength: 6 }),
    renewAgo: fc.array(fc.integer({ min: 0, max: 20 * 60 * SECOND }), { minLength: 6, maxLength: 6 }),
    ownerless: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    leaders: fc.uniqueArray(fc.constantFrom('alpha', 'beta', 'gamma'), { maxLength: 3 }),
    order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  })
  .map((c) => ({
    nodes: c.nodeNames.map((n) => node(n)),
    nodeLeases: c.leaseNames.map((n, i) =>
      nodeLease(n, { renewAgoMs: c.renewAgo[i] ?? 0, ...(c.ownerless[i] ? { ownerUid: null } : {}) }),
    ),
    leaders: c.leaders.map((name) => leaderLease({ namespace: 'payments', name, renewAgoMs: 2 * DAY })),
    order: c.order,
  }));

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `list` reordered by `keys` (a permutation drawn by the property). */
function shuffled<T>(list: readonly T[], keys: readonly number[]): T[] {
  return list
    .map((item, i) => ({ item, key: keys[i] ?? i }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);
}

describe('audit: the fast walk and the general join agree', () => {
  it('reports the same for a cluster in API order and for the same cluster out of order', () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, nodeLeases, leaders, order }) => {
        // Prepare
        const inOrder: AuditInput = {
          cluster: 'c',
          leases: [...nodeLeases.sort(byName), ...leaders.sort(byName)],
          nodes: [...nodes].sort(byName),
          pods: undefined,
        };
        // Node leases shuffled and split around a leader lease; Nodes shuffled.
        const mixed = shuffled(nodeLeases, order);
        const outOfOrder: AuditInput = {
          ...inOrder,
          leases: [...mixed.slice(0, 1), ...leaders, ...mixed.slice(1)],
          nodes: shuffled(nodes, order.slice(6)),
        };

        // Act
        const fast = audit(inOrder, NOW, defaultAuditPolicy);
        const general = audit(outOfOrder, NOW, defaultAuditPolicy);

        // Assess
        expect(general).toEqual(fast);
      }),
      { numRuns: RUNS },
    );
  });
});

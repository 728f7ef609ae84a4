/**
 * The streaming judge of node leases and Nodes against a plain, hash-indexed join of the same two lists
 * held whole: whatever the page sizes and however the two lists' pages interleave, it must find exactly
 * what the whole-list join finds, hold at most one side's backlog, and give up (never guess) when a list
 * is not in strict name order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import type { Finding } from '../../../shared/audit/findings.ts';
import { HeartbeatJudge, nodeLeaseFinding } from '../../../shared/audit/heartbeat-judge.ts';
import { nodeWithoutLeaseFinding } from '../../../shared/audit/rules/node-heartbeats.ts';
import type { LeaseRecord, NodeRecord } from '../../../shared/kube/records.ts';
import { leaderLease, MINUTE, NOW, node, nodeLease } from './builders.ts';

const policy = defaultAuditPolicy;
const NAMES = ['n-a', 'n-b', 'n-c', 'n-d', 'n-e', 'n-f', 'n-g', 'n-h', 'n-i', 'n-j'];

/** One name's state: lease and Node, lease only, Node only; fresh, stale or orphaned from an older Node. */
const entryArb = fc.record({
  name: fc.constantFrom(...NAMES),
  has: fc.constantFrom('both', 'both', 'both', 'lease', 'node'),
  renewAgoMs: fc.constantFrom(3_000, 5 * MINUTE),
  ownerUid: fc.constantFrom<string | null | undefined>(undefined, undefined, null, 'old-uid'),
});

const clusterArb = fc
  .uniqueArray(entryArb, { selector: (e) => e.name, maxLength: NAMES.length })
  .map((entries) => {
    const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : 1));
    return {
      leases: sorted
        .filter((e) => e.has !== 'node')
        .map((e) => nodeLease(e.name, { renewAgoMs: e.renewAgoMs, ownerUid: e.ownerUid })),
      nodes: sorted.filter((e) => e.has !== 'lease').map((e) => node(e.name)),
    };
  });

/** The reference: both lists whole, Nodes found by name in a Map. */
function wholeJoin(leases: LeaseRecord[], nodes: NodeRecord[]): Finding[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const leaseNames = new Set(leases.map((l) => l.name));
  const findings: Finding[] = [];
  for (const l of leases) {
    const f = nodeLeaseFinding(l, byName.get(l.name), NOW, policy);
    if (f) findings.push(f);
  }
  for (const n of nodes) if (!leaseNames.has(n.name)) findings.push(nodeWithoutLeaseFinding(n, NOW));
  return sorted(findings);
}

function sorted(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
}

/** Cuts `items` into pages at the given (random) sizes. */
function pages<T>(items: T[], sizes: number[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  for (let k = 0; i < items.length; k++) {
    const size = Math.max(1, sizes[k % Math.max(1, sizes.length)] ?? 1);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

const sizesArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 });

describe('HeartbeatJudge', () => {
  it('finds what the whole-list join finds, for any page sizes and interleaving of the two lists', () => {
    fc.assert(
      fc.property(
        clusterArb,
        sizesArb,
        sizesArb,
        fc.array(fc.boolean(), { maxLength: 30 }),
        (c, ls, ns, turns) => {
          // Prepare
          const judge = new HeartbeatJudge(policy);
          const leasePages = pages(c.leases, ls);
          const nodePages = pages(c.nodes, ns);
          let maxBothWaiting = 0;

          // Act: the two lists' pages arrive in the order `turns` picks; each side ends after its last page.
          let t = 0;
          while (leasePages.length > 0 || nodePages.length > 0) {
            const leaseTurn = nodePages.length === 0 || (leasePages.length > 0 && (turns[t++] ?? true));
            if (leaseTurn) {
              judge.addLeases(leasePages.shift() as LeaseRecord[], NOW);
              if (leasePages.length === 0) judge.endLeases();
            } else {
              judge.addNodes(nodePages.shift() as NodeRecord[], NOW);
              if (nodePages.length === 0) judge.endNodes();
            }
            const { leases, nodes } = judge.backlog;
            maxBothWaiting = Math.max(maxBothWaiting, Math.min(leases, nodes));
          }
          judge.endLeases();
          judge.endNodes();

          // Assess
          const result = judge.result();
          expect(sorted(result.findings)).toEqual(wholeJoin(c.leases, c.nodes));
          expect(result.nodeLeases).toBe(c.leases.length);
          expect(result.nodes).toBe(c.nodes.length);
          expect(maxBothWaiting).toBe(0);
          expect(judge.backlog).toEqual({ leases: 0, nodes: 0 });
          // Every lease behind a finding is kept for the reaper, and no other.
          const flaggedNames = new Set(result.flagged.map((l) => l.name));
          const leaseFindingNames = new Set(
            result.findings.filter((f) => f.type !== 'NodeWithoutLease').map((f) => f.name),
          );
          expect(flaggedNames).toEqual(leaseFindingNames);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('judges a pair by the time of the lease’s page, and a lone Node by the time of its own page', () => {
    // Prepare: the lease was read 10 minutes before the Node (a slow Node list).
    const judge = new HeartbeatJudge(policy);
    const lease = nodeLease('n-a', { renewAgoMs: 3_000 });

    // Act
    judge.addLeases([lease], NOW);
    judge.endLeases();
    judge.addNodes([node('n-a'), node('n-b')], NOW + 10 * MINUTE);
    judge.endNodes();

    // Assess: fresh when read; n-b has no lease.
    expect(judge.result().findings.map((f) => `${f.type} ${f.name}`)).toEqual(['NodeWithoutLease n-b']);
  });

  it.each<[string, string[], string[]]>([
    ['node leases out of order', ['n-b', 'n-a'], ['n-a', 'n-b']],
    ['a node lease twice', ['n-a', 'n-a'], ['n-a']],
    ['Nodes out of order', ['n-a', 'n-b'], ['n-b', 'n-a']],
    ['a Node twice', ['n-a'], ['n-a', 'n-a']],
  ])('gives up on %s, across pages too', (_what, leaseNames, nodeNames) => {
    // Prepare
    const judge = new HeartbeatJudge(policy);

    // Act: one item per page, so the order is broken across page boundaries.
    for (const n of leaseNames) judge.addLeases([nodeLease(n)], NOW);
    for (const n of nodeNames) judge.addNodes([node(n)], NOW);
    judge.endLeases();
    judge.endNodes();

    // Assess
    expect(judge.inOrder).toBe(false);
    expect(() => judge.result()).toThrow(/out of order/);
  });

  it('refuses to give a result before both lists have ended', () => {
    const judge = new HeartbeatJudge(policy);
    judge.addLeases([nodeLease('n-a')], NOW);
    judge.endLeases();
    expect(() => judge.result()).toThrow(/has not ended/);
  });
});

describe('audit() with node leases judged as they were listed', () => {
  it('reports what it reports for the same cluster listed whole, the node leases taken from mixed pages', () => {
    fc.assert(
      fc.property(clusterArb, sizesArb, (c, sizes) => {
        // Prepare: the lease list in its order — a namespace before kube-node-lease, one after.
        const before = [leaderLease({ namespace: 'default', name: 'app', renewAgoMs: 3_000 })];
        const after = [leaderLease({ namespace: 'payments', name: 'web', renewAgoMs: 3 * 86_400_000 })];
        const list = [...before, ...c.leases, ...after];
        const judge = new HeartbeatJudge(policy);
        const others: LeaseRecord[] = [];
        for (const page of pages(list, sizes)) judge.takeLeasePage(page, NOW, others);
        judge.addNodes(c.nodes, NOW);
        judge.endLeases();
        judge.endNodes();

        // Act
        const whole = audit({ cluster: 'c', leases: list, nodes: c.nodes, pods: [] }, NOW, policy);
        const judged = audit(
          { cluster: 'c', leases: others, nodes: [], pods: [], heartbeats: judge.result() },
          NOW,
          policy,
        );

        // Assess: the page split kept every other lease, in order, and judged the rest as the whole audit.
        expect(others).toEqual([...before, ...after]);
        expect(judged).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('treats a node lease among the leases of a judged snapshot as a bug, not as a second judgement', () => {
    const heartbeats = { nodeLeases: 0, nodes: 0, findings: [], flagged: [] };
    expect(() =>
      audit({ cluster: 'c', leases: [nodeLease('n-a')], nodes: [], pods: [], heartbeats }, NOW, policy),
    ).toThrow(/judged/);
  });
});

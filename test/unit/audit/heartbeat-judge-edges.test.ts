/**
 * The streaming judge of node leases and Nodes at its edges, as the lists arrive from a real cluster: empty
 * pages, one list running pages ahead of the other (a lease list's node leases starting mid-page), a name
 * listed twice inside one page, what the judge does once it has given up, and the exact problems of a node
 * lease that is not a kubelet's. heartbeat-judge.test.ts checks the judge against a whole-list join.
 */
import { describe, expect, it } from 'vitest';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { HeartbeatJudge, readLeaseProblems } from '../../../shared/audit/heartbeat-judge.ts';
import type { LeaseRecord, NodeRecord } from '../../../shared/kube/records.ts';
import { auditOf, DAY, leaderLease, lease, NOW, node, nodeLease } from './builders.ts';

const policy = defaultAuditPolicy;
const NODE = 'ip-10-0-3-17.ec2.internal';

/** `type name` of each finding, in the order the judge made them. */
function described(judge: HeartbeatJudge): string[] {
  return judge.result().findings.map((f) => `${f.type} ${f.name}`);
}

describe('HeartbeatJudge, given pages of nothing', () => {
  it.each<[string, NodeRecord[], number, number]>([
    ['an empty page of Nodes', [], 0, 0],
    ['an empty range of a page of Nodes', [node('n-x'), node('n-y')], 1, 1],
  ])('takes nothing from %s', (_what, page, from, to) => {
    // Prepare: a cluster without node leases, whose Node list starts with nothing and then gives n-a.
    const judge = new HeartbeatJudge(policy);
    judge.endLeases();

    // Act
    judge.addNodes(page, NOW, from, to);
    judge.addNodes([node('n-a')], NOW);
    judge.endNodes();

    // Assess: n-a is the only Node, and it has no lease.
    expect(described(judge)).toEqual(['NodeWithoutLease n-a']);
    expect(judge.result().nodes).toBe(1);
  });

  it.each<[string, LeaseRecord[], number, number]>([
    ['an empty page of node leases', [], 0, 0],
    ['an empty range of a page of node leases', [nodeLease('n-x'), nodeLease('n-y')], 1, 1],
  ])('takes nothing from %s', (_what, page, from, to) => {
    // Prepare: a cluster without Nodes, whose node lease list starts with nothing and then gives n-a.
    const judge = new HeartbeatJudge(policy);
    judge.endNodes();

    // Act
    judge.addLeases(page, NOW, from, to);
    judge.addLeases([nodeLease('n-a')], NOW);
    judge.endLeases();

    // Assess: n-a is the only node lease, and it has no Node.
    expect(described(judge)).toEqual(['OrphanedNodeLease n-a']);
    expect(judge.result().nodeLeases).toBe(1);
  });
});

describe('HeartbeatJudge, given a range of a page', () => {
  it('judges and counts only the Nodes and node leases inside the range', () => {
    // Prepare: each page holds a name before and after its range that would be a finding if judged.
    const judge = new HeartbeatJudge(policy);
    const leases = [nodeLease('n-0'), nodeLease('n-a'), nodeLease('n-b'), nodeLease('n-z')];
    const nodes = [node('n-1'), node('n-a'), node('n-b'), node('n-y')];

    // Act
    judge.addLeases(leases, NOW, 1, 3);
    judge.addNodes(nodes, NOW, 1, 3);
    judge.endLeases();
    judge.endNodes();

    // Assess: n-a and n-b met their fresh heartbeats; nothing outside the ranges was judged.
    expect(described(judge)).toEqual([]);
    expect(judge.result()).toMatchObject({ nodeLeases: 2, nodes: 2 });
  });
});

describe('HeartbeatJudge, with one list pages ahead of the other', () => {
  it('pairs Nodes that waited in two pages with the node leases that come after them', () => {
    // Prepare: the Node list gives two pages before the lease list gives anything.
    const judge = new HeartbeatJudge(policy);
    judge.addNodes([node('n-a'), node('n-b')], NOW);
    judge.addNodes([node('n-c'), node('n-d'), node('n-e')], NOW);
    expect(judge.backlog).toEqual({ leases: 0, nodes: 5 });

    // Act
    judge.addLeases(
      ['n-a', 'n-b', 'n-c', 'n-d', 'n-e'].map((n) => nodeLease(n)),
      NOW,
    );
    judge.endLeases();
    judge.endNodes();

    // Assess: every Node met its fresh heartbeat.
    expect(described(judge)).toEqual([]);
    expect(judge.result()).toMatchObject({ nodeLeases: 5, nodes: 5 });
    expect(judge.backlog).toEqual({ leases: 0, nodes: 0 });
  });

  it('pairs node leases that waited in two lease pages, the first starting mid-page, with the Nodes after them', () => {
    // Prepare: the lease list runs ahead. Its pages are in namespace order, so kube-node-lease starts after
    // `default` in the first page and ends before `payments` in the second.
    const judge = new HeartbeatJudge(policy);
    const app = leaderLease({ namespace: 'default', name: 'app' });
    const web = leaderLease({ namespace: 'payments', name: 'web' });
    const others: LeaseRecord[] = [];
    judge.takeLeasePage([app, nodeLease('n-a')], NOW, others);
    judge.takeLeasePage([nodeLease('n-b'), nodeLease('n-c'), nodeLease('n-d'), web], NOW, others);
    expect(judge.backlog).toEqual({ leases: 4, nodes: 0 });

    // Act
    judge.addNodes([node('n-a'), node('n-b'), node('n-c'), node('n-d')], NOW);
    judge.endLeases();
    judge.endNodes();

    // Assess
    expect(described(judge)).toEqual([]);
    expect(judge.result()).toMatchObject({ nodeLeases: 4, nodes: 4 });
    expect(others).toEqual([app, web]);
  });
});

describe('HeartbeatJudge, given a name twice within one page', () => {
  it.each<[string, string[], string[]]>([
    ['a node lease twice, its Node not listed', ['n-a', 'n-a'], ['n-b']],
    ['a Node twice, its lease not listed', ['n-b'], ['n-a', 'n-a']],
    ['a Node twice after its lease', ['n-a', 'n-c'], ['n-a', 'n-a']],
  ])('gives up on %s', (_what, leaseNames, nodeNames) => {
    // Prepare
    const judge = new HeartbeatJudge(policy);

    // Act: each list in one page, so the merge meets the repeated name inside a page.
    judge.addLeases(
      leaseNames.map((n) => nodeLease(n)),
      NOW,
    );
    judge.addNodes(
      nodeNames.map((n) => node(n)),
      NOW,
    );
    judge.endLeases();
    judge.endNodes();

    // Assess
    expect(judge.inOrder).toBe(false);
    expect(() => judge.result()).toThrow(/out of order/);
  });
});

describe('HeartbeatJudge, once it has given up', () => {
  it('takes nothing more: what waited keeps waiting, new pages and the ends of the lists change nothing', () => {
    // Prepare: the first lease page rises (n-a, n-c); the second goes back to n-b. The merge finds this
    // when the Node n-z arrives: it takes n-a and n-c, then n-b is not after n-c.
    const judge = new HeartbeatJudge(policy);
    judge.addLeases([nodeLease('n-a'), nodeLease('n-c')], NOW);
    judge.addLeases([nodeLease('n-b'), nodeLease('n-x'), nodeLease('n-y')], NOW);
    judge.addNodes([node('n-z')], NOW);
    expect(judge.inOrder).toBe(false);
    // Left untaken: the second lease page (n-b, n-x, n-y), and the Node n-z that was waiting for its lease.
    expect(judge.backlog).toEqual({ leases: 3, nodes: 1 });

    // Act
    judge.addNodes([node('n-zz')], NOW);
    judge.addLeases([nodeLease('n-zz')], NOW);
    judge.endLeases();
    judge.endNodes();

    // Assess
    expect(judge.backlog).toEqual({ leases: 3, nodes: 1 });
    expect(judge.ended).toEqual({ leases: true, nodes: true });
    expect(() => judge.result()).toThrow(/out of order/);
  });

  it('stops where the order broke when it was taking the node leases left after the Node list ended', () => {
    // Prepare: the Node list has ended, so each node lease is taken as it comes, without a Node.
    const judge = new HeartbeatJudge(policy);
    judge.endNodes();

    // Act: n-b is taken; n-a is not after it.
    judge.addLeases([nodeLease('n-b'), nodeLease('n-a'), nodeLease('n-c')], NOW);

    // Assess: n-a and n-c are left untaken.
    expect(judge.inOrder).toBe(false);
    expect(judge.backlog).toEqual({ leases: 2, nodes: 0 });
    judge.endLeases();
    expect(judge.backlog).toEqual({ leases: 2, nodes: 0 });
    expect(() => judge.result()).toThrow(/out of order/);
  });
});

describe('a node lease that is not a kubelet’s', () => {
  it('is malformed for its holder alone when its renewal and duration are well formed', () => {
    // Prepare
    const record = nodeLease(NODE, { holder: 'ip-10-0-3-18.ec2.internal' });

    // Act
    const a = auditOf({ leases: [record], nodes: [node(NODE)] });

    // Assess
    expect(a.findings.map((f) => [f.type, f.facts.problems])).toEqual([
      [
        'MalformedLease',
        ['holderIdentity "ip-10-0-3-18.ec2.internal" is not the lease name, as a kubelet writes it'],
      ],
    ]);
  });

  it('lists the problems of its spec first, then what makes it foreign, in one reason', () => {
    // Prepare: a zero duration (the spec) and a Pod owner (not a kubelet's), long dead, its Node gone.
    const record = nodeLease(NODE, { duration: 0, ownerKind: 'Pod', renewAgoMs: 3 * DAY });

    // Act
    const a = auditOf({ leases: [record], nodes: [] });

    // Assess
    expect(a.findings.map((f) => [f.type, f.facts.problems, f.reason])).toEqual([
      [
        'MalformedLease',
        ['spec.leaseDurationSeconds 0 is not positive', 'owned by a Pod, not a Node'],
        `Lease kube-node-lease/${NODE} cannot be judged: spec.leaseDurationSeconds 0 is not positive; ` +
          'owned by a Pod, not a Node.',
      ],
    ]);
  });
});

describe('readLeaseProblems', () => {
  it('finds no problem in a well-formed lease', () => {
    // Act + Assess: a healthy leader lease and a kubelet's heartbeat.
    expect(readLeaseProblems(lease(), NOW, policy)).toEqual([]);
    expect(readLeaseProblems(nodeLease(NODE), NOW, policy)).toEqual([]);
  });

  it('finds the problems of a malformed one', () => {
    expect(readLeaseProblems(lease({ leaseTransitions: 1.5 }), NOW, policy)).toEqual([
      'spec.leaseTransitions 1.5 is not a non-negative whole number',
    ]);
  });
});

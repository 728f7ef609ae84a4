import type { LeaseRecord, NodeRecord } from '../kube/records.ts';
import type { AuditPolicy } from './audit-policy.ts';
import type { Finding, LeaseKind } from './findings.ts';
import { leaseTiming, readLeaseShape } from './lease-shape.ts';
import {
  isQuietHeartbeat,
  nodeHeartbeatFindings,
  nodeLeaseShapeProblems,
  nodeWithoutLeaseFinding,
} from './rules/node-heartbeats.ts';

/** What the judge found among a cluster's node leases and Nodes. */
export interface HeartbeatJudgement {
  /** Node leases (every lease in kube-node-lease) judged. */
  nodeLeases: number;
  nodes: number;
  findings: Finding[];
  /** The node leases behind `findings`: the reaper plans deletions of orphans from these records. */
  flagged: LeaseRecord[];
}

/**
 * Judges node leases next to the Nodes of the same name while the two lists stream in, so a 100k-node
 * cluster is judged without holding 100k leases and Nodes: the healthy pairs — nearly all of them — are
 * settled and dropped as they meet. Pure: no I/O and no clock; each page comes with the time to judge it by.
 *
 * Both lists arrive in name order (etcd key order, and the watch cache's ordered store), so the two are
 * merge-joined: whichever side runs ahead waits in a queue until its partner (or a larger name) arrives
 * on the other side. The order is trusted only as far as it is checked: names must rise strictly on each
 * side (which also proves there are no duplicates); the first name that does not turns `inOrder` false
 * and the judge stops, leaving the caller to judge the lists whole (`joinByName`).
 */
export class HeartbeatJudge {
  /** False once either list broke the name order the merge relies on. */
  inOrder = true;
  private readonly leases = new PageQueue<LeaseRecord>();
  private readonly nodes = new PageQueue<NodeRecord>();
  private leasesEnded = false;
  private nodesEnded = false;
  private lastLease: string | undefined;
  private lastNode: string | undefined;
  private readonly judgement: HeartbeatJudgement = { nodeLeases: 0, nodes: 0, findings: [], flagged: [] };

  constructor(private readonly policy: AuditPolicy) {}

  /** Node leases `page[from..to)`, in list order, to be judged at `nowMs`. */
  addLeases(page: readonly LeaseRecord[], nowMs: number, from = 0, to = page.length): void {
    if (!this.inOrder || from >= to) return;
    const last = lastIfRising(page, from, to, this.lastLease);
    if (last === null) {
      this.outOfOrder();
      return;
    }
    this.lastLease = last;
    this.judgement.nodeLeases += to - from;
    this.leases.push(page, nowMs, from, to);
    this.merge();
  }

  /** Nodes `page[from..to)`, in list order, to be judged at `nowMs`. */
  addNodes(page: readonly NodeRecord[], nowMs: number, from = 0, to = page.length): void {
    if (!this.inOrder || from >= to) return;
    const last = lastIfRising(page, from, to, this.lastNode);
    if (last === null) {
      this.outOfOrder();
      return;
    }
    this.lastNode = last;
    this.judgement.nodes += to - from;
    this.nodes.push(page, nowMs, from, to);
    this.merge();
  }

  /** No more node leases will come: the Nodes still waiting have none. */
  endLeases(): void {
    this.leasesEnded = true;
    this.merge();
  }

  /** No more Nodes will come: the node leases still waiting have none. */
  endNodes(): void {
    this.nodesEnded = true;
    this.merge();
  }

  /** Items waiting for their partner on each side (at most one side is ever non-empty). */
  get backlog(): { leases: number; nodes: number } {
    return { leases: this.leases.size, nodes: this.nodes.size };
  }

  get ended(): { leases: boolean; nodes: boolean } {
    return { leases: this.leasesEnded, nodes: this.nodesEnded };
  }

  /** The judgement, once both lists have ended in order. */
  result(): HeartbeatJudgement {
    if (!this.inOrder) throw new Error('HeartbeatJudge: the lists were out of order; judge them whole');
    if (!this.leasesEnded || !this.nodesEnded) throw new Error('HeartbeatJudge: a list has not ended');
    return this.judgement;
  }

  private outOfOrder(): void {
    this.inOrder = false;
    this.judgement.findings.length = 0;
    this.judgement.flagged.length = 0;
  }

  private merge(): void {
    const leases = this.leases;
    const nodes = this.nodes;
    // Equality first: nearly every lease meets its Node, and one comparison then settles the pair.
    while (leases.size > 0 && nodes.size > 0) {
      const lease = leases.head as LeaseRecord;
      const node = nodes.head as NodeRecord;
      if (lease.name === node.name) {
        this.judgeLease(lease, node, leases.headNowMs);
        leases.shift();
        nodes.shift();
      } else if (lease.name < node.name) {
        this.judgeLease(lease, undefined, leases.headNowMs);
        leases.shift();
      } else {
        this.judgeNode(node, nodes.headNowMs);
        nodes.shift();
      }
    }
    if (this.nodesEnded) {
      for (; leases.size > 0; leases.shift())
        this.judgeLease(leases.head as LeaseRecord, undefined, leases.headNowMs);
    }
    if (this.leasesEnded) {
      for (; nodes.size > 0; nodes.shift()) this.judgeNode(nodes.head as NodeRecord, nodes.headNowMs);
    }
  }

  private judgeLease(lease: LeaseRecord, node: NodeRecord | undefined, nowMs: number): void {
    const finding = nodeLeaseFinding(lease, node, nowMs, this.policy);
    if (!finding) return;
    this.judgement.findings.push(finding);
    this.judgement.flagged.push(lease);
  }

  private judgeNode(node: NodeRecord, nowMs: number): void {
    this.judgement.findings.push(nodeWithoutLeaseFinding(node, nowMs));
  }
}

/**
 * The finding for a node lease and the Node of its name (if any). A malformed node lease still counts as
 * its Node's lease: the Node is not "without a lease".
 */
export function nodeLeaseFinding(
  lease: LeaseRecord,
  node: NodeRecord | undefined,
  nowMs: number,
  policy: AuditPolicy,
): Finding | undefined {
  // Nearly every node lease is a healthy Node's fresh heartbeat: settle those without allocating.
  if (node && isQuietHeartbeat(lease, node, nowMs, policy)) return undefined;
  const timing = leaseTiming(lease, nowMs, policy);
  const extra = nodeLeaseShapeProblems(lease);
  if (!timing || extra.length > 0) {
    return malformedLease(lease, 'nodeHeartbeat', [
      ...(timing ? [] : readLeaseProblems(lease, nowMs, policy)),
      ...extra,
    ]);
  }
  return nodeHeartbeatFindings(lease, timing, node, nowMs, policy);
}

export function readLeaseProblems(lease: LeaseRecord, nowMs: number, policy: AuditPolicy): string[] {
  const shape = readLeaseShape(lease, nowMs, policy);
  return shape.ok ? [] : shape.problems;
}

/** A lease no rule can judge: reported, and (having no timing) never deleted. */
export function malformedLease(lease: LeaseRecord, kind: LeaseKind, problems: string[]): Finding {
  return {
    type: 'MalformedLease',
    severity: 'warning',
    namespace: lease.namespace,
    name: lease.name,
    reason: `Lease ${lease.namespace}/${lease.name} cannot be judged: ${problems.join('; ')}.`,
    ageSeconds: 0,
    leaseKind: kind,
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts: {
      problems,
      ...(typeof lease.renewTime === 'string' ? { renewTime: lease.renewTime } : {}),
      ...(typeof lease.leaseDurationSeconds === 'number'
        ? { leaseDurationSeconds: lease.leaseDurationSeconds }
        : {}),
      ...(typeof lease.holderIdentity === 'string' ? { holderIdentity: lease.holderIdentity } : {}),
    },
  };
}

/** The last name of `items[from..to)` when names rise strictly from `after` on; null when they do not. */
function lastIfRising(
  items: readonly { name: string }[],
  from: number,
  to: number,
  after: string | undefined,
): string | undefined | null {
  let last = after;
  for (let i = from; i < to; i++) {
    const name = (items[i] as { name: string }).name;
    if (last !== undefined && !(name > last)) return null;
    last = name;
  }
  return last;
}

interface Page<T> {
  items: readonly T[];
  nowMs: number;
  from: number;
  to: number;
}

/**
 * A FIFO of ranges of list pages, each with the time it is judged by. Pages are queued as they came (no
 * copying), and a page is let go as soon as its last item has been taken.
 */
class PageQueue<T> {
  private pages: (Page<T> | undefined)[] = [];
  private first = 0;
  private index = 0;
  size = 0;

  push(items: readonly T[], nowMs: number, from: number, to: number): void {
    if (this.size === 0) this.index = from;
    this.pages.push({ items, nowMs, from, to });
    this.size += to - from;
  }

  get head(): T | undefined {
    return this.pages[this.first]?.items[this.index];
  }

  get headNowMs(): number {
    return (this.pages[this.first] as Page<T>).nowMs;
  }

  shift(): void {
    const page = this.pages[this.first];
    if (!page) return;
    this.size--;
    if (++this.index < page.to) return;
    this.pages[this.first++] = undefined;
    const next = this.pages[this.first];
    if (next) this.index = next.from;
    else {
      this.pages = [];
      this.first = 0;
      this.index = 0;
    }
  }
}

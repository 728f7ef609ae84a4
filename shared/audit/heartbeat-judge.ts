import type { LeaseRecord, NodeRecord } from '../kube/records.ts';
import type { AuditPolicy } from './audit-policy.ts';
import type { Finding, LeaseKind } from './findings.ts';
import { NODE_LEASE_NAMESPACE } from './lease-kind.ts';
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
 * side (which also proves there are no duplicates); the first name the merge takes out of order turns
 * `inOrder` false and the judge stops, leaving the caller to judge the lists whole (`joinByName`).
 */
export class HeartbeatJudge {
  /** False once either list broke the name order the merge relies on. */
  inOrder = true;
  private readonly leases = new PageQueue<LeaseRecord>();
  private readonly nodes = new PageQueue<NodeRecord>();
  private leasesEnded = false;
  private nodesEnded = false;
  /** The name judged last, on either side: the merge of two lists in strict name order rises strictly. */
  private last: string | undefined;
  private readonly judgement: HeartbeatJudgement = { nodeLeases: 0, nodes: 0, findings: [], flagged: [] };

  constructor(private readonly policy: AuditPolicy) {}

  /**
   * A page of the lease list, `page[from..to)`: its node leases (those in kube-node-lease, which the list
   * gives as one run) are judged at `nowMs`, and every other lease is appended to `others`, in order.
   */
  takeLeasePage(
    page: readonly LeaseRecord[],
    nowMs: number,
    others: LeaseRecord[],
    from = 0,
    to = page.length,
  ): void {
    let runStart = -1;
    for (let i = from; i < to; i++) {
      const lease = page[i] as LeaseRecord;
      if (lease.namespace === NODE_LEASE_NAMESPACE) {
        if (runStart < 0) runStart = i;
        continue;
      }
      if (runStart >= 0) this.addLeases(page, nowMs, runStart, i);
      runStart = -1;
      others.push(lease);
    }
    if (runStart >= 0) this.addLeases(page, nowMs, runStart, to);
  }

  /** Node leases `page[from..to)`, in list order, to be judged at `nowMs`. */
  addLeases(page: readonly LeaseRecord[], nowMs: number, from = 0, to = page.length): void {
    if (!this.inOrder || from >= to) return;
    this.judgement.nodeLeases += to - from;
    this.leases.push(page, nowMs, from, to);
    this.merge();
  }

  /** Nodes `page[from..to)`, in list order, to be judged at `nowMs`. */
  addNodes(page: readonly NodeRecord[], nowMs: number, from = 0, to = page.length): void {
    if (!this.inOrder || from >= to) return;
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

  /**
   * Takes the smaller head of the two queues (both, when their names are equal) until one side runs dry.
   * The order is checked on the way: every name taken must be greater than the last one taken. Each list
   * is taken in its own order, so this holds exactly when both lists rise strictly — checked with one
   * comparison per step, and a matched pair is one step.
   */
  private merge(): void {
    if (!this.inOrder) return;
    const leases = this.leases;
    const nodes = this.nodes;
    let last = this.last;
    // A lease page and a Node page at a time, read by index: this loop runs once per node lease.
    while (leases.size > 0 && nodes.size > 0) {
      const leasePage = leases.page;
      const nodePage = nodes.page;
      let l = leases.index;
      let n = nodes.index;
      while (l < leasePage.to && n < nodePage.to) {
        const lease = leasePage.items[l] as LeaseRecord;
        const node = nodePage.items[n] as NodeRecord;
        // Equality first: nearly every lease meets its Node, and one comparison then settles the pair.
        const leaseName = lease.name;
        const nodeName = node.name;
        const step = leaseName === nodeName ? PAIR : leaseName < nodeName ? LEASE : NODE;
        const taken = step === NODE ? nodeName : leaseName;
        if (last !== undefined && !(taken > last)) {
          this.outOfOrder();
          return;
        }
        last = taken;
        if (step === NODE) {
          this.judgeNode(node, nodePage.nowMs);
          n++;
        } else {
          this.judgeLease(lease, step === PAIR ? node : undefined, leasePage.nowMs);
          l++;
          if (step === PAIR) n++;
        }
      }
      leases.skip(l - leases.index);
      nodes.skip(n - nodes.index);
    }
    this.last = last;
    if (this.nodesEnded) {
      for (; leases.size > 0; leases.skip(1)) {
        if (!this.takes(leases.head.name)) return;
        this.judgeLease(leases.head, undefined, leases.page.nowMs);
      }
    }
    if (this.leasesEnded) {
      for (; nodes.size > 0; nodes.skip(1)) {
        if (!this.takes(nodes.head.name)) return;
        this.judgeNode(nodes.head, nodes.page.nowMs);
      }
    }
  }

  /** Whether `name` comes after every name taken so far (it is then the last taken); stops the judge if not. */
  private takes(name: string): boolean {
    const last = this.last;
    if (last !== undefined && !(name > last)) {
      this.outOfOrder();
      return false;
    }
    this.last = name;
    return true;
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

/** What the merge takes in one step: a lease and its Node, a lease alone, or a Node alone. */
const PAIR = 0;
const LEASE = 1;
const NODE = 2;

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
  /** The position of the head item in the first page. */
  index = 0;
  size = 0;

  push(items: readonly T[], nowMs: number, from: number, to: number): void {
    if (this.size === 0) this.index = from;
    this.pages.push({ items, nowMs, from, to });
    this.size += to - from;
  }

  /** The first page; only while the queue is not empty. */
  get page(): Page<T> {
    return this.pages[this.first] as Page<T>;
  }

  /** The first item; only while the queue is not empty. */
  get head(): T {
    return this.page.items[this.index] as T;
  }

  /** Drops the first `count` items, all of them in the first page. */
  skip(count: number): void {
    if (count === 0) return;
    const page = this.page;
    this.size -= count;
    this.index += count;
    if (this.index < page.to) return;
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

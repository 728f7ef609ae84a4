import type { AuditPolicy } from '../audit/audit-policy.ts';
import { HeartbeatJudge, type HeartbeatJudgement } from '../audit/heartbeat-judge.ts';
import type { KubeClient } from './kube-client.ts';
import { listLeaseCandidates } from './lease-candidates.ts';
import { ListInterrupted, type ListResult, listAll, listExpired, streamList } from './list-all.ts';
import {
  type LeaseCandidateRecord,
  type LeaseRecord,
  type NodeRecord,
  type PodRecord,
  toLeaseRecord,
  toNodeRecord,
  toPodRecord,
} from './records.ts';
import type { ServerClockReading } from './server-clock.ts';

export interface SnapshotOptions {
  /** Namespaces whose leases to list; all namespaces when absent. */
  namespaces?: readonly string[];
  leaseLabelSelector?: string;
  /** List unfinished Pods so leader leases can be matched with their holder (default true). */
  includePods?: boolean;
  /** Leases and Pods per page (default 500, as client-go's pager). */
  pageSize?: number;
  /**
   * Nodes per page (default 200). They come as metadata, but real ones still carry managedFields, labels
   * and annotations: ~4 KB each for an EKS Node, five times a lease. A page of 200 (~0.8 MB of JSON) parses
   * into few enough objects to die mostly in V8's young generation; pages of 500 (2 MB) are promoted to the
   * old one and a 100k-node audit peaks up to ~30 MB higher, pages of 100 cost twice the requests
   * (bench/README.md).
   */
  nodePageSize?: number;
  /** How many times the snapshot (or a list of it) may start over after a continue token expired (410). */
  maxRestarts?: number;
  /** Called as pages arrive, with the totals so far over every list of the snapshot (live progress). */
  onProgress?: ((progress: { pages: number; objects: number }) => void) | undefined;
  /**
   * Judge node leases and Nodes as they are listed, by this policy, each page at the time `nowMs` gives
   * when it arrives: neither list is then held (a 100k-node cluster fits the smallest Lambda). Without it,
   * every node lease and Node is kept in `leases` and `nodes`.
   */
  judgeHeartbeats?: { policy: AuditPolicy; nowMs: () => number } | undefined;
  /**
   * Also list LeaseCandidates (coordinated leader election), where the cluster serves them: found by
   * discovery (lease-candidates.ts). The audit asks for them; the reaper does not need them.
   */
  leaseCandidates?: boolean;
}

/** What one cluster looked like: the input of the audit. */
export interface ClusterSnapshot {
  cluster: string;
  /** Every lease listed, or, when node leases were judged as they came, every lease outside kube-node-lease. */
  leases: LeaseRecord[];
  /** Every Node, or none when they were judged as they came. */
  nodes: NodeRecord[];
  /** Node leases and Nodes judged as they were listed (`judgeHeartbeats`), when they were. */
  heartbeats?: HeartbeatJudgement;
  /** Unfinished Pods, or undefined when Pods were not listed. */
  pods: PodRecord[] | undefined;
  /** LeaseCandidates, or undefined when not asked for or not served by the cluster. */
  leaseCandidates?: LeaseCandidateRecord[];
  /** The API server's clock from its last response, when it sent a Date header. */
  serverClock: ServerClockReading | undefined;
  stats: { requests: number; retries: number; pages: number; restarts: number; durationMs: number };
}

const LEASES = '/apis/coordination.k8s.io/v1';

/**
 * Reads leases, Nodes and (optionally) unfinished Pods concurrently. Nodes and Pods come metadata-only:
 * the rules need their names, uids and existence, not their status, and a full Node is ~5 KB.
 * Pods in Succeeded or Failed phase are filtered by the server: they cannot renew a lease.
 *
 * With `judgeHeartbeats`, node leases and Nodes are judged as they stream in (heartbeat-judge.ts) and
 * dropped. What was judged cannot be taken back, so a continue token that expires midway starts the whole
 * snapshot over (bounded, like a list's own restarts); lists that turn out not to be in name order are
 * read again whole, and judged whole by the audit.
 */
export async function readClusterSnapshot(
  client: KubeClient,
  options: SnapshotOptions = {},
): Promise<ClusterSnapshot> {
  const started = performance.now();
  const before = { ...client.stats };
  const totals = { pages: 0, objects: 0 };
  const report = options.onProgress;
  const onPage = (delta: { pages: number; items: number }) => {
    totals.pages += delta.pages;
    totals.objects += delta.items;
    report?.({ ...totals });
  };
  // A handful of objects, read beside the big lists.
  const candidates = options.leaseCandidates
    ? listLeaseCandidates(client, { namespaces: options.namespaces, pageSize: options.pageSize ?? 500 })
    : undefined;
  // Settled with the lists below, or on their failure: never left rejected and unobserved.
  candidates?.catch(() => undefined);
  const maxRestarts = options.maxRestarts ?? 3;
  let restarts = 0;
  let read: Read | undefined;
  if (options.judgeHeartbeats) {
    while (!read) {
      try {
        read = await readJudged(client, options, options.judgeHeartbeats, onPage);
      } catch (err) {
        if (!(err instanceof ListInterrupted)) throw err;
        restarts++;
        onPage({ pages: 0, items: -totals.objects });
        if (err.reason === 'unordered') break;
        if (restarts > maxRestarts) throw listExpired(client, err.what, restarts);
      }
    }
  }
  read ??= await readWhole(client, options, onPage);
  const listed = await candidates;
  return {
    cluster: client.cluster,
    ...read.snapshot,
    ...(listed ? { leaseCandidates: listed.items } : {}),
    serverClock: client.clock.latest,
    stats: {
      requests: client.stats.requests - before.requests,
      retries: client.stats.retries - before.retries,
      pages: totals.pages,
      restarts: restarts + read.restarts + (listed?.restarts ?? 0),
      durationMs: Math.round(performance.now() - started),
    },
  };
}

type Read = {
  snapshot: Pick<ClusterSnapshot, 'leases' | 'nodes' | 'heartbeats' | 'pods'>;
  restarts: number;
};
type OnPage = (delta: { pages: number; items: number }) => void;

/**
 * Runs the snapshot's lists concurrently; when one fails the snapshot has failed, so the others are
 * cancelled rather than left running (and retrying) after the cluster's result is reported.
 */
function siblingLists(): { signal: AbortSignal; settle: <T>(list: Promise<T>) => Promise<T> } {
  const siblings = new AbortController();
  return {
    signal: siblings.signal,
    settle: (list) =>
      list.catch((err: unknown) => {
        siblings.abort(err);
        throw err;
      }),
  };
}

function leasePaths(options: SnapshotOptions): { path: string; what: string }[] {
  return options.namespaces
    ? options.namespaces.map((ns) => ({
        path: `${LEASES}/namespaces/${encodeURIComponent(ns)}/leases`,
        what: `leases in ${ns}`,
      }))
    : [{ path: `${LEASES}/leases`, what: 'leases' }];
}

function listPods(
  client: KubeClient,
  options: SnapshotOptions,
  signal: AbortSignal,
  onPage: OnPage,
): Promise<ListResult<PodRecord>> | undefined {
  if (options.includePods === false) return undefined;
  return listAll(client, '/api/v1/pods', 'pods', toPodRecord, {
    metadataOnly: true,
    pageSize: options.pageSize ?? 500,
    fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
    signal,
    onPage,
    ...(options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {}),
  });
}

/** Every list held whole: the audit judges node leases and Nodes from `leases` and `nodes`. */
async function readWhole(client: KubeClient, options: SnapshotOptions, onPage: OnPage): Promise<Read> {
  const pageSize = options.pageSize ?? 500;
  const { signal, settle } = siblingLists();
  const restartsAllowed = options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {};
  const leaseQuery = {
    labelSelector: options.leaseLabelSelector,
    pageSize,
    signal,
    onPage,
    ...restartsAllowed,
  };
  const leaseLists = leasePaths(options).map(({ path, what }) =>
    settle(listAll(client, path, what, toLeaseRecord, leaseQuery)),
  );
  const nodeList = settle(
    listAll(client, '/api/v1/nodes', 'nodes', toNodeRecord, {
      metadataOnly: true,
      pageSize: options.nodePageSize ?? 200,
      signal,
      onPage,
      ...restartsAllowed,
    }),
  );
  const podList = listPods(client, options, signal, onPage);
  const [leaseResults, nodes, pods] = await Promise.all([
    Promise.all(leaseLists),
    nodeList,
    podList && settle(podList),
  ]);
  const all = [...leaseResults, nodes, ...(pods ? [pods] : [])];
  return {
    snapshot: {
      leases:
        leaseResults.length === 1 ? (leaseResults[0]?.items ?? []) : leaseResults.flatMap((r) => r.items),
      nodes: nodes.items,
      pods: pods?.items,
    },
    restarts: all.reduce((n, r) => n + r.restarts, 0),
  };
}

/**
 * Node leases and Nodes judged as they stream in; every other lease, and the unfinished Pods, held.
 * Whichever of the two lists runs ahead waits (its next page is not asked for) while more than two pages
 * of it wait for their partners: the merge empties one side, so at most one side ever waits, and it
 * resumes as soon as the other catches up or ends.
 */
async function readJudged(
  client: KubeClient,
  options: SnapshotOptions,
  judging: NonNullable<SnapshotOptions['judgeHeartbeats']>,
  onPage: OnPage,
): Promise<Read> {
  const pageSize = options.pageSize ?? 500;
  const { signal, settle } = siblingLists();
  const judge = new HeartbeatJudge(judging.policy);
  const room = new Room(signal);
  const nodePageSize = options.nodePageSize ?? 200;
  const maxWaiting = 2 * Math.max(pageSize, nodePageSize);
  const leases: LeaseRecord[] = [];

  const takeLeases = (page: LeaseRecord[]) => {
    judge.takeLeasePage(page, judging.nowMs(), leases);
    room.changed();
    return room.until(() => judge.backlog.leases <= maxWaiting || judge.ended.nodes);
  };
  const takeNodes = (page: NodeRecord[]) => {
    judge.addNodes(page, judging.nowMs());
    room.changed();
    return room.until(() => judge.backlog.nodes <= maxWaiting || judge.ended.leases);
  };

  const leaseQuery = { labelSelector: options.leaseLabelSelector, pageSize, signal, onPage };
  const leaseLists = Promise.all(
    leasePaths(options).map(({ path, what }) =>
      settle(streamList(client, path, what, toLeaseRecord, takeLeases, leaseQuery)),
    ),
  ).then(() => {
    judge.endLeases();
    room.changed();
  });
  const nodeList = settle(
    streamList(client, '/api/v1/nodes', 'nodes', toNodeRecord, takeNodes, {
      metadataOnly: true,
      pageSize: nodePageSize,
      signal,
      onPage,
    }),
  ).then(() => {
    judge.endNodes();
    room.changed();
  });
  const podList = listPods(client, options, signal, onPage);
  const [, , pods] = await Promise.all([leaseLists, nodeList, podList && settle(podList)]);
  if (!judge.inOrder) throw new ListInterrupted('unordered', 'node leases and Nodes');
  return {
    snapshot: { leases, nodes: [], heartbeats: judge.result(), pods: pods?.items },
    restarts: pods?.restarts ?? 0,
  };
}

/**
 * Lets a list wait until a condition holds, re-checked whenever the judge's state changes. An aborted
 * snapshot releases every waiter: its next request then fails with the abort.
 */
class Room {
  private waiters: { ready: () => boolean; resume: () => void }[] = [];

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.release(() => true), { once: true });
  }

  until(ready: () => boolean): Promise<void> | undefined {
    if (ready() || this.signal.aborted) return undefined;
    return new Promise((resume) => this.waiters.push({ ready, resume }));
  }

  changed(): void {
    this.release((w) => w.ready());
  }

  private release(which: (w: { ready: () => boolean }) => boolean): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (which(w)) w.resume();
      else this.waiters.push(w);
    }
  }
}

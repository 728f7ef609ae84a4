import type { KubeClient } from './kube-client.ts';
import { listAll } from './list-all.ts';
import {
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
  pageSize?: number;
  /** Called as pages arrive, with the totals so far over every list of the snapshot (live progress). */
  onProgress?: ((progress: { pages: number; objects: number }) => void) | undefined;
}

/** What one cluster looked like: the input of the audit. */
export interface ClusterSnapshot {
  cluster: string;
  leases: LeaseRecord[];
  nodes: NodeRecord[];
  /** Unfinished Pods, or undefined when Pods were not listed. */
  pods: PodRecord[] | undefined;
  /** The API server's clock from its last response, when it sent a Date header. */
  serverClock: ServerClockReading | undefined;
  stats: { requests: number; retries: number; pages: number; restarts: number; durationMs: number };
}

const LEASES = '/apis/coordination.k8s.io/v1';

/**
 * Reads leases, Nodes and (optionally) unfinished Pods concurrently. Nodes and Pods come metadata-only:
 * the rules need their names, uids and existence, not their status, and a full Node is ~5 KB.
 * Pods in Succeeded or Failed phase are filtered by the server: they cannot renew a lease.
 */
export async function readClusterSnapshot(
  client: KubeClient,
  options: SnapshotOptions = {},
): Promise<ClusterSnapshot> {
  const started = performance.now();
  const pageSize = options.pageSize ?? 500;
  const before = { ...client.stats };
  // The lists run concurrently; when one fails the snapshot has failed, so the others are cancelled
  // rather than left running (and retrying) after the cluster's result is reported.
  const siblings = new AbortController();
  const { signal } = siblings;
  const settle = <T>(list: Promise<T>): Promise<T> =>
    list.catch((err: unknown) => {
      siblings.abort(err);
      throw err;
    });
  const totals = { pages: 0, objects: 0 };
  const report = options.onProgress;
  const onPage = report
    ? (delta: { pages: number; items: number }) => {
        totals.pages += delta.pages;
        totals.objects += delta.items;
        report({ ...totals });
      }
    : undefined;
  const leaseQuery = { labelSelector: options.leaseLabelSelector, pageSize, signal, onPage };

  const leaseLists = options.namespaces
    ? options.namespaces.map((ns) =>
        settle(
          listAll(
            client,
            `${LEASES}/namespaces/${encodeURIComponent(ns)}/leases`,
            `leases in ${ns}`,
            toLeaseRecord,
            leaseQuery,
          ),
        ),
      )
    : [settle(listAll(client, `${LEASES}/leases`, 'leases', toLeaseRecord, leaseQuery))];
  const nodeList = settle(
    listAll(client, '/api/v1/nodes', 'nodes', toNodeRecord, { metadataOnly: true, pageSize, signal, onPage }),
  );
  const podList =
    options.includePods === false
      ? undefined
      : settle(
          listAll(client, '/api/v1/pods', 'pods', toPodRecord, {
            metadataOnly: true,
            pageSize,
            fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
            signal,
            onPage,
          }),
        );

  const [leaseResults, nodes, pods] = await Promise.all([Promise.all(leaseLists), nodeList, podList]);
  const all = [...leaseResults, nodes, ...(pods ? [pods] : [])];
  return {
    cluster: client.cluster,
    leases: leaseResults.length === 1 ? (leaseResults[0]?.items ?? []) : leaseResults.flatMap((r) => r.items),
    nodes: nodes.items,
    pods: pods?.items,
    serverClock: client.clock.latest,
    stats: {
      requests: client.stats.requests - before.requests,
      retries: client.stats.retries - before.retries,
      pages: all.reduce((n, r) => n + r.pages, 0),
      restarts: all.reduce((n, r) => n + r.restarts, 0),
      durationMs: Math.round(performance.now() - started),
    },
  };
}

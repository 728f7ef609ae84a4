import { ClusterProtocolError } from '../errors.ts';
import type { KubeClient } from './kube-client.ts';
import { listAll } from './list-all.ts';
import { type LeaseCandidateRecord, toLeaseCandidateRecord } from './records.ts';

const GROUP = '/apis/coordination.k8s.io';

/**
 * The LeaseCandidate versions read, most preferred first: v1beta1 (1.33 on) and v1alpha2 (1.32). Neither is
 * served unless the cluster turned coordinated leader election on (feature gate and runtime-config; beta
 * APIs are off by default). v1alpha1 (1.31) had another spec (preferredStrategies) and is not read.
 */
export const LEASE_CANDIDATE_VERSIONS = ['v1beta1', 'v1alpha2'] as const;
export type LeaseCandidateVersion = (typeof LEASE_CANDIDATE_VERSIONS)[number];

/**
 * The version at which the cluster serves LeaseCandidates, from discovery; undefined when it serves none
 * we read. The group's versions alone do not say it: coordination.k8s.io/v1beta1 was also the Lease's
 * version until 1.22, without LeaseCandidates. So the version's resource list must name them.
 */
export async function servedLeaseCandidateVersion(
  client: KubeClient,
  signal?: AbortSignal,
): Promise<LeaseCandidateVersion | undefined> {
  const group = await discover(client, GROUP, 'discover coordination.k8s.io', signal);
  const served = new Set(listOf(group, 'versions').map((v) => field(v, 'version')));
  for (const version of LEASE_CANDIDATE_VERSIONS) {
    if (!served.has(version)) continue;
    const resources = await discover(
      client,
      `${GROUP}/${version}`,
      `discover coordination.k8s.io/${version}`,
      signal,
    );
    if (listOf(resources, 'resources').some((r) => field(r, 'name') === 'leasecandidates')) return version;
  }
  return undefined;
}

/**
 * Every LeaseCandidate (all namespaces, or the ones named), or undefined when the cluster serves none: the
 * audit's candidate rules are then silent, not satisfied.
 */
export async function listLeaseCandidates(
  client: KubeClient,
  options: { namespaces?: readonly string[] | undefined; pageSize: number; signal?: AbortSignal },
): Promise<{ items: LeaseCandidateRecord[]; restarts: number } | undefined> {
  const version = await servedLeaseCandidateVersion(client, options.signal);
  if (!version) return undefined;
  const base = `${GROUP}/${version}`;
  const paths = options.namespaces
    ? options.namespaces.map((ns) => `${base}/namespaces/${encodeURIComponent(ns)}/leasecandidates`)
    : [`${base}/leasecandidates`];
  const query = { pageSize: options.pageSize, ...(options.signal ? { signal: options.signal } : {}) };
  const lists = await Promise.all(
    paths.map((path) => listAll(client, path, 'lease candidates', toLeaseCandidateRecord, query)),
  );
  return { items: lists.flatMap((l) => l.items), restarts: lists.reduce((n, l) => n + l.restarts, 0) };
}

/** A discovery document; 404 reads as an empty one (the group or version is not served). */
async function discover(
  client: KubeClient,
  path: string,
  operation: string,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const res = await client.request({
    method: 'GET',
    path,
    operation,
    allowStatuses: [404],
    ...(signal ? { signal } : {}),
  });
  if (res.status === 404) return {};
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    throw new ClusterProtocolError(client.cluster, 'protocol', `${operation}: the response is not JSON`, {
      operation,
    });
  }
}

function listOf(doc: unknown, key: string): unknown[] {
  const value = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>)[key] : undefined;
  return Array.isArray(value) ? value : [];
}

function field(item: unknown, key: string): unknown {
  return item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
}

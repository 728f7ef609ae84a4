import { type AuditInput, audit, type ClusterAudit } from '../audit/audit.ts';
import type { AuditPolicy } from '../audit/audit-policy.ts';
import { ClusterAccessError, type ClusterErrorKind } from '../errors.ts';
import { type ClusterSnapshot, readClusterSnapshot, type SnapshotOptions } from '../kube/cluster-snapshot.ts';
import { KubeClient, type KubeClientOptions } from '../kube/kube-client.ts';
import type { ClusterTarget } from './cluster-target.ts';
import { mapConcurrent } from './map-concurrent.ts';

/** Which clock the audit judged lease times by. */
export interface AuditClock {
  /** `server`: the API server's clock from its Date header; `local`: this machine's; `override`: --now. */
  source: 'server' | 'local' | 'override';
  nowMs: number;
  /** Server minus local clock, when measured. */
  skewMs?: number;
}

export type ClusterResult =
  | {
      status: 'ok';
      cluster: string;
      clock: AuditClock;
      audit: ClusterAudit;
      stats: ClusterSnapshot['stats'];
      /** The snapshot, kept only when asked for (the reaper needs it; reports do not). */
      snapshot?: ClusterSnapshot;
    }
  | { status: 'error'; cluster: string; error: { kind: ClusterErrorKind | 'internal'; message: string } };

/** A result of a run that kept its snapshots (`keepSnapshots: true`): every ok result carries one. */
export type ClusterResultWithSnapshot =
  | (Extract<ClusterResult, { status: 'ok' }> & { snapshot: ClusterSnapshot })
  | Extract<ClusterResult, { status: 'error' }>;

export interface AuditRunOptions {
  policy: AuditPolicy;
  /** Judge by this time instead of the API server's clock (none: the API server's). */
  nowMs?: number | undefined;
  /** Clusters audited at once. */
  concurrency?: number;
  signal?: AbortSignal;
  snapshot?: SnapshotOptions;
  client?: Omit<KubeClientOptions, 'signal'>;
  keepSnapshots?: boolean;
  /** Called as each cluster finishes, e.g. for progress output. */
  onClusterDone?: (result: ClusterResult, done: number, total: number) => void;
  /** Called while a cluster is read: when it starts, after each page, before each retry (live progress). */
  onProgress?: (cluster: string, progress: ClusterProgress) => void;
}

/** How far the reading of one cluster has got. */
export interface ClusterProgress {
  pages: number;
  objects: number;
  retries: number;
  /** The last retry: the attempt it starts (2 = the first retry) and why the one before failed. */
  lastRetry?: { attempt: number; reason: string };
}

/**
 * Audits clusters concurrently (bounded). A cluster that cannot be read becomes an error result naming
 * the cluster and the kind of failure; the others complete. Each cluster is judged by its own API
 * server's clock unless a time is given.
 */
export async function auditClusters(
  targets: readonly ClusterTarget[],
  options: AuditRunOptions & { keepSnapshots: true },
): Promise<ClusterResultWithSnapshot[]>;
export async function auditClusters(
  targets: readonly ClusterTarget[],
  options: AuditRunOptions,
): Promise<ClusterResult[]>;
export async function auditClusters(
  targets: readonly ClusterTarget[],
  options: AuditRunOptions,
): Promise<ClusterResult[]> {
  let done = 0;
  return mapConcurrent(targets, options.concurrency ?? 4, async (target) => {
    const result = await auditOne(target, options);
    done++;
    options.onClusterDone?.(result, done, targets.length);
    return result;
  });
}

async function auditOne(target: ClusterTarget, options: AuditRunOptions): Promise<ClusterResult> {
  let client: KubeClient | undefined;
  try {
    const report = options.onProgress;
    const progress: ClusterProgress = { pages: 0, objects: 0, retries: 0 };
    const onRetry = options.client?.onRetry;
    client = new KubeClient(target.name, target.kubeConfig, {
      ...options.client,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(report
        ? {
            onRetry: (info: Parameters<NonNullable<KubeClientOptions['onRetry']>>[0]) => {
              onRetry?.(info);
              progress.retries++;
              progress.lastRetry = { attempt: info.attempt + 1, reason: info.reason };
              report(target.name, { ...progress });
            },
          }
        : {}),
    });
    report?.(target.name, { ...progress });
    const kube = client;
    const snapshot = await readClusterSnapshot(kube, {
      // LeaseCandidates where the cluster serves them, for the audit's candidate rules; callers that need
      // no audit of them (the reaper) turn them off.
      leaseCandidates: true,
      ...options.snapshot,
      // Each page of node leases and Nodes is judged by the API server's clock when it arrives.
      judgeHeartbeats: {
        policy: options.policy,
        nowMs: () => chooseClock({ serverClock: kube.clock.latest }, options.nowMs, Date.now()).nowMs,
      },
      ...(report
        ? {
            onProgress: (p: { pages: number; objects: number }) => {
              progress.pages = p.pages;
              progress.objects = p.objects;
              report(target.name, { ...progress });
            },
          }
        : {}),
    });
    const clock = chooseClock(snapshot, options.nowMs, Date.now());
    const input: AuditInput = snapshot;
    return {
      status: 'ok',
      cluster: target.name,
      clock,
      audit: audit(input, clock.nowMs, options.policy),
      stats: snapshot.stats,
      ...(options.keepSnapshots ? { snapshot } : {}),
    };
  } catch (err) {
    if (err instanceof ClusterAccessError)
      return { status: 'error', cluster: target.name, error: { kind: err.kind, message: err.message } };
    const message = err instanceof Error ? err.message : String(err);
    return {
      status: 'error',
      cluster: target.name,
      error: { kind: 'internal', message: `cluster "${target.name}": ${message}` },
    };
  } finally {
    await client?.close();
  }
}

/** The API server's clock (local time corrected by the skew its Date header showed), unless overridden. */
export function chooseClock(
  snapshot: Pick<ClusterSnapshot, 'serverClock'>,
  overrideMs: number | undefined,
  localNowMs: number,
): AuditClock {
  const skewMs = snapshot.serverClock?.skewMs;
  if (overrideMs !== undefined)
    return { source: 'override', nowMs: overrideMs, ...(skewMs !== undefined ? { skewMs } : {}) };
  if (skewMs !== undefined) return { source: 'server', nowMs: localNowMs + skewMs, skewMs };
  return { source: 'local', nowMs: localNowMs };
}

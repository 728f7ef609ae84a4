import type { KubeConfig } from '@kubernetes/client-node';
import { type AuditInput, audit, type ClusterAudit } from '../audit/audit.ts';
import type { AuditPolicy } from '../audit/audit-policy.ts';
import { ClusterAccessError, type ClusterErrorKind } from '../errors.ts';
import { type ClusterSnapshot, readClusterSnapshot, type SnapshotOptions } from '../kube/cluster-snapshot.ts';
import { KubeClient, type KubeClientOptions } from '../kube/kube-client.ts';
import { mapConcurrent } from './map-concurrent.ts';

/** A cluster to audit: a name and the KubeConfig (context selected) that reaches it. */
export interface ClusterTarget {
  name: string;
  kubeConfig: KubeConfig;
}

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

export interface AuditRunOptions {
  policy: AuditPolicy;
  /** Judge by this time instead of the API server's clock. */
  nowMs?: number;
  /** Clusters audited at once. */
  concurrency?: number;
  signal?: AbortSignal;
  snapshot?: SnapshotOptions;
  client?: Omit<KubeClientOptions, 'signal'>;
  keepSnapshots?: boolean;
  /** Called as each cluster finishes, e.g. for progress output. */
  onClusterDone?: (result: ClusterResult, done: number, total: number) => void;
}

/**
 * Audits clusters concurrently (bounded). A cluster that cannot be read becomes an error result naming
 * the cluster and the kind of failure; the others complete. Each cluster is judged by its own API
 * server's clock unless a time is given.
 */
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
    client = new KubeClient(target.name, target.kubeConfig, {
      ...options.client,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const snapshot = await readClusterSnapshot(client, options.snapshot);
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

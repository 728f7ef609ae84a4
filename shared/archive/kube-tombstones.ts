import type { DeleteOutcome } from '../kube/delete-lease.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { readLease } from '../kube/read-lease.ts';
import type { KeepOutcome, TombstoneKeeper } from '../reap/execute-plan.ts';
import type { PlannedDeletion } from '../reap/plan.ts';
import { ARCHIVE_FORMAT, type ArchiveLine, leaseIdentity } from './tombstone.ts';

/** Where one cluster's archive lines go: a file with --archive, an S3 object in AWS. */
export interface ArchiveSink {
  /** Resolves once the line is durable (the file synced, the object written); rejects when it is not. */
  append(line: ArchiveLine): Promise<void>;
}

/**
 * Tombstones of one cluster's deletions. Before a delete the lease is read back whole (a list by name: the
 * snapshot keeps compact records, not objects) and kept only if it is still the object the plan judged —
 * same uid and resourceVersion, so its content is what was listed (every write moves the resourceVersion).
 * One that moved would be refused by the delete's preconditions anyway: no delete is sent for it.
 */
export function kubeTombstones(
  client: KubeClient,
  sink: ArchiveSink,
  cluster: string,
  nowMs: () => number = Date.now,
): TombstoneKeeper {
  const at = () => new Date(nowMs()).toISOString();
  return {
    async keep(d: PlannedDeletion): Promise<KeepOutcome> {
      const lease = await readLease(client, d.namespace, d.name);
      if (!lease) return { result: 'alreadyGone' };
      const { uid } = leaseIdentity(lease);
      const resourceVersion = (lease.metadata as { resourceVersion?: unknown }).resourceVersion;
      if (uid !== d.uid)
        return {
          result: 'changed',
          message: `replaced since it was listed (uid ${d.uid} is now ${uid}): left alone, no delete sent`,
        };
      if (resourceVersion !== d.resourceVersion)
        return {
          result: 'changed',
          message: `changed since it was listed (resourceVersion ${d.resourceVersion} is now ${String(resourceVersion)}): left alone, no delete sent`,
        };
      await sink.append({
        format: ARCHIVE_FORMAT,
        kind: 'Tombstone',
        cluster,
        archivedAt: at(),
        finding: d.finding,
        reason: d.reason,
        lease,
      });
      return { result: 'kept' };
    },
    async settle(d: PlannedDeletion, outcome: DeleteOutcome): Promise<void> {
      await sink.append({
        format: ARCHIVE_FORMAT,
        kind: 'DeleteResponse',
        cluster,
        namespace: d.namespace,
        name: d.name,
        uid: d.uid,
        answeredAt: at(),
        outcome: outcome.result,
        ...(outcome.result === 'deleted' && outcome.response !== undefined
          ? { response: outcome.response }
          : {}),
        ...(outcome.result === 'changed' || outcome.result === 'forbidden'
          ? { detail: outcome.message }
          : {}),
        ...(outcome.result === 'failed' ? { detail: outcome.error.message } : {}),
      });
    },
  };
}

import { createLease } from '../kube/create-lease.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { readLease } from '../kube/read-lease.ts';
import { type ArchivedLease, leaseIdentity, restorableLease } from './tombstone.ts';

export type RestoreResult =
  /** Created again (with --apply). */
  | 'restored'
  /** A dry run: the server accepted the create with dryRun=All and kept nothing. */
  | 'wouldRestore'
  /** A lease of that name exists: never overwritten. */
  | 'exists'
  /** The archive says the delete did not delete it (changed, already gone, refused): nothing to put back. */
  | 'notDeleted'
  | 'failed';

export interface RestoreAction {
  cluster: string;
  namespace: string;
  name: string;
  /** The uid the lease had when it was archived (a restored lease gets a new one). */
  uid: string;
  result: RestoreResult;
  detail?: string;
}

/**
 * Puts one cluster's archived leases back, in the archive's order. Only a lease that is absent is created;
 * a create is a POST, which cannot overwrite, so a lease made between the check and the create answers 409
 * and is left alone all the same.
 */
export async function restoreLeases(
  client: KubeClient,
  cluster: string,
  leases: readonly ArchivedLease[],
  options: { dryRun: boolean },
): Promise<RestoreAction[]> {
  const actions: RestoreAction[] = [];
  for (const { tombstone, response } of leases) {
    const { namespace, name, uid } = leaseIdentity(tombstone.lease);
    const action = (result: RestoreResult, detail?: string): RestoreAction => ({
      cluster,
      namespace,
      name,
      uid,
      result,
      ...(detail !== undefined ? { detail } : {}),
    });
    if (response && response.outcome !== 'deleted') {
      actions.push(action('notDeleted', `its delete answered ${response.outcome}: nothing to restore`));
      continue;
    }
    try {
      const live = await readLease(client, namespace, name);
      if (live) {
        actions.push(
          action('exists', `a lease of that name exists (uid ${leaseIdentity(live).uid}): left alone`),
        );
        continue;
      }
    } catch (error) {
      actions.push(action('failed', error instanceof Error ? error.message : String(error)));
      continue;
    }
    const created = await createLease(client, restorableLease(tombstone.lease), namespace, name, options);
    if (created.result === 'created') actions.push(action(options.dryRun ? 'wouldRestore' : 'restored'));
    else if (created.result === 'exists') actions.push(action('exists', `${created.message}: left alone`));
    else actions.push(action('failed', created.message));
  }
  return actions;
}

import type { V1DeleteOptions } from '@kubernetes/client-node';
import type { ClusterAccessError } from '../errors.ts';
import { leaseDeleteForbiddenMessage } from './failure-hints.ts';
import { type KubeClient, statusMessage } from './kube-client.ts';
import type { LeaseRecord } from './records.ts';

/** What happened to one delete. Only `failed` is unexpected; the others are normal answers of a live cluster. */
export type DeleteOutcome =
  /** Deleted (or, in dry-run, the server confirmed it would delete: RBAC and preconditions passed). */
  | { result: 'deleted'; dryRun: boolean; response?: unknown }
  /** 404: someone else deleted it first. */
  | { result: 'alreadyGone' }
  /** 409: renewed or replaced since it was listed (uid or resourceVersion moved); left alone. */
  | { result: 'changed'; message: string }
  /** 403: RBAC does not allow deleting it. */
  | { result: 'forbidden'; message: string }
  | { result: 'failed'; error: ClusterAccessError | Error };

export type LeaseIdentity = Pick<LeaseRecord, 'namespace' | 'name' | 'uid' | 'resourceVersion'>;

/**
 * Deletes a lease exactly as it was listed: `preconditions {uid, resourceVersion}` make the apiserver
 * delete it only if nothing changed since, atomically at one etcd revision, so a lease renewed between
 * list and delete is never deleted. Dry-run sets `dryRun: ["All"]`: the server checks RBAC and preconditions
 * for real and deletes nothing.
 *
 * Every option goes in the DeleteOptions body, none in the query: kube-apiserver's `DeleteResource`
 * (k8s.io/apiserver `pkg/endpoints/handlers/delete.go`) decodes the body when there is one and reads the
 * query only when the body is empty, so a `?dryRun=All` next to a body is ignored and the lease deleted.
 */
export async function deleteLease(
  client: KubeClient,
  lease: LeaseIdentity,
  options: { dryRun: boolean },
): Promise<DeleteOutcome> {
  if (!lease.uid || !lease.resourceVersion) {
    // Never send a delete that could remove something other than what was listed.
    return {
      result: 'failed',
      error: new Error(
        `lease ${lease.namespace}/${lease.name} has no uid or resourceVersion to use as preconditions`,
      ),
    };
  }
  const body = deleteOptions(lease.uid, lease.resourceVersion, options.dryRun);
  try {
    const res = await client.request({
      method: 'DELETE',
      path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(lease.namespace)}/leases/${encodeURIComponent(lease.name)}`,
      body,
      operation: `delete lease ${lease.namespace}/${lease.name}`,
      allowStatuses: [403, 404, 409],
    });
    const message = statusMessage(res.text) ?? `HTTP ${res.status}`;
    switch (res.status) {
      case 403:
        // The server's text says what was refused; the message adds how to check and grant it (logs and CLI alike).
        return { result: 'forbidden', message: leaseDeleteForbiddenMessage(lease.namespace, message) };
      case 404:
        return { result: 'alreadyGone' };
      case 409:
        return { result: 'changed', message };
      default: {
        // What the apiserver answered (for a lease, a Status: its registry does not return the object), kept
        // in the tombstone's archive beside the object; undefined when the body is not JSON.
        return { result: 'deleted', dryRun: options.dryRun, response: parsedBody(res.text) };
      }
    }
  } catch (error) {
    return { result: 'failed', error: error as Error };
  }
}

function parsedBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The DeleteOptions body of a lease delete. `meta.k8s.io/v1` is the group the apiserver decodes DeleteOptions
 * in (k8s.io/apimachinery `pkg/apis/meta/internalversion/register.go` registers it unversioned, so any
 * apiVersion decodes; this one is the canonical name).
 */
export function deleteOptions(uid: string, resourceVersion: string, dryRun: boolean): V1DeleteOptions {
  return {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'DeleteOptions',
    preconditions: { uid, resourceVersion },
    ...(dryRun ? { dryRun: ['All'] } : {}),
  };
}

import { type KubeClient, statusMessage } from './kube-client.ts';

/** What one create of a restored lease did. */
export type CreateOutcome =
  /** Created (or, in a dry run, the server accepted it: RBAC, admission and validation passed). */
  | { result: 'created'; dryRun: boolean }
  /** 409 AlreadyExists: a lease of that name is there; it is left as it is. */
  | { result: 'exists'; message: string }
  | { result: 'failed'; message: string };

/** The field manager restored leases are written by, as their managedFields will say. */
export const RESTORE_FIELD_MANAGER = 'lease-reaper';

/**
 * Creates a lease (POST, never PUT: a create cannot overwrite, the apiserver answers 409 AlreadyExists when
 * the name is taken). A dry run sends `dryRun=All`, a query parameter for a create (k8s.io/apiserver
 * `pkg/endpoints/handlers/create.go` decodes CreateOptions from the query; the body is the object).
 */
export async function createLease(
  client: KubeClient,
  lease: Record<string, unknown>,
  namespace: string,
  name: string,
  options: { dryRun: boolean },
): Promise<CreateOutcome> {
  try {
    const res = await client.request({
      method: 'POST',
      path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`,
      query: { fieldManager: RESTORE_FIELD_MANAGER, ...(options.dryRun ? { dryRun: 'All' } : {}) },
      body: lease,
      operation: `create lease ${namespace}/${name}`,
      allowStatuses: [409],
    });
    if (res.status === 409) return { result: 'exists', message: statusMessage(res.text) ?? 'HTTP 409' };
    return { result: 'created', dryRun: options.dryRun };
  } catch (error) {
    return { result: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

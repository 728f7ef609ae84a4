import { ClusterListExpiredError, ClusterProtocolError } from '../errors.ts';
import type { KubeClient } from './kube-client.ts';

export interface ListQuery {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Ask for `PartialObjectMetadataList`: only metadata crosses the wire (Nodes and Pods are large). */
  metadataOnly?: boolean;
  /** Page size (client-go's pager uses 500). */
  pageSize?: number;
  /** How many times a list may restart after its continue token expired (410). */
  maxRestarts?: number;
  /** Cancels the list (see KubeRequest.signal). */
  signal?: AbortSignal | undefined;
}

export interface ListResult<T> {
  items: T[];
  /** The list's resourceVersion (the snapshot every page came from). */
  resourceVersion: string;
  pages: number;
  restarts: number;
}

const metadataAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/**
 * Lists every object at `path`, page by page, projecting each item as it arrives. Only `continue` says
 * whether more pages remain (a page may be short). When a continue token has expired (410 Gone) the list
 * starts over and the partial result is dropped, as client-go's pager does, so every object is returned
 * exactly once and all of them come from one consistent snapshot.
 */
export async function listAll<T>(
  client: KubeClient,
  path: string,
  what: string,
  project: (item: unknown) => T,
  query: ListQuery = {},
): Promise<ListResult<T>> {
  const pageSize = query.pageSize ?? 500;
  const maxRestarts = query.maxRestarts ?? 3;
  const accept = query.metadataOnly ? metadataAccept : 'application/json';
  let restarts = 0;
  for (;;) {
    const items: T[] = [];
    let pages = 0;
    let token: string | undefined;
    let resourceVersion = '';
    let expired = false;
    do {
      const res = await client.request({
        method: 'GET',
        path,
        accept,
        operation: `list ${what}`,
        query: {
          limit: pageSize,
          continue: token,
          labelSelector: query.labelSelector,
          fieldSelector: query.fieldSelector,
        },
        allowStatuses: token ? [410] : [],
        ...(query.signal ? { signal: query.signal } : {}),
      });
      if (res.status === 410) {
        expired = true;
        break;
      }
      const page = parseList(client.cluster, what, res.text);
      for (const item of page.items) items.push(project(item));
      pages++;
      resourceVersion = page.resourceVersion;
      token = page.continueToken;
    } while (token);
    if (!expired) return { items, resourceVersion, pages, restarts };
    restarts++;
    if (restarts > maxRestarts) {
      throw new ClusterListExpiredError(
        client.cluster,
        'listExpired',
        `the continue token kept expiring (410) while trying to list ${what}; gave up after ${restarts} restarts`,
        { operation: `list ${what}`, status: 410 },
      );
    }
  }
}

function parseList(
  cluster: string,
  what: string,
  text: string,
): { items: unknown[]; resourceVersion: string; continueToken?: string } {
  let body: { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (cause) {
    throw new ClusterProtocolError(
      cluster,
      'protocol',
      `the response to list ${what} is not JSON`,
      {},
      { cause },
    );
  }
  if (!Array.isArray(body.items)) {
    throw new ClusterProtocolError(cluster, 'protocol', `the response to list ${what} has no items array`);
  }
  const token = body.metadata?.continue;
  return {
    items: body.items,
    resourceVersion: typeof body.metadata?.resourceVersion === 'string' ? body.metadata.resourceVersion : '',
    ...(typeof token === 'string' && token !== '' ? { continueToken: token } : {}),
  };
}

import { createHash } from 'node:crypto';
import { ClusterLimitError, ClusterListExpiredError, ClusterProtocolError } from '../errors.ts';
import type { KubeClient } from './kube-client.ts';
import type { ReadLimits } from './read-limits.ts';

export interface ListQuery {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Ask for `PartialObjectMetadataList`: only metadata crosses the wire (Nodes and Pods are large). */
  metadataOnly?: boolean;
  /** Page size (client-go's pager uses 500). */
  pageSize?: number;
  /** How many times a list may restart after its continue token expired (410). */
  maxRestarts?: number;
  /** Pages one pass of the list may take (default: the client's `limits.maxListPages`). */
  maxPages?: number;
  /** Items the list may hold (default: the client's `limits.maxListItems`). */
  maxItems?: number;
  /** Cancels the list (see KubeRequest.signal). */
  signal?: AbortSignal | undefined;
  /**
   * Called after each page with what it added: one page and its items (for live progress). A restart after
   * 410 reports the items it dropped as a negative count; pages count every page read.
   */
  onPage?: ((delta: { pages: number; items: number }) => void) | undefined;
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
 *
 * The server is not trusted to end the list: a pass stops with a ClusterLimitError past `maxPages` pages
 * or `maxItems` items, and with a ClusterProtocolError when a continue token comes back (the list would
 * loop) or an object appears twice (two copies of one lease could be judged apart, and the stale copy
 * would condemn the live lease).
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
  const limits = {
    maxListPages: query.maxPages ?? client.limits.maxListPages,
    maxListItems: query.maxItems ?? client.limits.maxListItems,
  };
  const accept = query.metadataOnly ? metadataAccept : 'application/json';
  let restarts = 0;
  for (;;) {
    const items: T[] = [];
    let pages = 0;
    let token: string | undefined;
    let resourceVersion = '';
    let expired = false;
    const tokensSeen = new Set<string>();
    const keysSeen = new Map<string, Set<string>>();
    do {
      if (pages >= limits.maxListPages) throw limitError(client, what, limits, 'maxListPages');
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
      if (items.length + page.items.length > limits.maxListItems)
        throw limitError(client, what, limits, 'maxListItems');
      for (const item of page.items) {
        rememberOnce(keysSeen, item, client.cluster, what);
        items.push(project(item));
      }
      pages++;
      query.onPage?.({ pages: 1, items: page.items.length });
      resourceVersion = page.resourceVersion;
      token = page.continueToken;
      if (token !== undefined) rememberToken(tokensSeen, token, client.cluster, what, pages);
    } while (token);
    if (!expired) return { items, resourceVersion, pages, restarts };
    query.onPage?.({ pages: 0, items: -items.length });
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

function limitError(
  client: KubeClient,
  what: string,
  limits: Pick<ReadLimits, 'maxListPages' | 'maxListItems'>,
  limit: 'maxListPages' | 'maxListItems',
): ClusterLimitError {
  const unit = limit === 'maxListPages' ? 'pages' : 'items';
  return new ClusterLimitError(
    client.cluster,
    'limit',
    `list exceeded ${limits[limit]} ${unit} (limit ${limit}) while trying to list ${what}`,
    { operation: `list ${what}`, limit },
  );
}

/** Records a continue token by digest (a hostile token may be large); a token seen before would loop the list. */
function rememberToken(seen: Set<string>, token: string, cluster: string, what: string, page: number): void {
  const digest = createHash('sha256').update(token).digest('base64');
  if (seen.has(digest)) {
    throw new ClusterProtocolError(
      cluster,
      'protocol',
      `page ${page} of list ${what} repeats the continue token of an earlier page, so the list would never end`,
      { operation: `list ${what}` },
    );
  }
  seen.add(digest);
}

/**
 * Records an item's namespace and name. The map keeps the strings the items already hold (one set of
 * names per namespace), so it costs a hash entry per item, not a new key string.
 */
function rememberOnce(seen: Map<string, Set<string>>, item: unknown, cluster: string, what: string): void {
  const metadata = (item as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  const namespace = typeof metadata?.namespace === 'string' ? metadata.namespace : '';
  const name = typeof metadata?.name === 'string' ? metadata.name : '';
  let names = seen.get(namespace);
  if (!names) {
    names = new Set();
    seen.set(namespace, names);
  }
  if (names.has(name)) {
    const key = namespace ? `${namespace}/${name}` : name;
    throw new ClusterProtocolError(cluster, 'protocol', `list ${what} returned "${key}" twice`, {
      operation: `list ${what}`,
    });
  }
  names.add(name);
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

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
  const maxRestarts = query.maxRestarts ?? 3;
  const limits = listLimits(client, query);
  let restarts = 0;
  for (;;) {
    const items: T[] = [];
    const keysSeen = new Map<string, Set<string>>();
    const pass = await readPages(client, path, what, query, (page) => {
      if (items.length + page.length > limits.maxListItems)
        throw limitError(client, what, limits, 'maxListItems');
      for (const item of page) {
        rememberOnce(keysSeen, item, client.cluster, what);
        items.push(project(item));
      }
    });
    if (pass !== 'expired')
      return { items, resourceVersion: pass.resourceVersion, pages: pass.pages, restarts };
    query.onPage?.({ pages: 0, items: -items.length });
    restarts++;
    if (restarts > maxRestarts) throw listExpired(client, what, restarts);
  }
}

/** Why a streamed list stopped before its end: the caller must start its whole snapshot over. */
export class ListInterrupted extends Error {
  constructor(
    readonly reason: 'expired' | 'unordered',
    readonly what: string,
  ) {
    super(
      reason === 'expired'
        ? `the continue token of list ${what} expired (410)`
        : `list ${what} did not come in name order`,
    );
  }
}

/**
 * Lists every object at `path` as `listAll` does, but hands each page's projected items to `sink` and keeps
 * none: memory stays at a page or two however long the list, and the next page is not asked for until the
 * sink's promise settles (backpressure). What was handed over cannot be taken back, so where `listAll`
 * would start over — a continue token expired (410) — this throws ListInterrupted('expired') for the
 * caller to start its whole snapshot over. Objects must come in key order (namespace, then name, as etcd
 * and the watch cache list them): that proves each appears once without remembering every name, and an
 * object out of order throws ListInterrupted('unordered') (the caller then lists whole and checks
 * duplicates the way `listAll` does).
 */
export async function streamList<T>(
  client: KubeClient,
  path: string,
  what: string,
  project: (item: unknown) => T,
  sink: (items: T[]) => void | Promise<void>,
  query: ListQuery = {},
): Promise<Omit<ListResult<T>, 'items'>> {
  const limits = listLimits(client, query);
  let count = 0;
  let last: { namespace: string; name: string } | undefined;
  const pass = await readPages(client, path, what, query, (page) => {
    count += page.length;
    if (count > limits.maxListItems) throw limitError(client, what, limits, 'maxListItems');
    const items: T[] = new Array(page.length);
    for (let i = 0; i < page.length; i++) {
      const key = keyOf(page[i]);
      if (last !== undefined && !isAfter(key, last)) throw new ListInterrupted('unordered', what);
      last = key;
      items[i] = project(page[i]);
    }
    return sink(items);
  });
  if (pass === 'expired') throw new ListInterrupted('expired', what);
  return { resourceVersion: pass.resourceVersion, pages: pass.pages, restarts: 0 };
}

/** The error a list gives after its continue token kept expiring through every restart. */
export function listExpired(client: KubeClient, what: string, restarts: number): ClusterListExpiredError {
  return new ClusterListExpiredError(
    client.cluster,
    'listExpired',
    `the continue token kept expiring (410) while trying to list ${what}; gave up after ${restarts} restarts`,
    { operation: `list ${what}`, status: 410 },
  );
}

function listLimits(client: KubeClient, query: ListQuery): Pick<ReadLimits, 'maxListPages' | 'maxListItems'> {
  return {
    maxListPages: query.maxPages ?? client.limits.maxListPages,
    maxListItems: query.maxItems ?? client.limits.maxListItems,
  };
}

/**
 * One pass over a list's pages, each handed to `onPage` as the server sent it (awaited before the next is
 * asked for). Ends with the list's resourceVersion and page count, or 'expired' when a continue token
 * expired (410 Gone) midway.
 */
async function readPages(
  client: KubeClient,
  path: string,
  what: string,
  query: ListQuery,
  onPage: (items: unknown[]) => void | Promise<void>,
): Promise<{ resourceVersion: string; pages: number } | 'expired'> {
  const limits = listLimits(client, query);
  const accept = query.metadataOnly ? metadataAccept : 'application/json';
  let pages = 0;
  let token: string | undefined;
  let resourceVersion = '';
  const tokensSeen = new Set<string>();
  do {
    if (pages >= limits.maxListPages) throw limitError(client, what, limits, 'maxListPages');
    // The response is not held in this (async) function's frame: see takePage.
    const page = takePage(
      client.cluster,
      what,
      await client.request({
        method: 'GET',
        path,
        accept,
        operation: `list ${what}`,
        query: {
          limit: query.pageSize ?? 500,
          continue: token,
          labelSelector: query.labelSelector,
          fieldSelector: query.fieldSelector,
        },
        allowStatuses: token ? [410] : [],
        ...(query.signal ? { signal: query.signal } : {}),
      }),
      onPage,
    );
    if (page === 'expired') return 'expired';
    await page.taken;
    pages++;
    query.onPage?.({ pages: 1, items: page.items });
    resourceVersion = page.resourceVersion;
    token = page.continueToken;
    if (token !== undefined) rememberToken(tokensSeen, token, client.cluster, what, pages);
  } while (token);
  return { resourceVersion, pages };
}

/**
 * Parses a page and hands its items over. Apart, so that the response text and the parsed items (MBs for
 * a page of Nodes) are garbage as soon as `onPage` has taken what it needs, even while a streamed list
 * waits for its consumer before asking for the next page.
 */
function takePage(
  cluster: string,
  what: string,
  res: { status: number; text: string },
  onPage: (items: unknown[]) => void | Promise<void>,
):
  | { taken: void | Promise<void>; items: number; resourceVersion: string; continueToken?: string }
  | 'expired' {
  if (res.status === 410) return 'expired';
  const page = parseList(cluster, what, res.text);
  return {
    taken: onPage(page.items),
    items: page.items.length,
    resourceVersion: page.resourceVersion,
    ...(page.continueToken !== undefined ? { continueToken: page.continueToken } : {}),
  };
}

/** An item's namespace and name ('' when missing: a nameless object then fails the order check). */
function keyOf(item: unknown): { namespace: string; name: string } {
  const metadata = (item as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  return {
    namespace: typeof metadata?.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata?.name === 'string' ? metadata.name : '',
  };
}

/**
 * Whether `key` comes strictly after `last` in etcd's key order, `<namespace>/<name>` compared as bytes:
 * a namespace compares with its "/" (so "a-b/x" sorts before "a/x"). Names and namespaces are ASCII
 * (DNS names), where JavaScript's code-unit order is byte order; anything else fails safe, as out of order.
 */
function isAfter(
  key: { namespace: string; name: string },
  last: { namespace: string; name: string },
): boolean {
  if (key.namespace === last.namespace) return key.name > last.name;
  return `${key.namespace}/` > `${last.namespace}/`;
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

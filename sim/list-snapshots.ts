import { randomUUID } from 'node:crypto';
import type { RevisionHistory } from './list-history.ts';
import { badRequest, StatusError } from './status.ts';
import type { StoredObject } from './store.ts';

/**
 * Paginated lists with opaque continue tokens. Like kube-apiserver reading etcd at the first page's
 * revision, every page of one list comes from the snapshot taken for its first page, so a paginated list
 * is consistent even while objects change. Snapshots expire (etcd compaction), which gives clients the
 * 410 Gone they must handle by restarting the list.
 */
interface Snapshot {
  items: readonly StoredObject[];
  resourceVersion: string;
  createdAt: number;
}

interface TokenBody {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
  offset: number;
  id: string;
}

/**
 * A continue token as kube-apiserver writes one (staging/src/k8s.io/apiserver/pkg/storage/continue.go:
 * base64url of `{"v":"meta.k8s.io/v1","rv":…,"start":…}`). `rv: -1` is the inconsistent continuation that
 * etcd3/errors.go handleCompactedErrorForPaging hands out: it resumes at `start` from the latest revision.
 */
export interface InconsistentToken {
  v: 'meta.k8s.io/v1';
  rv: -1;
  start: string;
}

/** Reads a token that continues from the current state (`rv` -1), or undefined for any other token. */
export function decodeInconsistent(token: string): InconsistentToken | undefined {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<InconsistentToken>;
    if (body?.v === 'meta.k8s.io/v1' && body.rv === -1 && typeof body.start === 'string') {
      return body as InconsistentToken;
    }
  } catch {
    // not one
  }
  return undefined;
}

/**
 * 410 Expired for a continue token whose snapshot is compacted, carrying a token that continues the list
 * from the current state (etcd3/errors.go handleCompactedErrorForPaging and its inconsistentContinue
 * message; the token goes in the Status's `metadata.continue`).
 */
export const continueExpiredInconsistent = (start: string) =>
  new StatusError(
    410,
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    undefined,
    { continue: Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: -1, start })).toString('base64url') },
  );

export interface Page {
  items: readonly StoredObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export class ListSnapshots {
  private readonly snapshots = new Map<string, Snapshot>();
  /** The store's recent revisions, for lists at an exact older resourceVersion (set by the API server). */
  history: RevisionHistory | undefined;

  constructor(
    private readonly clock: () => number,
    /** How long a continue token stays valid; the apiserver's default etcd compaction interval is 5 minutes. */
    public ttlMs = 5 * 60_000,
    private readonly maxSnapshots = 256,
  ) {}

  /**
   * Forgets every snapshot and compacts the history: outstanding continue tokens and lists at an older
   * resourceVersion now get 410 (as after an etcd compaction).
   */
  expireAll(): void {
    this.snapshots.clear();
    this.history?.compact();
  }

  get size(): number {
    return this.snapshots.size;
  }

  /** The first page of a new list over `items`. */
  first(items: readonly StoredObject[], resourceVersion: string, limit: number, withCount: boolean): Page {
    if (limit <= 0 || items.length <= limit) return { items, resourceVersion };
    this.prune();
    const id = randomUUID();
    this.snapshots.set(id, { items, resourceVersion, createdAt: this.clock() });
    return this.slice(id, items, resourceVersion, 0, limit, withCount);
  }

  /** The page a continue token points at; throws 410 for an expired token, 400 for a malformed one. */
  next(token: string, limit: number, withCount: boolean): Page {
    const body = decode(token);
    const snap = this.snapshots.get(body.id);
    if (!snap || this.clock() - snap.createdAt > this.ttlMs) {
      this.snapshots.delete(body.id);
      throw continueExpiredInconsistent(body.start);
    }
    return this.slice(body.id, snap.items, snap.resourceVersion, body.offset, limit, withCount);
  }

  private slice(
    id: string,
    items: readonly StoredObject[],
    resourceVersion: string,
    offset: number,
    limit: number,
    withCount: boolean,
  ): Page {
    const end = limit > 0 ? offset + limit : items.length;
    const page = items.slice(offset, end);
    const last = page.at(-1);
    if (end >= items.length || !last) {
      this.snapshots.delete(id);
      return { items: page, resourceVersion };
    }
    const token = encode({
      v: 'meta.k8s.io/v1',
      rv: Number(resourceVersion),
      start: `${last.key}\u0000`,
      offset: end,
      id,
    });
    return {
      items: page,
      resourceVersion,
      continueToken: token,
      ...(withCount ? { remainingItemCount: items.length - end } : {}),
    };
  }

  private prune(): void {
    const now = this.clock();
    for (const [id, snap] of this.snapshots) {
      if (now - snap.createdAt > this.ttlMs) this.snapshots.delete(id);
    }
    // Oldest first (Map keeps insertion order): bound memory when clients abandon lists midway.
    while (this.snapshots.size >= this.maxSnapshots) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest === undefined) break;
      this.snapshots.delete(oldest);
    }
  }
}

function encode(body: TokenBody): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

function decode(token: string): TokenBody {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
    if (
      body.v === 'meta.k8s.io/v1' &&
      typeof body.id === 'string' &&
      typeof body.offset === 'number' &&
      typeof body.start === 'string'
    ) {
      return body as TokenBody;
    }
  } catch {
    // fall through to the apiserver's message for a token it cannot read
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

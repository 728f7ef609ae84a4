import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFieldSelector } from './field-selector.ts';
import type { KubeObject } from './kube-object.ts';
import { negotiate } from './negotiation.ts';
import { allResources, type ResourceDef } from './resources.ts';
import { badRequest, StatusError } from './status.ts';
import { type SimStore, StoredObject } from './store.ts';
import { renderTable } from './table.ts';

/**
 * The `watch` verb, as kube-apiserver serves it: the watch cache (k8s.io/apiserver `pkg/storage/cacher/`)
 * keeps a bounded history of events per resource, every watcher gets the events after the resourceVersion
 * it asked for, filtered by its namespace and selectors, framed as newline-delimited `metav1.WatchEvent`s on
 * a chunked `application/json` response (`pkg/endpoints/handlers/watch.go`).
 */

type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
type EventType = ChangeType | 'BOOKMARK' | 'ERROR';

/** One change, as the watch cache keeps it (`watchCacheEvent`: the object, the previous one, the revision). */
interface HistoryEvent {
  type: ChangeType;
  rv: number;
  namespace: string | undefined;
  /** The new object; for DELETED the last state, at the deletion revision (as the etcd3 watcher decodes it). */
  object: StoredObject;
  prev: StoredObject | undefined;
  /** `prev` at this event's revision, made once for every watcher that sees the object leave its selector. */
  prevAtRv?: StoredObject;
}

/** The watch cache's cyclic buffer of one resource's events (`watch_cache.go` / `watch_cache_history.go`). */
class ResourceHistory {
  private readonly buffer: (HistoryEvent | undefined)[];
  private start = 0;
  private size = 0;
  /** Whether an event fell off the buffer since the cache listed its initial state. */
  private removedSinceList = false;
  /** The cache's view of every object (`watchCache.store`), to give each change its previous object. */
  readonly current = new Map<string, StoredObject>();

  constructor(
    capacity: number,
    /** The revision the cache listed its initial state at. */
    private readonly listRv: number,
  ) {
    this.buffer = new Array(capacity);
  }

  add(event: HistoryEvent): void {
    const capacity = this.buffer.length;
    if (this.size === capacity) {
      this.start = (this.start + 1) % capacity;
      this.size -= 1;
      this.removedSinceList = true;
    }
    this.buffer[(this.start + this.size) % capacity] = event;
    this.size += 1;
  }

  /**
   * The events after `rv`, or the 410 Expired the cache answers when they are no longer all kept
   * (`getAllEventsSinceLocked` in `pkg/storage/cacher/watch_cache.go`): until an event is evicted the oldest
   * deliverable revision is the list revision + 1; after, the first event in the buffer.
   */
  since(rv: number): HistoryEvent[] | StatusError {
    const first = this.buffer[this.start % this.buffer.length];
    const oldest = !this.removedSinceList || !first ? this.listRv + 1 : first.rv;
    if (rv < oldest - 1) {
      return new StatusError(410, 'Expired', `too old resource version: ${rv} (${oldest - 1})`);
    }
    const out: HistoryEvent[] = [];
    for (let i = 0; i < this.size; i++) {
      const e = this.buffer[(this.start + i) % this.buffer.length];
      if (e && e.rv > rv) out.push(e);
    }
    return out;
  }
}

/** What the api-server hands over for one watch request, after routing, authorization and selector parsing. */
export interface WatchRequest {
  def: ResourceDef;
  namespace?: string | undefined;
  /** The object name of the legacy `/watch/namespaces/{ns}/{resource}/{name}` path. */
  name?: string | undefined;
  query: URLSearchParams;
  accept: string | undefined;
  /** The label and field selectors, as list() applies them. */
  predicate?: ((obj: KubeObject) => boolean) | undefined;
}

/** How each event's object is encoded. */
type WatchRepresentation = 'object' | 'metadata' | 'table';

interface Watcher {
  def: ResourceDef;
  namespace: string | undefined;
  matches: (obj: KubeObject) => boolean;
  as: WatchRepresentation;
  res: ServerResponse;
  /** The revision the watch starts after (`startWatchRV` in the cacher). */
  startRv: number;
  allowBookmarks: boolean;
  deadline: number;
  /** Table watches send column definitions with the first event only. */
  headersSent: boolean;
  timers: NodeJS.Timeout[];
  closed: boolean;
}

export interface WatchHubOptions {
  /** Events kept per resource (the watch cache's capacity). */
  historyCapacity?: number;
  /** How often a watcher that allows bookmarks gets one (the cacher's `bookmarkFrequency`, one minute). */
  bookmarkIntervalMs?: number;
}

/** The kube-apiserver flag `--min-request-timeout` default, in seconds (`pkg/server/config.go`). */
const MIN_REQUEST_TIMEOUT_SECONDS = 1800;
/** How long the watch cache waits to catch up with a requested revision (`blockTimeout` in `watch_cache.go`). */
const BLOCK_TIMEOUT_MS = 3000;
/** The annotation on the bookmark that ends a watch-list's initial events (`pkg/apis/meta/v1/types.go`). */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** The watch cache of every resource, and the open watches it feeds. */
export class WatchHub {
  private readonly histories = new Map<ResourceDef, ResourceHistory>();
  private readonly watchers = new Set<Watcher>();
  private readonly bookmarkIntervalMs: number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: SimStore,
    options: WatchHubOptions = {},
  ) {
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    const listRv = Number(store.resourceVersion);
    for (const def of allResources) {
      const history = new ResourceHistory(options.historyCapacity ?? 4096, listRv);
      for (const stored of store.list(def)) history.current.set(stored.key, stored);
      this.histories.set(def, history);
    }
    this.unsubscribe = store.onChange((type, stored, revision) => this.record(type, stored, revision));
  }

  /** Ends every open watch stream and stops listening to the store. */
  close(): void {
    this.unsubscribe();
    for (const w of [...this.watchers]) this.end(w);
  }

  private record(type: ChangeType, stored: StoredObject, revision: string | undefined): void {
    const history = this.histories.get(stored.def);
    if (!history) return;
    const key = stored.key;
    const prev = history.current.get(key);
    let event: HistoryEvent;
    if (type === 'DELETED') {
      history.current.delete(key);
      // k8s.io/apiserver pkg/storage/etcd3/watcher.go: a delete event carries the object's last state,
      // decoded at the revision of the delete.
      const rv = Number(revision ?? this.store.resourceVersion);
      event = {
        type,
        rv,
        namespace: stored.obj.metadata.namespace,
        object: atRevision(stored, rv),
        prev: stored,
      };
    } else {
      history.current.set(key, stored);
      const rv = Number(stored.obj.metadata.resourceVersion);
      event = { type, rv, namespace: stored.obj.metadata.namespace, object: stored, prev };
    }
    history.add(event);
    for (const w of this.watchers) if (w.def === stored.def) this.deliver(w, event);
  }

  /**
   * Serves one watch request (`ListResource` with watch in `pkg/endpoints/handlers/get.go`). Errors found
   * before the stream starts are thrown as StatusErrors for the caller to answer with.
   */
  async serve(req: IncomingMessage, res: ServerResponse, request: WatchRequest): Promise<void> {
    const { def, query } = request;
    // get.go: the output media type is negotiated first (406), then the options are decoded and validated.
    const as = watchRepresentation(request.accept);
    const opts = parseWatchOptions(query);
    const namespace = def.namespaced ? request.namespace || undefined : undefined;

    // get.go: the name of a legacy /watch/.../{name} path is a metadata.name field selector; a field selector
    // given as well must select that same name.
    const name = request.name;
    if (name !== undefined) {
      const fieldSelector = query.get('fieldSelector') ?? '';
      if (fieldSelector.trim() !== '' && requiredName(fieldSelector) !== name) {
        throw badRequest("fieldSelector metadata.name doesn't match requested name");
      }
    }
    const predicate = request.predicate;
    const matches = (obj: KubeObject) =>
      (name === undefined || obj.metadata.name === name) && (!predicate || predicate(obj));

    // pkg/storage/cacher/cacher.go: with sendInitialEvents=true the cache first catches up with the requested
    // revision, waiting at most blockTimeout, else the watch ends with a 504 "Too large resource version".
    let tooLarge: StatusError | undefined;
    if (opts.sendInitialEvents === true && opts.rv > Number(this.store.resourceVersion)) {
      const reached = await this.waitForRevision(opts.rv, BLOCK_TIMEOUT_MS);
      if (!reached) tooLarge = tooLargeResourceVersion(opts.rv, Number(this.store.resourceVersion));
    }
    if (req.destroyed || res.destroyed) return;

    const watcher: Watcher = {
      def,
      namespace,
      matches,
      as,
      res,
      startRv: Number(this.store.resourceVersion),
      allowBookmarks: opts.allowWatchBookmarks,
      deadline: Date.now() + opts.timeoutMs,
      headersSent: false,
      timers: [],
      closed: false,
    };

    // watch.go HandleHTTP: 200, chunked, then one JSON document per event; for JSON the media type is
    // application/json as is, also when the objects are converted to Table or PartialObjectMetadata.
    res.sendDate = false;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      Date: new Date(this.store.clock()).toUTCString(),
    });
    res.flushHeaders();
    res.once('close', () => this.end(watcher));
    // get.go: the request context times out after timeoutSeconds, which ends the stream.
    watcher.timers.push(setTimeout(() => this.end(watcher), Math.max(0, opts.timeoutMs)));

    if (tooLarge) return this.fail(watcher, tooLarge);

    const history = this.histories.get(def);
    const initialEvents =
      opts.sendInitialEvents !== undefined ? opts.sendInitialEvents : opts.rvParam === '' || opts.rv === 0;
    if (initialEvents) {
      // RV unset ("Get State and Start at Most Recent", served by the etcd3 watcher), RV "0" ("Start at Any",
      // the cache's getIntervalFromStoreLocked) and sendInitialEvents=true: a synthetic ADDED for every
      // current object, in key order, then the changes after that state.
      for (const stored of this.store.list(def, { namespace })) {
        if (matches(stored.obj)) this.write(watcher, 'ADDED', stored);
      }
      // cache_watcher.go: a watch-list ends its initial events with a bookmark annotated
      // k8s.io/initial-events-end, at the revision of that state.
      if (opts.sendInitialEvents === true && opts.allowWatchBookmarks) {
        this.write(watcher, 'BOOKMARK', bookmarkObject(def, this.store.resourceVersion, true));
      }
    } else if (opts.rvParam !== '' && opts.rv !== 0) {
      // A specific resourceVersion: only the events after it, if the cache still has them all.
      const since = history?.since(opts.rv) ?? [];
      if (since instanceof StatusError) return this.fail(watcher, since);
      watcher.startRv = opts.rv;
      for (const event of since) this.deliver(watcher, event);
    }
    // sendInitialEvents=false with RV unset or "0": from the cache's current revision, no initial state.

    this.watchers.add(watcher);
    if (watcher.allowBookmarks) this.scheduleBookmark(watcher);
  }

  /**
   * cache_watcher.go nextBookmarkTime: a bookmark roughly every bookmarkFrequency, and one 2 s before the
   * watch's deadline, so a client that reconnects on timeout resumes from as recent a revision as possible.
   */
  private scheduleBookmark(w: Watcher): void {
    const now = Date.now();
    const at = Math.min(now + this.bookmarkIntervalMs, w.deadline - 2000);
    if (at < now) return;
    w.timers.push(
      setTimeout(() => {
        if (w.closed) return;
        // Only a bookmark newer than where the watch started is sent (cache_watcher.go process).
        const rv = Number(this.store.resourceVersion);
        if (rv > w.startRv) this.write(w, 'BOOKMARK', bookmarkObject(w.def, String(rv), false));
        if (Date.now() < w.deadline - 2000) this.scheduleBookmark(w);
      }, at - now),
    );
  }

  /**
   * cache_watcher.go convertToWatchEvent: an object that starts matching the watcher's selectors is ADDED for
   * it, one that stops matching is DELETED (its previous state at the event's revision), and a delete is
   * seen only by watchers the last state matched.
   */
  private deliver(w: Watcher, event: HistoryEvent): void {
    if (w.closed) return;
    if (w.namespace !== undefined && event.namespace !== w.namespace) return;
    const curPasses = event.type !== 'DELETED' && w.matches(event.object.obj);
    const oldPasses = event.prev !== undefined && w.matches(event.prev.obj);
    if (curPasses && !oldPasses) this.write(w, 'ADDED', event.object);
    else if (curPasses && oldPasses) this.write(w, 'MODIFIED', event.object);
    else if (!curPasses && oldPasses && event.prev) {
      if (event.type === 'DELETED') this.write(w, 'DELETED', event.object);
      else {
        event.prevAtRv ??= atRevision(event.prev, event.rv);
        this.write(w, 'DELETED', event.prevAtRv);
      }
    }
  }

  private write(w: Watcher, type: EventType, stored: StoredObject): void {
    if (w.closed || w.res.destroyed || w.res.writableEnded) return;
    w.res.write(`{"type":"${type}","object":${this.encode(w, stored)}}\n`);
  }

  /**
   * The embedded object, converted as the Accept header asked (`watchEmbeddedEncoder` in
   * `pkg/endpoints/handlers/response.go`): a one-row Table per event, whose column definitions only the
   * first event carries (later ones are encoded with NoHeaders), or PartialObjectMetadata.
   */
  private encode(w: Watcher, stored: StoredObject): string {
    if (w.as === 'metadata') return stored.metadataJson;
    if (w.as === 'object') return stored.json;
    const table = renderTable(
      w.def,
      [stored],
      { resourceVersion: stored.obj.metadata.resourceVersion },
      this.store.clock(),
    );
    if (!w.headersSent) {
      w.headersSent = true;
      return table;
    }
    const parsed = JSON.parse(table) as Record<string, unknown>;
    parsed.columnDefinitions = null;
    return JSON.stringify(parsed);
  }

  /**
   * cacher.go: once the request is accepted, a watch that cannot be served (too old, too large) is a
   * stream with one ERROR event carrying the Status, then the end — not an HTTP error.
   */
  private fail(w: Watcher, err: StatusError): void {
    if (!w.res.destroyed && !w.res.writableEnded) {
      w.res.write(`{"type":"ERROR","object":${JSON.stringify(err.toStatus())}}\n`);
    }
    this.end(w);
  }

  private end(w: Watcher): void {
    if (w.closed) return;
    w.closed = true;
    for (const t of w.timers) clearTimeout(t);
    this.watchers.delete(w);
    if (!w.res.destroyed && !w.res.writableEnded) w.res.end();
  }

  private waitForRevision(rv: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (Number(this.store.resourceVersion) >= rv) return resolve(true);
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.store.onChange(() => {
        if (Number(this.store.resourceVersion) < rv) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }
}

/** The same object at another revision (a new stored version; stored objects are never mutated). */
function atRevision(stored: StoredObject, rv: number): StoredObject {
  return new StoredObject(stored.def, {
    ...stored.obj,
    metadata: { ...stored.obj.metadata, resourceVersion: String(rv) },
  });
}

/**
 * The object of a BOOKMARK event: an empty object of the watched kind carrying only
 * metadata.resourceVersion (`watch_cache.go` / `cacher.go` dispatch bookmarks made by `newFunc()`), encoded
 * as Go encodes a zero-valued object of that kind (v1.32: a null creationTimestamp).
 */
function bookmarkObject(def: ResourceDef, rv: string, initialEventsEnd: boolean): StoredObject {
  const metadata: Record<string, unknown> = { resourceVersion: rv, creationTimestamp: null };
  if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END]: 'true' };
  const body: Record<string, unknown> = {
    leases: { spec: {} },
    // v1alpha2/v1beta1 LeaseCandidateSpec: leaseName and binaryVersion have no omitempty.
    leasecandidates: { spec: { leaseName: '', binaryVersion: '' } },
    pods: { spec: { containers: null }, status: {} },
    namespaces: { spec: {}, status: {} },
    nodes: {
      spec: {},
      status: {
        daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
        nodeInfo: {
          machineID: '',
          systemUUID: '',
          bootID: '',
          kernelVersion: '',
          osImage: '',
          containerRuntimeVersion: '',
          kubeletVersion: '',
          kubeProxyVersion: '',
          operatingSystem: '',
          architecture: '',
        },
      },
    },
  }[def.resource] as Record<string, unknown>;
  return new StoredObject(def, {
    kind: def.kind,
    apiVersion: def.apiVersion,
    metadata: metadata as unknown as KubeObject['metadata'],
    ...(body ?? {}),
  });
}

/**
 * A query parameter as a bool, the way the apiserver's parameter codec reads it
 * (`Convert_Slice_string_To_bool` in k8s.io/apimachinery `pkg/runtime/conversion.go`): absent, "0" and
 * "false" (any case) are false, anything else — the empty string too — is true.
 */
export function queryBool(value: string | null): boolean {
  if (value === null) return false;
  return !(value === '0' || value.toLowerCase() === 'false');
}

interface WatchOptions {
  rvParam: string;
  rv: number;
  sendInitialEvents: boolean | undefined;
  allowWatchBookmarks: boolean;
  timeoutMs: number;
}

function parseWatchOptions(query: URLSearchParams): WatchOptions {
  // pkg/runtime/conversion.go: timeoutSeconds is an *int64; a value that does not parse is a 400.
  const timeoutParam = query.get('timeoutSeconds');
  let timeoutMs: number;
  if (timeoutParam !== null && timeoutParam !== '') {
    if (!/^[+-]?\d+$/.test(timeoutParam)) {
      throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(timeoutParam)}: invalid syntax`);
    }
    timeoutMs = Number(timeoutParam) * 1000;
  } else {
    timeoutMs = 0;
  }
  // get.go: no timeoutSeconds (or 0) is minRequestTimeout, spread over [1x, 2x) so watches do not all end at once.
  if (timeoutMs === 0) timeoutMs = MIN_REQUEST_TIMEOUT_SECONDS * 1000 * (1 + Math.random());

  const sendParam = query.get('sendInitialEvents');
  const sendInitialEvents = sendParam === null ? undefined : queryBool(sendParam);
  const match = query.get('resourceVersionMatch') ?? '';
  validateWatchListOptions(sendInitialEvents, match, query.get('continue') ?? '');

  // pkg/storage/etcd3 APIObjectVersioner.ParseResourceVersion: "" and "0" are 0, else an unsigned integer.
  const rvParam = query.get('resourceVersion') ?? '';
  let rv = 0;
  if (rvParam !== '' && rvParam !== '0') {
    if (!/^\d+$/.test(rvParam) || !Number.isSafeInteger(Number(rvParam))) {
      const detail = `strconv.ParseUint: parsing ${JSON.stringify(rvParam)}: invalid syntax`;
      throw invalidResourceVersion(rvParam, detail);
    }
    rv = Number(rvParam);
  }
  return {
    rvParam,
    rv,
    sendInitialEvents,
    allowWatchBookmarks: queryBool(query.get('allowWatchBookmarks')),
    timeoutMs,
  };
}

/**
 * k8s.io/apimachinery `pkg/apis/meta/internalversion/validation/validation.go` validateWatchOptions (the
 * WatchList feature gate on, as in v1.32): sendInitialEvents needs resourceVersionMatch=NotOlderThan, and
 * resourceVersionMatch needs sendInitialEvents. get.go answers with 422 Invalid on ListOptions.
 */
function validateWatchListOptions(sendInitialEvents: boolean | undefined, match: string, cont: string): void {
  const errors: { type: 'Forbidden' | 'NotSupported'; detail: string }[] = [];
  if (sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errors.push({
      type: 'Forbidden',
      detail: 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    });
  }
  if (match !== '') {
    if (sendInitialEvents === undefined) {
      errors.push({
        type: 'Forbidden',
        detail: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      });
    }
    if (match !== 'NotOlderThan') {
      errors.push({
        type: 'NotSupported',
        detail: `${JSON.stringify(match)}: supported values: "NotOlderThan"`,
      });
    }
    if (cont !== '') {
      errors.push({
        type: 'Forbidden',
        detail: 'resourceVersionMatch is forbidden when continue is provided',
      });
    }
  }
  if (errors.length === 0) return;
  const bodies = errors.map((e) =>
    e.type === 'Forbidden' ? `Forbidden: ${e.detail}` : `Unsupported value: ${e.detail}`,
  );
  const full = bodies.map((b) => `resourceVersionMatch: ${b}`);
  throw new StatusError(
    422,
    'Invalid',
    `ListOptions.meta.k8s.io "" is invalid: ${full.length === 1 ? full[0] : `[${full.join(', ')}]`}`,
    {
      group: 'meta.k8s.io',
      kind: 'ListOptions',
      causes: errors.map((e, i) => ({
        reason: e.type === 'Forbidden' ? 'FieldValueForbidden' : 'FieldValueNotSupported',
        message: bodies[i] ?? '',
        field: 'resourceVersionMatch',
      })),
    },
  );
}

/**
 * A resourceVersion that is not a number: the storage layer's InvalidError reaches the handler unconverted,
 * so `responsewriters.ErrorToAPIStatus` answers 500 with no reason and the error's text
 * (kubernetes/kubernetes#113939, #139485).
 */
class UnconvertedStorageError extends StatusError {
  override toStatus(): Record<string, unknown> {
    const { reason: _reason, ...status } = super.toStatus();
    return status;
  }
}

function invalidResourceVersion(rv: string, detail: string): StatusError {
  return new UnconvertedStorageError(
    500,
    '',
    `resourceVersion: Invalid value: ${JSON.stringify(rv)}: ${detail}`,
  );
}

/** k8s.io/apiserver `pkg/storage/errors.go` NewTooLargeResourceVersionError (an `errors.NewTimeoutError`). */
function tooLargeResourceVersion(rv: number, current: number): StatusError {
  return new StatusError(504, 'Timeout', `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    retryAfterSeconds: 1,
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  });
}

/**
 * `fields.Selector.RequiresExactMatch("metadata.name")` (k8s.io/apimachinery `pkg/fields/selector.go`): the
 * value of the selector's `metadata.name=` (or `==`) term, if it has one.
 */
function requiredName(selector: string): string | undefined {
  return parseFieldSelector(selector).find((r) => r.field === 'metadata.name' && r.operator === '=')?.value;
}

/**
 * How each event's object is encoded (sim/negotiation.ts, as for a list or get). A watch accepts
 * `as=PartialObjectMetadataList` too, but converting one object to a list fails per event, and
 * `watchEmbeddedEncoder.doEncode` (handlers/response.go) then encodes the object as it is.
 */
function watchRepresentation(accept: string | undefined): WatchRepresentation {
  const conversion = negotiate(accept);
  if (conversion.kind === 'Table') return 'table';
  if (conversion.kind === 'PartialObjectMetadata') return 'metadata';
  return 'object';
}

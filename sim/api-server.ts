import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { reviewSelfAccess, selfSubjectAccessReviewPath } from './access-review.ts';
import { decodeDeleteOptions } from './delete-options.ts';
import { Discovery } from './discovery.ts';
import { asCoreEvent, decodeEventsV1, servedEventsV1, throwIfEventInvalid } from './events.ts';
import { credentialEcho, type FaultInjector } from './faults.ts';
import { fieldSelectorFor, matchesFields, selectableFields } from './field-selector.ts';
import type { KubeObject } from './kube-object.ts';
import { matchesLabels, parseLabelSelector, SelectorError } from './label-selector.ts';
import { validateLeaseCandidate } from './lease-candidates.ts';
import { decodeLease, warningHeader } from './lease-codec.ts';
import {
  checkLeaseName,
  decodeLeaseRequest,
  dryRunCreated,
  leaseToCreate,
  leaseToUpdate,
  validateLease,
} from './lease-validation.ts';
import { parseListOptions, serveList, trackHistory, validateListOptions } from './list-options.ts';
import type { ListSnapshots } from './list-snapshots.ts';
import { genericSchema, managerOrUserAgent, recordUpdate } from './managed-fields.ts';
import { contentTypeOf, listBody, negotiate, objectBody } from './negotiation.ts';
import { openApiResponse } from './openapi.ts';
import { patchResource, readPatchBody } from './patch.ts';
import { markRealistic, type Realism, rejectByApf, setApfHeaders, writeResponse } from './realism.ts';
import { coreEvents, events, leases, type ResourceDef } from './resources.ts';
import {
  badRequest,
  forbidden,
  methodNotAllowed,
  notFound,
  StatusError,
  serverError,
  tooManyRequests,
  unauthorized,
} from './status.ts';
import { type SimStore, StoredObject } from './store.ts';
import { queryBool, WatchHub } from './watch.ts';

/** An RBAC PolicyRule, as a ClusterRole holds it (`*` matches anything). */
export interface SimPolicyRule {
  apiGroups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
}

/**
 * A caller the simulated apiserver knows by bearer token: the verbs it may use on every resource, or —
 * like RBAC — only what its rules allow, per API group, resource and verb.
 */
export interface SimUser {
  name: string;
  verbs: ReadonlySet<string>;
  rules?: readonly SimPolicyRule[];
}

function allowed(user: SimUser, group: string, resource: string, verb: string): boolean {
  if (!user.rules) return user.verbs.has(verb);
  const has = (list: readonly string[], v: string) => list.includes('*') || list.includes(v);
  return user.rules.some((r) => has(r.apiGroups, group) && has(r.resources, resource) && has(r.verbs, verb));
}

export const readOnlyVerbs: ReadonlySet<string> = new Set(['get', 'list', 'watch']);
export const allVerbs: ReadonlySet<string> = new Set([
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
]);

/** Paths any caller may read, as kube-apiserver allows them to system:unauthenticated. */
const publicPaths = new Set(['/version', '/healthz', '/livez', '/readyz']);

interface Route {
  def: ResourceDef;
  namespace?: string | undefined;
  name?: string | undefined;
  /** The deprecated `/watch/` path prefix (requestinfo.go: its GET is the watch verb, also with a name). */
  legacyWatch?: boolean;
}

export interface ApiServerDeps {
  store: SimStore;
  faults: FaultInjector;
  users: ReadonlyMap<string, SimUser>;
  snapshots: ListSnapshots;
  /** host:port, for discovery's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  /** Real-server wire behaviour (gzip, Warning and APF headers); off when absent. */
  realism?: Realism | undefined;
  /** What this apiserver serves (default: leases, nodes, pods, namespaces at v1; no LeaseCandidates). */
  discovery?: Discovery | undefined;
  /** The CoordinatedLeaderElection feature gate: when on, Lease writes keep spec.strategy and preferredHolder. */
  coordinatedLeaderElection?: boolean | undefined;
}

/** A LeaseCandidate resource, at whichever version this apiserver serves it. */
const isLeaseCandidate = (def: ResourceDef) =>
  def.group === 'coordination.k8s.io' && def.resource === 'leasecandidates';

/** The request handler of the simulated kube-apiserver: faults, authentication, discovery, resources. */
export function createApiHandler(deps: ApiServerDeps) {
  const { store, faults, users, snapshots } = deps;
  const discovery = deps.discovery ?? new Discovery();
  const gate = deps.coordinatedLeaderElection ?? false;
  trackHistory(store, snapshots);
  const watches = new WatchHub(store);

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    markRealistic(res, deps.realism);
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const continueToken = url.searchParams.get('continue') ?? '';
    try {
      const fault = faults.decide({ method, path: url.pathname, hasContinue: continueToken !== '' });
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      switch (fault.failure?.type) {
        case 'drop':
          req.socket.destroy();
          return;
        case 'throttle': {
          const seconds = fault.failure.retryAfterSeconds;
          // A realistic cluster rejects as API Priority and Fairness does (sim/realism.ts).
          if (rejectByApf(res, seconds, new Date(store.clock()).toUTCString())) return;
          return sendStatus(res, store, tooManyRequests(seconds), { 'Retry-After': String(seconds) });
        }
        case 'error':
          return sendStatus(res, store, serverError(fault.failure.status));
        case 'expireContinue':
          snapshots.expireAll();
          break;
        case 'echoCredential': {
          const echo = credentialEcho(fault.failure.status, req.headers.authorization);
          const error = new StatusError(echo.status, echo.reason, echo.message);
          return sendStatus(res, store, error, { Warning: echo.warning });
        }
        default:
          break;
      }

      if (publicPaths.has(url.pathname)) {
        if (url.pathname === '/version')
          return sendJson(res, store, 200, JSON.stringify(discovery.document('/version', '')));
        return send(res, store, 200, 'ok', 'text/plain; charset=utf-8');
      }

      const user = authenticate(req, users);
      if (!user) throw unauthorized();
      setApfHeaders(res);

      // sim/openapi.ts: /openapi/v3 and its group-version documents, for any authenticated caller.
      const openApi = openApiResponse(url.pathname, url.searchParams);
      if (openApi) {
        const type = openApi.headers['Content-Type'] ?? 'application/json';
        return send(res, store, openApi.status, openApi.body, type, openApi.headers);
      }

      const discoveryDoc = discovery.document(url.pathname, deps.serverAddress());
      if (discoveryDoc !== undefined) {
        if (method !== 'GET')
          throw methodNotAllowed(`the server does not allow this method on the requested resource`);
        return sendJson(res, store, 200, JSON.stringify(discoveryDoc));
      }

      if (url.pathname === selfSubjectAccessReviewPath)
        return sendJson(res, store, 201, JSON.stringify(await reviewSelfAccess(req, method, user, allowed)));

      const route = parseRoute(url.pathname, discovery);
      if (!route) throw notFoundPath();
      const verb = verbOf(method, route, url);
      if (!route.def.verbs.includes(verb)) {
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      }
      if (!allowed(user, route.def.group, route.def.resource, verb))
        throw forbidden(route.def, user.name, verb, route.name, route.namespace);

      switch (verb) {
        case 'list':
          return await list(req, res, route, url, continueToken);
        case 'get':
          return get(req, res, route, url);
        case 'create':
          return await create(req, res, route, url);
        case 'update':
          return await update(req, res, route, url);
        case 'patch':
          return await patch(req, res, route, url);
        case 'delete':
          return await remove(req, res, route, url);
        case 'deletecollection':
          return await removeCollection(req, res, route, url);
        case 'watch':
          // sim/watch.ts: handlers/get.go ListResource with watch, served from the watch cache.
          return await watches.serve(req, res, {
            def: route.def,
            namespace: route.namespace,
            name: route.legacyWatch ? route.name : undefined,
            query: url.searchParams,
            accept: req.headers.accept,
            predicate: selectorPredicate(route.def, url),
          });
        default:
          throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      }
    } catch (err) {
      if (err instanceof StatusError) return sendStatus(res, store, err);
      if (err instanceof SelectorError) return sendStatus(res, store, badRequest(err.message));
      return sendStatus(res, store, serverError(500));
    }
  };

  async function list(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    url: URL,
    continueToken: string,
  ): Promise<void> {
    const labelSel = url.searchParams.get('labelSelector') ?? '';
    const fieldSel = url.searchParams.get('fieldSelector') ?? '';
    const labelReqs = labelSel ? parseLabelSelector(labelSel) : [];
    const fieldReqs = fieldSel ? fieldSelectorFor(route.def, fieldSel) : [];
    // The apiserver only counts remaining items when it can do so cheaply: no selectors.
    const withCount = labelReqs.length === 0 && fieldReqs.length === 0;
    // handlers/get.go ListResource: negotiate (406), decode and validate the list options (400, 422),
    // read (sim/list-options.ts), then convert (sim/negotiation.ts).
    const conversion = negotiate(req.headers.accept);
    const options = parseListOptions(url);
    validateListOptions(options);
    const predicate =
      labelReqs.length || fieldReqs.length
        ? (o: KubeObject) =>
            matchesLabels(labelReqs, o.metadata.labels) &&
            matchesFields(fieldReqs, selectableFields(route.def, o))
        : undefined;
    // core/v1 Events are a view of the events.k8s.io registry: read there, served converted (sim/events.ts).
    const page = await serveList(
      store,
      snapshots,
      { def: storedDef(route.def), namespace: route.namespace, predicate, withCount },
      { ...options, continueToken },
    );
    const items = route.def === coreEvents ? page.items.map(asCoreView) : page.items;

    const metadata = {
      resourceVersion: page.resourceVersion,
      ...(page.continueToken ? { continue: page.continueToken } : {}),
      ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
    };
    const body = listBody(route.def, items, metadata, conversion, url, store.clock());
    send(res, store, 200, body, contentTypeOf(conversion));
  }

  function get(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): void {
    const conversion = negotiate(req.headers.accept);
    const found = mustGet(route);
    const stored = route.def === coreEvents ? asCoreView(found) : found;
    send(
      res,
      store,
      200,
      objectBody(route.def, stored, conversion, url, store.clock()),
      contentTypeOf(conversion),
    );
  }

  async function create(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    if (route.def === leases) {
      // sim/lease-codec.ts, sim/lease-validation.ts: typed decode (400), fieldValidation warnings,
      // BeforeCreate, validation (422), the storage resourceVersion check, the re-encoded object.
      const body = await readRawBody(req);
      const lease = decodeLeaseRequest(body, url, 'CreateOptions', (w) =>
        res.setHeader('Warning', w.map(warningHeader)),
      );
      const toCreate = leaseToCreate(lease, route.namespace, store.clock(), false, gate);
      const input = track(req, url, route, undefined, toCreate);
      if (isDryRun(url, undefined)) {
        store.checkCreate(route.def, input);
        return sendJson(res, store, 201, JSON.stringify(dryRunCreated(input)));
      }
      return sendJson(res, store, 201, store.create(route.def, input).json);
    }
    if (route.def === events) return await createEvent(req, res, route, url);
    const obj = await readObject(req);
    if (!obj.metadata?.name) throw badRequest('metadata.name: Required value: name is required');
    checkNamespace(obj, route);
    const owned = serverOwned({ ...obj, metadata: { ...obj.metadata, namespace: route.namespace } });
    // pkg/registry/coordination/leasecandidate/strategy.go: Validate (422) before the write.
    if (isLeaseCandidate(route.def)) validateLeaseCandidate(owned);
    const input = track(req, url, route, undefined, owned);
    if (isDryRun(url, undefined)) {
      store.checkCreate(route.def, input);
      return sendJson(res, store, 201, JSON.stringify(input));
    }
    sendJson(res, store, 201, store.create(route.def, input).json);
  }

  /**
   * POST of an events.k8s.io/v1 Event (handlers/create.go over pkg/registry/core/event): decode (400), the
   * namespace of the body against the URL's (400), validation as ValidateEventCreate for events.k8s.io/v1 (422),
   * then the write; the answer is the object as stored.
   */
  async function createEvent(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    url: URL,
  ): Promise<void> {
    const obj = await readObject(req);
    decodeEventsV1(obj);
    checkNamespace(obj, route);
    const owned = serverOwned({ ...obj, metadata: { ...obj.metadata, namespace: route.namespace } });
    throwIfEventInvalid(owned);
    const input = track(req, url, route, undefined, servedEventsV1(owned));
    if (isDryRun(url, undefined)) {
      store.checkCreate(events, input);
      return sendJson(res, store, 201, JSON.stringify(input));
    }
    sendJson(res, store, 201, store.create(events, input).json);
  }

  async function update(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    // Leases: sim/lease-codec.ts decodes the body as the typed v1 Lease (400s, fieldValidation warnings).
    const isLease = route.def === leases;
    const obj = isLease
      ? decodeLeaseRequest(await readRawBody(req), url, 'UpdateOptions', (w) =>
          res.setHeader('Warning', w.map(warningHeader)),
        )
      : await readObject(req);
    checkLeaseName(obj, route.name, route.namespace);
    let input: KubeObject = { ...obj, metadata: { ...obj.metadata, namespace: route.namespace } };
    if (isLeaseCandidate(route.def)) {
      // leasecandidate/strategy.go: AllowCreateOnUpdate true, AllowUnconditionalUpdate false, as for leases.
      const current = store.checkUpdate(route.def, input);
      if (!current) {
        const fresh = serverOwned(input);
        validateLeaseCandidate(fresh);
        const created = track(req, url, route, undefined, fresh);
        if (isDryRun(url, undefined)) {
          store.checkCreate(route.def, created);
          return sendJson(res, store, 201, JSON.stringify(created));
        }
        return sendJson(res, store, 201, store.create(route.def, created).json);
      }
      if (!input.metadata.resourceVersion) throw resourceVersionRequired(route.def, input.metadata.name);
      validateLeaseCandidate(input, current.obj);
      input = track(req, url, route, current.obj, {
        ...input,
        metadata: { ...input.metadata, creationTimestamp: current.obj.metadata.creationTimestamp },
      });
    } else if (route.def === leases) {
      // Leases allow create-on-update, but no unconditional update of an existing object. A PUT that carries
      // a uid is a precondition on that uid: for a lease that is gone it is a 409, never a create.
      const current = store.checkUpdate(leases, input);
      if (!current) {
        const created = leaseToCreate(input, route.namespace, store.clock(), true, gate);
        const fresh = track(req, url, route, undefined, created);
        if (isDryRun(url, undefined)) {
          store.checkCreate(leases, fresh);
          return sendJson(res, store, 201, JSON.stringify(dryRunCreated(fresh)));
        }
        return sendJson(res, store, 201, store.create(leases, fresh).json);
      }
      if (!input.metadata.resourceVersion) throw resourceVersionRequired(leases, input.metadata.name);
      // sim/lease-validation.ts: BeforeUpdate and ValidateLeaseUpdate run after the resourceVersion checks.
      const updated = leaseToUpdate(input, current.obj, route.namespace, gate);
      input = track(req, url, route, current.obj, updated);
    } else {
      const live = store.get(route.def, route.namespace, input.metadata.name)?.obj;
      input = track(req, url, route, live, input);
    }
    if (isDryRun(url, undefined)) {
      store.checkUpdate(route.def, input);
      return sendJson(res, store, 200, JSON.stringify(input));
    }
    sendJson(res, store, 200, store.update(route.def, input).json);
  }

  /** sim/managed-fields.ts: the field manager's managedFields for a create (no `live`) or an update. */
  function track(
    req: IncomingMessage,
    url: URL,
    route: Route,
    live: KubeObject | undefined,
    next: KubeObject,
  ): KubeObject {
    const manager = managerOrUserAgent(url.searchParams.get('fieldManager'), req.headers['user-agent']);
    const schema = route.def === leases ? undefined : genericSchema;
    return recordUpdate(live, next, {
      manager,
      apiVersion: route.def.apiVersion,
      now: store.clock(),
      schema,
    });
  }

  /** sim/patch.ts: handlers/patch.go for JSON, merge and strategic merge patches and server-side apply. */
  async function patch(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    const result = patchResource({
      store,
      def: route.def,
      namespace: route.namespace,
      name: route.name ?? '',
      contentType: req.headers['content-type'],
      userAgent: req.headers['user-agent'],
      body: await readPatchBody(req),
      query: url.searchParams,
      dryRun: isDryRun(url, undefined),
      validate: (obj, old) =>
        isLeaseCandidate(route.def) ? validateLeaseCandidate(obj, old) : validateLease(obj, old),
      ...(route.def === leases
        ? {
            typedDecode: (obj: KubeObject) => {
              const { object, warnings } = decodeLease(Buffer.from(JSON.stringify(obj)), 'Warn');
              return { object, strictErrors: warnings };
            },
          }
        : {}),
    });
    if (result.warnings?.length) res.setHeader('Warning', result.warnings.map(warningHeader));
    sendJson(res, store, result.code, JSON.stringify(result.object));
  }

  async function remove(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    const options = decodeDeleteOptions(await readRawBody(req), url.searchParams);
    const name = route.name ?? '';
    const target = options.dryRun
      ? store.checkDelete(route.def, route.namespace, name, options.preconditions)
      : store.delete(route.def, route.namespace, name, options.preconditions);
    sendJson(res, store, 200, JSON.stringify(deletedStatus(route.def, name, target.obj.metadata.uid)));
  }

  /**
   * DELETE on a collection (`DeleteCollection` in k8s.io/apiserver `pkg/endpoints/handlers/delete.go`): list
   * options from the query, DeleteOptions from the body; the registry deletes each listed object with those
   * options and answers with the list of what it deleted (`pkg/registry/generic/registry/store.go`).
   */
  async function removeCollection(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    url: URL,
  ): Promise<void> {
    const options = decodeDeleteOptions(await readRawBody(req), new URLSearchParams());
    const matching = store.list(route.def, {
      namespace: route.namespace,
      predicate: selectorPredicate(route.def, url),
    });
    const deleted = matching.map((s) =>
      options.dryRun
        ? store.checkDelete(route.def, s.obj.metadata.namespace, s.obj.metadata.name, options.preconditions)
        : store.delete(route.def, s.obj.metadata.namespace, s.obj.metadata.name, options.preconditions),
    );
    send(
      res,
      store,
      200,
      `{"kind":"${route.def.listKind}","apiVersion":"${route.def.apiVersion}","metadata":${JSON.stringify({
        resourceVersion: store.resourceVersion,
      })},"items":[${deleted.map((s) => s.json).join(',')}]}`,
      'application/json',
    );
  }

  function mustGet(route: Route): StoredObject {
    const stored = store.get(storedDef(route.def), route.namespace, route.name ?? '');
    if (!stored) throw notFound(route.def, route.name ?? '');
    return stored;
  }
}

/** Where a resource's objects are stored: core/v1 Events are the events.k8s.io registry's. */
const storedDef = (def: ResourceDef): ResourceDef => (def === coreEvents ? events : def);

/** A stored events.k8s.io/v1 Event as core/v1 serves it. */
const asCoreView = (s: StoredObject): StoredObject => new StoredObject(coreEvents, asCoreEvent(s.obj));

/** The label and field selectors of a list, deletecollection or watch request, as one predicate. */
function selectorPredicate(def: ResourceDef, url: URL): ((o: KubeObject) => boolean) | undefined {
  const labelSel = url.searchParams.get('labelSelector') ?? '';
  const fieldSel = url.searchParams.get('fieldSelector') ?? '';
  const labelReqs = labelSel ? parseLabelSelector(labelSel) : [];
  const fieldReqs = fieldSel ? fieldSelectorFor(def, fieldSel) : [];
  if (labelReqs.length === 0 && fieldReqs.length === 0) return undefined;
  return (o: KubeObject) =>
    matchesLabels(labelReqs, o.metadata.labels) && matchesFields(fieldReqs, selectableFields(def, o));
}

function authenticate(req: IncomingMessage, users: ReadonlyMap<string, SimUser>): SimUser | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ? users.get(match[1]) : undefined;
}

/**
 * An update of an existing object without a resourceVersion, where the strategy forbids unconditional
 * updates: 422 naming the kind by its resource (`pkg/registry/generic/registry/store.go` Update).
 */
function resourceVersionRequired(def: ResourceDef, name: string): StatusError {
  const message = 'Invalid value: 0x0: must be specified for an update';
  return new StatusError(
    422,
    'Invalid',
    `${def.resource}.${def.group} "${name}" is invalid: metadata.resourceVersion: ${message}`,
    {
      name,
      group: def.group,
      kind: def.resource,
      causes: [{ reason: 'FieldValueInvalid', message, field: 'metadata.resourceVersion' }],
    },
  );
}

function parseRoute(pathname: string, discovery: Discovery): Route | undefined {
  const segments = pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    group = '';
    version = 'v1';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments[1] && segments[2]) {
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  // requestinfo.go: `/watch/` after the group version is the deprecated watch path prefix.
  const legacyWatch = rest[0] === 'watch';
  if (legacyWatch) {
    const route = parseResourcePath(rest.slice(1), (r) => discovery.find(group, version, r));
    return route && { ...route, legacyWatch };
  }
  return parseResourcePath(rest, (r) => discovery.find(group, version, r));
}

function parseResourcePath(
  rest: string[],
  findResource: (resource: string) => ResourceDef | undefined,
): Route | undefined {
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest.length <= 4) {
    const def = findResource(rest[2] ?? '');
    if (!def?.namespaced) return undefined;
    return { def, namespace: rest[1], name: rest[3] };
  }
  if (rest.length < 1 || rest.length > 2) return undefined;
  const def = findResource(rest[0] ?? '');
  if (!def) return undefined;
  // A namespaced resource without a namespace can only be listed across all namespaces.
  if (def.namespaced && rest.length === 2) return undefined;
  return { def, name: rest[1] };
}

function verbOf(method: string, route: Route, url: URL): string {
  // The deprecated watch paths are installed for GET only (endpoints/installer.go).
  if (route.legacyWatch && method !== 'GET') return 'unsupported';
  switch (method) {
    case 'GET':
      if (route.legacyWatch) return 'watch';
      if (route.name) return 'get';
      // requestinfo.go decodes ListOptions: `watch` is a bool as the parameter codec reads one.
      return queryBool(url.searchParams.get('watch')) ? 'watch' : 'list';
    case 'POST':
      return route.name ? 'unsupported' : 'create';
    case 'PUT':
      return route.name ? 'update' : 'unsupported';
    case 'PATCH':
      return route.name ? 'patch' : 'unsupported';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function isDryRun(url: URL, bodyDryRun: string[] | undefined): boolean {
  const values = [...url.searchParams.getAll('dryRun'), ...(bodyDryRun ?? [])];
  for (const v of values) {
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

/** A create never keeps a client's uid, resourceVersion or creationTimestamp: the server sets them. */
function serverOwned(obj: KubeObject): KubeObject {
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _created, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function checkNamespace(obj: KubeObject, route: Route): void {
  if (obj.metadata.namespace && route.namespace && obj.metadata.namespace !== route.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The Status a successful delete answers with (`finalizeDelete` in `pkg/registry/generic/registry/store.go`). */
function deletedStatus(def: ResourceDef, name: string, uid: string | undefined) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: def.group, kind: def.resource, uid },
  };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw badRequest('the request body is not a JSON object');
}

async function readObject(req: IncomingMessage): Promise<KubeObject> {
  const body = await readBody(req);
  if (!body.metadata || typeof body.metadata !== 'object') throw badRequest('metadata: Required value');
  return body as unknown as KubeObject;
}

const notFoundPath = () =>
  new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});

function send(
  res: ServerResponse,
  store: SimStore,
  code: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
) {
  // The Date header carries the simulated cluster's clock, so clients can measure skew against it.
  res.sendDate = false;
  writeResponse(
    res,
    code,
    { 'Content-Type': contentType, Date: new Date(store.clock()).toUTCString(), ...headers },
    body,
  );
}

function sendJson(res: ServerResponse, store: SimStore, code: number, body: string) {
  send(res, store, code, body, 'application/json');
}

function sendStatus(
  res: ServerResponse,
  store: SimStore,
  err: StatusError,
  headers: Record<string, string> = {},
) {
  // responsewriters ErrorNegotiated: a Status that names a retry delay also sets Retry-After.
  const retry = err.details?.retryAfterSeconds;
  const retryHeader: Record<string, string> = retry && retry > 0 ? { 'Retry-After': String(retry) } : {};
  send(res, store, err.code, JSON.stringify(err.toStatus()), 'application/json', {
    ...retryHeader,
    ...headers,
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
} from '../shared/selectors.ts';
import { decodeDeleteOptions } from './delete-options.ts';
import { discoveryDocument, findResource } from './discovery.ts';
import type { FaultInjector } from './faults.ts';
import type { KubeObject } from './kube-object.ts';
import type { ListSnapshots } from './list-snapshots.ts';
import { fieldValue, leases, type ResourceDef } from './resources.ts';
import {
  badRequest,
  forbidden,
  invalid,
  methodNotAllowed,
  notFound,
  StatusError,
  serverError,
  tooManyRequests,
  unauthorized,
} from './status.ts';
import type { SimStore, StoredObject } from './store.ts';
import { renderTable } from './table.ts';

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

type Representation = 'object' | 'metadata' | 'table';

const contentTypes: Record<Representation, string> = {
  object: 'application/json',
  metadata: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  table: 'application/json;as=Table;v=v1;g=meta.k8s.io',
};

/** Paths any caller may read, as kube-apiserver allows them to system:unauthenticated. */
const publicPaths = new Set(['/version', '/healthz', '/livez', '/readyz']);

interface Route {
  def: ResourceDef;
  namespace?: string | undefined;
  name?: string | undefined;
}

export interface ApiServerDeps {
  store: SimStore;
  faults: FaultInjector;
  users: ReadonlyMap<string, SimUser>;
  snapshots: ListSnapshots;
  /** host:port, for discovery's serverAddressByClientCIDRs. */
  serverAddress: () => string;
}

/** The request handler of the simulated kube-apiserver: faults, authentication, discovery, resources. */
export function createApiHandler(deps: ApiServerDeps) {
  const { store, faults, users, snapshots } = deps;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
          return sendStatus(res, store, tooManyRequests(seconds), { 'Retry-After': String(seconds) });
        }
        case 'error':
          return sendStatus(res, store, serverError(fault.failure.status));
        case 'expireContinue':
          snapshots.expireAll();
          break;
        default:
          break;
      }

      if (publicPaths.has(url.pathname)) {
        if (url.pathname === '/version')
          return sendJson(res, store, 200, JSON.stringify(discoveryDocument('/version', '')));
        return send(res, store, 200, 'ok', 'text/plain; charset=utf-8');
      }

      const user = authenticate(req, users);
      if (!user) throw unauthorized();

      const discovery = discoveryDocument(url.pathname, deps.serverAddress());
      if (discovery !== undefined) {
        if (method !== 'GET')
          throw methodNotAllowed(`the server does not allow this method on the requested resource`);
        return sendJson(res, store, 200, JSON.stringify(discovery));
      }

      const route = parseRoute(url.pathname);
      if (!route) throw notFoundPath();
      const verb = verbOf(method, route, url);
      if (!route.def.verbs.includes(verb) && verb !== 'watch') {
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      }
      if (!allowed(user, route.def.group, route.def.resource, verb))
        throw forbidden(route.def, user.name, verb, route.name, route.namespace);

      switch (verb) {
        case 'list':
          return list(req, res, route, url, continueToken);
        case 'get':
          return get(req, res, route);
        case 'create':
          return await create(req, res, route, url);
        case 'update':
          return await update(req, res, route, url);
        case 'delete':
          return await remove(req, res, route, url);
        case 'deletecollection':
          return await removeCollection(req, res, route, url);
        default:
          throw methodNotAllowed('watch is not supported by the simulated cluster');
      }
    } catch (err) {
      if (err instanceof StatusError) return sendStatus(res, store, err);
      if (err instanceof SelectorParseError) return sendStatus(res, store, badRequest(err.message));
      return sendStatus(res, store, serverError(500));
    }
  };

  function list(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    url: URL,
    continueToken: string,
  ): void {
    const labelSel = url.searchParams.get('labelSelector') ?? '';
    const fieldSel = url.searchParams.get('fieldSelector') ?? '';
    const labelReqs = labelSel ? parseLabelSelector(labelSel) : [];
    const fieldReqs = fieldSel
      ? parseFieldSelector(fieldSel, route.def.fields, route.def.fieldLabelConversion)
      : [];
    const limit = parseLimit(url.searchParams.get('limit'));
    // The apiserver only counts remaining items when it can do so cheaply: no selectors.
    const withCount = labelReqs.length === 0 && fieldReqs.length === 0;

    const page = continueToken
      ? snapshots.next(continueToken, limit, withCount)
      : snapshots.first(
          store.list(route.def, {
            namespace: route.namespace,
            predicate:
              labelReqs.length || fieldReqs.length
                ? (o: KubeObject) =>
                    matchesLabels(labelReqs, o.metadata.labels) &&
                    matchesFields(fieldReqs, (f) => fieldValue(o, f))
                : undefined,
          }),
          store.resourceVersion,
          limit,
          withCount,
        );

    const metadata = {
      resourceVersion: page.resourceVersion,
      ...(page.continueToken ? { continue: page.continueToken } : {}),
      ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
    };
    const as = representation(req);
    if (as === 'table') {
      send(res, store, 200, renderTable(route.def, page.items, metadata, store.clock()), contentTypes.table);
      return;
    }
    const itemsJson = page.items.map((s) => (as === 'metadata' ? s.metadataJson : s.json)).join(',');
    const head =
      as === 'metadata'
        ? '{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1"'
        : `{"kind":"${route.def.listKind}","apiVersion":"${route.def.apiVersion}"`;
    send(
      res,
      store,
      200,
      `${head},"metadata":${JSON.stringify(metadata)},"items":[${itemsJson}]}`,
      contentTypes[as],
    );
  }

  function get(req: IncomingMessage, res: ServerResponse, route: Route): void {
    const stored = mustGet(route);
    const as = representation(req);
    if (as === 'table') {
      const meta = { resourceVersion: stored.obj.metadata.resourceVersion };
      send(res, store, 200, renderTable(route.def, [stored], meta, store.clock()), contentTypes.table);
      return;
    }
    sendJson(res, store, 200, as === 'metadata' ? stored.metadataJson : stored.json);
  }

  async function create(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    const obj = await readObject(req);
    if (!obj.metadata?.name) throw badRequest('metadata.name: Required value: name is required');
    checkNamespace(obj, route);
    if (route.def === leases) validateLease(obj);
    const input = serverOwned({ ...obj, metadata: { ...obj.metadata, namespace: route.namespace } });
    if (isDryRun(url, undefined)) {
      store.checkCreate(route.def, input);
      return sendJson(res, store, 201, JSON.stringify(input));
    }
    sendJson(res, store, 201, store.create(route.def, input).json);
  }

  async function update(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    const obj = await readObject(req);
    if (obj.metadata?.name !== route.name) {
      throw badRequest('the name of the object does not match the name on the URL');
    }
    checkNamespace(obj, route);
    const input = { ...obj, metadata: { ...obj.metadata, namespace: route.namespace } };
    if (route.def === leases) {
      validateLease(input);
      // Leases allow create-on-update, but no unconditional update of an existing object. A PUT that carries
      // a uid is a precondition on that uid: for a lease that is gone it is a 409, never a create.
      if (!store.checkUpdate(leases, input)) {
        const fresh = serverOwned(input);
        if (isDryRun(url, undefined)) {
          store.checkCreate(leases, fresh);
          return sendJson(res, store, 201, JSON.stringify(fresh));
        }
        return sendJson(res, store, 201, store.create(leases, fresh).json);
      }
      if (!input.metadata.resourceVersion) {
        // The registry names the kind by the resource here (`pkg/registry/generic/registry/store.go` Update).
        const message = 'Invalid value: 0x0: must be specified for an update';
        throw new StatusError(
          422,
          'Invalid',
          `leases.coordination.k8s.io "${input.metadata.name}" is invalid: metadata.resourceVersion: ${message}`,
          {
            name: input.metadata.name,
            group: 'coordination.k8s.io',
            kind: 'leases',
            causes: [{ reason: 'FieldValueInvalid', message, field: 'metadata.resourceVersion' }],
          },
        );
      }
    }
    if (isDryRun(url, undefined)) {
      store.checkUpdate(route.def, input);
      return sendJson(res, store, 200, JSON.stringify(input));
    }
    sendJson(res, store, 200, store.update(route.def, input).json);
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
    const stored = store.get(route.def, route.namespace, route.name ?? '');
    if (!stored) throw notFound(route.def, route.name ?? '');
    return stored;
  }
}

/** The label and field selectors of a list, deletecollection or watch request, as one predicate. */
function selectorPredicate(def: ResourceDef, url: URL): ((o: KubeObject) => boolean) | undefined {
  const labelSel = url.searchParams.get('labelSelector') ?? '';
  const fieldSel = url.searchParams.get('fieldSelector') ?? '';
  const labelReqs = labelSel ? parseLabelSelector(labelSel) : [];
  const fieldReqs = fieldSel ? parseFieldSelector(fieldSel, def.fields, def.fieldLabelConversion) : [];
  if (labelReqs.length === 0 && fieldReqs.length === 0) return undefined;
  return (o: KubeObject) =>
    matchesLabels(labelReqs, o.metadata.labels) && matchesFields(fieldReqs, (f) => fieldValue(o, f));
}

function authenticate(req: IncomingMessage, users: ReadonlyMap<string, SimUser>): SimUser | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ? users.get(match[1]) : undefined;
}

function parseRoute(pathname: string): Route | undefined {
  const segments = pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    group = '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments[2] === 'v1' && segments[1]) {
    group = segments[1];
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest.length <= 4) {
    const def = findResource(group, rest[2] ?? '');
    if (!def?.namespaced) return undefined;
    return { def, namespace: rest[1], name: rest[3] };
  }
  if (rest.length < 1 || rest.length > 2) return undefined;
  const def = findResource(group, rest[0] ?? '');
  if (!def) return undefined;
  // A namespaced resource without a namespace can only be listed across all namespaces.
  if (def.namespaced && rest.length === 2) return undefined;
  return { def, name: rest[1] };
}

function verbOf(method: string, route: Route, url: URL): string {
  switch (method) {
    case 'GET':
      if (route.name) return 'get';
      return url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1'
        ? 'watch'
        : 'list';
    case 'POST':
      return route.name ? 'unsupported' : 'create';
    case 'PUT':
      return route.name ? 'update' : 'unsupported';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function representation(req: IncomingMessage): Representation {
  // The first acceptable representation wins, as in the apiserver's content negotiation.
  for (const part of (req.headers.accept ?? '').split(',')) {
    if (/as=Table/.test(part) && /g=meta\.k8s\.io/.test(part)) return 'table';
    if (/as=PartialObjectMetadataList/.test(part) || /as=PartialObjectMetadata\b/.test(part))
      return 'metadata';
    if (/application\/json\s*(;|$)/.test(part) || part.includes('*/*')) return 'object';
  }
  return 'object';
}

function parseLimit(raw: string | null): number {
  if (!raw) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid limit: ${raw}`);
  return n;
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

const microTimeFormat = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/**
 * What kube-apiserver checks on a lease write: MicroTime fields decode only with exactly six fractional
 * digits (400 from the decoder — a JavaScript Date's three digits fail), and validation wants a positive
 * duration and non-negative transitions (422).
 */
function validateLease(obj: KubeObject): void {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  for (const field of ['renewTime', 'acquireTime'] as const) {
    const v = spec[field];
    if (v !== undefined && v !== null && (typeof v !== 'string' || !microTimeFormat.test(v))) {
      throw badRequest(
        `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse as RFC3339 with microseconds`,
      );
    }
  }
  const name = obj.metadata.name;
  const duration = spec.leaseDurationSeconds;
  if (
    duration !== undefined &&
    duration !== null &&
    (!Number.isInteger(duration) || (duration as number) <= 0)
  ) {
    throw invalid(
      leases,
      name,
      'spec.leaseDurationSeconds',
      `Invalid value: ${JSON.stringify(duration)}: must be greater than 0`,
    );
  }
  const transitions = spec.leaseTransitions;
  if (
    transitions !== undefined &&
    transitions !== null &&
    (!Number.isInteger(transitions) || (transitions as number) < 0)
  ) {
    throw invalid(
      leases,
      name,
      'spec.leaseTransitions',
      `Invalid value: ${JSON.stringify(transitions)}: must be greater than or equal to 0`,
    );
  }
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
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    Date: new Date(store.clock()).toUTCString(),
    ...headers,
  });
  res.end(body);
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
  send(res, store, err.code, JSON.stringify(err.toStatus()), 'application/json', headers);
}

/**
 * PATCH, as kube-apiserver serves it for Leases: JSON patch, JSON merge patch, strategic merge patch and
 * server-side apply, each with the apiserver's own error codes and messages.
 *
 * Follows kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (the handler
 * and patcher), gopkg.in/evanphx/json-patch.v4 (which that file uses for JSON and merge patches),
 * staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (strategic merge patch) and
 * staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (Update: create-on-update,
 * resourceVersion checks); field ownership is sim/managed-fields.ts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { load as loadYaml } from 'js-yaml';
import type { KubeObject } from './kube-object.ts';
import { rfc3339 } from './kube-object.ts';
import {
  deepEqual,
  ignoreTimestampOnlyChanges,
  managerOrUserAgent,
  recordApply,
  recordUpdate,
} from './managed-fields.ts';
import type { ResourceDef } from './resources.ts';
import { badRequest, conflict, notFound, StatusError } from './status.ts';
import type { SimStore } from './store.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

type Json = unknown;
type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/**
 * The patch type of a Content-Type. The PATCH route only consumes the four patch types, so go-restful
 * (jsr311.go detectRoute, as the apiserver's ServiceErrorHandler wraps it in a Status) answers anything else
 * with 415 before the handler runs; parameters such as `; charset=utf-8` are ignored.
 */
export function patchTypeOf(contentType: string | undefined, bodyLength: number): PatchType {
  const media = (contentType ?? '').split(';')[0]?.trim() ?? '';
  const type = patchTypes[media];
  if (type) return type;
  // Without a body go-restful goes on to the Accept check, which then has no route left to offer.
  const message =
    bodyLength > 0
      ? '415: Unsupported Media Type'
      : '415: Unsupported Media Type\n\nAvailable representations: ';
  throw new StatusError(415, 'UnsupportedMediaType', message, {});
}

/** A 422 as errors.NewGenericServerResponse words it: the server's own message is not passed on. */
const unprocessable = () =>
  new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});

/** Go's encoding/json message for text that does not parse (the common cases). */
function goSyntaxError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    const m = /position (\d+)/.exec(String((err as Error).message));
    const at = m ? Number(m[1]) : text.length;
    if (at >= text.length) return 'unexpected end of JSON input';
    return `invalid character '${text[at]}' looking for beginning of value`;
  }
}

const goType = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

// ---------------------------------------------------------------------------------------------------------
// JSON patch (RFC 6902), as gopkg.in/evanphx/json-patch.v4 applies it
// ---------------------------------------------------------------------------------------------------------

export interface JsonPatchOp {
  op?: unknown;
  path?: unknown;
  from?: unknown;
  value?: unknown;
  [key: string]: unknown;
}

/** jsonpatch.DecodePatch: a JSON array of objects, else 400 with the decoder's message. */
export function parseJsonPatch(text: string): JsonPatchOp[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest(goSyntaxError(text));
  }
  if (!Array.isArray(parsed)) {
    throw badRequest(`json: cannot unmarshal ${goType(parsed)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of parsed) {
    if (op !== null && !isObject(op)) {
      throw badRequest(`json: cannot unmarshal ${goType(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  return parsed.map((op) => (op ?? {}) as JsonPatchOp);
}

class JsonPatchFailure extends Error {}

/** RFC 6901 tokens: `~1` is `/`, `~0` is `~` (patch.go decodePatchKey). */
const decodeKey = (k: string) => k.replace(/~1/g, '/').replace(/~0/g, '~');

type Container =
  | { kind: 'object'; obj: JsonObject }
  | { kind: 'array'; arr: Json[]; set: (a: Json[]) => void };

/** patch.go findObject: the container of the path's last token; the path's first segment is dropped. */
function findContainer(root: { doc: Json }, path: string): { c: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  const parts = split.slice(1, -1);
  const key = decodeKey(split[split.length - 1] as string);
  let holder: { get: () => Json; set: (v: Json) => void } = {
    get: () => root.doc,
    set: (v) => {
      root.doc = v;
    },
  };
  for (const part of parts) {
    const cur = holder.get();
    const k = decodeKey(part);
    if (isObject(cur)) {
      if (cur[k] === undefined || cur[k] === null) return undefined;
      holder = { get: () => cur[k], set: (v) => (cur[k] = v) };
    } else if (Array.isArray(cur)) {
      const i = arrayIndex(cur, k, false);
      if (i === undefined || cur[i] === null) return undefined;
      holder = { get: () => cur[i], set: (v) => (cur[i] = v) };
    } else return undefined;
  }
  const target = holder.get();
  if (isObject(target)) return { c: { kind: 'object', obj: target }, key };
  if (Array.isArray(target)) {
    const h = holder;
    return { c: { kind: 'array', arr: target, set: (a) => h.set(a) }, key };
  }
  return undefined;
}

/** An array index; negative ones count from the end (SupportNegativeIndices is on in v4). */
function arrayIndex(arr: Json[], key: string, forAdd: boolean): number | undefined {
  if (!/^-?\d+$/.test(key)) return undefined;
  let i = Number(key);
  const size = forAdd ? arr.length + 1 : arr.length;
  if (i < 0) {
    if (i < -size) return undefined;
    i += size;
  }
  return i >= size ? undefined : i;
}

function getAt(c: Container, key: string): { found: boolean; value: Json } {
  if (c.kind === 'object') return { found: true, value: c.obj[key] };
  const i = arrayIndex(c.arr, key, false);
  return i === undefined ? { found: false, value: undefined } : { found: true, value: c.arr[i] };
}

function addAt(c: Container, key: string, value: Json): void {
  if (c.kind === 'object') {
    c.obj[key] = value;
    return;
  }
  if (key === '-') {
    c.arr.push(value);
    return;
  }
  const i = arrayIndex(c.arr, key, true);
  if (i === undefined) throw new JsonPatchFailure(`invalid index ${key}`);
  c.set([...c.arr.slice(0, i), value, ...c.arr.slice(i)]);
}

function removeAt(c: Container, key: string): void {
  if (c.kind === 'object') {
    if (!(key in c.obj)) throw new JsonPatchFailure(`Unable to remove nonexistent key: ${key}`);
    delete c.obj[key];
    return;
  }
  const i = arrayIndex(c.arr, key, false);
  if (i === undefined) throw new JsonPatchFailure(`invalid index ${key}`);
  c.set([...c.arr.slice(0, i), ...c.arr.slice(i + 1)]);
}

/**
 * Patch.Apply (v4): add, remove, replace, move, copy and test. v4 quirks kept: `replace` of a missing
 * object key adds it; `test` of a missing key passes only against null. Any failure is the apiserver's
 * generic 422 (patch.go wraps the library's error in NewGenericServerResponse, which drops its text).
 */
export function applyJsonPatch(doc: Json, ops: readonly JsonPatchOp[]): Json {
  const root = { doc: clone(doc) };
  try {
    for (const op of ops) {
      const kind = typeof op.op === 'string' ? op.op : 'unknown';
      const path = op.path;
      const need = (p: unknown, what: string) => {
        if (typeof p !== 'string') throw new JsonPatchFailure(`operation missing ${what} field`);
        return p;
      };
      const opValue = () => (op.value === undefined ? null : clone(op.value));
      switch (kind) {
        case 'add': {
          const t = findContainer(root, need(path, 'path'));
          if (!t) throw new JsonPatchFailure('add: missing path');
          addAt(t.c, t.key, opValue());
          break;
        }
        case 'remove': {
          const t = findContainer(root, need(path, 'path'));
          if (!t) throw new JsonPatchFailure('remove: missing path');
          removeAt(t.c, t.key);
          break;
        }
        case 'replace': {
          const p = need(path, 'path');
          if (p === '') {
            const v = opValue();
            if (!isObject(v) && !Array.isArray(v)) throw new JsonPatchFailure('replace: not a document');
            root.doc = v;
            break;
          }
          const t = findContainer(root, p);
          if (!t || !getAt(t.c, t.key).found) throw new JsonPatchFailure('replace: missing path');
          if (t.c.kind === 'object') t.c.obj[t.key] = opValue();
          else t.c.arr[arrayIndex(t.c.arr, t.key, false) as number] = opValue();
          break;
        }
        case 'move':
        case 'copy': {
          const from = findContainer(root, need(op.from, 'from'));
          if (!from) throw new JsonPatchFailure(`${kind}: missing from path`);
          const got = getAt(from.c, from.key);
          if (!got.found) throw new JsonPatchFailure(`${kind}: missing from value`);
          if (kind === 'move') removeAt(from.c, from.key);
          const to = findContainer(root, need(path, 'path'));
          if (!to) throw new JsonPatchFailure(`${kind}: missing destination`);
          addAt(to.c, to.key, kind === 'copy' ? clone(got.value) : got.value);
          break;
        }
        case 'test': {
          const p = need(path, 'path');
          if (p === '') {
            if (!deepEqual(root.doc, op.value)) throw new JsonPatchFailure('test failed');
            break;
          }
          const t = findContainer(root, p);
          if (!t) throw new JsonPatchFailure('test: missing path');
          const got = getAt(t.c, t.key);
          if (!got.found) throw new JsonPatchFailure('test: bad index');
          const expected = op.value === undefined ? null : op.value;
          if (got.value === undefined || got.value === null) {
            if (expected !== null) throw new JsonPatchFailure('test failed');
          } else if (!deepEqual(got.value, expected)) throw new JsonPatchFailure('test failed');
          break;
        }
        default:
          throw new JsonPatchFailure(`Unexpected kind: ${kind}`);
      }
    }
  } catch (err) {
    if (err instanceof JsonPatchFailure) throw unprocessable();
    throw err;
  }
  return root.doc;
}

// ---------------------------------------------------------------------------------------------------------
// JSON merge patch (RFC 7386), as json-patch v4 MergePatch does it
// ---------------------------------------------------------------------------------------------------------

function pruneNulls(v: Json): Json {
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else pruneNulls(x);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) if (x !== null) pruneNulls(x);
  }
  return v;
}

function mergeInto(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = doc[k];
    if (cur === undefined || cur === null || !isObject(cur)) {
      // merge.go merge(): a non-object current value is replaced by the (null-pruned) patch value.
      doc[k] = pruneNulls(v);
      continue;
    }
    if (!isObject(v)) {
      doc[k] = v;
      continue;
    }
    mergeInto(cur, v);
  }
}

/** jsonpatch.MergePatch: null deletes, objects merge, anything else replaces; bad JSON is a 400. */
export function applyMergePatch(doc: Json, patchText: string): Json {
  let patch: unknown;
  try {
    patch = JSON.parse(patchText);
  } catch {
    throw badRequest('Invalid JSON Patch');
  }
  if (patch === null) throw badRequest('Invalid JSON Patch');
  if (!isObject(patch)) {
    if (Array.isArray(patch)) return pruneNulls(patch);
    throw badRequest('Invalid JSON Patch');
  }
  const out = clone(doc);
  if (!isObject(out)) return pruneNulls(patch);
  mergeInto(out, clone(patch));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Strategic merge patch
// ---------------------------------------------------------------------------------------------------------

/** The patch tags strategicpatch reads from the Go struct: patchStrategy and patchMergeKey, per field. */
export interface PatchMeta {
  strategy?: 'merge' | 'replace';
  mergeKey?: string;
  fields?: Record<string, PatchMeta>;
}

/**
 * Lease's patch tags (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go, ObjectMeta):
 * ownerReferences `patchStrategy:"merge" patchMergeKey:"uid"`, finalizers `patchStrategy:"merge"`;
 * LeaseSpec has no list fields, so everything else merges like maps and replaces like scalars.
 */
export const leasePatchMeta: PatchMeta = {
  fields: {
    metadata: {
      fields: {
        ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
        finalizers: { strategy: 'merge' },
      },
    },
    spec: {},
  },
};

const directiveMarker = '$patch';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';
const setElementOrderPrefix = '$setElementOrder/';
const retainKeysDirective = '$retainKeys';

class SmpError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 422 | 500 = 400,
  ) {
    super(message);
  }
}

const sub = (meta: PatchMeta, key: string): PatchMeta => meta.fields?.[key] ?? {};

/** patch.go removeDirectives: a map carrying `$patch` is dropped, directives inside are removed. */
function removeDirectives(v: Json): { value: Json; keep: boolean } {
  if (isObject(v)) {
    if (directiveMarker in v) return { value: undefined, keep: false };
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const r = removeDirectives(x);
      if (r.keep) out[k] = r.value;
    }
    return { value: out, keep: true };
  }
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      const r = removeDirectives(x);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  return { value: v, keep: true };
}

function discardNulls(v: Json): void {
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else discardNulls(x);
    }
  } else if (Array.isArray(v)) for (const x of v) discardNulls(x);
}

/** patch.go deduplicateScalars: the duplicate's slot takes the last element (the order is fixed later). */
function deduplicateScalars(list: Json[]): Json[] {
  const s = [...list];
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

function keyOf(item: Json, mergeKey: string | undefined): Json {
  return mergeKey ? (isObject(item) ? item[mergeKey] : undefined) : item;
}

function indexIn(order: Json[], item: Json, mergeKey: string | undefined): number {
  const k = keyOf(item, mergeKey);
  return order.findIndex((o) => keyOf(o, mergeKey) === k);
}

/** patch.go normalizeSliceOrder: by the order list; `$patch: delete` items go last. */
function normalizeSliceOrder(items: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  let toDelete: Json[] = [];
  let rest = items;
  if (mergeKey) {
    rest = items.filter((i) => !(isObject(i) && i[directiveMarker] === 'delete'));
    toDelete = items.filter((i) => isObject(i) && i[directiveMarker] === 'delete');
  }
  const sorted = rest
    .map((item, n) => ({ item, n, at: indexIn(order, item, mergeKey) }))
    .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.n - b.n))
    .map((x) => x.item);
  return [...sorted, ...toDelete];
}

/** patch.go normalizeElementOrder + mergeSortedSlice: patch items in patch order, server items by server order. */
function normalizeElementOrder(
  patchItems: Json[],
  serverOnly: Json[],
  patchOrder: Json[],
  serverOrder: Json[],
  mergeKey: string | undefined,
): Json[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function partition(merged: Json[], by: Json[], mergeKey: string | undefined): [Json[], Json[]] {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const item of merged) {
    if (mergeKey && !(isObject(item) && mergeKey in item)) {
      throw new SmpError(`map: ${goMap(item)} does not contain declared merge key: ${mergeKey}`);
    }
    (indexIn(by, item, mergeKey) >= 0 ? inPatch : serverOnly).push(item);
  }
  return [inPatch, serverOnly];
}

const goMap = (v: Json) =>
  isObject(v)
    ? `map[${Object.keys(v)
        .sort()
        .map((k) => `${k}:${String(v[k])}`)
        .join(' ')}]`
    : String(v);

function mergeSlice(
  original: Json[],
  patch: Json[],
  meta: PatchMeta,
  mergeKey: string | undefined,
  isDeleteList: boolean,
): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const all = [...original, ...patch];
  if (all.some((x) => Array.isArray(x))) throw new SmpError('lists of lists are not supported');
  const ofMaps = all.some((x) => isObject(x));
  let merged: Json[];
  let patchList = patch;
  let orig = original;
  if (!ofMaps) {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw new SmpError('cannot merge lists without merge key');
    // patch.go mergeSliceWithSpecialElements: `$patch: delete` items and `$patch: replace`.
    const plain: Json[] = [];
    let replace = false;
    for (const item of patch) {
      const m = item as JsonObject;
      if (!(directiveMarker in m)) {
        plain.push(item);
        continue;
      }
      const d = m[directiveMarker];
      if (d === 'delete') {
        if (!(mergeKey in m))
          throw new SmpError(`map: ${goMap(m)} does not contain declared merge key: ${mergeKey}`);
        orig = orig.filter((o) => keyOf(o, mergeKey) !== m[mergeKey]);
      } else if (d === 'replace') replace = true;
      else if (d === 'merge') throw new SmpError('merging lists cannot yet be specified in the patch', 500);
      else throw new SmpError(`unknown patch type: ${String(d)} in map: ${goMap(m)}`, 500);
    }
    if (replace) {
      orig = plain;
      patchList = [];
    } else patchList = plain;
    merged = [...orig];
    for (const item of patchList) {
      const m = item as JsonObject;
      if (!(mergeKey in m))
        throw new SmpError(`map: ${goMap(m)} does not contain declared merge key: ${mergeKey}`);
      const at = merged.findIndex((o) => keyOf(o, mergeKey) === m[mergeKey]);
      if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, m, meta);
      else merged.push(item);
    }
  }
  const [patchItems, serverOnly] = partition(merged, patchList, ofMaps ? mergeKey : undefined);
  return normalizeElementOrder(patchItems, serverOnly, patchList, orig, ofMaps ? mergeKey : undefined);
}

/** patch.go mergeMap (MergeParallelList and IgnoreUnmatchedNulls on, as the apiserver calls it). */
function mergeMap(originalIn: JsonObject | undefined, patchIn: JsonObject, meta: PatchMeta): JsonObject {
  const patch = { ...patchIn };
  if (directiveMarker in patch) {
    const d = patch[directiveMarker];
    if (d === 'replace') {
      delete patch[directiveMarker];
      return patch;
    }
    if (d === 'delete') return {};
    throw new SmpError(`unknown patch type: ${String(d)} in map: ${goMap(patch)}`, 500);
  }
  const original: JsonObject = originalIn ?? {};

  // applyRetainKeysDirective: only the listed keys survive; the patch may set no others.
  if (retainKeysDirective in patch) {
    const list = patch[retainKeysDirective];
    delete patch[retainKeysDirective];
    if (!Array.isArray(list)) throw new SmpError('invalid patch format of retainKeys');
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix))
        continue;
      if (!list.includes(k)) throw new SmpError('invalid patch format of retainKeys');
    }
    for (const k of Object.keys(original)) if (!list.includes(k)) delete original[k];
  }

  // mergePatchIntoOriginal: `$setElementOrder/<list>` merges that list and orders it as listed.
  for (const key of Object.keys(patch)) {
    if (!key.startsWith('$setElementOrder')) continue;
    const order = patch[key];
    delete patch[key];
    if (!key.startsWith(setElementOrderPrefix))
      throw new SmpError('invalid patch format of setElementOrder list');
    if (!Array.isArray(order)) throw new SmpError('invalid patch format of setElementOrder list');
    const listKey = key.slice(setElementOrderPrefix.length);
    const fieldMeta = sub(meta, listKey);
    const o = original[listKey];
    const p = patch[listKey];
    if (o !== undefined && !Array.isArray(o))
      throw new SmpError('invalid patch format of setElementOrder list');
    if (p !== undefined && !Array.isArray(p))
      throw new SmpError('invalid patch format of setElementOrder list');
    let merged: Json[];
    if (o !== undefined && p === undefined) merged = o as Json[];
    else if (o === undefined && p !== undefined) {
      const r = removeDirectives(p);
      if (!r.keep) continue;
      merged = r.value as Json[];
    } else if (o !== undefined && p !== undefined) {
      merged =
        fieldMeta.strategy === 'merge'
          ? mergeSlice(o as Json[], p as Json[], fieldMeta, fieldMeta.mergeKey, false)
          : (p as Json[]);
    } else continue;
    const [inOrder, serverOnly] = partition(merged, order, fieldMeta.mergeKey);
    original[listKey] = normalizeElementOrder(
      inOrder,
      serverOnly,
      order,
      (o as Json[]) ?? [],
      fieldMeta.mergeKey,
    );
    delete patch[listKey];
  }

  for (const [rawKey, patchV] of Object.entries(patch)) {
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith('$deleteFromPrimitiveList')) {
      if (!rawKey.startsWith(deleteFromPrimitiveListPrefix))
        throw new SmpError('invalid patch format of primitive list');
      k = rawKey.slice(deleteFromPrimitiveListPrefix.length);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[k];
      continue;
    }
    const cur = original[k];
    const sameType =
      cur !== undefined &&
      ((isObject(cur) && isObject(patchV)) ||
        (Array.isArray(cur) && Array.isArray(patchV)) ||
        (!isObject(cur) &&
          !Array.isArray(cur) &&
          !isObject(patchV) &&
          !Array.isArray(patchV) &&
          typeof cur === typeof patchV));
    if (!sameType) {
      if (!isDeleteList) {
        discardNulls(patchV);
        const r = removeDirectives(patchV);
        if (r.keep) original[k] = r.value;
        else delete original[k];
      }
      continue;
    }
    const fieldMeta = sub(meta, k);
    if (isObject(cur)) {
      original[k] =
        fieldMeta.strategy === 'replace' ? patchV : mergeMap(cur, patchV as JsonObject, fieldMeta);
    } else if (Array.isArray(cur)) {
      original[k] =
        fieldMeta.strategy === 'merge' || isDeleteList
          ? mergeSlice(cur, patchV as Json[], fieldMeta, fieldMeta.mergeKey, isDeleteList)
          : patchV;
    } else {
      const r = removeDirectives(patchV);
      if (r.keep) original[k] = r.value;
      else delete original[k];
    }
  }
  return original;
}

/**
 * strategicpatch.StrategicMergeMapPatch with the apiserver's options; the body must be a JSON object
 * (400 with the decoder's message), malformed directives are 400s as interpretStrategicMergePatchError maps them.
 */
export function applyStrategicMergePatch(
  doc: Json,
  patchText: string,
  meta: PatchMeta = leasePatchMeta,
): Json {
  let patch: unknown;
  try {
    patch = JSON.parse(patchText);
  } catch {
    throw badRequest(goSyntaxError(patchText));
  }
  if (!isObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${goType(patch)} into Go value of type map[string]interface {}`);
  }
  try {
    return mergeMap(clone(doc) as JsonObject, clone(patch), meta);
  } catch (err) {
    if (err instanceof SmpError) {
      if (err.code === 400) throw badRequest(err.message);
      if (err.code === 422) throw unprocessable();
      throw new StatusError(500, 'InternalError', `Internal error occurred: ${err.message}`, {
        causes: [{ reason: '', message: err.message }] as never,
      });
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The decoded object (what decoding into the Go Lease type keeps)
// ---------------------------------------------------------------------------------------------------------

/**
 * The patched JSON as it comes back out of the Go types: nulls and empty optional collections vanish
 * (pointer and omitempty fields), a missing spec is the empty struct, and duplicate owner references by
 * uid are dropped (patch.go dedupOwnerReferencesAndAddWarning).
 */
export function decodeLease(value: Json, def: ResourceDef): KubeObject {
  const obj = clone(value) as JsonObject;
  const dropNulls = (v: Json): void => {
    if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (x === null) delete v[k];
        else dropNulls(x);
      }
    } else if (Array.isArray(v)) for (const x of v) dropNulls(x);
  };
  const managedFields = isObject(obj.metadata) ? obj.metadata.managedFields : undefined;
  dropNulls(obj);
  const metadata = (isObject(obj.metadata) ? obj.metadata : {}) as JsonObject;
  for (const k of ['labels', 'annotations'] as const) {
    if (isObject(metadata[k]) && Object.keys(metadata[k] as object).length === 0) delete metadata[k];
  }
  for (const k of ['ownerReferences', 'finalizers'] as const) {
    if (Array.isArray(metadata[k]) && (metadata[k] as Json[]).length === 0) delete metadata[k];
  }
  if (Array.isArray(metadata.ownerReferences)) {
    const seen = new Set<unknown>();
    metadata.ownerReferences = (metadata.ownerReferences as Json[]).filter((o) => {
      const uid = isObject(o) ? o.uid : undefined;
      if (seen.has(uid)) return false;
      seen.add(uid);
      return true;
    });
  }
  // managedFields: [] survives to the field manager, where it means "reset".
  if (managedFields !== undefined && managedFields !== null) metadata.managedFields = managedFields;
  const spec = isObject(obj.spec) ? obj.spec : {};
  return { ...obj, apiVersion: def.apiVersion, kind: def.kind, metadata, spec } as unknown as KubeObject;
}

// ---------------------------------------------------------------------------------------------------------
// The PATCH request
// ---------------------------------------------------------------------------------------------------------

export async function readPatchBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface PatchRequest {
  store: SimStore;
  def: ResourceDef;
  namespace: string | undefined;
  name: string;
  contentType: string | undefined;
  userAgent: string | undefined;
  body: string;
  query: URLSearchParams;
  dryRun: boolean;
  /** The resource's validation (validateLease for leases), run on the object about to be stored. */
  validate: (obj: KubeObject, old?: KubeObject) => void;
  /**
   * The typed decoding of the resource (for leases, the Go struct): the object with unknown fields dropped,
   * and the strict-decoding errors (`unknown field "spec.foo"`) found on the way.
   */
  typedDecode?: (obj: KubeObject) => { object: KubeObject; strictErrors: string[] };
}

export interface PatchResponse {
  code: 200 | 201;
  object: KubeObject;
  /** Warning header texts (fieldValidation=Warn). */
  warnings?: string[];
}

type FieldValidationDirective = 'Ignore' | 'Warn' | 'Strict';

/** PatchOptions.fieldValidation (handlers/rest.go fieldValidation; ValidatePatchOptions for bad values). */
function fieldValidationOf(query: URLSearchParams): FieldValidationDirective {
  const raw = query.get('fieldValidation') ?? '';
  if (raw === '') return 'Warn';
  if (raw === 'Ignore' || raw === 'Warn' || raw === 'Strict') return raw;
  throw invalidPatchOptions(
    'fieldValidation',
    'FieldValueNotSupported',
    `Unsupported value: ${JSON.stringify(raw)}: supported values: "", "Ignore", "Strict", "Warn"`,
  );
}

/**
 * jsonPatcher / smpPatcher `applyPatchToCurrentObject` (handlers/patch.go): the patched JSON is decoded into
 * the typed object with the strict decoder unless the directive is Ignore; unknown fields are then warnings
 * (Warn) or a 422 on the field "patch" whose value is the patched JSON (Strict). Either way they are not
 * stored: the typed object has no place for them.
 */
function decodePatched(
  r: PatchRequest,
  patchedJson: KubeObject,
  directive: FieldValidationDirective,
): { object: KubeObject; warnings: string[] } {
  if (!r.typedDecode) return { object: patchedJson, warnings: [] };
  const { object, strictErrors } = r.typedDecode(patchedJson);
  if (strictErrors.length === 0 || directive === 'Ignore') return { object, warnings: [] };
  if (directive === 'Warn') return { object, warnings: strictErrors };
  const message = `strict decoding error: ${strictErrors.join(', ')}`;
  const value = JSON.stringify(JSON.stringify(patchedJson));
  throw new StatusError(422, 'Invalid', ` "" is invalid: patch: Invalid value: ${value}: ${message}`, {
    causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${message}`, field: 'patch' }],
  });
}

/**
 * Server-side apply types the applied configuration against the schema before anything else
 * (managedfields/internal/structuredmerge.go `Apply`: "failed to create typed patch object"), whatever
 * fieldValidation says; the error is a plain one, so the client gets a 500.
 */
function checkApplyConfigTyped(r: PatchRequest, config: KubeObject): void {
  if (!r.typedDecode) return;
  const { strictErrors } = r.typedDecode(config);
  const undeclared = strictErrors
    .map((e) => /^unknown field "(.*)"$/.exec(e)?.[1])
    .filter((f): f is string => f !== undefined)
    .map((f) => `.${f}: field not declared in schema`);
  if (undeclared.length === 0) return;
  const where = `${r.namespace ? `${r.namespace}/` : ''}${r.name}; ${r.def.apiVersion}, Kind=${r.def.kind}`;
  const detail = undeclared.length === 1 ? undeclared[0] : `errors:\n  ${undeclared.join('\n  ')}`;
  throw new StatusError(500, 'InternalError', `failed to create typed patch object (${where}): ${detail}`);
}

/** A PatchOptions validation failure (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation). */
function invalidPatchOptions(field: string, reason: string, message: string): StatusError {
  return new StatusError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${message}`, {
    group: 'meta.k8s.io',
    kind: 'PatchOptions',
    causes: [{ reason, message, field }],
  });
}

function qualifiedInvalid(def: ResourceDef, name: string, field: string, message: string, useKind: boolean) {
  const kindName = useKind ? def.kind : def.resource;
  const gk = def.group ? `${kindName}.${def.group}` : kindName;
  return new StatusError(422, 'Invalid', `${gk} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group: def.group,
    kind: kindName,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

/** Go's strconv.ParseBool, as the query parameter codec decodes `force`. */
function parseBool(raw: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  throw badRequest(`strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
}

/**
 * handlers/patch.go PatchResource + patcher.patchResource, and registry/store.go Update under it:
 * PATCH of a missing object is a 404 (an apply creates it: 201); the patched object must keep its name,
 * namespace and uid; a resourceVersion left in it is an optimistic-concurrency precondition; a patch
 * that changes nothing stores nothing (etcd3 GuaranteedUpdate skips identical writes).
 */
export function patchResource(r: PatchRequest): PatchResponse {
  const type = patchTypeOf(r.contentType, Buffer.byteLength(r.body));
  const forceRaw = r.query.get('force');
  const force = forceRaw === null ? undefined : parseBool(forceRaw);
  const fieldManager = r.query.get('fieldManager') ?? '';
  // validation.ValidatePatchOptions
  if (type !== 'apply' && force !== undefined) {
    throw invalidPatchOptions(
      'force',
      'FieldValueForbidden',
      'Forbidden: may not be specified for non-apply patch',
    );
  }
  if (type === 'apply' && fieldManager === '') {
    throw invalidPatchOptions(
      'fieldManager',
      'FieldValueRequired',
      'Required value: is required for apply patch',
    );
  }
  const directive = fieldValidationOf(r.query);
  const manager = managerOrUserAgent(fieldManager, r.userAgent);
  const { store, def, name } = r;
  let warnings: string[] = [];
  const current = store.get(def, r.namespace, name);
  const now = store.clock();
  const record = { manager, apiVersion: def.apiVersion, now };
  const doc = current ? decodeLease(current.obj, def) : undefined;

  let patched: KubeObject;
  if (type === 'apply') {
    // patch.go applyPatcher: the body is YAML (JSON is YAML too).
    let config: unknown;
    try {
      config = loadYaml(r.body);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (config === undefined || config === null) config = {};
    if (!isObject(config)) {
      throw badRequest(
        `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goType(config)} into Go value of type map[string]interface {}`,
      );
    }
    checkApplyConfigTyped(r, config as unknown as KubeObject);
    const applied = recordApply(doc, config, { ...record, force: force ?? false, kind: def.kind });
    patched = decodeLease(applied.object, def);
  } else {
    // jsonPatcher / smpPatcher createNewObject: only apply may create.
    if (!current || !doc) throw notFound(def, name);
    const result =
      type === 'json'
        ? applyJsonPatch(doc, parseJsonPatch(r.body))
        : type === 'merge'
          ? applyMergePatch(doc, r.body)
          : applyStrategicMergePatch(doc, r.body);
    if (!isObject(result)) {
      throw new StatusError(
        422,
        'Invalid',
        ` "" is invalid: patch: Invalid value: ${JSON.stringify(JSON.stringify(result))}: couldn't get version/kind; json parse error`,
        {
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: "couldn't get version/kind; json parse error",
              field: 'patch',
            },
          ],
        },
      );
    }
    const typed = decodePatched(r, decodeLease(result, def), directive);
    warnings = typed.warnings;
    patched = recordUpdate(current.obj, typed.object, record);
  }

  // patcher.applyPatch: a create may not name a uid; namespace and name must match the request.
  const meta = patched.metadata;
  if (!current && meta.uid) {
    throw conflict(
      def,
      name,
      `uid mismatch: the provided object specified uid ${meta.uid}, and no existing object was found`,
    );
  }
  if (meta.namespace && r.namespace && meta.namespace !== r.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (def.namespaced) meta.namespace = r.namespace;
  if ((meta.name ?? '') !== name) {
    throw badRequest(
      `the name of the object (${meta.name ?? ''}) does not match the name on the URL (${name})`,
    );
  }

  if (!current) {
    // store.go Update, create branch: WipeObjectMetaSystemFields and FillObjectMetaSystemFields.
    const {
      uid: _u,
      creationTimestamp: _c,
      deletionTimestamp: _d,
      deletionGracePeriodSeconds: _g,
      selfLink: _s,
      resourceVersion: _rv,
      ...rest
    } = meta;
    const fresh: KubeObject = { ...patched, metadata: rest as KubeObject['metadata'] };
    r.validate(fresh);
    if (r.dryRun) {
      store.checkCreate(def, fresh);
      return {
        code: 201,
        object: {
          ...fresh,
          metadata: { ...fresh.metadata, uid: randomUUID(), creationTimestamp: rfc3339(now) },
        },
      };
    }
    return { code: 201, object: store.create(def, fresh).obj };
  }

  // store.go Update: no resourceVersion is no unconditional update for leases; a different one conflicts.
  if (!meta.resourceVersion) {
    throw qualifiedInvalid(
      def,
      name,
      'metadata.resourceVersion',
      'Invalid value: 0x0: must be specified for an update',
      false,
    );
  }
  // rest.BeforeUpdate: uid defaults to the stored one and may not change; creationTimestamp is kept.
  if (meta.uid && meta.uid !== current.obj.metadata.uid) {
    store.checkUpdate(def, { ...patched, metadata: { ...meta, uid: undefined } });
    throw qualifiedInvalid(
      def,
      name,
      'metadata.uid',
      `Invalid value: ${JSON.stringify(meta.uid)}: field is immutable`,
      true,
    );
  }
  let next: KubeObject = {
    ...patched,
    metadata: {
      ...meta,
      uid: current.obj.metadata.uid,
      creationTimestamp: current.obj.metadata.creationTimestamp,
    },
  };
  if (current.obj.metadata.generation !== undefined)
    next.metadata.generation = current.obj.metadata.generation;
  store.checkUpdate(def, next);
  r.validate(next, current.obj);
  next = ignoreTimestampOnlyChanges(next, current.obj);
  if (deepEqual(next, decodeLease(current.obj, def)) || deepEqual(next, current.obj)) {
    return { code: 200, object: current.obj, warnings };
  }
  if (r.dryRun) return { code: 200, object: next, warnings };
  return { code: 200, object: store.update(def, next).obj, warnings };
}

/**
 * `metadata.managedFields`, recorded on every API write the way kube-apiserver's field manager does it.
 *
 * Follows kubernetes/kubernetes:
 * - staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/fieldmanager.go (the manager chain),
 * - …/internal/{structuredmerge,managedfieldsupdater,buildmanagerinfo,capmanagers,skipnonapplied,stripmeta,
 *   lastappliedupdater,versioncheck,conflict,managedfields}.go,
 * - sigs.k8s.io/structured-merge-diff (typed/compare.go, typed/tofieldset.go, typed/merge.go, merge/update.go,
 *   fieldpath/serialize.go), which kubernetes vendors,
 * - staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go (managerOrUserAgent, prefixFromUserAgent).
 *
 * Field sets are modelled for the Lease schema (ObjectMeta + LeaseSpec); fields the schema does not name are
 * treated as structured-merge-diff treats untyped ("deduced") values: maps are granular, lists atomic.
 */
import type { KubeObject } from './kube-object.ts';
import { rfc3339 } from './kube-object.ts';
import { StatusError } from './status.ts';

// ---------------------------------------------------------------------------------------------------------
// Schema (the parts of the Lease OpenAPI schema that change how fields are tracked)
// ---------------------------------------------------------------------------------------------------------

export type Schema =
  | { kind: 'scalar' }
  | { kind: 'struct'; fields: Record<string, Schema>; atomic?: boolean }
  | { kind: 'map'; element: Schema; atomic?: boolean }
  | { kind: 'list'; element: Schema; relationship: 'atomic' | 'set' | 'associative'; keys?: string[] }
  | { kind: 'deduced' };

const scalar: Schema = { kind: 'scalar' };
const stringMap: Schema = { kind: 'map', element: scalar };

// staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go: ObjectMeta's list and map markers;
// OwnerReference is `+structType=atomic`, ownerReferences `+listType=map +listMapKey=uid`, finalizers
// `+listType=set`, managedFields `+listType=atomic`.
const objectMeta: Schema = {
  kind: 'struct',
  fields: Object.fromEntries([
    ...[
      'name',
      'generateName',
      'namespace',
      'selfLink',
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
    ].map((f) => [f, scalar] as const),
    ['labels', stringMap],
    ['annotations', stringMap],
    [
      'ownerReferences',
      {
        kind: 'list',
        relationship: 'associative',
        keys: ['uid'],
        element: { kind: 'struct', atomic: true, fields: {} },
      },
    ],
    ['finalizers', { kind: 'list', relationship: 'set', element: scalar }],
    ['managedFields', { kind: 'list', relationship: 'atomic', element: { kind: 'deduced' } }],
  ]),
};

/** staging/src/k8s.io/api/coordination/v1/types.go: every LeaseSpec field is a scalar. */
export const leaseSchema: Schema = {
  kind: 'struct',
  fields: {
    apiVersion: scalar,
    kind: scalar,
    metadata: objectMeta,
    spec: {
      kind: 'struct',
      fields: Object.fromEntries(
        [
          'holderIdentity',
          'leaseDurationSeconds',
          'acquireTime',
          'renewTime',
          'leaseTransitions',
          'strategy',
          'preferredHolder',
        ].map((f) => [f, scalar]),
      ),
    },
  },
};

/** Any other kind: ObjectMeta as above, everything else untyped (granular maps, atomic lists). */
export const genericSchema: Schema = {
  kind: 'struct',
  fields: { apiVersion: scalar, kind: scalar, metadata: objectMeta },
};

// ---------------------------------------------------------------------------------------------------------
// Paths and field sets (sigs.k8s.io/structured-merge-diff fieldpath)
// ---------------------------------------------------------------------------------------------------------

/** A path element in its FieldsV1 spelling: `f:name`, `k:{"uid":"…"}`, `v:"value"` or `i:0`. */
export type PathElement = string;
export type Path = readonly PathElement[];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const fieldPE = (name: string): PathElement => `f:${name}`;

/** fieldpath.PathElement.Compare: field names < keys < values < indexes, then by content. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const rank = (pe: PathElement) => 'fkvi'.indexOf(pe[0] ?? 'f');
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  const ca = a.slice(2);
  const cb = b.slice(2);
  switch (a[0]) {
    case 'i':
      return Number(ca) - Number(cb);
    case 'k':
      return compareKeys(
        JSON.parse(ca) as Record<string, unknown>,
        JSON.parse(cb) as Record<string, unknown>,
      );
    case 'v':
      return compareValues(JSON.parse(ca), JSON.parse(cb));
    default:
      return ca < cb ? -1 : ca > cb ? 1 : 0;
  }
}

function compareKeys(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const na = ka[i] as string;
    const nb = kb[i] as string;
    if (na !== nb) return na < nb ? -1 : 1;
    const c = compareValues(a[na], b[nb]);
    if (c !== 0) return c;
  }
  return ka.length - kb.length;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** How a conflict message prints a path (fieldpath.Path.String): `.spec.holderIdentity`, `[uid="…"]`. */
export function pathString(path: Path): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

/** An immutable-by-convention set of paths (fieldpath.Set). */
export class FieldSet {
  private readonly paths = new Map<string, Path>();

  static of(paths: Iterable<Path>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    this.paths.set(JSON.stringify(path), [...path]);
  }

  has(path: Path): boolean {
    return this.paths.has(JSON.stringify(path));
  }

  get size(): number {
    return this.paths.size;
  }

  isEmpty(): boolean {
    return this.paths.size === 0;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths.values(), ...other.paths.values()]);
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths.values()].filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths.values()].filter((p) => other.has(p)));
  }

  /** Paths in fieldpath.Set.Iterate order: at each level the members first, then each child in order. */
  list(): Path[] {
    return [...this.paths.values()].sort(comparePaths);
  }

  /** fieldpath.Set.ToJSON (FieldsV1): a member that also has children carries a `.` entry. */
  toFieldsV1(): Record<string, unknown> {
    interface Node {
      member: boolean;
      children: Map<PathElement, Node>;
    }
    const root: Node = { member: false, children: new Map() };
    for (const path of this.paths.values()) {
      let node = root;
      for (const pe of path) {
        let next = node.children.get(pe);
        if (!next) {
          next = { member: false, children: new Map() };
          node.children.set(pe, next);
        }
        node = next;
      }
      node.member = true;
    }
    const emit = (node: Node, includeSelf: boolean): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (includeSelf && node.children.size > 0) out['.'] = {};
      for (const pe of [...node.children.keys()].sort(comparePathElements)) {
        const child = node.children.get(pe) as Node;
        out[pe] = child.children.size === 0 ? {} : emit(child, child.member);
      }
      return out;
    };
    return emit(root, false);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, prefix: PathElement[]) => {
      if (!isPlainObject(node)) throw new Error('FieldsV1 must be a JSON object');
      const keys = Object.keys(node);
      if (prefix.length > 0 && (keys.length === 0 || keys.includes('.'))) set.insert(prefix);
      for (const key of keys) {
        if (key === '.') continue;
        if (!/^[fkvi]:/.test(key)) throw new Error(`unknown path element ${key}`);
        walk(node[key], [...prefix, key]);
      }
    };
    walk(fields, []);
    return set;
  }
}

function comparePaths(a: Path, b: Path): number {
  for (let i = 0; ; i++) {
    const aEnds = i === a.length - 1;
    const bEnds = i === b.length - 1;
    const c = comparePathElements(a[i] as string, b[i] as string);
    if (aEnds && bEnds) return c;
    // Members of a level come before the children of that level.
    if (aEnds !== bEnds) return aEnds ? -1 : 1;
    if (c !== 0) return c;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Typed walks over JSON values
// ---------------------------------------------------------------------------------------------------------

function resolve(schema: Schema, value: unknown): Schema {
  if (schema.kind !== 'deduced') return schema;
  if (isPlainObject(value)) return { kind: 'map', element: { kind: 'deduced' } };
  if (Array.isArray(value)) return { kind: 'list', relationship: 'atomic', element: { kind: 'deduced' } };
  return scalar;
}

function childSchema(schema: Schema, key: string): { schema: Schema; named: boolean } {
  if (schema.kind === 'struct') {
    const f = schema.fields[key];
    return f ? { schema: f, named: true } : { schema: { kind: 'deduced' }, named: false };
  }
  if (schema.kind === 'map') return { schema: schema.element, named: false };
  return { schema: { kind: 'deduced' }, named: false };
}

/** typed listItemToPathElement: `k:` by the list's keys, `v:` for sets of scalars, else the index. */
function itemPE(schema: Extract<Schema, { kind: 'list' }>, item: unknown, index: number): PathElement {
  if (schema.relationship === 'associative' && schema.keys && isPlainObject(item)) {
    const key: Record<string, unknown> = {};
    for (const k of [...schema.keys].sort()) if (item[k] !== undefined) key[k] = item[k];
    return `k:${JSON.stringify(key)}`;
  }
  if (schema.relationship === 'set') return `v:${JSON.stringify(item)}`;
  return `i:${index}`;
}

const isAtomic = (s: Schema) =>
  (s.kind === 'list' && s.relationship === 'atomic') ||
  ((s.kind === 'map' || s.kind === 'struct') && s.atomic);

/** typed/tofieldset.go: the fields an (applied) object sets. */
export function toFieldSet(value: unknown, schema: Schema = leaseSchema): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, s0: Schema, path: PathElement[]) => {
    const s = resolve(s0, v);
    if (s.kind === 'scalar' || isAtomic(s)) {
      set.insert(path);
      return;
    }
    if (s.kind === 'list') {
      if (!Array.isArray(v)) return;
      v.forEach((item, i) => {
        const p = [...path, itemPE(s, item, i)];
        walk(item, s.element, p);
        set.insert(p);
      });
      return;
    }
    if (!isPlainObject(v)) return;
    for (const [key, child] of Object.entries(v)) {
      const { schema: cs, named } = childSchema(s, key);
      const p = [...path, fieldPE(key)];
      walk(child, cs, p);
      if (child === null || (isPlainObject(child) && Object.keys(child).length === 0) || !named)
        set.insert(p);
    }
  };
  walk(value, schema, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** typed/compare.go: which fields were added, modified and removed between two versions of an object. */
export function compareObjects(lhs: unknown, rhs: unknown, schema: Schema = leaseSchema): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const leaf = (l: unknown, r: unknown, path: PathElement[]) => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
  };
  const walk = (l: unknown, r: unknown, s0: Schema, path: PathElement[]) => {
    const s = resolve(s0, r !== undefined ? r : l);
    const sameShape =
      l === undefined ||
      r === undefined ||
      (Array.isArray(l) && Array.isArray(r)) ||
      (isPlainObject(l) && isPlainObject(r)) ||
      (!isPlainObject(l) && !Array.isArray(l) && !isPlainObject(r) && !Array.isArray(r));
    if (s.kind === 'scalar' || isAtomic(s) || !sameShape) return leaf(l, r, path);
    if (s.kind === 'list') {
      const la = Array.isArray(l) ? l : [];
      const ra = Array.isArray(r) ? r : [];
      if (la.length === 0 && ra.length === 0) return leaf(l, r, path);
      const lItems = new Map<PathElement, unknown>();
      const rItems = new Map<PathElement, unknown>();
      for (const [i, item] of la.entries()) lItems.set(itemPE(s, item, i), item);
      for (const [i, item] of ra.entries()) rItems.set(itemPE(s, item, i), item);
      for (const pe of new Set([...lItems.keys(), ...rItems.keys()])) {
        walk(lItems.get(pe), rItems.get(pe), s.element, [...path, pe]);
      }
    } else {
      const lm = isPlainObject(l) ? l : {};
      const rm = isPlainObject(r) ? r : {};
      if (Object.keys(lm).length === 0 && Object.keys(rm).length === 0) return leaf(l, r, path);
      for (const key of new Set([...Object.keys(lm), ...Object.keys(rm)])) {
        walk(lm[key], rm[key], childSchema(s, key).schema, [...path, fieldPE(key)]);
      }
    }
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  };
  walk(lhs, rhs, schema, []);
  return c;
}

/** typed/merge.go: the applied configuration merged over the live object (the configuration wins). */
export function mergeObjects(lhs: unknown, rhs: unknown, schema: Schema = leaseSchema): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  const s = resolve(schema, rhs);
  if (s.kind === 'scalar' || isAtomic(s)) return rhs;
  if (s.kind === 'list') {
    if (!Array.isArray(lhs) || !Array.isArray(rhs)) return rhs;
    return mergeLists(lhs, rhs, s);
  }
  if (!isPlainObject(lhs) || !isPlainObject(rhs)) return rhs;
  const out: Record<string, unknown> = { ...lhs };
  for (const [key, value] of Object.entries(rhs)) {
    out[key] = mergeObjects(lhs[key], value, childSchema(s, key).schema);
  }
  return out;
}

/** typed/merge.go visitListItems: live order, with the configuration's items placed in its order. */
function mergeLists(lhs: unknown[], rhs: unknown[], s: Extract<Schema, { kind: 'list' }>): unknown[] {
  const lPEs = lhs.map((item, i) => itemPE(s, item, i));
  const rPEs = rhs.map((item, i) => itemPE(s, item, i));
  const lBy = new Map(lPEs.map((pe, i) => [pe, lhs[i]]));
  const rBy = new Map(rPEs.map((pe, i) => [pe, rhs[i]]));
  const shared = rPEs.filter((pe) => lBy.has(pe));
  let nextShared = shared.shift();
  const merged = new Set<PathElement>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < lPEs.length || ri < rPEs.length) {
    if (li < lPEs.length && ri < rPEs.length) {
      const pe = lPEs[li] as PathElement;
      if (pe === rPEs[ri]) {
        merged.add(pe);
        out.push(mergeObjects(lBy.get(pe), rBy.get(pe), s.element));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (rBy.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < lPEs.length) {
      const pe = lPEs[li] as PathElement;
      if (!rBy.has(pe)) {
        out.push(lBy.get(pe));
        li++;
        continue;
      }
      if (merged.has(pe)) li++;
    }
    if (ri < rPEs.length) {
      const pe = rPEs[ri] as PathElement;
      merged.add(pe);
      out.push(mergeObjects(lBy.get(pe), rBy.get(pe), s.element));
      ri++;
      if (nextShared === pe) nextShared = shared.shift();
    }
  }
  return out;
}

/** Removes the fields, map entries and list items at the given paths (typed/remove.go RemoveItems). */
export function removePaths(value: unknown, paths: FieldSet, schema: Schema = leaseSchema): unknown {
  if (paths.isEmpty()) return value;
  const walk = (v: unknown, s0: Schema, path: PathElement[]): unknown => {
    const s = resolve(s0, v);
    if (s.kind === 'list' && Array.isArray(v)) {
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const p = [...path, itemPE(s, item, i)];
        if (!paths.has(p)) out.push(walk(item, s.element, p));
      });
      return out;
    }
    if ((s.kind === 'struct' || s.kind === 'map') && isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(v)) {
        const p = [...path, fieldPE(key)];
        if (!paths.has(p)) out[key] = walk(child, childSchema(s, key).schema, p);
      }
      return out;
    }
    return v;
  };
  return walk(value, schema, []);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Managed fields: decode, the manager chain, encode
// ---------------------------------------------------------------------------------------------------------

export type Operation = 'Update' | 'Apply';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

/** Managers by identifier (buildmanagerinfo.go / managedfields.go BuildManagerIdentifier), with their times. */
interface Managed {
  fields: Map<string, VersionedSet>;
  times: Map<string, string | undefined>;
}

/** managedfields.go BuildManagerIdentifier: the entry less time and fields; apply entries less apiVersion. */
function managerId(manager: string, operation: Operation, apiVersion: string): string {
  return JSON.stringify(operation === 'Apply' ? { manager, operation } : { manager, operation, apiVersion });
}

function parseId(id: string): { manager: string; operation: Operation } {
  return JSON.parse(id) as { manager: string; operation: Operation };
}

/** managedfields.go DecodeManagedFields; throws on entries the apiserver could not decode. */
function decodeManaged(entries: unknown): Managed {
  const managed: Managed = { fields: new Map(), times: new Map() };
  if (!Array.isArray(entries)) return managed;
  for (const raw of entries) {
    if (!isPlainObject(raw)) throw new Error('managedFields entry is not an object');
    const operation = raw.operation;
    if (operation !== 'Apply' && operation !== 'Update')
      throw new Error(`bad operation ${String(operation)}`);
    if (raw.fieldsType !== undefined && raw.fieldsType !== 'FieldsV1') throw new Error('bad fieldsType');
    const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : '';
    const id = managerId(String(raw.manager ?? ''), operation, apiVersion);
    managed.fields.set(id, {
      set: FieldSet.fromFieldsV1(raw.fieldsV1 ?? {}),
      apiVersion,
      applied: operation === 'Apply',
    });
    managed.times.set(id, typeof raw.time === 'string' ? raw.time : undefined);
  }
  return managed;
}

/** managedfields.go encodeManagedFields + sortEncodedManagedFields: by operation, time, manager, version. */
function encodeManaged(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.fields.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of managed.fields) {
    const { manager } = parseId(id);
    const time = managed.times.get(id);
    entries.push({
      manager,
      operation: vs.applied ? 'Apply' : 'Update',
      apiVersion: vs.apiVersion,
      ...(time ? { time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: vs.set.toFieldsV1(),
    });
  }
  const seconds = (t: string | undefined) => (t ? Date.parse(t) / 1000 : 0);
  return entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    if (seconds(p.time) !== seconds(q.time)) return seconds(p.time) - seconds(q.time);
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    return p.apiVersion < q.apiVersion ? -1 : p.apiVersion > q.apiVersion ? 1 : 0;
  });
}

/** stripmeta.go: fields never tracked. */
const stripped = FieldSet.of(
  [
    ['apiVersion'],
    ['kind'],
    ['metadata'],
    ['metadata', 'name'],
    ['metadata', 'namespace'],
    ['metadata', 'creationTimestamp'],
    ['metadata', 'selfLink'],
    ['metadata', 'uid'],
    ['metadata', 'clusterName'],
    ['metadata', 'generation'],
    ['metadata', 'managedFields'],
    ['metadata', 'resourceVersion'],
  ].map((p) => p.map(fieldPE)),
);

function stripMeta(managed: Managed, id: string): void {
  const vs = managed.fields.get(id);
  if (!vs) return;
  const set = vs.set.difference(stripped);
  if (set.isEmpty()) managed.fields.delete(id);
  else managed.fields.set(id, { ...vs, set });
}

/** The object as the typed converter sees it: without managedFields (they are not part of the diff). */
function typedView(obj: KubeObject | undefined, schema: Schema = leaseSchema): Record<string, unknown> {
  // An empty Go object converts with its non-pointer structs present: metadata, spec (and status).
  if (!obj) {
    return schema === leaseSchema
      ? { metadata: { creationTimestamp: null }, spec: {} }
      : { metadata: { creationTimestamp: null }, spec: {}, status: {} };
  }
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * merge/update.go Updater.update: takes the fields that changed from every other manager (their conflicts
 * when not forced) and drops removed fields from everyone.
 */
function updateOthers(
  live: unknown,
  next: unknown,
  managed: Managed,
  workflow: string,
  force: boolean,
  schema: Schema = leaseSchema,
): { comparison: Comparison; conflicts: Map<string, FieldSet> } {
  const comparison = compareObjects(live, next, schema);
  const changed = comparison.modified.union(comparison.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, vs] of managed.fields) {
    if (id === workflow) continue;
    const conflict = vs.set.intersection(changed);
    if (!conflict.isEmpty()) conflicts.set(id, conflict);
  }
  if (!force && conflicts.size > 0) return { comparison, conflicts };
  for (const [id, vs] of managed.fields) {
    if (id === workflow) continue;
    let set = vs.set;
    const conflict = conflicts.get(id);
    if (conflict) set = set.difference(conflict);
    set = set.difference(comparison.removed);
    if (set.isEmpty()) managed.fields.delete(id);
    else managed.fields.set(id, { ...vs, set });
  }
  return { comparison, conflicts: new Map() };
}

/**
 * managedfieldsupdater.go + merge/update.go Updater.Update: the change goes to the manager (merged with its
 * earlier entry for the same operation and version), with a new time only when it changed something.
 */
function trackUpdate(
  live: KubeObject | undefined,
  next: KubeObject,
  managed: Managed,
  id: string,
  apiVersion: string,
  time: string,
  schema: Schema = leaseSchema,
): void {
  const self = '"current-operation"';
  const { comparison } = updateOthers(
    typedView(live, schema),
    typedView(next, schema),
    managed,
    self,
    true,
    schema,
  );
  managed.fields.set(self, {
    set: comparison.modified.union(comparison.added),
    apiVersion,
    applied: false,
  });
  stripMeta(managed, self);
  const vs = managed.fields.get(self);
  if (!vs) return;
  managed.fields.delete(self);
  const previous = managed.fields.get(id);
  managed.fields.set(id, { set: previous ? vs.set.union(previous.set) : vs.set, apiVersion, applied: false });
  managed.times.set(id, time);
}

/** capmanagers.go: more than ten update entries fold the oldest into `ancient-changes` per version. */
function capUpdateManagers(managed: Managed, max = 10): void {
  const updaters = [...managed.fields.entries()].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  const seconds = (id: string) => {
    const t = managed.times.get(id);
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (const id of updaters) {
    if (length <= max) break;
    const vs = managed.fields.get(id) as VersionedSet;
    const bucket = managerId('ancient-changes', 'Update', vs.apiVersion);
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!managed.fields.has(bucket)) {
      managed.fields.set(bucket, managed.fields.get(first) as VersionedSet);
      managed.fields.delete(first);
    }
    const b = managed.fields.get(bucket) as VersionedSet;
    managed.fields.set(bucket, { ...b, set: vs.set.union(b.set) });
    managed.fields.delete(id);
    managed.times.set(bucket, managed.times.get(id));
    length--;
  }
}

function isResetRequest(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && isPlainObject(entries[0]) && Object.keys(entries[0]).length === 0;
}

function withManaged(obj: KubeObject, managed: Managed): KubeObject {
  const { managedFields: _old, ...metadata } = obj.metadata;
  const encoded = encodeManaged(managed);
  return { ...obj, metadata: encoded ? { ...metadata, managedFields: encoded } : metadata };
}

export interface RecordOptions {
  /** The manager name (see managerOrUserAgent). */
  manager: string;
  apiVersion: string;
  /** The cluster's clock, in ms. */
  now: number;
  /** The kind's schema (leaseSchema unless given). */
  schema?: Schema;
}

/**
 * fieldmanager.go FieldManager.Update (create, update and the non-apply patches): returns `next` with the
 * managedFields the apiserver would store. `live` is undefined for a create.
 */
export function recordUpdate(
  live: KubeObject | undefined,
  next: KubeObject,
  opts: RecordOptions,
): KubeObject {
  // fieldmanager.go decodeLiveOrNew: a request may set managedFields itself, or reset them with `[]`.
  let managed: Managed;
  const requested = next.metadata.managedFields;
  try {
    if (isResetRequest(requested)) managed = { fields: new Map(), times: new Map() };
    else {
      const fromRequest = requested === undefined ? undefined : decodeManaged(requested);
      managed =
        fromRequest && fromRequest.fields.size > 0
          ? fromRequest
          : decodeManaged(live?.metadata.managedFields);
    }
  } catch {
    managed = safeDecode(live?.metadata.managedFields);
  }
  // skipnonapplied.go (with the default probability 1 on create): an existing object that carries no
  // managedFields is not tracked until its first apply.
  if (managed.fields.size === 0 && live !== undefined) return withManaged(next, managed);
  const id = managerId(opts.manager || 'unknown', 'Update', opts.apiVersion);
  trackUpdate(live, next, managed, id, opts.apiVersion, rfc3339(opts.now), opts.schema);
  capUpdateManagers(managed);
  return withManaged(next, managed);
}

function safeDecode(entries: unknown): Managed {
  try {
    return decodeManaged(entries);
  } catch {
    return { fields: new Map(), times: new Map() };
  }
}

/** conflict.go printManager: `"name"`, or `"name" using v1 at <time>` for an update manager. */
function printManager(id: string, managed: Managed): string {
  const { manager, operation } = parseId(id);
  const base = JSON.stringify(manager);
  if (operation !== 'Update') return base;
  const vs = managed.fields.get(id);
  const time = managed.times.get(id);
  return time ? `${base} using ${vs?.apiVersion} at ${time}` : `${base} using ${vs?.apiVersion}`;
}

/** conflict.go NewConflictError: 409 with one cause per conflicting field. */
function applyConflict(conflicts: Map<string, FieldSet>, managed: Managed): StatusError {
  const list: { id: string; path: Path }[] = [];
  for (const id of [...conflicts.keys()].sort()) {
    for (const path of (conflicts.get(id) as FieldSet).list()) list.push({ id, path });
  }
  const causes = list.map(({ id, path }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(id, managed)}`,
    field: pathString(path),
  }));
  let message: string;
  if (list.length === 1) {
    const only = list[0] as { id: string; path: Path };
    message = `Apply failed with 1 conflict: conflict with ${printManager(only.id, managed)}: ${pathString(only.path)}`;
  } else {
    const lines: string[] = [];
    for (const id of [...conflicts.keys()].sort()) {
      lines.push(`conflicts with ${printManager(id, managed)}:`);
      for (const path of (conflicts.get(id) as FieldSet).list()) lines.push(`- ${pathString(path)}`);
    }
    message = `Apply failed with ${list.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

export interface ApplyOptions extends RecordOptions {
  force: boolean;
  kind: string;
}

export interface ApplyResult {
  object: KubeObject;
  /** False when the apply changed nothing in the object itself (its managedFields may still change). */
  changed: boolean;
}

/**
 * fieldmanager.go FieldManager.Apply with its chain (versioncheck, lastappliedupdater, skipnonapplied,
 * structuredmerge, merge/update.go Updater.Apply): merges `config` into `live` (an empty object on create),
 * removes fields this manager applied before and no longer applies (unless someone else owns them), and
 * fails with a 409 when the configuration changes fields another manager owns, unless forced.
 */
export function recordApply(
  live: KubeObject | undefined,
  config: Record<string, unknown>,
  opts: ApplyOptions,
): ApplyResult {
  // versioncheck.go: the applied object must be of the endpoint's kind and version.
  const [group, version] = String(config.apiVersion ?? '').includes('/')
    ? String(config.apiVersion).split('/', 2)
    : ['', String(config.apiVersion ?? '')];
  if (config.apiVersion !== opts.apiVersion || config.kind !== opts.kind) {
    throw new StatusError(
      400,
      'BadRequest',
      `invalid object type: ${group}/${version}, Kind=${String(config.kind ?? '')}`,
    );
  }
  const meta = isPlainObject(config.metadata) ? config.metadata : {};
  // structuredmerge.go: an applied configuration may not carry managedFields.
  if (meta.managedFields !== undefined && meta.managedFields !== null) {
    throw new StatusError(400, 'BadRequest', 'metadata.managedFields must be nil');
  }
  const managed = safeDecode(live?.metadata.managedFields);
  const time = rfc3339(opts.now);
  let liveView = typedView(live);
  // skipnonapplied.go: an object nobody tracked yet gets its current fields owned by `before-first-apply`.
  if (managed.fields.size === 0 && live !== undefined) {
    const id = managerId('before-first-apply', 'Update', opts.apiVersion);
    trackUpdate(undefined, live, managed, id, opts.apiVersion, time);
    liveView = typedView(live);
  }
  const id = managerId(opts.manager, 'Apply', opts.apiVersion);
  const lastSet = managed.fields.get(id)?.set;
  let merged = mergeObjects(liveView, config) as Record<string, unknown>;
  managed.fields.set(id, { set: toFieldSet(config), apiVersion: opts.apiVersion, applied: true });
  // merge/update.go prune: what this manager applied last time, applies no longer, and nobody else owns.
  if (lastSet && !lastSet.isEmpty()) {
    let owned = new FieldSet();
    for (const vs of managed.fields.values()) owned = owned.union(vs.set);
    merged = removePaths(merged, prunable(lastSet.difference(owned), merged)) as Record<string, unknown>;
  }
  const { conflicts } = updateOthers(liveView, merged, managed, id, opts.force);
  if (conflicts.size > 0) throw applyConflict(conflicts, managed);
  stripMeta(managed, id);
  for (const [other, vs] of [...managed.fields]) if (vs.set.isEmpty()) managed.fields.delete(other);
  const changed = !deepEqual(liveView, merged);
  // managedfieldsupdater.go: the apply's time only moves when the object changed.
  if (changed) managed.times.set(id, time);
  let object = { ...(merged as KubeObject) };
  // lastappliedupdater.go: kubectl's server-side apply keeps a client-side apply annotation in step.
  const annotations = object.metadata?.annotations;
  if (opts.manager === 'kubectl' && annotations?.[lastApplied]) {
    const { [lastApplied]: _drop, ...configAnnotations } = (meta.annotations ?? {}) as Record<string, string>;
    const lastConfig = {
      ...config,
      metadata: {
        ...meta,
        ...(Object.keys(configAnnotations).length ? { annotations: configAnnotations } : {}),
      },
    };
    if (!Object.keys(configAnnotations).length)
      delete (lastConfig.metadata as Record<string, unknown>).annotations;
    object = {
      ...object,
      metadata: {
        ...object.metadata,
        annotations: { ...annotations, [lastApplied]: sortedJson(lastConfig) },
      },
    };
  }
  return { object: withManaged(object, managed), changed };
}

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** The JSON encoding of an unstructured object (Go sorts map keys), plus the trailing newline it writes. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isPlainObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return `${JSON.stringify(sort(value))}\n`;
}

/** Only leaves and items that exist in the merged object, and never a struct that still has owned children. */
function prunable(candidates: FieldSet, merged: unknown): FieldSet {
  return FieldSet.of(candidates.list().filter((p) => existsAt(merged, p)));
}

function existsAt(value: unknown, path: Path): boolean {
  let v: unknown = value;
  for (const pe of path) {
    if (pe.startsWith('f:')) {
      if (!isPlainObject(v) || !(pe.slice(2) in v)) return false;
      v = v[pe.slice(2)];
    } else {
      return Array.isArray(v);
    }
  }
  return true;
}

/**
 * fieldmanager/equality.go IgnoreManagedFieldsTimestampsTransformer: when an update changes nothing but
 * managedFields timestamps, the old timestamps are kept (so the write is a no-op).
 */
export function ignoreTimestampOnlyChanges(next: KubeObject, existing: KubeObject): KubeObject {
  const nf = next.metadata.managedFields;
  const ef = existing.metadata.managedFields;
  if (!Array.isArray(nf) || !Array.isArray(ef) || nf.length !== ef.length) return next;
  const withoutTimes = (list: unknown[]) =>
    list.map((e) => {
      const { time: _t, ...rest } = e as Record<string, unknown>;
      return rest;
    });
  if (!deepEqual(withoutTimes(nf), withoutTimes(ef))) return next;
  const { managedFields: _n, ...nm } = next.metadata;
  const { managedFields: _e, ...em } = existing.metadata;
  if (!deepEqual({ ...next, metadata: nm }, { ...existing, metadata: em })) return next;
  return { ...next, metadata: { ...next.metadata, managedFields: ef } };
}

/**
 * handlers/create.go managerOrUserAgent and prefixFromUserAgent: the fieldManager parameter, else the
 * User-Agent up to its first `/`, less unprintable characters, cut to 128 bytes.
 */
export function managerOrUserAgent(
  fieldManager: string | null | undefined,
  userAgent: string | undefined,
): string {
  if (fieldManager) return fieldManager;
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  for (const ch of prefix) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

import { randomUUID } from 'node:crypto';
import { type KubeObject, rfc3339 } from './kube-object.ts';
import { leases, namespaces, nodes, type ResourceDef } from './resources.ts';
import { alreadyExists, conflict, notFound, preconditionFailed } from './status.ts';

/**
 * One stored version of an object. Stored objects are never mutated: an update stores a new one, so a
 * list snapshot (an array of these) stays consistent while writes go on, as etcd's MVCC gives the
 * apiserver. The JSON encodings are computed once per version and reused by every list page.
 */
export class StoredObject {
  private jsonCache: string | undefined;
  private metadataJsonCache: string | undefined;

  constructor(
    readonly def: ResourceDef,
    readonly obj: KubeObject,
  ) {}

  get key(): string {
    return objectKey(this.obj.metadata.namespace, this.obj.metadata.name);
  }

  get json(): string {
    this.jsonCache ??= JSON.stringify(this.obj);
    return this.jsonCache;
  }

  /** The `PartialObjectMetadata` form, served for metadata-only lists and kubectl tables. */
  get metadataJson(): string {
    this.metadataJsonCache ??= JSON.stringify({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: this.obj.metadata,
    });
    return this.metadataJsonCache;
  }
}

/** A set precondition that does not match the stored value is a 409 Conflict, worded as the apiserver words it. */
function checkPrecondition(
  def: ResourceDef,
  name: string,
  field: 'UID' | 'ResourceVersion',
  expected: string | undefined,
  actual: string | undefined,
): void {
  if (expected && expected !== actual) {
    throw conflict(
      def,
      name,
      `Precondition failed: ${field} in precondition: ${expected}, ${field} in object meta: ${actual}`,
    );
  }
}

export const objectKey = (namespace: string | undefined, name: string) =>
  namespace ? `${namespace}/${name}` : name;

export interface Preconditions {
  uid?: string | undefined;
  resourceVersion?: string | undefined;
}

export interface ListFilter {
  namespace?: string | undefined;
  predicate?: ((obj: KubeObject) => boolean) | undefined;
}

/** `revision` is the store revision of the change: for a delete, the revision of the delete itself. */
type Listener = (event: 'ADDED' | 'MODIFIED' | 'DELETED', stored: StoredObject, revision: string) => void;

/** In-memory object storage with a cluster-wide resourceVersion counter, as etcd gives kube-apiserver. */
export class SimStore {
  private revision = 1000;
  private readonly buckets = new Map<ResourceDef, Map<string, StoredObject>>();
  /** Keys in etcd order (sorted), rebuilt lazily after creates and deletes; updates keep the order. */
  private readonly sortedKeys = new Map<ResourceDef, string[]>();
  private readonly listeners = new Set<Listener>();

  constructor(readonly clock: () => number = Date.now) {}

  get resourceVersion(): string {
    return String(this.revision);
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private bucket(def: ResourceDef): Map<string, StoredObject> {
    let b = this.buckets.get(def);
    if (!b) {
      b = new Map();
      this.buckets.set(def, b);
    }
    return b;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.bucket(def).get(objectKey(def.namespaced ? namespace : undefined, name));
  }

  count(def: ResourceDef): number {
    return this.bucket(def).size;
  }

  /** Objects in key order, filtered. The returned array is a consistent snapshot. */
  list(def: ResourceDef, filter: ListFilter = {}): StoredObject[] {
    const b = this.bucket(def);
    let keys = this.sortedKeys.get(def);
    if (!keys) {
      keys = [...b.keys()].sort();
      this.sortedKeys.set(def, keys);
    }
    const out: StoredObject[] = [];
    const prefix = filter.namespace ? `${filter.namespace}/` : undefined;
    for (const key of keys) {
      if (prefix && !key.startsWith(prefix)) continue;
      const stored = b.get(key);
      if (!stored) continue;
      if (filter.predicate && !filter.predicate(stored.obj)) continue;
      out.push(stored);
    }
    return out;
  }

  /**
   * Creates an object, filling uid, resourceVersion and creationTimestamp as the apiserver does.
   * Scenarios use this too: it does not validate the spec, so malformed leases can be seeded the way
   * old or buggy writers leave them in real clusters.
   */
  create(def: ResourceDef, input: KubeObject): StoredObject {
    this.checkCreate(def, input);
    const ns = def.namespaced ? input.metadata.namespace : undefined;
    const obj: KubeObject = {
      ...input,
      apiVersion: def.apiVersion,
      kind: def.kind,
      metadata: {
        ...input.metadata,
        // A cluster-scoped object never keeps a namespace, as the apiserver clears it.
        namespace: def.namespaced ? ns : undefined,
        uid: input.metadata.uid ?? randomUUID(),
        resourceVersion: this.nextRevision(),
        creationTimestamp: input.metadata.creationTimestamp ?? rfc3339(this.clock()),
      },
    };
    const stored = new StoredObject(def, obj);
    this.bucket(def).set(stored.key, stored);
    this.sortedKeys.delete(def);
    this.emit('ADDED', stored);
    return stored;
  }

  /** Checks what a create would check (namespace exists, name free), without creating. */
  checkCreate(def: ResourceDef, input: KubeObject): void {
    const ns = def.namespaced ? input.metadata.namespace : undefined;
    if (def.namespaced && (!ns || !this.get(namespaces, undefined, ns))) {
      throw notFound(namespaces, ns ?? '');
    }
    if (this.get(def, ns, input.metadata.name)) throw alreadyExists(def, input.metadata.name);
  }

  /**
   * Checks what an update would check, without updating. The order is the registry's: etcd3's
   * `GuaranteedUpdate` checks the uid precondition a PUT carries in `metadata.uid` against the stored object
   * first — an object that no longer exists has no uid, so a writer holding a deleted lease's uid gets 409,
   * not a silent re-create (k8s.io/apiserver `pkg/storage/etcd3/store.go`, `pkg/storage/interfaces.go`
   * `Preconditions.Check`, and `pkg/registry/rest/update.go` `DefaultUpdatedObjectInfo.Preconditions`) —,
   * then the registry's optimistic lock compares resourceVersions (`pkg/registry/generic/registry/store.go`).
   * Returns undefined when the object does not exist and no uid was given (the caller may create it).
   */
  checkUpdate(def: ResourceDef, input: KubeObject): StoredObject | undefined {
    const name = input.metadata.name;
    const current = this.get(def, input.metadata.namespace, name);
    checkPrecondition(def, name, 'UID', input.metadata.uid, current?.obj.metadata.uid ?? '');
    if (!current) return undefined;
    const expected = input.metadata.resourceVersion;
    if (expected && expected !== current.obj.metadata.resourceVersion) {
      throw conflict(
        def,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return current;
  }

  /**
   * Replaces an object. A non-empty metadata.resourceVersion must match the stored one (optimistic
   * concurrency); the API layer insists on one for leases, in-process writers (scenarios) may omit it.
   */
  update(def: ResourceDef, input: KubeObject): StoredObject {
    const ns = def.namespaced ? input.metadata.namespace : undefined;
    const current = this.checkUpdate(def, input);
    if (!current) throw notFound(def, input.metadata.name);
    const obj: KubeObject = {
      ...input,
      apiVersion: def.apiVersion,
      kind: def.kind,
      metadata: {
        ...input.metadata,
        // A cluster-scoped object never keeps a namespace, as the apiserver clears it.
        namespace: def.namespaced ? ns : undefined,
        uid: current.obj.metadata.uid,
        creationTimestamp: current.obj.metadata.creationTimestamp,
        resourceVersion: current.obj.metadata.resourceVersion,
      },
    };
    // A write that changes nothing is not written: etcd3's GuaranteedUpdate returns the stored object when
    // the new encoding equals the old one, so the resourceVersion stays and no watch event is sent.
    if (sameJson(obj, current.obj)) return current;
    obj.metadata.resourceVersion = this.nextRevision();
    const stored = new StoredObject(def, obj);
    this.bucket(def).set(stored.key, stored);
    this.emit('MODIFIED', stored);
    return stored;
  }

  /** Checks what a delete would check, without deleting (used for dryRun=All and by delete itself). */
  checkDelete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    pre: Preconditions = {},
  ): StoredObject {
    const current = this.get(def, namespace, name);
    if (!current) throw notFound(def, name);
    // `rest.BeforeDelete` checks both preconditions against the stored object before the conditional delete,
    // with its own wording (k8s.io/apiserver `pkg/registry/rest/delete.go`).
    const meta = current.obj.metadata;
    if (pre.uid && pre.uid !== meta.uid) throw preconditionFailed(def, name, 'UID', pre.uid, meta.uid);
    if (pre.resourceVersion && pre.resourceVersion !== meta.resourceVersion)
      throw preconditionFailed(def, name, 'ResourceVersion', pre.resourceVersion, meta.resourceVersion);
    return current;
  }

  /**
   * Deletes an object if the preconditions hold, atomically (nothing else runs between check and delete:
   * the store is single-threaded, like etcd's conditional delete at one revision).
   * Deleting a Node also deletes the leases it owns, as the garbage collector does.
   */
  delete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    pre: Preconditions = {},
  ): StoredObject {
    const current = this.checkDelete(def, namespace, name, pre);
    this.bucket(def).delete(current.key);
    this.sortedKeys.delete(def);
    this.emit('DELETED', current, this.nextRevision());
    if (def === nodes) this.collectDependents(current.obj.metadata.uid);
    return current;
  }

  private collectDependents(ownerUid: string | undefined): void {
    if (!ownerUid) return;
    for (const lease of this.list(leases)) {
      if (lease.obj.metadata.ownerReferences?.some((o) => o.uid === ownerUid)) {
        this.delete(leases, lease.obj.metadata.namespace, lease.obj.metadata.name);
      }
    }
  }

  private nextRevision(): string {
    this.revision += 1;
    return String(this.revision);
  }

  private emit(
    event: 'ADDED' | 'MODIFIED' | 'DELETED',
    stored: StoredObject,
    revision = stored.obj.metadata.resourceVersion ?? this.resourceVersion,
  ): void {
    for (const l of this.listeners) l(event, stored, revision);
  }
}

/**
 * Whether two objects have the same JSON encoding up to key order (keys whose value is undefined count as
 * absent, as JSON.stringify drops them). Exits at the first difference: renewers call this on every write.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let na = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    na++;
    if (!sameJson(ra[k], rb[k])) return false;
  }
  let nb = 0;
  for (const k in rb) if (rb[k] !== undefined) nb++;
  return na === nb;
}

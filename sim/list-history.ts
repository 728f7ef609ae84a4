import type { KubeObject } from './kube-object.ts';
import { allResources, type ResourceDef } from './resources.ts';
import type { SimStore, StoredObject } from './store.ts';

/**
 * The store's recent history, so a list can be served at an older resourceVersion the way etcd serves a
 * read at an older revision (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go GetList with
 * `Revision: withRev`). Revisions older than the compaction point are gone, as after etcd compaction
 * (kube-apiserver compacts every --etcd-compaction-interval, 5 minutes by default): reading them answers
 * 410 (etcd3/errors.go interpretListError).
 */
interface Change {
  revision: number;
  at: number;
  def: ResourceDef;
  key: string;
  /** The object before this change (undefined for a create). */
  before: StoredObject | undefined;
}

export class RevisionHistory {
  private readonly current = new Map<ResourceDef, Map<string, StoredObject>>();
  private changes: Change[] = [];
  /** Revisions below this one are compacted away. */
  private compacted: number;

  constructor(
    private readonly store: SimStore,
    /** How long a superseded revision stays readable. */
    private readonly retentionMs: () => number,
  ) {
    for (const def of allResources) {
      this.current.set(def, new Map(store.list(def).map((s) => [s.key, s])));
    }
    this.compacted = Number(store.resourceVersion);
    store.onChange((event, stored) => this.record(event, stored));
  }

  private bucket(def: ResourceDef): Map<string, StoredObject> {
    let b = this.current.get(def);
    if (!b) {
      b = new Map();
      this.current.set(def, b);
    }
    return b;
  }

  private record(event: 'ADDED' | 'MODIFIED' | 'DELETED', stored: StoredObject): void {
    const b = this.bucket(stored.def);
    this.changes.push({
      revision: Number(this.store.resourceVersion),
      at: this.store.clock(),
      def: stored.def,
      key: stored.key,
      before: b.get(stored.key),
    });
    if (event === 'DELETED') b.delete(stored.key);
    else b.set(stored.key, stored);
    this.prune();
  }

  /** The oldest revision still readable. */
  get compactedRevision(): number {
    this.prune();
    return this.compacted;
  }

  /** Compacts everything up to the current revision (as an etcd compaction run now would). */
  compact(): void {
    this.compacted = Number(this.store.resourceVersion);
    this.changes = [];
  }

  /**
   * Advances the compaction point: a revision superseded more than the retention ago is compacted, so the
   * oldest readable revision is the one that was current `retention` ago.
   */
  private prune(): void {
    const horizon = this.store.clock() - this.retentionMs();
    let drop = 0;
    for (const c of this.changes) {
      if (c.at > horizon) break;
      this.compacted = Math.max(this.compacted, c.revision);
      drop++;
    }
    if (drop > 0) this.changes = this.changes.slice(drop);
  }

  /**
   * The objects of `def` at `revision`, in key order, filtered; throws nothing: callers check the
   * revision against compactedRevision and the current revision first.
   */
  listAt(
    def: ResourceDef,
    revision: number,
    namespace: string | undefined,
    predicate: ((obj: KubeObject) => boolean) | undefined,
  ): StoredObject[] {
    const state = new Map(this.bucket(def));
    for (let i = this.changes.length - 1; i >= 0; i--) {
      const c = this.changes[i];
      if (!c || c.revision <= revision) break;
      if (c.def !== def) continue;
      if (c.before) state.set(c.key, c.before);
      else state.delete(c.key);
    }
    const prefix = namespace ? `${namespace}/` : undefined;
    return [...state.entries()]
      .filter(([key, s]) => (!prefix || key.startsWith(prefix)) && (!predicate || predicate(s.obj)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => s);
  }
}

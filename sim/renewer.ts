import { microTime } from './kube-object.ts';
import { nodeLease } from './objects.ts';
import { leases, nodes } from './resources.ts';
import type { RenewTarget } from './scenario.ts';
import type { SimStore } from './store.ts';

/**
 * Plays the kubelets, apiservers and leader-elected controllers of a simulated cluster: each target lease
 * has its renewTime advanced every `periodMs` (kubelet: 10 s; client-go leaders: 2 s), through the store
 * like a write from the API would be, so resourceVersions move and stale preconditions really go stale.
 */
export class Renewer {
  private timer: NodeJS.Timeout | undefined;
  private readonly last = new Map<string, number>();
  /** Renewals and re-creations done so far. */
  renewals = 0;

  constructor(
    private readonly store: SimStore,
    private readonly targets: RenewTarget[],
    private readonly tickMs = 250,
  ) {
    const now = store.clock();
    for (const t of targets) this.last.set(`${t.namespace}/${t.name}`, now);
  }

  start(): this {
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Renews every target that is due; returns how many it renewed. */
  tick(now = this.store.clock()): number {
    let done = 0;
    for (const t of this.targets) {
      const k = `${t.namespace}/${t.name}`;
      if (now - (this.last.get(k) ?? 0) < t.periodMs) continue;
      if (this.renew(t, now)) done++;
      this.last.set(k, now);
    }
    this.renewals += done;
    return done;
  }

  /** Renews one lease now, re-creating it the way its writer would if it was deleted. */
  renew(t: RenewTarget, now = this.store.clock()): boolean {
    const current = this.store.get(leases, t.namespace, t.name);
    if (!current) {
      if (t.kind !== 'node') return false; // identity and leader leases are re-created only by tests that want it
      const node = this.store.get(nodes, undefined, t.name);
      if (!node?.obj.metadata.uid) return false; // the Node is gone: so is its kubelet
      this.store.create(leases, nodeLease(t.name, { uid: node.obj.metadata.uid }, now, now));
      return true;
    }
    const spec = (current.obj.spec ?? {}) as Record<string, unknown>;
    this.store.update(leases, {
      ...current.obj,
      metadata: { ...current.obj.metadata },
      spec: { ...spec, renewTime: microTime(now) },
    });
    return true;
  }
}

import type { KubeObject } from './kube-object.ts';
import { microTime } from './kube-object.ts';
import { nodeLease } from './objects.ts';
import { leases, nodes, type ResourceDef } from './resources.ts';
import type { RenewTarget } from './scenario.ts';
import { StatusError } from './status.ts';
import type { SimStore } from './store.ts';

/**
 * Plays the kubelets, apiservers and leader-elected controllers of a simulated cluster: each target lease
 * has its renewTime advanced every `periodMs` (kubelet: 10 s; client-go leaders: 2 s), through the store
 * like a write from the API would be, so resourceVersions move and stale preconditions really go stale.
 *
 * Node leases are renewed the way the kubelet's lease controller does it
 * (k8s.io/component-helpers `apimachinery/lease/controller.go`): it keeps the lease it last wrote and sends
 * its update from that copy — uid and resourceVersion included. When the lease was deleted or replaced
 * meanwhile, the update fails with 409; the controller drops its copy, GETs the lease again and, when it is
 * gone, creates a new one owned by its Node.
 *
 * A flapping leader (a target with `flap`) changes hands every `flap.everyMs`, as client-go's tryAcquireOrRenew
 * (staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go) writes a takeover: the next replica's
 * holderIdentity, leaseTransitions + 1, acquireTime = renewTime = now. LeaseCandidates are renewed as
 * client-go's leasecandidate.go `ensureLease` does: renewTime = now, nothing else.
 */
export class Renewer {
  private timer: NodeJS.Timeout | undefined;
  private readonly last = new Map<string, number>();
  /** The lease each kubelet last wrote (its `latestLease`). */
  private readonly latest = new Map<string, KubeObject>();
  /** Renewals and re-creations done so far. */
  renewals = 0;
  /** Updates refused with 409 because the lease changed or was deleted under the writer. */
  conflicts = 0;
  /** Takeovers written for flapping leaders. */
  flaps = 0;
  private readonly lastFlap = new Map<string, number>();

  constructor(
    private readonly store: SimStore,
    private readonly targets: RenewTarget[],
    private readonly tickMs = 250,
    /** The LeaseCandidate resource the cluster serves, for `candidate` targets. */
    private readonly candidates?: ResourceDef,
  ) {
    const now = store.clock();
    for (const t of targets) {
      this.last.set(`${t.namespace}/${t.name}`, now);
      if (t.flap) this.lastFlap.set(`${t.namespace}/${t.name}`, now);
    }
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
    if (t.kind === 'node') return this.renewNodeLease(t, now);
    if (t.kind === 'candidate') return this.renewCandidate(t, now);
    const k = `${t.namespace}/${t.name}`;
    if (t.flap && now - (this.lastFlap.get(k) ?? 0) >= t.flap.everyMs) {
      this.lastFlap.set(k, now);
      return this.flap(t, now);
    }
    return this.renewCurrent(t, now);
  }

  /** Hands a flapping lease to the next of its holders now (a takeover as client-go writes it). */
  flap(t: RenewTarget, now = this.store.clock()): boolean {
    const current = this.store.get(leases, t.namespace, t.name);
    const holders = t.flap?.holders ?? [];
    if (!current || holders.length === 0) return false;
    const spec = (current.obj.spec ?? {}) as Record<string, unknown>;
    const at = holders.indexOf(String(spec.holderIdentity ?? ''));
    const next = holders[(at + 1) % holders.length] as string;
    const transitions = typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0;
    this.store.update(leases, {
      ...current.obj,
      metadata: { ...current.obj.metadata },
      spec: {
        ...spec,
        holderIdentity: next,
        leaseTransitions: transitions + 1,
        acquireTime: microTime(now),
        renewTime: microTime(now),
      },
    });
    this.flaps++;
    return true;
  }

  private renewCandidate(t: RenewTarget, now: number): boolean {
    if (!this.candidates) return false;
    const current = this.store.get(this.candidates, t.namespace, t.name);
    if (!current) return false;
    this.store.update(this.candidates, withRenewTime(current.obj, now));
    return true;
  }

  private renewNodeLease(t: RenewTarget, now: number): boolean {
    const key = `${t.namespace}/${t.name}`;
    const cached = this.latest.get(key);
    if (cached) {
      try {
        this.latest.set(key, this.store.update(leases, withRenewTime(cached, now)).obj);
        return true;
      } catch (err) {
        if (!(err instanceof StatusError) || (err.code !== 409 && err.code !== 404)) throw err;
        // The lease changed or vanished under us: forget our copy and start over from a GET.
        this.conflicts++;
        this.latest.delete(key);
      }
    }
    const current = this.store.get(leases, t.namespace, t.name);
    if (current) {
      this.latest.set(key, this.store.update(leases, withRenewTime(current.obj, now)).obj);
      return true;
    }
    const node = this.store.get(nodes, undefined, t.name);
    if (!node?.obj.metadata.uid) return false; // the Node is gone: so is its kubelet
    this.latest.set(
      key,
      this.store.create(leases, nodeLease(t.name, { uid: node.obj.metadata.uid }, now, now)).obj,
    );
    return true;
  }

  /** Identity and leader leases: renewed from the current object; re-created only by tests that want it. */
  private renewCurrent(t: RenewTarget, now: number): boolean {
    const current = this.store.get(leases, t.namespace, t.name);
    if (!current) return false;
    this.store.update(leases, withRenewTime(current.obj, now));
    return true;
  }
}

function withRenewTime(lease: KubeObject, now: number): KubeObject {
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  return { ...lease, metadata: { ...lease.metadata }, spec: { ...spec, renewTime: microTime(now) } };
}

import { ApiException, type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';

/**
 * Lease writers as Kubernetes' own components write, over the real client: a client-go leader elector and
 * a kubelet's node-lease controller. They are independent of lease-reaper's code; the conformance tests
 * drive the simulated cluster with them the way real clusters are driven.
 */

const isStatus = (err: unknown, code: number) => err instanceof ApiException && err.code === code;

/**
 * client-go's leader election (k8s.io/client-go `tools/leaderelection/leaderelection.go` tryAcquireOrRenew,
 * `resourcelock/leaselock.go`): get the lease; create it if absent; if another holder's record is still
 * valid by *our* observation time, back off; else write ourselves in — keeping acquireTime and transitions
 * when renewing, bumping transitions on takeover — with an update from the lease we got (its
 * resourceVersion makes a racing writer lose with 409). Release writes an empty holder and a 1 s duration.
 */
export class LeaderElector {
  private observed: { spec: string; at: number } | undefined;
  private lease: V1Lease | undefined;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly namespace: string,
    private readonly name: string,
    readonly identity: string,
    private readonly leaseDurationSeconds = 15,
  ) {}

  /** One tryAcquireOrRenew at `now` (ms); true when this elector holds the lease afterwards. */
  async tryAcquireOrRenew(now: number): Promise<boolean> {
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      try {
        this.lease = await this.api.createNamespacedLease({
          namespace: this.namespace,
          body: {
            metadata: { name: this.name, namespace: this.namespace },
            spec: this.record(now, now, 0),
          },
        });
        this.observed = { spec: JSON.stringify(this.lease.spec), at: now };
        return true;
      } catch (createErr) {
        if (isStatus(createErr, 409)) return false;
        throw createErr;
      }
    }
    const spec = current.spec ?? {};
    const raw = JSON.stringify(spec);
    if (this.observed?.spec !== raw) this.observed = { spec: raw, at: now };
    const holder = spec.holderIdentity ?? '';
    const isLeader = holder === this.identity;
    const duration = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== '' && !isLeader && (this.observed?.at ?? now) + duration > now) return false;
    const transitions = spec.leaseTransitions ?? 0;
    const acquired = isLeader && spec.acquireTime ? Date.parse(String(spec.acquireTime)) : now;
    const body: V1Lease = {
      ...current,
      spec: this.record(now, acquired, isLeader ? transitions : transitions + 1),
    };
    try {
      this.lease = await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body,
      });
    } catch (err) {
      if (isStatus(err, 409)) return false;
      throw err;
    }
    this.observed = { spec: JSON.stringify(this.lease.spec), at: now };
    return true;
  }

  /** ReleaseOnCancel: give the lease up with an empty holder, so a standby need not wait for expiry. */
  async release(now: number): Promise<void> {
    if (!this.lease || this.lease.spec?.holderIdentity !== this.identity) return;
    this.lease = await this.api.replaceNamespacedLease({
      name: this.name,
      namespace: this.namespace,
      body: {
        ...this.lease,
        spec: {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: new V1MicroTime(now),
          renewTime: new V1MicroTime(now),
          leaseTransitions: this.lease.spec?.leaseTransitions ?? 0,
        },
      },
    });
  }

  private record(now: number, acquired: number, transitions: number): V1Lease['spec'] {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      acquireTime: new V1MicroTime(acquired),
      renewTime: new V1MicroTime(now),
      leaseTransitions: transitions,
    };
  }
}

/** What one kubelet renewal did, by the HTTP answers it got. */
export type KubeletStep = 'created' | 'renewed' | 'conflict' | 'notFound';

/**
 * The kubelet's node-lease controller (k8s.io/component-helpers `apimachinery/lease/controller.go`):
 * ensure the lease exists (GET, create on 404, owned by the Node), then renew from the copy it last wrote
 * (`latestLease`) with a full update; on failure it drops the copy, so the next round GETs again and
 * re-creates a lease that was deleted.
 */
export class KubeletLeaseLoop {
  private latest: V1Lease | undefined;
  readonly steps: KubeletStep[] = [];

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly nodeName: string,
    private readonly nodeUid: string,
  ) {}

  async sync(now: number): Promise<void> {
    if (this.latest && (await this.renew(this.latest, now))) return;
    // ensureLease: GET, and create when absent (a lease it just created needs no update).
    try {
      const found = await this.api.readNamespacedLease({ name: this.nodeName, namespace: 'kube-node-lease' });
      await this.renew(found, now);
      return;
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      this.steps.push('notFound');
    }
    this.latest = await this.api.createNamespacedLease({
      namespace: 'kube-node-lease',
      body: {
        metadata: {
          name: this.nodeName,
          namespace: 'kube-node-lease',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeUid }],
        },
        spec: { holderIdentity: this.nodeName, leaseDurationSeconds: 40, renewTime: new V1MicroTime(now) },
      },
    });
    this.steps.push('created');
  }

  /** updateLease from a copy: true when written; a 409 or 404 drops the copy (the next sync GETs). */
  private async renew(from: V1Lease, now: number): Promise<boolean> {
    try {
      this.latest = await this.api.replaceNamespacedLease({
        name: this.nodeName,
        namespace: 'kube-node-lease',
        body: { ...from, spec: { ...from.spec, renewTime: new V1MicroTime(now) } },
      });
      this.steps.push('renewed');
      return true;
    } catch (err) {
      if (!isStatus(err, 409) && !isStatus(err, 404)) throw err;
      this.steps.push('conflict');
      this.latest = undefined;
      return false;
    }
  }
}

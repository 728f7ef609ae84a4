import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { namespaceObject, nodeObject } from '../../sim/objects.ts';
import { SeededRandom } from '../../sim/random.ts';
import { Renewer } from '../../sim/renewer.ts';
import { leases, namespaces, nodes } from '../../sim/resources.ts';
import { KubeletLeaseLoop, LeaderElector } from '../support/lease-writers.ts';
import { apis, simClusters } from '../support/sim.ts';

/**
 * The simulated cluster under the lease writers real clusters have: client-go leader election and the
 * kubelet's node-lease controller, over HTTPS with the real client (see test/support/lease-writers.ts).
 */

const clusters = simClusters();

async function clusterWithNamespace(namespace: string): Promise<SimCluster> {
  const sim = await clusters.start();
  if (!sim.store.get(namespaces, undefined, namespace))
    sim.store.create(namespaces, namespaceObject(namespace, sim.store.clock()));
  return sim;
}

const T0 = Date.parse('2026-11-30T10:00:00Z');
const S = 1000;

describe('client-go leader election against the simulated cluster', () => {
  it('acquires, renews, holds off a standby, loses to a takeover after expiry, and releases to ""', async () => {
    const sim = await clusterWithNamespace('team-a');
    const api = apis(sim).coordination;
    const a = new LeaderElector(api, 'team-a', 'my-operator', 'pod-a_1111');
    const b = new LeaderElector(api, 'team-a', 'my-operator', 'pod-b_2222');
    const spec = async () =>
      (await api.readNamespacedLease({ name: 'my-operator', namespace: 'team-a' })).spec;

    // Acquire: the lease is created with a holder, both times, and no transitions.
    expect(await a.tryAcquireOrRenew(T0)).toBe(true);
    expect(await spec()).toMatchObject({
      holderIdentity: 'pod-a_1111',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });

    // Renew: renewTime moves, acquireTime and transitions stay.
    expect(await a.tryAcquireOrRenew(T0 + 2 * S)).toBe(true);
    const renewed = await spec();
    expect(Date.parse(String(renewed?.renewTime))).toBe(T0 + 2 * S);
    expect(Date.parse(String(renewed?.acquireTime))).toBe(T0);

    // A standby that sees a valid record backs off and writes nothing.
    const rvBefore = (await api.readNamespacedLease({ name: 'my-operator', namespace: 'team-a' })).metadata
      ?.resourceVersion;
    expect(await b.tryAcquireOrRenew(T0 + 3 * S)).toBe(false);
    expect(
      (await api.readNamespacedLease({ name: 'my-operator', namespace: 'team-a' })).metadata?.resourceVersion,
    ).toBe(rvBefore);

    // A stops renewing; once B has seen the same record for longer than the duration, B takes over.
    expect(await b.tryAcquireOrRenew(T0 + 19 * S)).toBe(true);
    expect(await spec()).toMatchObject({ holderIdentity: 'pod-b_2222', leaseTransitions: 1 });
    expect(Date.parse(String((await spec())?.acquireTime))).toBe(T0 + 19 * S);

    // The old leader now sees B's fresh record and does not write.
    expect(await a.tryAcquireOrRenew(T0 + 20 * S)).toBe(false);
    expect((await spec())?.holderIdentity).toBe('pod-b_2222');

    // Release: an empty holder and a 1 s duration; a standby may take it at once.
    await b.release(T0 + 21 * S);
    expect(await spec()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 1 });
    expect(await a.tryAcquireOrRenew(T0 + 21 * S)).toBe(true);
    expect(await spec()).toMatchObject({ holderIdentity: 'pod-a_1111', leaseTransitions: 2 });
  });

  it('lets exactly one of two racing updates from the same resourceVersion win; the other gets 409 Conflict', async () => {
    const sim = await clusterWithNamespace('team-a');
    const api = apis(sim).coordination;
    await new LeaderElector(api, 'team-a', 'race', 'seed_0').tryAcquireOrRenew(T0);
    const seen = await api.readNamespacedLease({ name: 'race', namespace: 'team-a' });

    const write = (holder: string) =>
      api
        .replaceNamespacedLease({
          name: 'race',
          namespace: 'team-a',
          body: { ...seen, spec: { ...seen.spec, holderIdentity: holder } },
        })
        .then(
          () => 'won',
          (e: { code?: number; body?: string }) => `${e.code}: ${JSON.parse(e.body ?? '{}').message}`,
        );
    const results = await Promise.all([write('x'), write('y')]);

    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r !== 'won')).toEqual([
      '409: Operation cannot be fulfilled on leases.coordination.k8s.io "race": the object has been modified; please apply your changes to the latest version and try again',
    ]);
  });
});

describe("the kubelet's node-lease loop against the simulated cluster", () => {
  it('renews from its own copy, gets 409 when the lease was deleted under it, GETs again and re-creates it', async () => {
    const sim = await clusters.start();
    const node = sim.store.create(
      nodes,
      nodeObject('ip-10-0-1-17.ec2.internal', 'node-uid-1', new SeededRandom(1), T0, T0),
    );
    const api = apis(sim).coordination;
    const kubelet = new KubeletLeaseLoop(api, 'ip-10-0-1-17.ec2.internal', node.obj.metadata.uid ?? '');

    await kubelet.sync(T0); // GET 404, create
    await kubelet.sync(T0 + 10 * S); // update from the copy
    const first = sim.store.get(leases, 'kube-node-lease', 'ip-10-0-1-17.ec2.internal');
    // Someone deletes the lease (a reaper, a GC); the kubelet's copy still carries the old uid.
    await api.deleteNamespacedLease({ name: 'ip-10-0-1-17.ec2.internal', namespace: 'kube-node-lease' });
    await kubelet.sync(T0 + 20 * S); // PUT with the old uid: 409, then GET 404, create

    expect(kubelet.steps).toEqual(['notFound', 'created', 'renewed', 'conflict', 'notFound', 'created']);
    const second = sim.store.get(leases, 'kube-node-lease', 'ip-10-0-1-17.ec2.internal');
    expect(second?.obj.metadata.uid).toBeDefined();
    expect(second?.obj.metadata.uid).not.toBe(first?.obj.metadata.uid);
    expect(second?.obj.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Node', name: 'ip-10-0-1-17.ec2.internal', uid: 'node-uid-1' },
    ]);
  });

  it("answers a PUT carrying a deleted lease's uid with 409 and the storage precondition message, never a create", async () => {
    const sim = await clusters.start();
    const node = sim.store.create(nodes, nodeObject('n1', 'node-uid-2', new SeededRandom(1), T0, T0));
    const api = apis(sim).coordination;
    const kubelet = new KubeletLeaseLoop(api, 'n1', node.obj.metadata.uid ?? '');
    await kubelet.sync(T0);
    const held = await api.readNamespacedLease({ name: 'n1', namespace: 'kube-node-lease' });
    sim.store.delete(leases, 'kube-node-lease', 'n1');

    const error = await api
      .replaceNamespacedLease({ name: 'n1', namespace: 'kube-node-lease', body: held })
      .then(
        () => undefined,
        (e: { code?: number; body?: string }) => e,
      );

    expect(error?.code).toBe(409);
    // etcd3 Preconditions.Check, interpreted as a Conflict (k8s.io/apiserver pkg/storage/interfaces.go).
    expect(JSON.parse(error?.body ?? '{}').message).toBe(
      `Operation cannot be fulfilled on leases.coordination.k8s.io "n1": Precondition failed: UID in precondition: ${held.metadata?.uid}, UID in object meta: `,
    );
    expect(sim.store.get(leases, 'kube-node-lease', 'n1')).toBeUndefined();
  });

  it("the sim's own renewer plays the kubelet the same way: a deleted node lease comes back, owned by its Node", async () => {
    const now = { t: T0 };
    const sim = await clusters.start({}, { clock: () => now.t });
    const node = sim.store.create(nodes, nodeObject('n2', 'node-uid-3', new SeededRandom(1), T0, T0));
    const renewer = new Renewer(sim.store, [
      { namespace: 'kube-node-lease', name: 'n2', periodMs: 10 * S, kind: 'node' },
    ]);

    now.t += 10 * S;
    expect(renewer.tick()).toBe(1); // GET 404, create
    const first = sim.store.get(leases, 'kube-node-lease', 'n2');
    now.t += 10 * S;
    expect(renewer.tick()).toBe(1); // update from its copy
    sim.store.delete(leases, 'kube-node-lease', 'n2');
    now.t += 10 * S;
    expect(renewer.tick()).toBe(1); // 409 on the old uid, GET, create

    expect(renewer.conflicts).toBe(1);
    const second = sim.store.get(leases, 'kube-node-lease', 'n2');
    expect(second?.obj.metadata.uid).not.toBe(first?.obj.metadata.uid);
    expect(second?.obj.metadata.ownerReferences?.[0]?.uid).toBe(node.obj.metadata.uid);
  });
});

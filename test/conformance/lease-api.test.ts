import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type V1LeaseSpec,
  V1MicroTime,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { namespaceObject } from '../../sim/objects.ts';
import { namespaces } from '../../sim/resources.ts';
import { apis, simClusters } from '../support/sim.ts';

/**
 * Kubernetes' own Lease conformance test — test/e2e/common/node/lease.go in kubernetes/kubernetes,
 * "lease API should be available" — step by step, through @kubernetes/client-node over HTTPS. Every step
 * a real kube-apiserver passes, the simulated cluster must pass. Times are the e2e test's own: offsets
 * from Go's zero time (year 1).
 */

const clusters = simClusters();

/** Go's `time.Time{}.Add(n * time.Second)`: 0001-01-01T00:00:0n, as a MicroTime. */
function zeroPlus(seconds: number): V1MicroTime {
  const d = new Date(Date.UTC(2000, 0, 1, 0, 0, seconds));
  d.setUTCFullYear(1);
  return new V1MicroTime(d.getTime());
}

/** The spec as the server returns it: MicroTimes as RFC 3339 strings with six fractional digits. */
function onTheWire(spec: V1LeaseSpec): Record<string, unknown> {
  return JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
}

function specOf(holder: string, duration: number, acquire: number, renew: number, transitions: number) {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: duration,
    acquireTime: zeroPlus(acquire),
    renewTime: zeroPlus(renew),
    leaseTransitions: transitions,
  } satisfies V1LeaseSpec;
}

describe('the Kubernetes Lease conformance test (test/e2e/common/node/lease.go)', () => {
  it('lease API should be available', async () => {
    const sim = await clusters.start();
    const ns = 'lease-test-4821';
    sim.store.create(namespaces, namespaceObject(ns, sim.store.clock()));
    const leaseClient = apis(sim).coordination;
    const get = (name: string) => leaseClient.readNamespacedLease({ name, namespace: ns });

    // Create, then Get: the read spec matches the created one.
    const spec1 = specOf('holder', 30, 2, 5, 0);
    const created = await leaseClient.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: 'lease' }, spec: spec1 },
    });
    expect(onTheWire((await get('lease')).spec ?? {})).toEqual(onTheWire(spec1));
    expect((await get('lease')).spec?.renewTime).toBe('0001-01-01T00:00:05.000000Z');

    // Update the created lease (its resourceVersion), then Get.
    const spec2 = specOf('holder2', 30, 20, 50, 1);
    await leaseClient.replaceNamespacedLease({
      name: 'lease',
      namespace: ns,
      body: { ...created, spec: spec2 },
    });
    const afterUpdate = await get('lease');
    expect(onTheWire(afterUpdate.spec ?? {})).toEqual(onTheWire(spec2));

    // Strategic merge patch (the two-way merge patch of the spec change), then Get.
    const spec3 = specOf('holder3', 60, 50, 70, 2);
    await leaseClient.patchNamespacedLease(
      { name: 'lease', namespace: ns, body: { spec: spec3 } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(onTheWire((await get('lease')).spec ?? {})).toEqual(onTheWire(spec3));

    // JSON merge patch too (the other patch type clients use on leases).
    await leaseClient.patchNamespacedLease(
      { name: 'lease', namespace: ns, body: { spec: { holderIdentity: 'holder4' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await get('lease')).spec).toMatchObject({ holderIdentity: 'holder4', leaseDurationSeconds: 60 });

    // A second lease with a label; List returns both.
    await leaseClient.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: { name: 'lease2', labels: { deletecollection: 'true' } },
        spec: specOf('holder', 30, 2, 5, 0),
      },
    });
    expect((await leaseClient.listNamespacedLease({ namespace: ns })).items).toHaveLength(2);

    // DeleteCollection by label selector removes only the labelled lease.
    await leaseClient.deleteCollectionNamespacedLease({
      namespace: ns,
      labelSelector: 'deletecollection=true',
    });
    const remaining = await leaseClient.listNamespacedLease({ namespace: ns });
    expect(remaining.items.map((l) => l.metadata?.name)).toEqual(['lease']);

    // Delete, then Get is NotFound.
    await leaseClient.deleteNamespacedLease({ name: 'lease', namespace: ns });
    const gone = await get('lease').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(gone).toBeInstanceOf(ApiException);
    expect((gone as ApiException<string>).code).toBe(404);
    expect(JSON.parse((gone as ApiException<string>).body)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'leases.coordination.k8s.io "lease" not found',
      details: { name: 'lease', group: 'coordination.k8s.io', kind: 'leases' },
    });

    // List across all namespaces works.
    await expect(leaseClient.listLeaseForAllNamespaces()).resolves.toMatchObject({ kind: 'LeaseList' });
  });
});

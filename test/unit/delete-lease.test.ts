import { describe, expect, it } from 'vitest';
import { kubeConfigFromEndpoint } from '../../shared/kube/connect.ts';
import { deleteLease, type LeaseIdentity } from '../../shared/kube/delete-lease.ts';
import { KubeClient } from '../../shared/kube/kube-client.ts';
import { listAll } from '../../shared/kube/list-all.ts';
import { toLeaseRecord } from '../../shared/kube/records.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { microTime } from '../../sim/kube-object.ts';
import { leases } from '../../sim/resources.ts';
import { startAnsweringServer } from '../support/hostile-cluster.ts';
import { clientFor, fastRetry, seedLeases, simClusters } from '../support/sim.ts';

/**
 * deleteLease against the simulated apiserver over real HTTPS (TLS verified, the real client): the delete
 * carries both preconditions of the lease as listed, and without both it is never sent. The apiserver
 * checks each precondition against the stored object and answers 409 when either differs
 * (k8s.io/apiserver `pkg/registry/rest/delete.go` BeforeDelete, `pkg/storage/etcd3/store.go`
 * conditionalDelete; https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/delete-options/).
 */

const clusters = simClusters();
const NAMESPACE = 'bulk-0';
const NAME = 'lease-000000';

/** One seeded lease, as the reaper lists it: the identity its delete must carry. */
async function listedLease(): Promise<{ sim: SimCluster; listed: LeaseIdentity }> {
  const sim = await clusters.start();
  seedLeases(sim, 1, 1);
  const listed = (
    await listAll(clientFor(sim), '/apis/coordination.k8s.io/v1/leases', 'leases', toLeaseRecord)
  ).items;
  expect(listed.map((l) => `${l.namespace}/${l.name}`)).toEqual([`${NAMESPACE}/${NAME}`]);
  const lease: LeaseIdentity | undefined = listed[0];
  if (!lease) throw new Error('nothing listed');
  expect(lease.uid).toMatch(/.+/);
  expect(lease.resourceVersion).toMatch(/^\d+$/);
  return { sim, listed: lease };
}

/** The stored lease's uid@resourceVersion, or undefined when it is gone. */
const stored = (sim: SimCluster) => {
  const meta = sim.store.get(leases, NAMESPACE, NAME)?.obj.metadata;
  return meta ? `${meta.uid}@${meta.resourceVersion}` : undefined;
};
/** The Status kube-apiserver answers a lease delete with. */
const successStatus = (uid: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Success',
  details: { name: NAME, group: 'coordination.k8s.io', kind: 'leases', uid },
});
const deletesSent = (sim: SimCluster) => sim.requests.filter((r) => r.method === 'DELETE').length;

describe('deleteLease: never without both preconditions', () => {
  it.each([
    { missing: 'resourceVersion', change: { resourceVersion: '' } },
    { missing: 'uid', change: { uid: '' } },
    { missing: 'both', change: { uid: '', resourceVersion: '' } },
  ])('sends nothing for a lease listed without $missing, in dry run and for real', async ({ change }) => {
    // Prepare
    const { sim, listed } = await listedLease();
    const before = stored(sim);

    // Act
    const real = await deleteLease(clientFor(sim), { ...listed, ...change }, { dryRun: false });
    const dry = await deleteLease(clientFor(sim), { ...listed, ...change }, { dryRun: true });

    // Assess
    for (const outcome of [real, dry]) {
      expect(outcome).toMatchObject({
        result: 'failed',
        error: {
          message: `lease ${NAMESPACE}/${NAME} has no uid or resourceVersion to use as preconditions`,
        },
      });
    }
    expect(deletesSent(sim)).toBe(0);
    expect(stored(sim)).toBe(before);
  });
});

describe('deleteLease: the server checks both preconditions of the lease as listed', () => {
  it('keeps a lease renewed after it was listed (its resourceVersion moved): changed, not deleted', async () => {
    // Prepare: its holder renews it after the list (a write: the resourceVersion moves, the uid stays)
    const { sim, listed } = await listedLease();
    const current = sim.store.get(leases, NAMESPACE, NAME);
    if (!current) throw new Error('not seeded');
    const renewed = sim.store.update(leases, {
      ...current.obj,
      spec: { ...(current.obj.spec as object), renewTime: microTime(sim.store.clock()) },
    }).obj;
    expect(renewed.metadata.uid).toBe(listed.uid);
    expect(renewed.metadata.resourceVersion).not.toBe(listed.resourceVersion);

    // Act
    const outcome = await deleteLease(clientFor(sim), listed, { dryRun: false });

    // Assess
    expect(outcome).toMatchObject({
      result: 'changed',
      message: expect.stringContaining('the ResourceVersion in the precondition'),
    });
    expect(deletesSent(sim)).toBe(1);
    expect(stored(sim)).toBe(`${listed.uid}@${renewed.metadata.resourceVersion}`);
  });

  it('keeps a lease whose uid is not the one listed, even when the resourceVersion matches', async () => {
    // Prepare: the same name and resourceVersion under another uid — only the uid precondition tells them apart
    const { sim, listed } = await listedLease();
    const other = { ...listed, uid: '00000000-0000-4000-8000-000000000000' };

    // Act
    const real = await deleteLease(clientFor(sim), other, { dryRun: false });
    const dry = await deleteLease(clientFor(sim), other, { dryRun: true });

    // Assess
    for (const outcome of [real, dry]) {
      expect(outcome).toMatchObject({
        result: 'changed',
        message: expect.stringContaining('the UID in the precondition'),
      });
    }
    expect(stored(sim)).toBe(`${listed.uid}@${listed.resourceVersion}`);
  });

  it('keeps a lease listed at an older resourceVersion in a dry run too: the server checks, and says changed', async () => {
    // Prepare
    const { sim, listed } = await listedLease();
    const older = { ...listed, resourceVersion: String(Number(listed.resourceVersion) - 1) };

    // Act
    const outcome = await deleteLease(clientFor(sim), older, { dryRun: true });

    // Assess
    expect(outcome).toMatchObject({
      result: 'changed',
      message: expect.stringContaining('the ResourceVersion in the precondition'),
    });
    expect(stored(sim)).toBe(`${listed.uid}@${listed.resourceVersion}`);
  });

  it('deletes the lease when both preconditions still match (the control: the guard is not refusing everything)', async () => {
    // Prepare
    const { sim, listed } = await listedLease();

    // Act
    const outcome = await deleteLease(clientFor(sim), listed, { dryRun: false });

    // Assess: the apiserver's answer is kept (the archive records it): a lease's registry returns a Status,
    // not the object (`finalizeDelete` in k8s.io/apiserver pkg/registry/generic/registry/store.go).
    expect(outcome).toEqual({ result: 'deleted', dryRun: false, response: successStatus(listed.uid) });
    expect(stored(sim)).toBeUndefined();
  });
});

describe('deleteLease: each answer of the apiserver', () => {
  it('dry run: the server is asked (dryRun ["All"] in the body) and confirms, and the lease stays exactly as listed', async () => {
    // Prepare
    const { sim, listed } = await listedLease();
    const before = stored(sim);

    // Act
    const outcome = await deleteLease(clientFor(sim), listed, { dryRun: true });

    // Assess
    expect(outcome).toEqual({ result: 'deleted', dryRun: true, response: successStatus(listed.uid) });
    expect(deletesSent(sim)).toBe(1);
    expect(stored(sim)).toBe(before);
  });

  it('404: a lease someone else deleted first is alreadyGone', async () => {
    // Prepare
    const { sim, listed } = await listedLease();
    sim.store.delete(leases, NAMESPACE, NAME);

    // Act
    const outcome = await deleteLease(clientFor(sim), listed, { dryRun: false });

    // Assess
    expect(outcome).toEqual({ result: 'alreadyGone' });
  });

  it('403: a caller without delete is told it is forbidden, with the server’s reason and how to grant it', async () => {
    // Prepare: a caller that may read leases but not delete them (RBAC answers 403 before any precondition).
    const sim = await clusters.start(undefined, {
      extraUsers: [{ token: 'reader-token', name: 'reader', verbs: ['get', 'list', 'watch'] }],
    });
    seedLeases(sim, 1, 1);
    const [listed] = (
      await listAll(clientFor(sim), '/apis/coordination.k8s.io/v1/leases', 'leases', toLeaseRecord)
    ).items;
    if (!listed) throw new Error('nothing listed');
    const before = stored(sim);

    // Act
    const outcome = await deleteLease(clientFor(sim, { token: 'reader-token' }), listed, { dryRun: false });

    // Assess
    expect(outcome.result).toBe('forbidden');
    expect((outcome as { message: string }).message).toMatch(/forbidden/i);
    expect((outcome as { message: string }).message).toContain(`leases`);
    expect(stored(sim)).toBe(before);
  });

  it('a server that keeps failing: failed after the retries, and the error names the delete it was trying', async () => {
    // Prepare: every DELETE answered 503 (the client retries it, then gives up).
    const { sim, listed } = await listedLease();
    sim.faults.add({ action: { type: 'error', status: 503 }, match: { method: 'DELETE' } });

    // Act
    const outcome = await deleteLease(clientFor(sim), listed, { dryRun: false });

    // Assess
    expect(outcome.result).toBe('failed');
    expect((outcome as { error: Error }).error.message).toContain(
      `while trying to delete lease ${NAMESPACE}/${NAME}`,
    );
    expect(deletesSent(sim)).toBeGreaterThan(1);
    expect(stored(sim)).toBeDefined();
  });

  it('409 from a proxy that sends no Status body: changed, saying the HTTP status', async () => {
    // Prepare: not kube-apiserver (which always explains a 409 in a Status), but something in front of one.
    const proxy = await startAnsweringServer((req, res) => req.on('end', () => res.writeHead(409).end()));
    try {
      const kc = kubeConfigFromEndpoint({
        name: 'bare-409',
        server: proxy.url,
        caData: proxy.caData,
        token: 'any',
      });
      const lease = { namespace: NAMESPACE, name: NAME, uid: 'u-1', resourceVersion: '7' };

      // Act
      const outcome = await deleteLease(new KubeClient('bare-409', kc, { retry: fastRetry }), lease, {
        dryRun: false,
      });

      // Assess
      expect(outcome).toEqual({ result: 'changed', message: 'HTTP 409' });
    } finally {
      await proxy.close();
    }
  });

  it('200 from a proxy whose body is not JSON: deleted, with no response to archive', async () => {
    // Prepare
    const proxy = await startAnsweringServer((req, res) => req.on('end', () => res.writeHead(200).end('OK')));
    try {
      const kc = kubeConfigFromEndpoint({
        name: 'bare-200',
        server: proxy.url,
        caData: proxy.caData,
        token: 'any',
      });
      const lease = { namespace: NAMESPACE, name: NAME, uid: 'u-1', resourceVersion: '7' };

      // Act
      const outcome = await deleteLease(new KubeClient('bare-200', kc, { retry: fastRetry }), lease, {
        dryRun: false,
      });

      // Assess
      expect(outcome).toEqual({ result: 'deleted', dryRun: false });
    } finally {
      await proxy.close();
    }
  });
});

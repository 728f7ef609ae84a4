import { describe, expect, it } from 'vitest';
import { readClusterSnapshot } from '../../shared/kube/cluster-snapshot.ts';
import { deleteLease } from '../../shared/kube/delete-lease.ts';
import { VERSION } from '../../shared/version.ts';
import { leases } from '../../sim/resources.ts';
import { clientFor, seedLeases, simClusters } from '../support/sim.ts';

/**
 * Every request lease-reaper sends, as the apiserver receives it, checked against how kube-apiserver decodes
 * it: list options are query parameters of metav1.ListOptions (k8s.io/apimachinery
 * pkg/apis/meta/v1/types.go, decoded by the parameter codec in handlers/get.go), representations are
 * negotiated from Accept (handlers/negotiation), and a DELETE's options travel in its body
 * (handlers/delete.go; see delete-wire.test.ts for the body's bytes).
 */

const clusters = simClusters();

/** The query parameters metav1.ListOptions has (json tags of k8s.io/apimachinery pkg/apis/meta/v1/types.go). */
const listOptionParams = new Set([
  'labelSelector',
  'fieldSelector',
  'watch',
  'allowWatchBookmarks',
  'resourceVersion',
  'resourceVersionMatch',
  'timeoutSeconds',
  'limit',
  'continue',
  'sendInitialEvents',
]);

const metadataAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

describe('the requests lease-reaper sends', () => {
  it('lists with ListOptions only, pages with limit and continue (never beside a resourceVersion), and names itself', async () => {
    const sim = await clusters.start({ nodes: 30, workloadLeases: 4 });
    seedLeases(sim, 120, 3);
    const client = clientFor(sim);

    await readClusterSnapshot(client, { pageSize: 50, nodePageSize: 20 });

    const sent = sim.requests.map((r) => ({ ...r, parsed: new URL(r.url, 'https://sim.invalid') }));
    expect(sent.length).toBeGreaterThanOrEqual(4);
    const byPath = (path: string) => sent.filter((r) => r.parsed.pathname === path);
    expect(new Set(sent.map((r) => r.parsed.pathname))).toEqual(
      new Set(['/apis/coordination.k8s.io/v1/leases', '/api/v1/nodes', '/api/v1/pods']),
    );
    for (const r of sent) {
      expect(r.method).toBe('GET');
      expect(r.headers['user-agent']).toMatch(
        new RegExp(`^lease-reaper/${VERSION.replaceAll('.', '\\.')} \\(\\w+/\\w+\\)$`),
      );
      expect(r.headers['content-type']).toBeUndefined();
      expect(r.headers.authorization).toBe(`Bearer ${sim.tokens.admin}`);
      for (const key of r.parsed.searchParams.keys()) expect(listOptionParams).toContain(key);
      expect(r.parsed.searchParams.get('limit')).toBe(r.parsed.pathname === '/api/v1/nodes' ? '20' : '50');
      expect(r.parsed.searchParams.has('resourceVersion')).toBe(false);
    }
    // Leases in full; Nodes and Pods as metadata only, as client-go's metadata client asks.
    const leaseLists = byPath('/apis/coordination.k8s.io/v1/leases');
    expect(leaseLists.length).toBeGreaterThan(1); // paged
    expect(leaseLists.every((r) => r.headers.accept === 'application/json')).toBe(true);
    expect(leaseLists[0]?.parsed.searchParams.has('continue')).toBe(false);
    expect(leaseLists.slice(1).every((r) => r.parsed.searchParams.get('continue'))).toBe(true);
    expect(byPath('/api/v1/nodes').every((r) => r.headers.accept === metadataAccept)).toBe(true);
    const pods = byPath('/api/v1/pods');
    expect(pods.every((r) => r.headers.accept === metadataAccept)).toBe(true);
    expect(
      pods.every(
        (r) => r.parsed.searchParams.get('fieldSelector') === 'status.phase!=Succeeded,status.phase!=Failed',
      ),
    ).toBe(true);
  });

  it('deletes with no query at all: the preconditions and dryRun are in the body', async () => {
    const sim = await clusters.start();
    seedLeases(sim, 1, 1);
    const stored = sim.store.get(leases, 'bulk-0', 'lease-000000');
    const client = clientFor(sim);

    await deleteLease(
      client,
      {
        namespace: 'bulk-0',
        name: 'lease-000000',
        uid: stored?.obj.metadata.uid ?? '',
        resourceVersion: stored?.obj.metadata.resourceVersion ?? '',
      },
      { dryRun: true },
    );

    const deletes = sim.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.url)).toEqual([
      '/apis/coordination.k8s.io/v1/namespaces/bulk-0/leases/lease-000000',
    ]);
    expect(deletes[0]?.headers['content-type']).toBe('application/json');
    expect(sim.store.get(leases, 'bulk-0', 'lease-000000')?.obj.metadata.resourceVersion).toBe(
      stored?.obj.metadata.resourceVersion,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { readClusterSnapshot } from '../../shared/kube/cluster-snapshot.ts';
import { kubeConfigFromEndpoint } from '../../shared/kube/connect.ts';
import { listLeaseCandidates, servedLeaseCandidateVersion } from '../../shared/kube/lease-candidates.ts';
import { reapClusters } from '../../shared/reap/reap-clusters.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { clientFor, simClusters } from '../support/sim.ts';

/**
 * Which LeaseCandidates the snapshot reads, found the way a client must find them: by discovery. The
 * simulated cluster serves them as kube-apiserver does (sim/lease-candidates.ts, checked against the real
 * release's discovery in test/conformance/lease-candidates.test.ts): not at all by default, at v1alpha2 in
 * 1.32 and at v1beta1 from 1.33 when coordinated leader election is turned on.
 */

const clusters = simClusters();

const candidatePaths = (sim: SimCluster) =>
  sim.requests.filter((r) => r.url.includes('/leasecandidates')).map((r) => r.url.split('?')[0]);

describe('LeaseCandidates in the snapshot', () => {
  it('are not listed, and no candidate path is asked for, where the cluster does not serve them', async () => {
    // Arrange
    const sim = await clusters.start();
    const client = clientFor(sim);

    // Act
    const version = await servedLeaseCandidateVersion(client);
    const snapshot = await readClusterSnapshot(client, { leaseCandidates: true });

    // Assert: undefined (not judged), not an empty list (judged and found fine).
    expect(version).toBeUndefined();
    expect(snapshot.leaseCandidates).toBeUndefined();
    expect(candidatePaths(sim)).toEqual([]);
    await client.close();
  });

  it.each([
    [32, 'v1alpha2'],
    [33, 'v1beta1'],
    [35, 'v1beta1'],
  ] as const)('are read at the version a 1.%i cluster serves (%s)', async (minor, expected) => {
    // Arrange: candidates the scenario seeds (one stale), and a coordinated lease with none.
    const sim = await clusters.start(
      { coordinatedLeases: 1, staleLeaseCandidates: 2, coordinatedLeasesWithoutCandidate: 1 },
      { coordinatedLeaderElection: { kubernetesMinor: minor } },
    );
    const client = clientFor(sim);

    // Act
    const version = await servedLeaseCandidateVersion(client);
    const snapshot = await readClusterSnapshot(client, { leaseCandidates: true });

    // Assert
    expect(version).toBe(expected);
    const seeded = sim.seeded?.leaseCandidates;
    expect(seeded?.apiVersion).toBe(`coordination.k8s.io/${expected}`);
    const expectedKeys = [...(seeded?.live ?? []), ...(seeded?.stale ?? [])].sort();
    expect(expectedKeys.length).toBeGreaterThan(2);
    expect(snapshot.leaseCandidates?.map((c) => `${c.namespace}/${c.name}`).sort()).toEqual(expectedKeys);
    for (const c of snapshot.leaseCandidates ?? []) {
      expect(typeof c.leaseName).toBe('string');
      expect(typeof c.uid).toBe('string');
    }
    expect(new Set(candidatePaths(sim))).toEqual(
      new Set([`/apis/coordination.k8s.io/${expected}/leasecandidates`]),
    );
    await client.close();
  });

  it('are listed only in the namespaces the snapshot is limited to', async () => {
    // Arrange
    const sim = await clusters.start({ staleLeaseCandidates: 2 }, { coordinatedLeaderElection: true });
    const client = clientFor(sim);

    // Act
    const inDefault = await listLeaseCandidates(client, { namespaces: ['default'], pageSize: 500 });
    const inKubeSystem = await listLeaseCandidates(client, { namespaces: ['kube-system'], pageSize: 500 });

    // Assert: the scenario seeds its candidates in kube-system.
    expect(inDefault?.items).toEqual([]);
    expect(inKubeSystem?.items.length).toBe(sim.seeded?.leaseCandidates.stale.length);
    expect(inKubeSystem?.items.length).toBeGreaterThan(0);
    await client.close();
  });

  it('are not read by the reaper, which needs none of them', async () => {
    // Arrange
    const sim = await clusters.start({ staleLeaseCandidates: 1 }, { coordinatedLeaderElection: true });
    const target = {
      name: sim.name,
      kubeConfig: kubeConfigFromEndpoint({
        name: sim.name,
        server: sim.url,
        caData: Buffer.from(sim.caCertPem ?? '').toString('base64'),
        token: sim.tokens.admin,
      }),
    };

    // Act
    const [result] = await reapClusters([target], {
      policy: parseReapPolicy({ dryRun: true, namespaces: { include: ['payments'] } }),
      dryRun: true,
    });

    // Assert
    expect(result?.status).toBe('ok');
    expect(candidatePaths(sim)).toEqual([]);
  });
});

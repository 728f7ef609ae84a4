import { CoordinationV1Api, CoordinationV1alpha2Api, type V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { startSimCluster } from '../../sim/cluster.ts';
import { buildScenario, defaultScenario, emptyScenario } from '../../sim/scenario.ts';
import { leaderShapes, simClusters, simKubeConfig } from '../support/sim.ts';

/**
 * The shapes issue 17's audit rules look for, as the simulated cluster seeds them (sim/scenario.ts) and as
 * a client reads them over HTTPS with @kubernetes/client-node: control planes without a leader, a flapping
 * leader (and the renewer making it flap), stale LeaseCandidates, a coordinated lease with no candidate,
 * and the naming advice of the Leases docs. The seeded report must name exactly what is served.
 */

const clusters = simClusters();

const shapes = leaderShapes;

const keyOf = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace}/${o.metadata?.name}`;
const ms = (t: unknown) => new Date(t as string | Date).getTime();

async function leasesOf(sim: Awaited<ReturnType<typeof clusters.start>>): Promise<Map<string, V1Lease>> {
  const list = await simKubeConfig(sim).makeApiClient(CoordinationV1Api).listLeaseForAllNamespaces();
  return new Map(list.items.map((l) => [keyOf(l), l]));
}

describe('the scenario shapes of the control-plane, churn, LeaseCandidate and naming rules', () => {
  it('seeds none of them in the default and empty scenarios, and serves no LeaseCandidates', async () => {
    // Arrange
    const sim = await clusters.start(defaultScenario);

    // Act
    const seeded = sim.seeded;

    // Assert
    expect(seeded?.leaderLeases).toMatchObject({
      controlPlaneLeaderless: [],
      flapping: [],
      coordinatedWithoutCandidate: [],
    });
    expect(seeded?.leaseCandidates).toEqual({ apiVersion: undefined, live: [], stale: [] });
    expect(seeded?.namingAdvice).toMatchObject({ generic: [], sharedName: '', shared: [] });
    expect(sim.leaseCandidates).toBeUndefined();
    expect(buildScenario(emptyScenario, 1, 0).seeded.namingAdvice.withoutOwnerLink).toEqual([]);
  });

  it('serves expired control-plane leader leases shaped as client-go writes them', async () => {
    // Arrange
    const sim = await clusters.start(shapes);
    const now = sim.store.clock();

    // Act
    const leases = await leasesOf(sim);

    // Assert
    expect(sim.seeded?.leaderLeases.system).toEqual(['kube-system/kube-controller-manager']);
    expect(sim.seeded?.leaderLeases.controlPlaneLeaderless).toEqual([
      'kube-system/kube-scheduler',
      'kube-system/cloud-controller-manager',
    ]);
    for (const k of sim.seeded?.leaderLeases.controlPlaneLeaderless ?? []) {
      const spec = leases.get(k)?.spec;
      expect(spec?.holderIdentity).toMatch(/^ip-10-0-0-\d+\.ec2\.internal_[0-9a-f-]{36}$/);
      expect(spec?.leaseDurationSeconds).toBe(15);
      expect(now - ms(spec?.renewTime)).toBeGreaterThan(15_000 + 60_000);
    }
  });

  it('serves flapping leaders, and the renewer hands each to another replica every flapEverySeconds', async () => {
    // Arrange
    const sim = await clusters.start(shapes);
    const now = sim.store.clock();
    const before = await leasesOf(sim);

    // Act
    sim.renewer?.tick(now + 11_000);
    const after = await leasesOf(sim);

    // Assert
    const flapping = sim.seeded?.leaderLeases.flapping ?? [];
    expect(flapping).toHaveLength(2);
    for (const k of flapping) {
      const was = before.get(k)?.spec;
      const is = after.get(k)?.spec;
      expect(was?.leaseTransitions).toBeGreaterThanOrEqual(40);
      expect(now - ms(was?.acquireTime)).toBeLessThanOrEqual(10_000);
      expect(is?.holderIdentity).not.toBe(was?.holderIdentity);
      expect(is?.leaseTransitions).toBe((was?.leaseTransitions ?? 0) + 1);
      expect(ms(is?.acquireTime)).toBe(now + 11_000);
      expect(ms(is?.renewTime)).toBe(now + 11_000);
    }
    expect(sim.renewer?.flaps).toBe(2);
  });

  it('serves stale candidates, a live candidate per coordinated lease, and coordinated leases with none', async () => {
    // Arrange
    const sim = await clusters.start(shapes);
    const now = sim.store.clock();

    // Act
    const candidates = await simKubeConfig(sim)
      .makeApiClient(CoordinationV1alpha2Api)
      .listLeaseCandidateForAllNamespaces();
    const leases = await leasesOf(sim);

    // Assert
    const byKey = new Map(candidates.items.map((c) => [keyOf(c), c]));
    const seeded = sim.seeded?.leaseCandidates;
    expect(seeded?.apiVersion).toBe('coordination.k8s.io/v1alpha2');
    expect([...byKey.keys()].sort()).toEqual([...(seeded?.live ?? []), ...(seeded?.stale ?? [])].sort());
    for (const k of seeded?.stale ?? []) {
      const spec = byKey.get(k)?.spec;
      expect(now - ms(spec?.renewTime)).toBeGreaterThan(30 * 60_000);
      if (spec?.pingTime) expect(ms(spec.pingTime)).toBeGreaterThan(ms(spec.renewTime));
    }
    expect((seeded?.stale ?? []).filter((k) => byKey.get(k)?.spec?.pingTime)).toHaveLength(2);
    for (const k of seeded?.live ?? []) {
      const spec = byKey.get(k)?.spec;
      const lease = leases.get(`kube-system/${spec?.leaseName}`);
      expect(lease?.spec?.strategy).toBe('OldestEmulationVersion');
      expect(lease?.spec?.holderIdentity).toBe(byKey.get(k)?.metadata?.name);
      expect(now - ms(spec?.renewTime)).toBeLessThan(5 * 60_000);
    }
    const without = sim.seeded?.leaderLeases.coordinatedWithoutCandidate ?? [];
    expect(without).toEqual(['kube-system/coordinated-controller-1', 'kube-system/coordinated-controller-2']);
    for (const k of without) {
      expect(leases.get(k)?.spec?.strategy).toBe('OldestEmulationVersion');
      expect(candidates.items.some((c) => c.spec?.leaseName === k.split('/')[1])).toBe(false);
    }
  });

  it('serves generic, owner-less lease names and one name shared by different-looking holders', async () => {
    // Arrange
    const sim = await clusters.start(shapes);

    // Act
    const leases = await leasesOf(sim);

    // Assert
    const advice = sim.seeded?.namingAdvice;
    expect(advice?.generic.map((k) => k.split('/')[1])).toEqual(['leader', 'lock', 'leader-election']);
    for (const k of advice?.generic ?? []) {
      const meta = leases.get(k)?.metadata;
      expect(meta?.ownerReferences ?? []).toEqual([]);
      expect(Object.keys(meta?.labels ?? {}).filter((l) => l.startsWith('app.kubernetes.io/'))).toEqual([]);
    }
    expect(advice?.sharedName).toBe('cluster-sync');
    const shared = (advice?.shared ?? []).map((k) => leases.get(k));
    expect(new Set(shared.map((l) => l?.metadata?.namespace)).size).toBe(3);
    expect(new Set(shared.map((l) => l?.spec?.holderIdentity?.split('-')[0])).size).toBe(3);
    expect(new Set(shared.map((l) => l?.metadata?.labels?.['app.kubernetes.io/name'])).size).toBe(3);
    const unlinked = [...leases.values()]
      .filter((l) => !['kube-system', 'kube-node-lease'].includes(l.metadata?.namespace ?? ''))
      .filter((l) => !l.metadata?.ownerReferences?.length)
      .filter((l) => !Object.keys(l.metadata?.labels ?? {}).some((k) => k.startsWith('app.kubernetes.io/')))
      .map(keyOf);
    expect([...(advice?.withoutOwnerLink ?? [])].sort()).toEqual(unlinked.sort());
  });

  it('refuses shapes a cluster cannot hold', async () => {
    // Arrange
    const tooManyControllers = { ...emptyScenario, systemLeaderLeases: 2, controlPlaneLeaderless: 2 };
    const candidatesNotServed = { ...emptyScenario, staleLeaseCandidates: 1 };

    // Act
    const controllers = () => buildScenario(tooManyControllers, 1, 0);
    const unserved = startSimCluster({ scenario: candidatesNotServed, coordinatedLeaderElection: false });

    // Assert
    expect(controllers).toThrow(/at most 3/);
    await expect(unserved).rejects.toThrow(/cannot hold/);
    expect(() => buildScenario({ ...emptyScenario, sharedLeaseNameHolders: 1 }, 1, 0)).toThrow(/2 to 5/);
    expect(() => buildScenario(candidatesNotServed, 1, 0)).toThrow(/serves LeaseCandidates/);
  });
});

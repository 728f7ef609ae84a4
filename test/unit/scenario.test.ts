import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../sim/kube-object.ts';
import { NODE_LEASE_NAMESPACE } from '../../sim/objects.ts';
import { leases, namespaces, nodes, pods } from '../../sim/resources.ts';
import { buildScenario, defaultScenario, emptyScenario, type ScenarioSpec } from '../../sim/scenario.ts';

const NOW = Date.parse('2026-03-04T05:06:07.890Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const small: ScenarioSpec = {
  nodes: 10,
  staleNodes: 3,
  orphanedNodeLeases: 5,
  nodesWithoutLease: 2,
  liveApiServers: 2,
  duplicateApiServerHostnames: 1,
  systemLeaderLeases: 3,
  expiredApiServers: 4,
  workloadLeases: 7,
  abandonedLeases: 7,
  expiredLeases: 3,
  coordinatedLeases: 2,
  malformedLeases: 4,
};

const specs: { name: string; spec: ScenarioSpec }[] = [
  { name: 'the default scenario', spec: defaultScenario },
  { name: 'a small scenario', spec: small },
  { name: 'an empty scenario', spec: emptyScenario },
  { name: 'only nodes, all stale', spec: { ...emptyScenario, nodes: 4, staleNodes: 4 } },
  { name: 'one orphaned node lease', spec: { ...emptyScenario, orphanedNodeLeases: 1 } },
];

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
const spec = (o: KubeObject) => (o.spec ?? {}) as Record<string, unknown>;

function index(scenario: ReturnType<typeof buildScenario>) {
  const of = (def: typeof leases) => scenario.objects.filter((o) => o.def === def).map((o) => o.obj);
  const leaseObjs = of(leases);
  return {
    leases: new Map(leaseObjs.map((o) => [keyOf(o), o])),
    leaseList: leaseObjs,
    nodes: new Map(of(nodes).map((o) => [o.metadata.name, o])),
    pods: of(pods),
    namespaces: of(namespaces).map((o) => o.metadata.name),
  };
}

describe('buildScenario determinism', () => {
  it.each([1, 42, 20260304])('builds identical objects twice from seed %i', (seed) => {
    const a = buildScenario(small, seed, NOW);
    const b = buildScenario(small, seed, NOW);

    expect(JSON.stringify(a.objects)).toBe(JSON.stringify(b.objects));
    expect(a.seeded).toEqual(b.seeded);
    expect(a.renew).toEqual(b.renew);
  });

  it('gives different seeds different uids', () => {
    const uids = (seed: number) =>
      buildScenario(small, seed, NOW)
        .objects.map((o) => o.obj.metadata.uid)
        .filter((u): u is string => u !== undefined);
    const a = uids(1);
    const b = uids(2);

    expect(a.length).toBeGreaterThan(0);
    expect(a.filter((u) => b.includes(u))).toEqual([]);
  });

  it('gives every Node a distinct uid', () => {
    const { objects } = buildScenario(defaultScenario, 5, NOW);
    const uids = objects.filter((o) => o.def === nodes).map((o) => o.obj.metadata.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('dates every object relative to nowMs', () => {
    const a = buildScenario(small, 3, NOW);
    const b = buildScenario(small, 3, NOW + DAY);
    const created = (s: typeof a) => s.objects.map((o) => Date.parse(o.obj.metadata.creationTimestamp ?? ''));

    expect(created(b)).toEqual(created(a).map((t) => t + DAY));
  });
});

describe.each(specs)('buildScenario for $name', ({ spec: s }) => {
  const scenario = buildScenario(s, 7, NOW);
  const { seeded } = scenario;
  const idx = index(scenario);
  const previousIncarnations = Math.floor(s.orphanedNodeLeases / 2);

  it('reports the spec, seed and time it was built with', () => {
    expect(seeded.spec).toEqual(s);
    expect(seeded.seed).toBe(7);
    expect(seeded.nowMs).toBe(NOW);
  });

  it('seeds as many of each anomaly as the spec asks for', () => {
    expect(seeded.staleNodeHeartbeats).toHaveLength(s.staleNodes);
    expect(seeded.orphanedNodeLeases.ownerless).toHaveLength(Math.ceil(s.orphanedNodeLeases / 2));
    expect(seeded.orphanedNodeLeases.previousIncarnation).toHaveLength(previousIncarnations);
    expect(seeded.nodesWithoutLease).toHaveLength(s.nodesWithoutLease);
    expect(seeded.apiServerIdentities.live).toHaveLength(s.liveApiServers + s.duplicateApiServerHostnames);
    expect(seeded.apiServerIdentities.duplicateHostname).toHaveLength(2 * s.duplicateApiServerHostnames);
    expect(seeded.apiServerIdentities.expired.length + seeded.apiServerIdentities.orphaned.length).toBe(
      s.expiredApiServers,
    );
    expect(seeded.leaderLeases.system).toHaveLength(s.systemLeaderLeases);
    expect(seeded.leaderLeases.live).toHaveLength(s.workloadLeases);
    expect(seeded.leaderLeases.coordinated).toHaveLength(s.coordinatedLeases);
    expect(seeded.leaderLeases.expired).toHaveLength(s.expiredLeases);
    expect(seeded.leaderLeases.abandoned).toHaveLength(s.abandonedLeases);
    expect(seeded.leaderLeases.released).toHaveLength(Math.floor(s.abandonedLeases / 3));
    expect(seeded.malformedLeases).toHaveLength(s.malformedLeases);
  });

  it('counts the objects it built', () => {
    const leaseCount =
      s.nodes +
      s.orphanedNodeLeases +
      s.liveApiServers +
      s.duplicateApiServerHostnames +
      s.expiredApiServers +
      s.systemLeaderLeases +
      s.workloadLeases +
      s.coordinatedLeases +
      s.expiredLeases +
      s.abandonedLeases +
      s.malformedLeases;

    expect(seeded.counts).toEqual({
      nodes: s.nodes + previousIncarnations + s.nodesWithoutLease,
      leases: leaseCount,
      nodeLeases: s.nodes + s.orphanedNodeLeases,
      pods: s.workloadLeases,
      namespaces: 9,
    });
    expect(idx.nodes.size).toBe(seeded.counts.nodes);
    expect(idx.leases.size).toBe(seeded.counts.leases);
    expect(idx.leaseList).toHaveLength(seeded.counts.leases);
    expect(idx.pods).toHaveLength(seeded.counts.pods);
    expect(idx.namespaces).toHaveLength(seeded.counts.namespaces);
  });

  it('reports only keys that exist among the objects, each in one category', () => {
    const reported = [
      ...seeded.staleNodeHeartbeats,
      ...seeded.orphanedNodeLeases.ownerless,
      ...seeded.orphanedNodeLeases.previousIncarnation,
      ...seeded.apiServerIdentities.live,
      ...seeded.apiServerIdentities.expired,
      ...seeded.apiServerIdentities.orphaned,
      ...seeded.leaderLeases.system,
      ...seeded.leaderLeases.live,
      ...seeded.leaderLeases.coordinated,
      ...seeded.leaderLeases.expired,
      ...seeded.leaderLeases.abandoned,
      ...seeded.malformedLeases,
    ];

    expect(reported.filter((k) => !idx.leases.has(k))).toEqual([]);
    expect(new Set(reported).size).toBe(reported.length);
    expect(seeded.leaderLeases.released.filter((k) => !seeded.leaderLeases.abandoned.includes(k))).toEqual(
      [],
    );
    expect(seeded.nodesWithoutLease.filter((n) => !idx.nodes.has(n))).toEqual([]);
  });

  it('puts every lease, pod and renew target in a namespace it created', () => {
    const ns = new Set(idx.namespaces);
    expect(idx.leaseList.filter((o) => !ns.has(o.metadata.namespace ?? ''))).toEqual([]);
    expect(idx.pods.filter((o) => !ns.has(o.metadata.namespace ?? ''))).toEqual([]);
    expect(scenario.renew.filter((t) => !idx.leases.has(`${t.namespace}/${t.name}`))).toEqual([]);
  });

  it('shapes every node lease like a kubelet: kube-node-lease, holder = name, 40 s', () => {
    const nodeLeases = idx.leaseList.filter((o) => o.metadata.namespace === NODE_LEASE_NAMESPACE);

    expect(nodeLeases).toHaveLength(seeded.counts.nodeLeases);
    for (const lease of nodeLeases) {
      expect(spec(lease).holderIdentity).toBe(lease.metadata.name);
      expect(spec(lease).leaseDurationSeconds).toBe(40);
      for (const owner of lease.metadata.ownerReferences ?? []) {
        expect(owner).toMatchObject({ apiVersion: 'v1', kind: 'Node', name: lease.metadata.name });
      }
    }
  });

  it('owns each live node lease by its Node uid', () => {
    const orphaned = new Set([
      ...seeded.orphanedNodeLeases.ownerless,
      ...seeded.orphanedNodeLeases.previousIncarnation,
    ]);
    const owned = idx.leaseList.filter(
      (o) => o.metadata.namespace === NODE_LEASE_NAMESPACE && !orphaned.has(keyOf(o)),
    );

    expect(owned).toHaveLength(s.nodes);
    for (const lease of owned) {
      expect(lease.metadata.ownerReferences?.map((r) => r.uid)).toEqual([
        idx.nodes.get(lease.metadata.name)?.metadata.uid,
      ]);
    }
  });

  it('dates stale heartbeats at least 5 minutes before nowMs and live ones within the 40 s lease', () => {
    const stale = new Set(seeded.staleNodeHeartbeats);
    const orphaned = new Set(seeded.orphanedNodeLeases.ownerless);
    for (const lease of idx.leaseList.filter((o) => o.metadata.namespace === NODE_LEASE_NAMESPACE)) {
      const age = NOW - Date.parse(String(spec(lease).renewTime));
      if (stale.has(keyOf(lease))) {
        expect(age).toBeGreaterThanOrEqual(5 * MINUTE);
        expect(age).toBeLessThan(30 * MINUTE);
      } else if (orphaned.has(keyOf(lease))) {
        expect(age).toBeGreaterThanOrEqual(2 * HOUR);
      } else {
        expect(age).toBeGreaterThanOrEqual(0);
        expect(age).toBeLessThan(40_000);
      }
    }
  });

  it('leaves ownerless orphans without a Node and gives previous incarnations a live Node of another uid', () => {
    for (const key of seeded.orphanedNodeLeases.ownerless) {
      const lease = idx.leases.get(key);
      expect(lease?.metadata.ownerReferences).toBeUndefined();
      expect(idx.nodes.has(lease?.metadata.name ?? '')).toBe(false);
    }
    for (const key of seeded.orphanedNodeLeases.previousIncarnation) {
      const lease = idx.leases.get(key);
      const node = idx.nodes.get(lease?.metadata.name ?? '');
      const ownerUid = lease?.metadata.ownerReferences?.[0]?.uid;
      expect(node).toBeDefined();
      expect(ownerUid).toEqual(expect.any(String));
      expect(ownerUid).not.toBe(node?.metadata.uid);
    }
  });

  it('gives nodes without a lease no lease at all', () => {
    for (const name of seeded.nodesWithoutLease) {
      expect(idx.leases.has(`${NODE_LEASE_NAMESPACE}/${name}`)).toBe(false);
    }
  });

  it('releases abandoned leases with an empty holder and 1 s duration', () => {
    for (const key of seeded.leaderLeases.released) {
      expect(spec(idx.leases.get(key) ?? { metadata: { name: '' } })).toMatchObject({
        holderIdentity: '',
        leaseDurationSeconds: 1,
      });
    }
  });

  it('expires identity leases past their 3600 s duration, orphaned ones by over 2 h', () => {
    const expiredFor = (key: string) => {
      const lease = spec(idx.leases.get(key) ?? { metadata: { name: '' } });
      return NOW - Date.parse(String(lease.renewTime)) - Number(lease.leaseDurationSeconds) * 1000;
    };
    for (const key of seeded.apiServerIdentities.live) expect(expiredFor(key)).toBeLessThan(0);
    for (const key of seeded.apiServerIdentities.expired) {
      expect(expiredFor(key)).toBeGreaterThan(0);
      expect(expiredFor(key)).toBeLessThanOrEqual(2 * HOUR);
    }
    for (const key of seeded.apiServerIdentities.orphaned) expect(expiredFor(key)).toBeGreaterThan(2 * HOUR);
  });
});

describe('buildScenario validation', () => {
  it.each([
    { nodes: 0, staleNodes: 1 },
    { nodes: 3, staleNodes: 4 },
  ])('refuses $staleNodes stale nodes out of $nodes', ({ nodes: n, staleNodes }) => {
    expect(() => buildScenario({ ...emptyScenario, nodes: n, staleNodes }, 1, NOW)).toThrow(
      'staleNodes cannot exceed nodes',
    );
  });

  it.each([
    { nodes: 1, staleNodes: 1 },
    { nodes: 7, staleNodes: 3 },
    { nodes: 10, staleNodes: 0 },
  ])('accepts $staleNodes stale nodes out of $nodes', ({ nodes: n, staleNodes }) => {
    expect(
      buildScenario({ ...emptyScenario, nodes: n, staleNodes }, 1, NOW).seeded.staleNodeHeartbeats,
    ).toHaveLength(staleNodes);
  });
});

describe('buildScenario seeds at most one system leader lease per system controller', () => {
  it('refuses more system leader leases than there are system controllers', () => {
    expect(() => buildScenario({ ...emptyScenario, systemLeaderLeases: 5 }, 1, 0)).toThrow(/at most 3/);
    expect(
      buildScenario({ ...emptyScenario, systemLeaderLeases: 3 }, 1, 0).seeded.leaderLeases.system,
    ).toHaveLength(3);
  });
});

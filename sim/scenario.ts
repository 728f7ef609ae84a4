import type { KubeObject } from './kube-object.ts';
import {
  type ApiServerIdentityStyle,
  apiServerIdentityLease,
  leaderLease,
  NODE_LEASE_NAMESPACE,
  namespaceObject,
  nodeLease,
  nodeObject,
  podObject,
} from './objects.ts';
import { SeededRandom } from './random.ts';
import { leases, namespaces, nodes, pods, type ResourceDef } from './resources.ts';

/** How many of each kind of object and anomaly a simulated cluster starts with. */
export interface ScenarioSpec {
  /** Nodes with a heartbeat lease (the stale ones included). */
  nodes: number;
  /** Of those, Nodes whose kubelet stopped renewing minutes ago. */
  staleNodes: number;
  /** Node leases without their Node: alternately owner-less with the Node gone, and owned by a previous incarnation of a live Node. */
  orphanedNodeLeases: number;
  /** Nodes with no heartbeat lease at all. */
  nodesWithoutLease: number;
  /** Live kube-apiserver identity leases (1.27+ style). */
  liveApiServers: number;
  /** Extra live identity leases that claim the hostname of a live apiserver (needs liveApiServers ≥ 1). */
  duplicateApiServerHostnames: number;
  /** Live leader leases of system controllers in kube-system (kube-controller-manager, kube-scheduler, cloud-controller-manager). */
  systemLeaderLeases: number;
  /** Expired identity leases, cycling: 1.27+ expired minutes ago, 1.26 expired hours ago, 1.20 expired days ago. */
  expiredApiServers: number;
  /** Live leader-election leases of workloads, each held by a running Pod. */
  workloadLeases: number;
  /** Leader leases expired for days whose holder Pod is gone; every third one was released (empty holder). */
  abandonedLeases: number;
  /** Leader leases expired for minutes only (not yet abandoned). */
  expiredLeases: number;
  /** Live coordinated-leader-election leases (`spec.strategy`). */
  coordinatedLeases: number;
  /** Leases a lease rule cannot read: missing renewTime, negative duration, renewTime in the future. */
  malformedLeases: number;
}

export const defaultScenario: ScenarioSpec = {
  nodes: 200,
  staleNodes: 3,
  orphanedNodeLeases: 4,
  nodesWithoutLease: 2,
  liveApiServers: 3,
  duplicateApiServerHostnames: 1,
  systemLeaderLeases: 3,
  expiredApiServers: 3,
  workloadLeases: 12,
  abandonedLeases: 6,
  expiredLeases: 2,
  coordinatedLeases: 1,
  malformedLeases: 3,
};

/** An empty cluster apart from the given counts. */
export const emptyScenario: ScenarioSpec = {
  nodes: 0,
  staleNodes: 0,
  orphanedNodeLeases: 0,
  nodesWithoutLease: 0,
  liveApiServers: 0,
  duplicateApiServerHostnames: 0,
  systemLeaderLeases: 0,
  expiredApiServers: 0,
  workloadLeases: 0,
  abandonedLeases: 0,
  expiredLeases: 0,
  coordinatedLeases: 0,
  malformedLeases: 0,
};

/** What a scenario seeded, by lease key (`namespace/name`) or node name, so tests can compare findings. */
export interface SeededReport {
  spec: ScenarioSpec;
  seed: number;
  nowMs: number;
  counts: { nodes: number; leases: number; nodeLeases: number; pods: number; namespaces: number };
  staleNodeHeartbeats: string[];
  orphanedNodeLeases: { ownerless: string[]; previousIncarnation: string[] };
  nodesWithoutLease: string[];
  /** `duplicateHostname` lists every live identity lease that shares its hostname with another (both sides). */
  apiServerIdentities: { live: string[]; expired: string[]; orphaned: string[]; duplicateHostname: string[] };
  leaderLeases: {
    system: string[];
    live: string[];
    coordinated: string[];
    expired: string[];
    abandoned: string[];
    released: string[];
  };
  malformedLeases: string[];
}

/** A lease the renewer keeps fresh, as its kubelet, apiserver or leader does. */
export interface RenewTarget {
  namespace: string;
  name: string;
  periodMs: number;
  kind: 'node' | 'identity' | 'leader';
}

export interface Scenario {
  objects: { def: ResourceDef; obj: KubeObject }[];
  renew: RenewTarget[];
  seeded: SeededReport;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const workloadNamespaces = ['payments', 'checkout', 'search', 'ml-pipelines', 'platform-operators'];
const systemControllers = ['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager'];

const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** A report of nothing seeded yet, which buildScenario fills in. */
export function emptySeededReport(spec: ScenarioSpec, seed: number, nowMs: number): SeededReport {
  return {
    spec,
    seed,
    nowMs,
    counts: { nodes: 0, leases: 0, nodeLeases: 0, pods: 0, namespaces: 0 },
    staleNodeHeartbeats: [],
    orphanedNodeLeases: { ownerless: [], previousIncarnation: [] },
    nodesWithoutLease: [],
    apiServerIdentities: { live: [], expired: [], orphaned: [], duplicateHostname: [] },
    leaderLeases: { system: [], live: [], coordinated: [], expired: [], abandoned: [], released: [] },
    malformedLeases: [],
  };
}

/**
 * Builds a cluster's objects deterministically from a seed and `now`. Timestamps are relative to `now`, so
 * a scenario built at the moment a simulated cluster starts has exactly the anomalies it reports.
 */
export function buildScenario(spec: ScenarioSpec, seed: number, nowMs: number): Scenario {
  if (spec.staleNodes > spec.nodes) throw new Error('staleNodes cannot exceed nodes');
  if (spec.systemLeaderLeases > systemControllers.length) {
    throw new Error(
      `systemLeaderLeases can be at most ${systemControllers.length} (${systemControllers.join(', ')})`,
    );
  }
  const r = new SeededRandom(seed);
  const objects: Scenario['objects'] = [];
  const renew: RenewTarget[] = [];
  const add = (def: ResourceDef, obj: KubeObject) => {
    objects.push({ def, obj });
    return obj;
  };
  const seeded = emptySeededReport(spec, seed, nowMs);
  const created = nowMs - 30 * DAY;
  for (const ns of ['default', 'kube-system', 'kube-public', NODE_LEASE_NAMESPACE, ...workloadNamespaces]) {
    add(namespaces, namespaceObject(ns, created));
  }

  const nodeName = (i: number) => `ip-10-${(i >> 16) & 255}-${(i >> 8) & 255}-${i & 255}.ec2.internal`;
  let nodeIndex = 0;
  const liveNodes: string[] = [];

  // Stale nodes are spread through the list rather than bunched at its start.
  const staleEvery = spec.staleNodes > 0 ? Math.floor(spec.nodes / spec.staleNodes) : 0;
  let staleLeft = spec.staleNodes;
  for (let i = 0; i < spec.nodes; i++) {
    const name = nodeName(nodeIndex++);
    const uid = r.uuid();
    const stale = staleLeft > 0 && staleEvery > 0 && i % staleEvery === staleEvery - 1;
    add(nodes, nodeObject(name, uid, r, created, nowMs, !stale));
    if (stale) {
      staleLeft--;
      const lease = add(leases, nodeLease(name, { uid }, nowMs - r.int(5 * MINUTE, 30 * MINUTE), created));
      seeded.staleNodeHeartbeats.push(key(lease));
    } else {
      add(leases, nodeLease(name, { uid }, nowMs - r.int(0, 9_000), created));
      renew.push({ namespace: NODE_LEASE_NAMESPACE, name, periodMs: 10_000, kind: 'node' });
      liveNodes.push(name);
    }
  }

  for (let i = 0; i < spec.orphanedNodeLeases; i++) {
    const name = nodeName(nodeIndex++);
    if (i % 2 === 0) {
      // The Node was deleted while its kubelet ran; the kubelet re-created the lease without an owner, then died.
      const lease = add(leases, nodeLease(name, undefined, nowMs - r.int(2 * HOUR, 3 * DAY), created));
      seeded.orphanedNodeLeases.ownerless.push(key(lease));
    } else {
      // The Node was re-created under the same name; the lease still names the previous incarnation's uid.
      const liveUid = r.uuid();
      add(nodes, nodeObject(name, liveUid, r, nowMs - HOUR, nowMs));
      const lease = add(leases, nodeLease(name, { uid: r.uuid() }, nowMs - r.int(0, 9_000), created));
      renew.push({ namespace: NODE_LEASE_NAMESPACE, name, periodMs: 10_000, kind: 'node' });
      seeded.orphanedNodeLeases.previousIncarnation.push(key(lease));
    }
  }

  for (let i = 0; i < spec.nodesWithoutLease; i++) {
    const name = nodeName(nodeIndex++);
    add(nodes, nodeObject(name, r.uuid(), r, nowMs - 2 * HOUR, nowMs, false));
    seeded.nodesWithoutLease.push(name);
  }

  for (let i = 0; i < spec.liveApiServers; i++) {
    const lease = add(
      leases,
      apiServerIdentityLease('1.27', `ip-10-0-0-${10 + i}.ec2.internal`, r, nowMs - r.int(0, 9_000), created),
    );
    renew.push({ namespace: 'kube-system', name: lease.metadata.name, periodMs: 10_000, kind: 'identity' });
    seeded.apiServerIdentities.live.push(key(lease));
  }
  for (let i = 0; i < spec.duplicateApiServerHostnames; i++) {
    const original = seeded.apiServerIdentities.live[i];
    if (!original) throw new Error('duplicateApiServerHostnames needs as many liveApiServers');
    const hostname = `ip-10-0-0-${10 + i}.ec2.internal`;
    const lease = add(leases, apiServerIdentityLease('1.27', hostname, r, nowMs - r.int(0, 9_000), created));
    renew.push({ namespace: 'kube-system', name: lease.metadata.name, periodMs: 10_000, kind: 'identity' });
    seeded.apiServerIdentities.live.push(key(lease));
    seeded.apiServerIdentities.duplicateHostname.push(original, key(lease));
  }
  const expiredStyles: { style: ApiServerIdentityStyle; expiredFor: () => number }[] = [
    { style: '1.27', expiredFor: () => r.int(MINUTE, 30 * MINUTE) },
    { style: '1.26', expiredFor: () => r.int(3 * HOUR, 12 * HOUR) },
    { style: '1.20', expiredFor: () => r.int(2 * DAY, 30 * DAY) },
  ];
  for (let i = 0; i < spec.expiredApiServers; i++) {
    const styleOf = expiredStyles[i % expiredStyles.length];
    if (!styleOf) continue;
    const { style, expiredFor } = styleOf;
    const gone = expiredFor();
    const renewMs = nowMs - 3600_000 - gone;
    const lease = add(
      leases,
      apiServerIdentityLease(style, `ip-10-0-1-${10 + i}.ec2.internal`, r, renewMs, renewMs - DAY),
    );
    // The apiserver's own GC deletes expired identity leases hourly; one expired for over 2 h means it is not running.
    (gone > 2 * HOUR ? seeded.apiServerIdentities.orphaned : seeded.apiServerIdentities.expired).push(
      key(lease),
    );
  }

  for (const controller of systemControllers.slice(0, spec.systemLeaderLeases)) {
    const holder = `ip-10-0-0-10.ec2.internal_${r.uuid()}`;
    const lease = add(
      leases,
      leaderLease({
        namespace: 'kube-system',
        name: controller,
        holder,
        renewMs: nowMs - r.int(0, 1_500),
        acquireMs: created,
        createdMs: created,
        transitions: r.int(0, 9),
      }),
    );
    renew.push({ namespace: 'kube-system', name: controller, periodMs: 2_000, kind: 'leader' });
    seeded.leaderLeases.system.push(key(lease));
  }

  const podNode = () => liveNodes[r.int(0, Math.max(1, liveNodes.length))] ?? 'ip-10-0-0-1.ec2.internal';
  for (let i = 0; i < spec.workloadLeases; i++) {
    const namespace = workloadNamespaces[i % workloadNamespaces.length] ?? 'default';
    const podName = `controller-${i}-${r.hex(10)}-${r.hex(5)}`;
    add(pods, podObject(namespace, podName, podNode(), 'Running', nowMs - DAY));
    const name = `${r.pick(['operator', 'controller', 'webhook', 'reconciler'])}-${i}.example.com`;
    const lease = add(
      leases,
      leaderLease({
        namespace,
        name,
        holder: `${podName}_${r.uuid()}`,
        renewMs: nowMs - r.int(0, 1_500),
        acquireMs: nowMs - DAY,
        createdMs: created,
      }),
    );
    renew.push({ namespace, name, periodMs: 2_000, kind: 'leader' });
    seeded.leaderLeases.live.push(key(lease));
  }

  for (let i = 0; i < spec.coordinatedLeases; i++) {
    const lease = add(
      leases,
      leaderLease({
        namespace: 'kube-system',
        name: `coordinated-controller-${i}`,
        holder: `ip-10-0-0-11.ec2.internal_${r.uuid()}`,
        renewMs: nowMs - r.int(0, 1_500),
        acquireMs: nowMs - HOUR,
        createdMs: created,
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'ip-10-0-0-11.ec2.internal',
      }),
    );
    renew.push({ namespace: 'kube-system', name: lease.metadata.name, periodMs: 2_000, kind: 'leader' });
    seeded.leaderLeases.coordinated.push(key(lease));
  }

  for (let i = 0; i < spec.expiredLeases; i++) {
    const namespace = workloadNamespaces[i % workloadNamespaces.length] ?? 'default';
    const lease = add(
      leases,
      leaderLease({
        namespace,
        name: `batch-scheduler-${i}`,
        holder: `batch-scheduler-${r.hex(10)}-${r.hex(5)}_${r.uuid()}`,
        renewMs: nowMs - r.int(2 * MINUTE, 30 * MINUTE),
        acquireMs: nowMs - DAY,
        createdMs: created,
      }),
    );
    seeded.leaderLeases.expired.push(key(lease));
  }

  for (let i = 0; i < spec.abandonedLeases; i++) {
    const namespace = workloadNamespaces[i % workloadNamespaces.length] ?? 'default';
    const released = i % 3 === 2;
    const renewMs = nowMs - r.int(2 * DAY, 60 * DAY);
    const lease = add(
      leases,
      leaderLease({
        namespace,
        name: `legacy-operator-${i}.example.com`,
        holder: released ? '' : `legacy-operator-${r.hex(10)}-${r.hex(5)}_${r.uuid()}`,
        durationSeconds: released ? 1 : 15,
        renewMs,
        acquireMs: renewMs - DAY,
        createdMs: renewMs - 2 * DAY,
        transitions: r.int(0, 20),
      }),
    );
    seeded.leaderLeases.abandoned.push(key(lease));
    if (released) seeded.leaderLeases.released.push(key(lease));
  }

  const malformations: ((o: KubeObject) => void)[] = [
    (o) => {
      delete (o.spec as Record<string, unknown>).renewTime;
    },
    (o) => {
      (o.spec as Record<string, unknown>).leaseDurationSeconds = -15;
    },
    (o) => {
      (o.spec as Record<string, unknown>).renewTime = '2199-01-01T00:00:00.000000Z';
    },
  ];
  for (let i = 0; i < spec.malformedLeases; i++) {
    const namespace = workloadNamespaces[i % workloadNamespaces.length] ?? 'default';
    const lease = leaderLease({
      namespace,
      name: `malformed-${i}`,
      holder: `writer-${i}`,
      renewMs: nowMs - DAY,
      acquireMs: nowMs - DAY,
      createdMs: created,
    });
    malformations[i % malformations.length]?.(lease);
    add(leases, lease);
    seeded.malformedLeases.push(key(lease));
  }

  for (const { def } of objects) {
    if (def === nodes) seeded.counts.nodes++;
    if (def === leases) seeded.counts.leases++;
    if (def === pods) seeded.counts.pods++;
    if (def === namespaces) seeded.counts.namespaces++;
  }
  seeded.counts.nodeLeases = objects.filter(
    (o) => o.def === leases && o.obj.metadata.namespace === NODE_LEASE_NAMESPACE,
  ).length;
  return { objects, renew, seeded };
}

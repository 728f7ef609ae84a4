import type { KubeObject } from './kube-object.ts';
import { LEASE_CANDIDATE_VALID_MS, leaseCandidateObject } from './lease-candidates.ts';
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
import { leaseCandidatesAt, leases, namespaces, nodes, pods, type ResourceDef } from './resources.ts';

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
  // Issue 17's shapes (optional, 0 when absent, so older specs stay valid).
  /**
   * Control-plane leader leases in kube-system that nobody renews past their 15 s: no instance leads. They take
   * the controllers systemLeaderLeases leaves (kube-controller-manager, kube-scheduler, cloud-controller-manager
   * in that order), so systemLeaderLeases + controlPlaneLeaderless is at most 3.
   */
  controlPlaneLeaderless?: number;
  /** Workload leader leases whose holder keeps changing: leaseTransitions high, acquireTime seconds ago. */
  flappingLeaders?: number;
  /** How often the renewer hands a flapping lease to another replica (default 30 s). */
  flapEverySeconds?: number;
  /** LeaseCandidates in kube-system whose renewTime is past the 30 min the apiserver counts them valid. */
  staleLeaseCandidates?: number;
  /** Live coordinated leases (spec.strategy) that have no LeaseCandidate at all. */
  coordinatedLeasesWithoutCandidate?: number;
  /** Custom leases named `leader`, `lock`, `leader-election` (at most 3), no ownerReferences, no app.kubernetes.io labels. */
  genericLeaseNames?: number;
  /** Namespaces (0, or 2 to 5) that each hold a lease of the same name, held by different-looking components. */
  sharedLeaseNameHolders?: number;
}

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
  controlPlaneLeaderless: 0,
  flappingLeaders: 0,
  staleLeaseCandidates: 0,
  coordinatedLeasesWithoutCandidate: 0,
  genericLeaseNames: 0,
  sharedLeaseNameHolders: 0,
};

/** A small cluster with a few of each shape lease-reaper reports (the issue-17 shapes are opt-in). */
export const defaultScenario: ScenarioSpec = {
  ...emptyScenario,
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

/** Whether a scenario seeds LeaseCandidate shapes, so the cluster must serve the API. */
export function scenarioNeedsLeaseCandidates(spec: ScenarioSpec): boolean {
  return (spec.staleLeaseCandidates ?? 0) > 0 || (spec.coordinatedLeasesWithoutCandidate ?? 0) > 0;
}

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
    /** kube-system control-plane leader leases past their duration (controlPlaneLeaderless). */
    controlPlaneLeaderless: string[];
    /** Leader leases the renewer makes flap (flappingLeaders). */
    flapping: string[];
    /** Coordinated leases with no LeaseCandidate (coordinatedLeasesWithoutCandidate). */
    coordinatedWithoutCandidate: string[];
  };
  malformedLeases: string[];
  /**
   * LeaseCandidates by `namespace/name`, and the version served (undefined: the API is not served, none seeded).
   * `live`: one per `coordinated` lease, named after its holder and renewed; `stale`: staleLeaseCandidates.
   */
  leaseCandidates: { apiVersion: string | undefined; live: string[]; stale: string[] };
  /** The shapes the Leases docs' naming advice is about. */
  namingAdvice: {
    /** genericLeaseNames: `leader`, `lock`, `leader-election`, without ownerReferences or app.kubernetes.io labels. */
    generic: string[];
    /** The lease name sharedLeaseNameHolders namespaces share ('' when none), and those leases. */
    sharedName: string;
    shared: string[];
    /**
     * Every lease outside kube-system and kube-node-lease with no ownerReferences and no app.kubernetes.io/*
     * label, whatever shape seeded it (the generic ones included).
     */
    withoutOwnerLink: string[];
  };
}

/** A lease the renewer keeps fresh, as its kubelet, apiserver or leader does. */
export interface RenewTarget {
  namespace: string;
  name: string;
  periodMs: number;
  kind: 'node' | 'identity' | 'leader' | 'candidate';
  /** A flapping leader: every `everyMs` the lease passes to the next of `holders` (sim/renewer.ts). */
  flap?: { holders: readonly string[]; everyMs: number };
}

export interface ScenarioOptions {
  /**
   * The LeaseCandidate version the cluster serves, or undefined when it serves none. Candidates are seeded
   * only where served; a scenario with LeaseCandidate shapes then needs one.
   */
  leaseCandidateVersion?: 'v1alpha2' | 'v1beta1' | undefined;
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
/** Names the Leases docs warn about ("use a name ... obviously linked to the product or component"). */
const genericNames = ['leader', 'lock', 'leader-election'];
/** Different-looking components (app, pod name prefix) that each picked the same lease name. */
const sharedNameApps = [
  'payments-ledger',
  'checkout-cart',
  'search-indexer',
  'feature-store',
  'gitops-agent',
];
const SHARED_LEASE_NAME = 'cluster-sync';

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
    leaderLeases: {
      system: [],
      live: [],
      coordinated: [],
      expired: [],
      abandoned: [],
      released: [],
      controlPlaneLeaderless: [],
      flapping: [],
      coordinatedWithoutCandidate: [],
    },
    malformedLeases: [],
    leaseCandidates: { apiVersion: undefined, live: [], stale: [] },
    namingAdvice: { generic: [], sharedName: '', shared: [], withoutOwnerLink: [] },
  };
}

/**
 * Builds a cluster's objects deterministically from a seed and `now`. Timestamps are relative to `now`, so
 * a scenario built at the moment a simulated cluster starts has exactly the anomalies it reports.
 */
export function buildScenario(
  spec: ScenarioSpec,
  seed: number,
  nowMs: number,
  options: ScenarioOptions = {},
): Scenario {
  if (spec.staleNodes > spec.nodes) throw new Error('staleNodes cannot exceed nodes');
  if (spec.systemLeaderLeases > systemControllers.length) {
    throw new Error(
      `systemLeaderLeases can be at most ${systemControllers.length} (${systemControllers.join(', ')})`,
    );
  }
  checkIssue17Shapes(spec, options);
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
  const seedContext = { r, nowMs, created, add, renew, seeded, podNode };
  for (let i = 0; i < spec.workloadLeases; i++) {
    const namespace = workloadNamespaces[i % workloadNamespaces.length] ?? 'default';
    const podName = `controller-${i}-${r.hex(10)}-${r.hex(5)}`;
    const name = `${r.pick(['operator', 'controller', 'webhook', 'reconciler'])}-${i}.example.com`;
    const lease = seedLiveLeader(seedContext, { namespace, name, podName });
    seeded.leaderLeases.live.push(key(lease));
  }

  const coordinatedHolders = new Map<string, string>();
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
    coordinatedHolders.set(key(lease), String((lease.spec as { holderIdentity?: string }).holderIdentity));
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

  seedIssue17Shapes(spec, options, { ...seedContext, coordinatedHolders });

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
  seeded.namingAdvice.withoutOwnerLink = objects
    .filter((o) => o.def === leases && !ownerLinked(o.obj))
    .map((o) => key(o.obj));
  return { objects, renew, seeded };
}

/** A custom lease linked to an owner: ownerReferences or an app.kubernetes.io/* label; system leases count as linked. */
function ownerLinked(o: KubeObject): boolean {
  const ns = o.metadata.namespace;
  if (ns === 'kube-system' || ns === NODE_LEASE_NAMESPACE) return true;
  if ((o.metadata.ownerReferences ?? []).length > 0) return true;
  return Object.keys(o.metadata.labels ?? {}).some((k) => k.startsWith('app.kubernetes.io/'));
}

function checkIssue17Shapes(spec: ScenarioSpec, options: ScenarioOptions): void {
  if (spec.systemLeaderLeases + (spec.controlPlaneLeaderless ?? 0) > systemControllers.length) {
    throw new Error(
      `systemLeaderLeases + controlPlaneLeaderless can be at most ${systemControllers.length}: a cluster has one lease per controller (${systemControllers.join(', ')})`,
    );
  }
  if ((spec.genericLeaseNames ?? 0) > genericNames.length) {
    throw new Error(`genericLeaseNames can be at most ${genericNames.length} (${genericNames.join(', ')})`);
  }
  if (
    (spec.sharedLeaseNameHolders ?? 0) === 1 ||
    (spec.sharedLeaseNameHolders ?? 0) > sharedNameApps.length
  ) {
    throw new Error(`sharedLeaseNameHolders is 0, or 2 to ${sharedNameApps.length} namespaces`);
  }
  if (scenarioNeedsLeaseCandidates(spec) && !options.leaseCandidateVersion) {
    throw new Error(
      'staleLeaseCandidates and coordinatedLeasesWithoutCandidate need a cluster that serves LeaseCandidates',
    );
  }
}

interface SeedContext {
  r: SeededRandom;
  nowMs: number;
  created: number;
  add: (def: ResourceDef, obj: KubeObject) => KubeObject;
  renew: RenewTarget[];
  seeded: SeededReport;
  podNode: () => string;
  /** The holder of each `coordinatedLeases` lease, by key. */
  coordinatedHolders: ReadonlyMap<string, string>;
}

/**
 * A live leader: a Running Pod (on a live Node, up a day) holds `name` as client-go leader election writes it
 * (holder `<pod>_<uuid>`, renewed within the last 1.5 s, acquired a day ago), and the renewer keeps it fresh.
 */
function seedLiveLeader(
  c: Omit<SeedContext, 'coordinatedHolders'>,
  lease: { namespace: string; name: string; podName: string; labels?: Record<string, string> },
): KubeObject {
  const { r, nowMs, created, add, renew, podNode } = c;
  const { namespace, name, podName, labels } = lease;
  add(pods, podObject(namespace, podName, podNode(), 'Running', nowMs - DAY));
  const stored = add(
    leases,
    leaderLease({
      namespace,
      name,
      holder: `${podName}_${r.uuid()}`,
      renewMs: nowMs - r.int(0, 1_500),
      acquireMs: nowMs - DAY,
      createdMs: created,
      ...(labels ? { labels } : {}),
    }),
  );
  renew.push({ namespace, name, periodMs: 2_000, kind: 'leader' });
  return stored;
}

/**
 * The shapes of issue 17: control planes without a leader, leader churn, LeaseCandidates, and the naming
 * advice of the Leases docs (https://kubernetes.io/docs/concepts/architecture/leases/).
 */
function seedIssue17Shapes(spec: ScenarioSpec, options: ScenarioOptions, c: SeedContext): void {
  const { r, nowMs, created, add, renew, seeded, podNode } = c;

  // kube-controller-manager / kube-scheduler / cloud-controller-manager as client-go leaderelection writes them
  // (holder `<hostname>_<uuid>`, 15 s), last renewed minutes ago: every instance is down or partitioned.
  const leaderless = systemControllers.slice(
    spec.systemLeaderLeases,
    spec.systemLeaderLeases + (spec.controlPlaneLeaderless ?? 0),
  );
  leaderless.forEach((controller, i) => {
    const renewMs = nowMs - r.int(2 * MINUTE, 20 * MINUTE);
    const lease = add(
      leases,
      leaderLease({
        namespace: 'kube-system',
        name: controller,
        holder: `ip-10-0-0-${20 + i}.ec2.internal_${r.uuid()}`,
        renewMs,
        acquireMs: renewMs - r.int(HOUR, 10 * DAY),
        createdMs: created,
        transitions: r.int(1, 12),
      }),
    );
    seeded.leaderLeases.controlPlaneLeaderless.push(key(lease));
  });

  // Crash-looping replicas: each holds the lease a few seconds before the next takes it over.
  const everyMs = (spec.flapEverySeconds ?? 30) * 1000;
  for (let i = 0; i < (spec.flappingLeaders ?? 0); i++) {
    const namespace = workloadNamespaces[i % workloadNamespaces.length] ?? 'default';
    const replicaSet = `queue-worker-${i}-${r.hex(10)}`;
    const holders: string[] = [];
    for (let p = 0; p < 3; p++) {
      const podName = `${replicaSet}-${r.hex(5)}`;
      add(pods, podObject(namespace, podName, podNode(), 'Running', nowMs - r.int(MINUTE, 10 * MINUTE)));
      holders.push(`${podName}_${r.uuid()}`);
    }
    const name = `queue-worker-${i}.example.com`;
    const lease = add(
      leases,
      leaderLease({
        namespace,
        name,
        holder: holders[0] as string,
        renewMs: nowMs - r.int(0, 1_500),
        acquireMs: nowMs - r.int(2_000, Math.max(3_000, everyMs)),
        createdMs: nowMs - r.int(2 * HOUR, DAY),
        transitions: r.int(40, 400),
      }),
    );
    renew.push({ namespace, name, periodMs: 2_000, kind: 'leader', flap: { holders, everyMs } });
    seeded.leaderLeases.flapping.push(key(lease));
  }

  // Coordinated leases with no candidate: the holder still renews, but nothing could be elected after it.
  for (let i = 0; i < (spec.coordinatedLeasesWithoutCandidate ?? 0); i++) {
    const lease = add(
      leases,
      leaderLease({
        namespace: 'kube-system',
        name: `coordinated-controller-${spec.coordinatedLeases + i}`,
        holder: `ip-10-0-0-${30 + i}.ec2.internal_${r.uuid()}`,
        renewMs: nowMs - r.int(0, 1_500),
        acquireMs: nowMs - HOUR,
        createdMs: created,
        strategy: 'OldestEmulationVersion',
      }),
    );
    renew.push({ namespace: 'kube-system', name: lease.metadata.name, periodMs: 2_000, kind: 'leader' });
    seeded.leaderLeases.coordinatedWithoutCandidate.push(key(lease));
  }

  const version = options.leaseCandidateVersion;
  if (version) {
    seeded.leaseCandidates.apiVersion = `coordination.k8s.io/${version}`;
    const candidates = leaseCandidatesAt(version);
    // Each live coordinated lease is held by an elected candidate: the holder identity is its name.
    for (const leaseKey of seeded.leaderLeases.coordinated) {
      const [namespace = 'kube-system', leaseName = ''] = leaseKey.split('/');
      const holder = c.coordinatedHolders.get(leaseKey) ?? '';
      const candidate = add(
        candidates,
        leaseCandidateObject({
          namespace,
          name: holder,
          leaseName,
          binaryVersion: '1.32.0',
          emulationVersion: '1.32.0',
          renewMs: nowMs - r.int(0, MINUTE),
          createdMs: nowMs - HOUR,
        }),
      );
      renew.push({ namespace, name: holder, periodMs: 5 * MINUTE, kind: 'candidate' });
      seeded.leaseCandidates.live.push(key(candidate));
    }
    // Candidates of instances gone for good: renewTime past the 30 min the apiserver counts a candidate valid;
    // every other one was pinged since and never answered (pingTime after renewTime).
    for (let i = 0; i < (spec.staleLeaseCandidates ?? 0); i++) {
      const renewMs = nowMs - r.int(LEASE_CANDIDATE_VALID_MS + 5 * MINUTE, 6 * HOUR);
      const candidate = add(
        candidates,
        leaseCandidateObject({
          namespace: 'kube-system',
          name: `ip-10-0-2-${10 + i}.ec2.internal_${r.uuid()}`,
          leaseName: systemControllers[i % 2] as string,
          binaryVersion: '1.32.0',
          emulationVersion: i % 3 === 2 ? '1.31.0' : '1.32.0',
          renewMs,
          pingMs: i % 2 === 0 ? nowMs - r.int(MINUTE, 30 * MINUTE) : undefined,
          createdMs: renewMs - DAY,
        }),
      );
      seeded.leaseCandidates.stale.push(key(candidate));
    }
  }

  // Generic names, no owner link: a live leader each, held by a Running Pod of an unlabeled lease.
  for (let i = 0; i < (spec.genericLeaseNames ?? 0); i++) {
    const namespace = workloadNamespaces[i % workloadNamespaces.length] ?? 'default';
    const podName = `controller-${r.hex(10)}-${r.hex(5)}`;
    const lease = seedLiveLeader(c, { namespace, name: genericNames[i] as string, podName });
    seeded.namingAdvice.generic.push(key(lease));
  }

  // One name, several components: each lease is labelled with its own app, so only the collision stands out.
  if ((spec.sharedLeaseNameHolders ?? 0) > 0) seeded.namingAdvice.sharedName = SHARED_LEASE_NAME;
  for (let i = 0; i < (spec.sharedLeaseNameHolders ?? 0); i++) {
    const namespace = workloadNamespaces[i] ?? 'default';
    const app = sharedNameApps[i] as string;
    const podName = `${app}-${r.hex(10)}-${r.hex(5)}`;
    const labels = { 'app.kubernetes.io/name': app };
    const lease = seedLiveLeader(c, { namespace, name: SHARED_LEASE_NAME, podName, labels });
    seeded.namingAdvice.shared.push(key(lease));
  }
}

import type { ResourceName } from './status.ts';

/** What the simulated apiserver needs to know about one resource type: discovery and routing. */
export interface ResourceDef extends ResourceName {
  kind: string;
  listKind: string;
  singular: string;
  apiVersion: string;
  namespaced: boolean;
  shortNames: readonly string[];
  verbs: readonly string[];
}

export const leases: ResourceDef = {
  resource: 'leases',
  group: 'coordination.k8s.io',
  kind: 'Lease',
  listKind: 'LeaseList',
  singular: 'lease',
  apiVersion: 'coordination.k8s.io/v1',
  namespaced: true,
  shortNames: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
};

export const nodes: ResourceDef = {
  resource: 'nodes',
  group: '',
  kind: 'Node',
  listKind: 'NodeList',
  singular: 'node',
  apiVersion: 'v1',
  namespaced: false,
  shortNames: ['no'],
  verbs: ['create', 'delete', 'get', 'list', 'watch'],
};

export const pods: ResourceDef = {
  resource: 'pods',
  group: '',
  kind: 'Pod',
  listKind: 'PodList',
  singular: 'pod',
  apiVersion: 'v1',
  namespaced: true,
  shortNames: ['po'],
  verbs: ['create', 'delete', 'get', 'list', 'watch'],
};

export const namespaces: ResourceDef = {
  resource: 'namespaces',
  group: '',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  singular: 'namespace',
  apiVersion: 'v1',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'get', 'list', 'watch'],
};

/**
 * events.k8s.io/v1 Event, where the sim stores every Event (sim/events.ts). A real server also serves update,
 * patch, delete, deletecollection and watch; the sim serves what lease-reaper and `kubectl get events` use.
 */
export const events: ResourceDef = {
  resource: 'events',
  group: 'events.k8s.io',
  kind: 'Event',
  listKind: 'EventList',
  singular: 'event',
  apiVersion: 'events.k8s.io/v1',
  namespaced: true,
  shortNames: ['ev'],
  verbs: ['create', 'get', 'list'],
};

/**
 * core/v1 Event: a view of the same registry (kube-apiserver keeps one for both APIs), never stored itself;
 * the api server reads `events` and converts (sim/events.ts asCoreEvent). Read-only in the sim.
 */
export const coreEvents: ResourceDef = {
  resource: 'events',
  group: '',
  kind: 'Event',
  listKind: 'EventList',
  singular: 'event',
  apiVersion: 'v1',
  namespaced: true,
  shortNames: ['ev'],
  verbs: ['get', 'list'],
};

export const allResources = [leases, nodes, pods, namespaces, coreEvents, events] as const;

/**
 * The API versions of coordination.k8s.io LeaseCandidate the sim can serve (sim/lease-candidates.ts says
 * which Kubernetes release serves which). v1alpha1 (1.31) is not among them: its spec had
 * `preferredStrategies` where later versions have `strategy`.
 */
export type LeaseCandidateVersion = 'v1alpha2' | 'v1beta1';

const leaseCandidateDefs = new Map<LeaseCandidateVersion, ResourceDef>();

/**
 * LeaseCandidate at one API version: namespaced, no short names, the generic registry's verbs
 * (pkg/registry/coordination/leasecandidate/storage/storage.go: a plain genericregistry.Store).
 * One object per version, so the store keeps one bucket per served version.
 */
export function leaseCandidatesAt(version: LeaseCandidateVersion): ResourceDef {
  let def = leaseCandidateDefs.get(version);
  if (!def) {
    def = {
      resource: 'leasecandidates',
      group: 'coordination.k8s.io',
      kind: 'LeaseCandidate',
      listKind: 'LeaseCandidateList',
      singular: 'leasecandidate',
      apiVersion: `coordination.k8s.io/${version}`,
      namespaced: true,
      shortNames: [],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    };
    leaseCandidateDefs.set(version, def);
  }
  return def;
}

/** The version part of a def's apiVersion (`v1` for `coordination.k8s.io/v1` and for core `v1`). */
export const versionOf = (def: ResourceDef): string => def.apiVersion.split('/').pop() ?? def.apiVersion;

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

export const allResources = [leases, nodes, pods, namespaces] as const;

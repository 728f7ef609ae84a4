import type { KubeObject } from './kube-object.ts';
import type { ResourceName } from './status.ts';

/** What the simulated apiserver needs to know about one resource type: discovery, routing and fields. */
export interface ResourceDef extends ResourceName {
  kind: string;
  listKind: string;
  singular: string;
  apiVersion: string;
  namespaced: boolean;
  shortNames: readonly string[];
  verbs: readonly string[];
  /** Fields a fieldSelector may use, as the real apiserver registers them for this resource. */
  fields: readonly string[];
  /** Whether the apiserver has a field-label conversion for this kind (it changes the error wording). */
  fieldLabelConversion: boolean;
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
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'update'],
  fields: ['metadata.name', 'metadata.namespace'],
  fieldLabelConversion: false,
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
  verbs: ['create', 'delete', 'get', 'list'],
  fields: ['metadata.name', 'spec.unschedulable'],
  fieldLabelConversion: true,
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
  verbs: ['create', 'delete', 'get', 'list'],
  fields: ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'],
  fieldLabelConversion: true,
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
  verbs: ['create', 'get', 'list'],
  fields: ['metadata.name', 'status.phase'],
  fieldLabelConversion: true,
};

export const allResources = [leases, nodes, pods, namespaces] as const;

/** Reads a selectable field from an object; only fields listed in `ResourceDef.fields` are asked for. */
export function fieldValue(obj: KubeObject, field: string): string | undefined {
  switch (field) {
    case 'metadata.name':
      return obj.metadata.name;
    case 'metadata.namespace':
      return obj.metadata.namespace ?? '';
    case 'spec.nodeName':
      return stringAt(obj, 'spec', 'nodeName');
    case 'spec.unschedulable':
      return String(Boolean((obj.spec as { unschedulable?: boolean } | undefined)?.unschedulable));
    case 'status.phase':
      return stringAt(obj, 'status', 'phase');
    default:
      return undefined;
  }
}

function stringAt(obj: KubeObject, section: 'spec' | 'status', key: string): string | undefined {
  const part = obj[section] as Record<string, unknown> | undefined;
  const v = part?.[key];
  return typeof v === 'string' ? v : undefined;
}

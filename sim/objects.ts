import { eksNode, kubeletLeaseManagedFields } from './eks-node.ts';
import { type KubeObject, microTime, rfc3339 } from './kube-object.ts';
import type { SeededRandom } from './random.ts';

/**
 * Builders for objects shaped like the ones real clusters hold: kubelet node leases, EKS-like Nodes,
 * apiserver identity leases of each Kubernetes generation, client-go leader-election leases, Pods.
 */

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/**
 * An EKS worker Node (managed node group or Karpenter), shaped as a real one: see sim/eks-node.ts for the
 * labels, annotations, managedFields and kubelet-written status it carries.
 */
export function nodeObject(
  name: string,
  uid: string,
  r: SeededRandom,
  createdMs: number,
  nowMs: number,
  ready = true,
): KubeObject {
  return eksNode({ name, uid, createdMs, nowMs, ready }, r);
}

/** A kubelet's heartbeat lease: name = node name = holder, owned by its Node, 40 s duration. */
export function nodeLease(
  nodeName: string,
  owner: { uid: string } | undefined,
  renewMs: number,
  createdMs: number,
): KubeObject {
  return {
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      creationTimestamp: rfc3339(createdMs),
      ...(owner
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: owner.uid }] }
        : {}),
      managedFields: kubeletLeaseManagedFields(owner?.uid, renewMs),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: microTime(renewMs) },
  };
}

export type ApiServerIdentityStyle = '1.20' | '1.26' | '1.27';

/**
 * A kube-apiserver identity lease in kube-system. Names and labels changed across releases:
 * 1.20–1.25 `kube-apiserver-<uuid>` + `k8s.io/component`; 1.26 `kube-apiserver-<hash>` + `k8s.io/component`;
 * 1.27+ `apiserver-<hash>` + `apiserver.kubernetes.io/identity`.
 */
export function apiServerIdentityLease(
  style: ApiServerIdentityStyle,
  hostname: string,
  r: SeededRandom,
  renewMs: number,
  createdMs: number,
): KubeObject {
  const id =
    style === '1.20'
      ? `kube-apiserver-${r.uuid()}`
      : `${style === '1.26' ? 'kube-apiserver' : 'apiserver'}-${r.hex(26)}`;
  const componentLabel: Record<string, string> =
    style === '1.27'
      ? { 'apiserver.kubernetes.io/identity': 'kube-apiserver' }
      : { 'k8s.io/component': 'kube-apiserver' };
  return {
    metadata: {
      name: id,
      namespace: 'kube-system',
      creationTimestamp: rfc3339(createdMs),
      labels: { ...componentLabel, 'kubernetes.io/hostname': hostname },
    },
    spec: { holderIdentity: `${id}_${r.uuid()}`, leaseDurationSeconds: 3600, renewTime: microTime(renewMs) },
  };
}

export interface LeaderLeaseOptions {
  namespace: string;
  name: string;
  holder: string;
  renewMs: number;
  acquireMs: number;
  createdMs: number;
  durationSeconds?: number;
  transitions?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Coordinated leader election (1.31+) fields. */
  strategy?: string;
  preferredHolder?: string;
}

/** A client-go leader-election lease (15 s by default); a released one has an empty holder and 1 s duration. */
export function leaderLease(o: LeaderLeaseOptions): KubeObject {
  return {
    metadata: {
      name: o.name,
      namespace: o.namespace,
      creationTimestamp: rfc3339(o.createdMs),
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      holderIdentity: o.holder,
      leaseDurationSeconds: o.durationSeconds ?? 15,
      acquireTime: microTime(o.acquireMs),
      renewTime: microTime(o.renewMs),
      leaseTransitions: o.transitions ?? 0,
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.preferredHolder ? { preferredHolder: o.preferredHolder } : {}),
    },
  };
}

export function podObject(
  namespace: string,
  name: string,
  nodeName: string,
  phase: string,
  createdMs: number,
): KubeObject {
  return {
    metadata: {
      name,
      namespace,
      creationTimestamp: rfc3339(createdMs),
      labels: { app: name.split('-')[0] ?? name },
    },
    spec: {
      nodeName,
      containers: [{ name: 'manager', image: 'registry.example.com/controller:v1.4.2' }],
    },
    status: { phase, podIP: '10.0.0.1', startTime: rfc3339(createdMs) },
  };
}

export function namespaceObject(name: string, createdMs: number): KubeObject {
  return {
    metadata: {
      name,
      creationTimestamp: rfc3339(createdMs),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

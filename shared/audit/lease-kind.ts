import type { LeaseRecord } from '../kube/records.ts';
import type { LeaseKind } from './findings.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const SYSTEM_NAMESPACE = 'kube-system';

/** 1.27+: `apiserver.kubernetes.io/identity=kube-apiserver`; 1.26: `k8s.io/component=kube-apiserver`. */
export function isApiServerIdentity(lease: LeaseRecord): boolean {
  if (lease.namespace !== SYSTEM_NAMESPACE) return false;
  const labels = lease.labels;
  return (
    labels['apiserver.kubernetes.io/identity'] === 'kube-apiserver' ||
    labels['k8s.io/component'] === 'kube-apiserver' ||
    // 1.20–1.25 wrote `kube-apiserver-<uuid>`, a new one on every restart; catch those by name too.
    lease.name.startsWith('kube-apiserver-')
  );
}

/** Coordinated leader election (1.31+) owns leases that carry a strategy or a preferred holder. */
export function isCoordinated(lease: LeaseRecord): boolean {
  return (
    (lease.strategy !== undefined && lease.strategy !== null && lease.strategy !== '') ||
    (lease.preferredHolder !== undefined && lease.preferredHolder !== null && lease.preferredHolder !== '')
  );
}

/**
 * What a lease is for. The order matters and is explicit: the node-lease namespace belongs to kubelets;
 * identity labels (or old names) mark apiservers; coordinated election is recognised before the
 * namespace-based split into system and workload leader leases.
 */
export function leaseKind(lease: LeaseRecord): LeaseKind {
  if (lease.namespace === NODE_LEASE_NAMESPACE) return 'nodeHeartbeat';
  if (isApiServerIdentity(lease)) return 'apiServerIdentity';
  if (isCoordinated(lease)) return 'coordinated';
  if (lease.namespace === SYSTEM_NAMESPACE) return 'systemLeader';
  return 'leader';
}

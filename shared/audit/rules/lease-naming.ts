import type { LeaseRecord } from '../../kube/records.ts';
import type { AuditPolicy } from '../audit-policy.ts';
import type { Finding, FindingFacts, LeaseKind } from '../findings.ts';
import { NODE_LEASE_NAMESPACE, SYSTEM_NAMESPACE } from '../lease-kind.ts';
import { holderOf } from '../lease-shape.ts';
import { ageSeconds } from './facts.ts';
import { holderPodName } from './leader-leases.ts';

/**
 * The naming advice of the Leases docs (kubernetes.io/docs/concepts/architecture/leases): "use a name for
 * the Lease that is obviously linked to the product or component", and avoid collisions when several
 * instances are deployed. Only custom leader leases are advised (not kube-system, not kube-node-lease, not
 * apiserver identities), and each gets at most one LeaseNamingAdvice (info), naming every point that applies:
 * - `genericName`: its name, lower-cased, is one of the policy's `genericLeaseNames` (`leader`, `lock`, …);
 * - `noOwnerLink`: no ownerReferences and no `app.kubernetes.io/*` label (client-go writes labels on leader
 *   leases only since 1.34, so most real ones have none);
 * - `sharedName`: the same name in several namespaces, held by what look like different components: their
 *   `app.kubernetes.io/name` labels differ, or, unlabelled, the Deployment or StatefulSet their holder Pod
 *   belongs to. A lease whose component cannot be told is never called different.
 * Advice only: never a deletion candidate, and off in metrics unless a registry names it.
 */

const NAME_LABEL = 'app.kubernetes.io/name';
const APP_LABEL_PREFIX = 'app.kubernetes.io/';

/** A leader lease of a workload or operator: what the advice is about. */
export function isCustomLeader(lease: LeaseRecord, kind: LeaseKind): boolean {
  if (kind === 'leader') return true;
  return (
    kind === 'coordinated' && lease.namespace !== SYSTEM_NAMESPACE && lease.namespace !== NODE_LEASE_NAMESPACE
  );
}

/** ownerReferences, or an `app.kubernetes.io/*` label, say whose the lease is. */
export function hasOwnerLink(lease: LeaseRecord): boolean {
  if (lease.ownerReferences.length > 0) return true;
  for (const key in lease.labels) if (key.startsWith(APP_LABEL_PREFIX)) return true;
  return false;
}

// A Deployment's Pod: `<deployment>-<pod-template-hash>-<5 chars>`; a StatefulSet's: `<set>-<ordinal>`, where
// the set's name does not itself end in a number (`ip-10-0-3-17` is a hostname, not set `ip-10-0-3`'s Pod 17).
const deploymentPod = /^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$/;
const statefulSetPod = /^(.*[^-\d][^-]*|[^-]*[^-\d])-\d+$/;

/**
 * The component a lease belongs to, as far as it shows: its `app.kubernetes.io/name` label, else the
 * workload of its holder Pod (client-go's identity is `<pod name>_<uuid>`); undefined when neither tells.
 */
export function componentOf(lease: LeaseRecord): string | undefined {
  const label = lease.labels[NAME_LABEL];
  if (label) return label;
  const holder = holderOf(lease);
  if (holder === '') return undefined;
  const pod = holderPodName(holder);
  // A Pod name is at most 253 characters; anything longer is no Pod, and the patterns need not read it.
  if (pod.length > 253) return undefined;
  return deploymentPod.exec(pod)?.[1] ?? statefulSetPod.exec(pod)?.[1];
}

/** Names in several namespaces held by different components: for each lease so named, the other namespaces. */
function sharedNames(leases: readonly LeaseRecord[]): Map<LeaseRecord, string[]> {
  const byName = new Map<string, LeaseRecord[]>();
  for (const lease of leases) {
    const group = byName.get(lease.name);
    if (group) group.push(lease);
    else byName.set(lease.name, [lease]);
  }
  const shared = new Map<LeaseRecord, string[]>();
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const components = group.map(componentOf);
    group.forEach((lease, i) => {
      const mine = components[i];
      if (mine === undefined) return;
      const others = group
        .filter((_, j) => components[j] !== undefined && components[j] !== mine)
        .map((l) => l.namespace);
      if (others.length > 0) shared.set(lease, others.sort());
    });
  }
  return shared;
}

/**
 * LeaseNamingAdvice for the custom leader leases of a snapshot (well-formed ones: a malformed lease gets no
 * other finding), at most one per lease; none when the policy turns the advice off.
 */
export function leaseNamingFindings(
  leases: readonly { lease: LeaseRecord; kind: LeaseKind }[],
  nowMs: number,
  policy: AuditPolicy,
): Finding[] {
  if (!policy.leaseNamingAdvice || leases.length === 0) return [];
  const generic = new Set(policy.genericLeaseNames.map((n) => n.toLowerCase()));
  const shared = sharedNames(leases.map((l) => l.lease));
  const findings: Finding[] = [];
  for (const { lease, kind } of leases) {
    const advice: NonNullable<FindingFacts['advice']> = [];
    const says: string[] = [];
    const sharedWith = shared.get(lease);
    if (sharedWith) {
      advice.push('sharedName');
      says.push(`other components use the same name in ${sharedWith.join(', ')}`);
    }
    if (generic.has(lease.name.toLowerCase())) {
      advice.push('genericName');
      says.push('its name says nothing of its component');
    }
    if (!hasOwnerLink(lease)) {
      advice.push('noOwnerLink');
      says.push('it carries no link to its owner (no ownerReferences, no app.kubernetes.io/* label)');
    }
    if (advice.length === 0) continue;
    const createdMs = lease.creationTimestamp ? Date.parse(lease.creationTimestamp) : Number.NaN;
    const holderIdentity = holderOf(lease);
    findings.push({
      type: 'LeaseNamingAdvice',
      severity: 'info',
      namespace: lease.namespace,
      name: lease.name,
      reason: `Lease ${lease.namespace}/${lease.name}: ${says.join('; ')}. The Leases docs advise a name obviously linked to the product or component.`,
      ageSeconds: Number.isNaN(createdMs) ? 0 : ageSeconds(nowMs, createdMs),
      leaseKind: kind,
      uid: lease.uid,
      resourceVersion: lease.resourceVersion,
      facts: {
        ...(holderIdentity !== '' ? { holderIdentity } : {}),
        advice,
        ...(sharedWith ? { sharedWith } : {}),
      },
    });
  }
  return findings;
}

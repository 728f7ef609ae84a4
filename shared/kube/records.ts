/**
 * The compact records a cluster snapshot holds. List items are projected into these as each page arrives,
 * so a 100k-node cluster costs a few tens of MB instead of the full objects. Lease spec fields are kept as
 * the server sent them (`unknown`): deciding whether they are well-formed is the audit's job, and a
 * malformed lease must reach it to be reported.
 */

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface LeaseRecord {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string | undefined;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  ownerReferences: readonly OwnerRef[];
  holderIdentity: unknown;
  leaseDurationSeconds: unknown;
  renewTime: unknown;
  acquireTime: unknown;
  leaseTransitions: unknown;
  strategy: unknown;
  preferredHolder: unknown;
}

export interface NodeRecord {
  name: string;
  uid: string;
  creationTimestamp: string | undefined;
}

/** A Pod that is not finished (Pending, Running or Unknown): a leader-election holder that may still renew. */
export interface PodRecord {
  namespace: string;
  name: string;
  uid: string;
}

const empty: Readonly<Record<string, string>> = Object.freeze({});
const noOwners: readonly OwnerRef[] = Object.freeze([]);

type Json = Record<string, unknown>;

const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const optStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function stringMap(v: unknown): Readonly<Record<string, string>> {
  const o = obj(v);
  const keys = Object.keys(o);
  if (keys.length === 0) return empty;
  const out: Record<string, string> = {};
  for (const k of keys) {
    const value = o[k];
    if (typeof value === 'string') out[k] = value;
  }
  return out;
}

/**
 * One copy of strings that repeat across a cluster's objects (namespaces, owner kinds): JSON.parse makes a
 * new string for every occurrence, and at 100k leases the copies add up. Bounded, so a long fleet run
 * cannot grow it without limit.
 */
const interned = new Map<string, string>();
function intern(value: string): string {
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size < 10_000) interned.set(value, value);
  return value;
}

function owners(v: unknown, leaseName: string): readonly OwnerRef[] {
  if (!Array.isArray(v) || v.length === 0) return noOwners;
  return v.map((o) => {
    const r = obj(o);
    const name = str(r.name);
    // A kubelet lease's owner is its Node, of the same name: keep one string for both.
    return {
      apiVersion: intern(str(r.apiVersion)),
      kind: intern(str(r.kind)),
      name: name === leaseName ? leaseName : name,
      uid: str(r.uid),
    };
  });
}

export function toLeaseRecord(item: unknown): LeaseRecord {
  const o = obj(item);
  const m = obj(o.metadata);
  const s = obj(o.spec);
  const name = str(m.name);
  return {
    namespace: intern(str(m.namespace)),
    name,
    uid: str(m.uid),
    resourceVersion: str(m.resourceVersion),
    creationTimestamp: optStr(m.creationTimestamp),
    labels: stringMap(m.labels),
    annotations: stringMap(m.annotations),
    ownerReferences: owners(m.ownerReferences, name),
    // A kubelet's holder is the lease name: one string for both.
    holderIdentity: s.holderIdentity === name ? name : s.holderIdentity,
    leaseDurationSeconds: s.leaseDurationSeconds,
    renewTime: s.renewTime,
    acquireTime: s.acquireTime,
    leaseTransitions: s.leaseTransitions,
    strategy: s.strategy,
    preferredHolder: s.preferredHolder,
  };
}

export function toNodeRecord(item: unknown): NodeRecord {
  const m = obj(obj(item).metadata);
  return { name: str(m.name), uid: str(m.uid), creationTimestamp: optStr(m.creationTimestamp) };
}

export function toPodRecord(item: unknown): PodRecord {
  const m = obj(obj(item).metadata);
  return { namespace: intern(str(m.namespace)), name: str(m.name), uid: str(m.uid) };
}

/**
 * A coordination.k8s.io LeaseCandidate (v1alpha2 in 1.32, v1beta1 from 1.33; coordinated leader election):
 * one component instance offering to lead `leaseName` in its namespace. Spec values are kept as sent, like a
 * Lease's: the audit decides what it can read.
 */
export interface LeaseCandidateRecord {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  leaseName: unknown;
  renewTime: unknown;
  pingTime: unknown;
  binaryVersion: unknown;
  emulationVersion: unknown;
  strategy: unknown;
}

export function toLeaseCandidateRecord(item: unknown): LeaseCandidateRecord {
  const o = obj(item);
  const m = obj(o.metadata);
  const s = obj(o.spec);
  return {
    namespace: intern(str(m.namespace)),
    name: str(m.name),
    uid: str(m.uid),
    resourceVersion: str(m.resourceVersion),
    leaseName: s.leaseName,
    renewTime: s.renewTime,
    pingTime: s.pingTime,
    binaryVersion: s.binaryVersion,
    emulationVersion: s.emulationVersion,
    strategy: s.strategy,
  };
}

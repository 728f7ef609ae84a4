/**
 * Builders for the audit's tests. Leases, Nodes and Pods are built as the raw objects kube-apiserver returns
 * and projected with the real `toLeaseRecord` / `toNodeRecord` / `toPodRecord`, so the projection is part of
 * every test. Spec fields set to `undefined` are left out of the object, as JSON would.
 */
import { type AuditInput, audit, type ClusterAudit } from '../../../shared/audit/audit.ts';
import { type AuditPolicy, defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import type { Finding } from '../../../shared/audit/findings.ts';
import type { PreviousTransitions } from '../../../shared/audit/rules/leader-churn.ts';
import {
  type LeaseCandidateRecord,
  type LeaseRecord,
  type NodeRecord,
  type PodRecord,
  toLeaseCandidateRecord,
  toLeaseRecord,
  toNodeRecord,
  toPodRecord,
} from '../../../shared/kube/records.ts';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The audit's `now` in these tests: the API server's clock. */
export const NOW = Date.parse('2026-11-25T03:05:11.302Z');

/** A MicroTime as kube-apiserver writes it: `2026-11-25T03:05:11.302000Z` (microseconds, UTC). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A metav1.Time (whole seconds): `2026-11-25T03:05:11Z`. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `microTime(NOW - ms)`: a time `ms` before now (after it when negative). */
export function ago(ms: number): string {
  return microTime(NOW - ms);
}

/** A stable, uuid-shaped id derived from a seed (FNV-1a), so objects built twice are the same objects. */
export function uuidFor(seed: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < seed.length; i++) {
    h1 = Math.imul(h1 ^ seed.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ seed.charCodeAt(i), 0x811c9dc5) >>> 0;
  }
  const a = h1.toString(16).padStart(8, '0');
  const b = h2.toString(16).padStart(8, '0');
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-8${a.slice(1, 4)}-${b}${a.slice(4, 8)}`;
}

export function policy(overrides: Partial<AuditPolicy> = {}): AuditPolicy {
  return { ...defaultAuditPolicy, ...overrides };
}

const specKeys = [
  'holderIdentity',
  'leaseDurationSeconds',
  'renewTime',
  'acquireTime',
  'leaseTransitions',
  'strategy',
  'preferredHolder',
] as const;

type SpecKey = (typeof specKeys)[number];

export type LeaseOptions = {
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
} & { [K in SpecKey]?: unknown };

/**
 * A Lease as kube-apiserver returns it. Defaults: a healthy client-go leader lease in `default`, renewed
 * 1 s ago for 15 s. Any spec field given as `undefined` is left out.
 */
export function rawLease(o: LeaseOptions = {}): Record<string, unknown> {
  const namespace = o.namespace ?? 'default';
  const name = o.name ?? 'my-controller';
  const spec: Record<string, unknown> = {
    holderIdentity: `${name}-7d9f8b6c4-x2x7k_${uuidFor(`holder/${namespace}/${name}`)}`,
    leaseDurationSeconds: 15,
    acquireTime: ago(HOUR),
    renewTime: ago(SECOND),
    leaseTransitions: 0,
  };
  for (const key of specKeys) {
    if (!(key in o)) continue;
    const value = o[key];
    if (value === undefined) delete spec[key];
    else spec[key] = value;
  }
  const metadata: Record<string, unknown> = {
    name,
    namespace,
    uid: o.uid ?? uuidFor(`lease/${namespace}/${name}`),
    resourceVersion: o.resourceVersion ?? '48211937',
    creationTimestamp: o.creationTimestamp ?? rfc3339(NOW - 30 * DAY),
    managedFields: [
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'coordination.k8s.io/v1',
        time: rfc3339(NOW - SECOND),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:holderIdentity': {}, 'f:renewTime': {} } },
      },
    ],
  };
  if (o.labels) metadata.labels = o.labels;
  if (o.annotations) metadata.annotations = o.annotations;
  if (o.ownerReferences) metadata.ownerReferences = o.ownerReferences;
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
}

export function lease(o: LeaseOptions = {}): LeaseRecord {
  return toLeaseRecord(rawLease(o));
}

/** The uid the Node of this name has in these tests unless a test says otherwise. */
export function nodeUid(name: string): string {
  return uuidFor(`node/${name}`);
}

export function rawNode(
  name: string,
  uid = nodeUid(name),
  createdMs = NOW - 30 * DAY,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid,
      resourceVersion: '48210001',
      creationTimestamp: rfc3339(createdMs),
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
    },
  };
}

export function node(name: string, uid = nodeUid(name), createdMs = NOW - 30 * DAY): NodeRecord {
  return toNodeRecord(rawNode(name, uid, createdMs));
}

export interface NodeLeaseOptions {
  /** The owner Node's uid; `null` for an owner-less lease. Defaults to `nodeUid(name)`. */
  ownerUid?: string | null;
  /** Kind of the owner reference (a kubelet writes `Node`). */
  ownerKind?: string;
  renewAgoMs?: number;
  duration?: unknown;
  /** Defaults to the node name, as a kubelet writes it. */
  holder?: unknown;
  renewTime?: unknown;
}

/** A kubelet heartbeat: name = holder = node name, 40 s, owned by the Node; no acquireTime or transitions. */
export function rawNodeLease(name: string, o: NodeLeaseOptions = {}): Record<string, unknown> {
  const ownerUid = o.ownerUid === undefined ? nodeUid(name) : o.ownerUid;
  return rawLease({
    namespace: 'kube-node-lease',
    name,
    uid: uuidFor(`node-lease/${name}`),
    holderIdentity: 'holder' in o ? o.holder : name,
    leaseDurationSeconds: 'duration' in o ? o.duration : 40,
    renewTime: 'renewTime' in o ? o.renewTime : ago(o.renewAgoMs ?? 3 * SECOND),
    acquireTime: undefined,
    leaseTransitions: undefined,
    ...(ownerUid === null
      ? {}
      : {
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: o.ownerKind ?? 'Node',
              name,
              uid: ownerUid,
              blockOwnerDeletion: true,
              controller: false,
            },
          ],
        }),
  });
}

export function nodeLease(name: string, o: NodeLeaseOptions = {}): LeaseRecord {
  return toLeaseRecord(rawNodeLease(name, o));
}

export type IdentityStyle = '1.20' | '1.26' | '1.27';

export interface IdentityLeaseOptions {
  hostname?: string;
  renewAgoMs?: number;
  /** Overrides the generated name. */
  name?: string;
  namespace?: string;
  /** Replaces the style's labels. */
  labels?: Record<string, string>;
  duration?: unknown;
}

/**
 * A kube-apiserver identity lease of one generation: 1.20–1.25 `kube-apiserver-<uuid>` (component label, no
 * hostname), 1.26 `kube-apiserver-<hash>` with `k8s.io/component`, 1.27+ `apiserver-<hash>` with
 * `apiserver.kubernetes.io/identity`. 3600 s, holder `<id>_<uuid>`.
 */
export function rawIdentityLease(
  style: IdentityStyle,
  o: IdentityLeaseOptions = {},
): Record<string, unknown> {
  const hostname = o.hostname ?? 'ip-10-0-0-10.ec2.internal';
  const hash = uuidFor(`host/${hostname}/${style}`).replaceAll('-', '').slice(0, 26);
  const id =
    o.name ??
    (style === '1.20'
      ? `kube-apiserver-${uuidFor(`boot/${hostname}/${o.renewAgoMs ?? 0}`)}`
      : `${style === '1.26' ? 'kube-apiserver' : 'apiserver'}-${hash}`);
  const labels =
    o.labels ??
    (style === '1.20'
      ? { 'k8s.io/component': 'kube-apiserver' }
      : style === '1.26'
        ? { 'k8s.io/component': 'kube-apiserver', 'kubernetes.io/hostname': hostname }
        : { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': hostname });
  return rawLease({
    namespace: o.namespace ?? 'kube-system',
    name: id,
    labels,
    holderIdentity: `${id}_${uuidFor(`identity-holder/${id}`)}`,
    leaseDurationSeconds: 'duration' in o ? o.duration : 3600,
    renewTime: ago(o.renewAgoMs ?? 4 * SECOND),
    acquireTime: undefined,
    leaseTransitions: undefined,
  });
}

export function identityLease(style: IdentityStyle, o: IdentityLeaseOptions = {}): LeaseRecord {
  return toLeaseRecord(rawIdentityLease(style, o));
}

export interface LeaderLeaseOptions {
  namespace?: string;
  name?: string;
  /** `''` for a released lease; defaults to `<name>-<pod hash>_<uuid>`. */
  holder?: string;
  renewAgoMs?: number;
  duration?: number;
  transitions?: number;
  strategy?: string;
  preferredHolder?: string;
  labels?: Record<string, string>;
  /** Defaults to an hour before the last renewal. */
  acquireAgoMs?: number;
  /** The lease's creationTimestamp, this long ago (default 30 days). */
  createdAgoMs?: number;
  ownerReferences?: unknown[];
}

/** A client-go leader-election lease: 15 s, holder `<pod name>_<uuid>`, acquireTime and transitions set. */
export function rawLeaderLease(o: LeaderLeaseOptions = {}): Record<string, unknown> {
  const namespace = o.namespace ?? 'payments';
  const name = o.name ?? 'payments-operator.example.com';
  const renewAgoMs = o.renewAgoMs ?? SECOND;
  return rawLease({
    namespace,
    name,
    holderIdentity: o.holder ?? `${holderPod(name)}_${uuidFor(`leader/${namespace}/${name}`)}`,
    leaseDurationSeconds: o.duration ?? 15,
    renewTime: ago(renewAgoMs),
    acquireTime: ago(o.acquireAgoMs ?? renewAgoMs + HOUR),
    leaseTransitions: o.transitions ?? 2,
    ...(o.createdAgoMs === undefined ? {} : { creationTimestamp: rfc3339(NOW - o.createdAgoMs) }),
    ...(o.ownerReferences ? { ownerReferences: o.ownerReferences } : {}),
    ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
    ...(o.preferredHolder === undefined ? {} : { preferredHolder: o.preferredHolder }),
    ...(o.labels ? { labels: o.labels } : {}),
  });
}

export function leaderLease(o: LeaderLeaseOptions = {}): LeaseRecord {
  return toLeaseRecord(rawLeaderLease(o));
}

/** The Pod name a builder's default holder identity carries for a lease of this name. */
/** kube-controller-manager's leader lease on EKS 1.31, as kube-apiserver returns it (15 s, client-go). */
export function eksKcmLease(renewAgoMs: number): Record<string, unknown> {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: 'kube-controller-manager',
      namespace: 'kube-system',
      uid: '5b0e6c2d-8a41-4f3b-9c7e-1d2f3a4b5c6d',
      resourceVersion: '91827364',
      creationTimestamp: '2025-06-02T09:14:27Z',
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'coordination.k8s.io/v1',
          time: '2026-11-25T03:05:09Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:spec': {
              'f:acquireTime': {},
              'f:holderIdentity': {},
              'f:leaseDurationSeconds': {},
              'f:leaseTransitions': {},
              'f:renewTime': {},
            },
          },
        },
      ],
    },
    spec: {
      holderIdentity: 'ip-10-0-1-23.ec2.internal_6b1a7c1e-4d2f-4b8a-9e3c-7f1a2b3c4d5e',
      leaseDurationSeconds: 15,
      acquireTime: ago(renewAgoMs + 6 * DAY),
      renewTime: ago(renewAgoMs),
      leaseTransitions: 7,
    },
  };
}

/** A client-go leader that flapped: 57 handovers in 6 h, the latest 20 s ago, renewed 1 s ago (15 s lease), as
 * payments/queue-worker.example.com. */
export function flapped(o: LeaderLeaseOptions = {}) {
  return leaderLease({
    namespace: 'payments',
    name: 'queue-worker.example.com',
    holder: `queue-worker-6d8f7b9c5d-q2w7x_${uuidFor('flap')}`,
    renewAgoMs: SECOND,
    acquireAgoMs: 20 * SECOND,
    transitions: 57,
    createdAgoMs: 6 * HOUR,
    ...o,
  });
}

export function holderPod(leaseName: string): string {
  return `${leaseName.split('.')[0]}-7d9f8b6c4-x2x7k`;
}

export function rawPod(name: string, namespace = 'payments'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: uuidFor(`pod/${namespace}/${name}`),
      resourceVersion: '48210777',
      creationTimestamp: rfc3339(NOW - DAY),
    },
  };
}

export function pod(name: string, namespace = 'payments'): PodRecord {
  return toPodRecord(rawPod(name, namespace));
}

export interface LeaseCandidateOptions {
  namespace?: string;
  /** client-go names a candidate after its leader-election identity, `<hostname>_<uuid>`. */
  name?: string;
  leaseName?: unknown;
  renewAgoMs?: number;
  /** Overrides renewAgoMs; `undefined` leaves spec.renewTime out. */
  renewTime?: unknown;
  /** The apiserver's last ping; none by default. */
  pingAgoMs?: number;
  apiVersion?: 'coordination.k8s.io/v1beta1' | 'coordination.k8s.io/v1alpha2';
}

/**
 * A LeaseCandidate as kube-apiserver 1.33 serves it (coordination.k8s.io/v1beta1; 1.32 serves the same spec
 * as v1alpha2): written by kube-controller-manager's client-go (leasecandidate.go), renewed every 5 minutes
 * or when pinged, strategy OldestEmulationVersion.
 */
export function rawLeaseCandidate(o: LeaseCandidateOptions = {}): Record<string, unknown> {
  const namespace = o.namespace ?? 'kube-system';
  const name = o.name ?? `ip-10-0-1-23.ec2.internal_${uuidFor('candidate/ip-10-0-1-23')}`;
  const spec: Record<string, unknown> = {
    leaseName: 'leaseName' in o ? o.leaseName : 'kube-controller-manager',
    renewTime: 'renewTime' in o ? o.renewTime : ago(o.renewAgoMs ?? 2 * MINUTE),
    binaryVersion: '1.33.1',
    emulationVersion: '1.33.0',
    strategy: 'OldestEmulationVersion',
  };
  if (spec.renewTime === undefined) delete spec.renewTime;
  if (spec.leaseName === undefined) delete spec.leaseName;
  if (o.pingAgoMs !== undefined) spec.pingTime = ago(o.pingAgoMs);
  return {
    apiVersion: o.apiVersion ?? 'coordination.k8s.io/v1beta1',
    kind: 'LeaseCandidate',
    metadata: {
      name,
      namespace,
      uid: uuidFor(`candidate/${namespace}/${name}`),
      resourceVersion: '48213377',
      creationTimestamp: rfc3339(NOW - DAY),
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: o.apiVersion ?? 'coordination.k8s.io/v1beta1',
          time: rfc3339(NOW - MINUTE),
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:renewTime': {} } },
        },
      ],
    },
    spec,
  };
}

export function leaseCandidate(o: LeaseCandidateOptions = {}): LeaseCandidateRecord {
  return toLeaseCandidateRecord(rawLeaseCandidate(o));
}

export interface Cluster {
  leases?: readonly LeaseRecord[];
  nodes?: readonly NodeRecord[];
  /** Undefined: Pods were not listed. */
  pods?: readonly PodRecord[];
  /** Undefined: the LeaseCandidate API is not served (or was not listed). */
  leaseCandidates?: readonly LeaseCandidateRecord[];
  previousTransitions?: PreviousTransitions;
}

export function input(c: Cluster): AuditInput {
  return {
    cluster: 'test-cluster',
    leases: c.leases ?? [],
    nodes: c.nodes ?? [],
    pods: c.pods,
    ...(c.leaseCandidates ? { leaseCandidates: c.leaseCandidates } : {}),
    ...(c.previousTransitions ? { previousTransitions: c.previousTransitions } : {}),
  };
}

/** Runs the audit on a cluster at `now` (default NOW) with the default policy or the one given. */
export function auditOf(c: Cluster, o: { now?: number; policy?: AuditPolicy } = {}): ClusterAudit {
  return audit(input(c), o.now ?? NOW, o.policy ?? policy());
}

/** The findings about one lease (or, with namespace '', one Node). */
export function findingsFor(a: ClusterAudit, namespace: string, name: string): Finding[] {
  return a.findings.filter((f) => f.namespace === namespace && f.name === name);
}

/** `type/severity` of each finding about one object: compact to compare in tables. */
export function verdicts(a: ClusterAudit, namespace: string, name: string): string[] {
  return findingsFor(a, namespace, name).map((f) => `${f.type}/${f.severity}`);
}

import type { LeaseRecord, NodeRecord, PodRecord } from '../kube/records.ts';
import type { AuditPolicy } from './audit-policy.ts';
import { type Finding, type FindingType, findingTypes, type LeaseKind, severityRank } from './findings.ts';
import { leaseKind } from './lease-kind.ts';
import { leaseTiming, readLeaseShape } from './lease-shape.ts';
import { duplicateHostnameFindings, identityFinding, isLiveApiServer } from './rules/apiserver-identities.ts';
import { leaderFinding } from './rules/leader-leases.ts';
import {
  nodeHeartbeatFindings,
  nodeLeaseShapeProblems,
  nodeWithoutLeaseFinding,
} from './rules/node-heartbeats.ts';

/** What the audit reads: one cluster's leases, Nodes and (optionally) unfinished Pods. */
export interface AuditInput {
  cluster: string;
  leases: readonly LeaseRecord[];
  nodes: readonly NodeRecord[];
  pods: readonly PodRecord[] | undefined;
}

export interface AuditCounts {
  leases: number;
  nodes: number;
  /** Undefined when Pods were not listed. */
  pods: number | undefined;
  byKind: Record<LeaseKind, number>;
  /** Identity leases renewed within the policy's live window (60 s): the apiservers running now. */
  liveApiServers: number;
  findings: Record<FindingType, number>;
}

export interface ClusterAudit {
  cluster: string;
  nowMs: number;
  counts: AuditCounts;
  /** Most severe first, then by type, namespace and name. */
  findings: Finding[];
}

/**
 * The audit: a pure function of a snapshot, a time and a policy. Every lease is classified once
 * (`leaseKind`), its timing read once (`readLeaseShape`: malformed leases stop there), and judged by the
 * rule of its kind. No I/O and no clock: `nowMs` is the caller's choice (the API server's clock).
 */
export function audit(input: AuditInput, nowMs: number, policy: AuditPolicy): ClusterAudit {
  const findings: Finding[] = [];
  const livePodNames = input.pods ? new Set(input.pods.map((p) => p.name)) : undefined;
  const liveIdentities: LeaseRecord[] = [];
  let liveApiServers = 0;
  const byKind: Record<LeaseKind, number> = {
    nodeHeartbeat: 0,
    apiServerIdentity: 0,
    coordinated: 0,
    systemLeader: 0,
    leader: 0,
  };
  // Node leases are judged below, next to their Nodes. In a list from the API they are one contiguous,
  // name-ordered run (the apiserver returns namespace/name order): remember where it is instead of
  // copying 100k references.
  let firstNodeLease = -1;
  let lastNodeLease = -1;

  const all = input.leases;
  for (let i = 0; i < all.length; i++) {
    const lease = all[i] as LeaseRecord;
    const kind = leaseKind(lease);
    byKind[kind]++;
    if (kind === 'nodeHeartbeat') {
      if (firstNodeLease < 0) firstNodeLease = i;
      lastNodeLease = i;
      continue;
    }
    const timing = leaseTiming(lease, nowMs, policy);
    if (!timing) {
      findings.push(malformed(lease, kind, readLeaseProblems(lease, nowMs, policy)));
      continue;
    }
    if (kind === 'apiServerIdentity') {
      const finding = identityFinding(lease, timing, nowMs, policy);
      if (finding) findings.push(finding);
      else {
        // Not expired (so checked for duplicate hosts), but counted live only when recently renewed.
        liveIdentities.push(lease);
        if (isLiveApiServer(timing, nowMs, policy)) liveApiServers++;
      }
      continue;
    }
    const finding = leaderFinding(lease, kind, timing, nowMs, policy, livePodNames);
    if (finding) findings.push(finding);
  }

  // Node leases meet their Nodes by name in a merge join: both lists arrive from the API in name order,
  // and a join of two sorted lists costs a string comparison per item where a hash index of 100k names
  // costs ten times more.
  const contiguous = firstNodeLease >= 0 && lastNodeLease - firstNodeLease + 1 === byKind.nodeHeartbeat;
  const nodeLeases = contiguous
    ? all.slice(firstNodeLease, lastNodeLease + 1)
    : all.filter((l) => leaseKind(l) === 'nodeHeartbeat');
  joinByName(nodeLeases, input.nodes, (lease, node) => {
    if (!lease) {
      if (node) findings.push(nodeWithoutLeaseFinding(node, nowMs));
      return;
    }
    // A malformed node lease still counts as its Node's lease: the Node is not "without a lease".
    const timing = leaseTiming(lease, nowMs, policy);
    const extra = nodeLeaseShapeProblems(lease);
    if (!timing || extra.length > 0) {
      findings.push(
        malformed(lease, 'nodeHeartbeat', [
          ...(timing ? [] : readLeaseProblems(lease, nowMs, policy)),
          ...extra,
        ]),
      );
      return;
    }
    const finding = nodeHeartbeatFindings(lease, timing, node, nowMs, policy);
    if (finding) findings.push(finding);
  });
  findings.push(...duplicateHostnameFindings(liveIdentities, nowMs));
  findings.sort(bySeverityThenName);

  const counted = Object.fromEntries(findingTypes.map((t) => [t, 0])) as Record<FindingType, number>;
  for (const f of findings) counted[f.type]++;
  return {
    cluster: input.cluster,
    nowMs,
    counts: {
      leases: input.leases.length,
      nodes: input.nodes.length,
      pods: input.pods?.length,
      byKind,
      liveApiServers,
      findings: counted,
    },
    findings,
  };
}

/**
 * Calls `visit` once per name that appears in either list, with the item of each list of that name
 * (either may be missing). Inputs out of name order are sorted first (copies; the input is not touched).
 */
export function joinByName<A extends { name: string }, B extends { name: string }>(
  left: readonly A[],
  right: readonly B[],
  visit: (a: A | undefined, b: B | undefined) => void,
): void {
  const a = isSortedByName(left) ? left : [...left].sort((x, y) => compare(x.name, y.name));
  const b = isSortedByName(right) ? right : [...right].sort((x, y) => compare(x.name, y.name));
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const order = x && y ? compare(x.name, y.name) : x ? -1 : 1;
    if (order === 0) {
      visit(x, y);
      i++;
      // Two leases of one name cannot exist in one namespace; keep the Node for a duplicate anyway.
      if (a[i]?.name !== y?.name) j++;
    } else if (order < 0) {
      visit(x, undefined);
      i++;
    } else {
      visit(undefined, y);
      j++;
    }
  }
}

function isSortedByName(items: readonly { name: string }[]): boolean {
  for (let i = 1; i < items.length; i++) {
    if ((items[i - 1] as { name: string }).name > (items[i] as { name: string }).name) return false;
  }
  return true;
}

/** Code-unit order, as the apiserver (etcd keys) sorts names. */
function compare(a: string, b: string): number {
  // Equality first: in the join most names match, and one comparison then settles it.
  return a === b ? 0 : a < b ? -1 : 1;
}

function readLeaseProblems(lease: LeaseRecord, nowMs: number, policy: AuditPolicy): string[] {
  const shape = readLeaseShape(lease, nowMs, policy);
  return shape.ok ? [] : shape.problems;
}

function malformed(lease: LeaseRecord, kind: LeaseKind, problems: string[]): Finding {
  return {
    type: 'MalformedLease',
    severity: 'warning',
    namespace: lease.namespace,
    name: lease.name,
    reason: `Lease ${lease.namespace}/${lease.name} cannot be judged: ${problems.join('; ')}.`,
    ageSeconds: 0,
    leaseKind: kind,
    uid: lease.uid,
    resourceVersion: lease.resourceVersion,
    facts: {
      problems,
      ...(typeof lease.renewTime === 'string' ? { renewTime: lease.renewTime } : {}),
      ...(typeof lease.leaseDurationSeconds === 'number'
        ? { leaseDurationSeconds: lease.leaseDurationSeconds }
        : {}),
      ...(typeof lease.holderIdentity === 'string' ? { holderIdentity: lease.holderIdentity } : {}),
    },
  };
}

function bySeverityThenName(a: Finding, b: Finding): number {
  return (
    severityRank[b.severity] - severityRank[a.severity] ||
    compare(a.type, b.type) ||
    compare(a.namespace, b.namespace) ||
    compare(a.name, b.name)
  );
}

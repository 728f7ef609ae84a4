import type { LeaseRecord, NodeRecord, PodRecord } from '../kube/records.ts';
import type { AuditPolicy } from './audit-policy.ts';
import { type Finding, type FindingType, findingTypes, type LeaseKind, severityRank } from './findings.ts';
import { leaseKind } from './lease-kind.ts';
import { leaseTiming, readLeaseShape } from './lease-shape.ts';
import { compare, joinByName, OrderedJoin } from './name-join.ts';
import { duplicateHostnameFindings, identityFinding, isLiveApiServer } from './rules/apiserver-identities.ts';
import { leaderFinding } from './rules/leader-leases.ts';
import {
  isQuietHeartbeat,
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
  // Node leases are judged next to their Nodes, in the same pass (see name-join.ts). Their findings are
  // kept apart: should the lists prove out of order, they are dropped and the general join redoes them.
  const nodeFindings: Finding[] = [];
  const meet = (lease: LeaseRecord | undefined, node: NodeRecord | undefined) => {
    const finding = lease
      ? nodeLeaseFinding(lease, node, nowMs, policy)
      : node && nodeWithoutLeaseFinding(node, nowMs);
    if (finding) nodeFindings.push(finding);
  };
  const nodeJoin = new OrderedJoin<LeaseRecord, NodeRecord>(input.nodes, meet);
  let nodeLeases = 0;

  const all = input.leases;
  for (let i = 0; i < all.length; i++) {
    const lease = all[i] as LeaseRecord;
    const kind = leaseKind(lease);
    if (kind === 'nodeHeartbeat') {
      // Counted apart: `byKind[kind]++` with a varying key is a slow (megamorphic) access, once per lease.
      nodeLeases++;
      nodeJoin.add(lease, i);
      continue;
    }
    byKind[kind]++;
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

  byKind.nodeHeartbeat = nodeLeases;
  if (!nodeJoin.finish()) {
    nodeFindings.length = 0;
    joinByName(all.filter(isNodeLease), input.nodes, meet);
  }
  for (const f of nodeFindings) findings.push(f);
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

function isNodeLease(lease: LeaseRecord): boolean {
  return leaseKind(lease) === 'nodeHeartbeat';
}

/**
 * The finding for a node lease and the Node of its name (if any). A malformed node lease still counts as
 * its Node's lease: the Node is not "without a lease".
 */
function nodeLeaseFinding(
  lease: LeaseRecord,
  node: NodeRecord | undefined,
  nowMs: number,
  policy: AuditPolicy,
): Finding | undefined {
  // Nearly every node lease is a healthy Node's fresh heartbeat: settle those without allocating.
  if (node && isQuietHeartbeat(lease, node, nowMs, policy)) return undefined;
  const timing = leaseTiming(lease, nowMs, policy);
  const extra = nodeLeaseShapeProblems(lease);
  if (!timing || extra.length > 0) {
    return malformed(lease, 'nodeHeartbeat', [
      ...(timing ? [] : readLeaseProblems(lease, nowMs, policy)),
      ...extra,
    ]);
  }
  return nodeHeartbeatFindings(lease, timing, node, nowMs, policy);
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

import type { LeaseRecord, NodeRecord, PodRecord } from '../kube/records.ts';
import type { AuditPolicy } from './audit-policy.ts';
import { type Finding, type FindingType, findingTypes, type LeaseKind, severityRank } from './findings.ts';
import { leaseKind } from './lease-kind.ts';
import { readLeaseShape } from './lease-shape.ts';
import { duplicateHostnameFindings, identityFinding } from './rules/apiserver-identities.ts';
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
  /** Identity leases that have not expired: the apiservers alive now. */
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
  const nodesByName = new Map<string, NodeRecord>();
  for (const node of input.nodes) nodesByName.set(node.name, node);
  const livePodNames = input.pods ? new Set(input.pods.map((p) => p.name)) : undefined;
  const nodesWithLease = new Set<string>();
  const liveIdentities: LeaseRecord[] = [];
  const byKind: Record<LeaseKind, number> = {
    nodeHeartbeat: 0,
    apiServerIdentity: 0,
    coordinated: 0,
    systemLeader: 0,
    leader: 0,
  };

  for (const lease of input.leases) {
    const kind = leaseKind(lease);
    byKind[kind]++;
    if (kind === 'nodeHeartbeat') nodesWithLease.add(lease.name);
    const shape = readLeaseShape(lease, nowMs, policy);
    const problems = shape.ok ? [] : shape.problems;
    if (kind === 'nodeHeartbeat') problems.push(...nodeLeaseShapeProblems(lease));
    if (!shape.ok || problems.length > 0) {
      findings.push(malformed(lease, kind, problems));
      continue;
    }
    const timing = shape.timing;
    let finding: Finding | undefined;
    switch (kind) {
      case 'nodeHeartbeat':
        finding = nodeHeartbeatFindings(lease, timing, nodesByName.get(lease.name), nowMs, policy);
        break;
      case 'apiServerIdentity':
        finding = identityFinding(lease, timing, nowMs, policy);
        if (!finding) liveIdentities.push(lease);
        break;
      default:
        finding = leaderFinding(lease, kind, timing, nowMs, policy, livePodNames);
    }
    if (finding) findings.push(finding);
  }

  for (const node of input.nodes) {
    if (!nodesWithLease.has(node.name)) findings.push(nodeWithoutLeaseFinding(node, nowMs));
  }
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
      liveApiServers: liveIdentities.length,
      findings: counted,
    },
    findings,
  };
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
    a.type.localeCompare(b.type) ||
    a.namespace.localeCompare(b.namespace) ||
    a.name.localeCompare(b.name)
  );
}

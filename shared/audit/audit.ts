import type { LeaseRecord, NodeRecord, PodRecord } from '../kube/records.ts';
import type { AuditPolicy } from './audit-policy.ts';
import { type Finding, type FindingType, findingTypes, type LeaseKind, severityRank } from './findings.ts';
import {
  HeartbeatJudge,
  type HeartbeatJudgement,
  malformedLease,
  nodeLeaseFinding,
  readLeaseProblems,
} from './heartbeat-judge.ts';
import { leaseKind } from './lease-kind.ts';
import { leaseTiming } from './lease-shape.ts';
import { compare, joinByName } from './name-join.ts';
import { duplicateHostnameFindings, identityFinding, isLiveApiServer } from './rules/apiserver-identities.ts';
import { leaderFinding } from './rules/leader-leases.ts';
import { nodeWithoutLeaseFinding } from './rules/node-heartbeats.ts';

/**
 * What the audit reads: one cluster's leases, Nodes and (optionally) unfinished Pods — either listed
 * whole (`nodes`, with the node leases among `leases`), or with the node leases and Nodes already judged
 * as they were listed (`heartbeats`; `leases` then holds no node lease and `nodes` is empty).
 */
export interface AuditInput {
  cluster: string;
  leases: readonly LeaseRecord[];
  nodes: readonly NodeRecord[];
  pods: readonly PodRecord[] | undefined;
  heartbeats?: HeartbeatJudgement | undefined;
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
  // Node leases are judged next to their Nodes (heartbeat-judge.ts): here, in the same pass, unless the
  // snapshot judged them already as it was listed. Node leases come in one run of the list (one namespace);
  // each run goes to the judge in one piece.
  const judge = input.heartbeats ? undefined : new HeartbeatJudge(policy);
  judge?.addNodes(input.nodes, nowMs);
  let runStart = -1;

  const all = input.leases;
  for (let i = 0; i < all.length; i++) {
    const lease = all[i] as LeaseRecord;
    const kind = leaseKind(lease);
    if (kind === 'nodeHeartbeat') {
      if (!judge)
        throw new Error(`audit: node lease ${lease.name} in a snapshot whose node leases were judged`);
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0) {
      judge?.addLeases(all, nowMs, runStart, i);
      runStart = -1;
    }
    byKind[kind]++;
    const timing = leaseTiming(lease, nowMs, policy);
    if (!timing) {
      findings.push(malformedLease(lease, kind, readLeaseProblems(lease, nowMs, policy)));
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

  const heartbeats = input.heartbeats ?? judgeWhole(judge as HeartbeatJudge, input, runStart, nowMs, policy);
  byKind.nodeHeartbeat = heartbeats.nodeLeases;
  for (const f of heartbeats.findings) findings.push(f);
  findings.push(...duplicateHostnameFindings(liveIdentities, nowMs));
  findings.sort(bySeverityThenName);

  const counted = Object.fromEntries(findingTypes.map((t) => [t, 0])) as Record<FindingType, number>;
  for (const f of findings) counted[f.type]++;
  const otherLeases = input.heartbeats ? input.leases.length : input.leases.length - heartbeats.nodeLeases;
  return {
    cluster: input.cluster,
    nowMs,
    counts: {
      leases: otherLeases + heartbeats.nodeLeases,
      nodes: heartbeats.nodes,
      pods: input.pods?.length,
      byKind,
      liveApiServers,
      findings: counted,
    },
    findings,
  };
}

/**
 * Ends the judge fed during the pass (the last run of node leases is still to give it). Should the lists
 * prove out of name order, the judge has stopped, and the node leases and Nodes are joined whole instead.
 */
function judgeWhole(
  judge: HeartbeatJudge,
  input: AuditInput,
  runStart: number,
  nowMs: number,
  policy: AuditPolicy,
): HeartbeatJudgement {
  if (runStart >= 0) judge.addLeases(input.leases, nowMs, runStart);
  judge.endLeases();
  judge.endNodes();
  if (judge.inOrder) return judge.result();
  const nodeLeases = input.leases.filter((l) => leaseKind(l) === 'nodeHeartbeat');
  const judgement: HeartbeatJudgement = {
    nodeLeases: nodeLeases.length,
    nodes: input.nodes.length,
    findings: [],
    flagged: [],
  };
  joinByName(nodeLeases, input.nodes, (lease, node) => {
    const finding = lease
      ? nodeLeaseFinding(lease, node, nowMs, policy)
      : node && nodeWithoutLeaseFinding(node, nowMs);
    if (!finding) return;
    judgement.findings.push(finding);
    if (lease) judgement.flagged.push(lease);
  });
  return judgement;
}

function bySeverityThenName(a: Finding, b: Finding): number {
  return (
    severityRank[b.severity] - severityRank[a.severity] ||
    compare(a.type, b.type) ||
    compare(a.namespace, b.namespace) ||
    compare(a.name, b.name)
  );
}

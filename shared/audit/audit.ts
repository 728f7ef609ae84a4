import type { LeaseCandidateRecord, LeaseRecord, NodeRecord, PodRecord } from '../kube/records.ts';
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
import { controlPlaneLeaderFinding, isControlPlaneLeader } from './rules/control-plane-leaders.ts';
import { coordinatedWithoutCandidateFinding } from './rules/coordinated-leases.ts';
import { leaderChurnFinding, type PreviousTransitions } from './rules/leader-churn.ts';
import { leaderFinding } from './rules/leader-leases.ts';
import { isCustomLeader, leaseNamingFindings } from './rules/lease-naming.ts';
import { nodeWithoutLeaseFinding } from './rules/node-heartbeats.ts';
import { type CandidatesByLease, judgeCandidates } from './rules/stale-lease-candidates.ts';

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
  /**
   * The cluster's LeaseCandidates (coordination.k8s.io v1alpha2/v1beta1), or undefined when the API is not
   * served or was not listed: then no StaleLeaseCandidate nor CoordinatedLeaseWithoutCandidate at all.
   */
  leaseCandidates?: readonly LeaseCandidateRecord[] | undefined;
  /** leaseTransitions an earlier run saw, by lease uid: LeaderChurn is then measured exactly (leader-churn.ts). */
  previousTransitions?: PreviousTransitions | undefined;
}

export interface AuditCounts {
  leases: number;
  nodes: number;
  /** Undefined when Pods were not listed. */
  pods: number | undefined;
  byKind: Record<LeaseKind, number>;
  /** Identity leases renewed within the policy's live window (60 s): the apiservers running now. */
  liveApiServers: number;
  /** LeaseCandidates judged; absent when they were not listed. */
  leaseCandidates?: number;
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
  // Node leases are judged next to their Nodes (heartbeat-judge.ts) — here, unless the snapshot judged them
  // already as it was listed — and the rest are judged below.
  const judge = input.heartbeats ? undefined : new HeartbeatJudge(policy);
  const leases = judge ? judgeNodeLeases(judge, input, nowMs) : input.leases;
  // Candidates first: whether a coordinated lease has a live one is known when the lease is judged.
  let candidates: CandidatesByLease | undefined;
  if (input.leaseCandidates) {
    const judged = judgeCandidates(input.leaseCandidates, nowMs, policy);
    candidates = judged.byLease;
    for (const f of judged.findings) findings.push(f);
  }
  // Custom leader leases, for the naming advice once every name is known (names shared across namespaces);
  // none are collected when the advice is off (the default).
  const customLeaders: { lease: LeaseRecord; kind: LeaseKind }[] | undefined = policy.leaseNamingAdvice
    ? []
    : undefined;

  for (let i = 0; i < leases.length; i++) {
    const lease = leases[i] as LeaseRecord;
    const kind = leaseKind(lease);
    if (kind === 'nodeHeartbeat')
      throw new Error(`audit: node lease ${lease.name} in a snapshot whose node leases were judged`);
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
    // One finding about a leader lease's state: expired (ExpiredLease, AbandonedLease), else churning, else —
    // coordinated — without a live candidate to succeed its holder.
    const expired = leaderFinding(lease, kind, timing, nowMs, policy, livePodNames);
    if (expired) {
      findings.push(expired);
      // A control-plane component's lease expired: no instance leads. Said on top of the expiry finding,
      // which stays as it was, so the reaper sees this lease exactly as before (and never deletes it).
      if (isControlPlaneLeader(lease, kind, policy)) {
        const leaderless = controlPlaneLeaderFinding(lease, kind, timing, nowMs, policy);
        if (leaderless) findings.push(leaderless);
      }
    } else {
      const live =
        leaderChurnFinding(lease, kind, timing, nowMs, policy, input.previousTransitions) ??
        (candidates && kind === 'coordinated'
          ? coordinatedWithoutCandidateFinding(lease, timing, candidates)
          : undefined);
      if (live) findings.push(live);
    }
    if (customLeaders && isCustomLeader(lease, kind)) customLeaders.push({ lease, kind });
  }

  const heartbeats = input.heartbeats ?? judgeWhole(judge as HeartbeatJudge, input, nowMs, policy);
  byKind.nodeHeartbeat = heartbeats.nodeLeases;
  for (const f of heartbeats.findings) findings.push(f);
  findings.push(...duplicateHostnameFindings(liveIdentities, nowMs));
  if (customLeaders) for (const f of leaseNamingFindings(customLeaders, nowMs, policy)) findings.push(f);
  findings.sort(bySeverityThenName);

  const counted = Object.fromEntries(findingTypes.map((t) => [t, 0])) as Record<FindingType, number>;
  for (const f of findings) counted[f.type]++;
  return {
    cluster: input.cluster,
    nowMs,
    counts: {
      leases: leases.length + heartbeats.nodeLeases,
      nodes: heartbeats.nodes,
      pods: input.pods?.length,
      byKind,
      liveApiServers,
      ...(input.leaseCandidates ? { leaseCandidates: input.leaseCandidates.length } : {}),
      findings: counted,
    },
    findings,
  };
}

/** Gives the judge the Nodes and the node leases of `input`; returns the other leases, in order. */
function judgeNodeLeases(judge: HeartbeatJudge, input: AuditInput, nowMs: number): LeaseRecord[] {
  judge.addNodes(input.nodes, nowMs);
  const others: LeaseRecord[] = [];
  // A few hundred leases at a time, as the lists give them, so the judge reads each lease while the split
  // still has it in the CPU's cache.
  const all = input.leases;
  for (let from = 0; from < all.length; from += 256)
    judge.takeLeasePage(all, nowMs, others, from, Math.min(from + 256, all.length));
  return others;
}

/**
 * Ends the judge fed with the whole snapshot. Should the lists prove out of name order, the judge has
 * stopped, and the node leases and Nodes are joined whole instead.
 */
function judgeWhole(
  judge: HeartbeatJudge,
  input: AuditInput,
  nowMs: number,
  policy: AuditPolicy,
): HeartbeatJudgement {
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

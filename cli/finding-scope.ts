import { InvalidArgumentError } from 'commander';
import { type Finding, type FindingType, findingTypes } from '../shared/audit/findings.ts';
import type { ClusterResult } from '../shared/fleet/audit-clusters.ts';
import {
  type LabelRequirement,
  matchesLabels,
  parseLabelSelector,
  SelectorParseError,
} from '../shared/selectors.ts';

/**
 * `-n`, `-A` and `-l`: which findings a run reports. The whole cluster is still read and judged — a
 * lease's holder Pod may be in another namespace, a Node's missing heartbeat is judged against every
 * node lease — and the findings are then kept by their lease's namespace and labels. A Node without a
 * lease is a kube-node-lease finding (that is where its lease should be) with no labels.
 */
export interface FindingScope {
  namespace?: string | undefined;
  selector?: { text: string; requirements: readonly LabelRequirement[] } | undefined;
}

/** `-l`: parsed with the apiserver's grammar now, so a typo is a usage error before any cluster is read. */
export function labelSelector(text: string): { text: string; requirements: readonly LabelRequirement[] } {
  try {
    return { text, requirements: parseLabelSelector(text) };
  } catch (err) {
    if (err instanceof SelectorParseError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** Whether the run keeps every finding (no -n, no -l). */
export function isWholeCluster(scope: FindingScope): boolean {
  return scope.namespace === undefined && scope.selector === undefined;
}

/** The namespace a finding belongs to: its lease's, or kube-node-lease for a Node without one. */
export function findingNamespace(f: Finding): string {
  return f.type === 'NodeWithoutLease' ? 'kube-node-lease' : f.namespace;
}

/**
 * A cluster's result with only the findings in scope (and their counts). Labels come from the snapshot,
 * which the run keeps when a selector is given; the snapshot is dropped from the result afterwards.
 */
export function scopeResult(result: ClusterResult, scope: FindingScope): ClusterResult {
  if (result.status !== 'ok' || isWholeCluster(scope)) return result;
  const labelsByUid = new Map<string, Readonly<Record<string, string>>>();
  const labelsByKey = new Map<string, Readonly<Record<string, string>>>();
  for (const lease of result.snapshot?.leases ?? []) {
    labelsByUid.set(lease.uid, lease.labels);
    labelsByKey.set(`${lease.namespace}/${lease.name}`, lease.labels);
  }
  const inScope = (f: Finding) => {
    if (scope.namespace !== undefined && findingNamespace(f) !== scope.namespace) return false;
    if (scope.selector === undefined) return true;
    const labels =
      f.type === 'NodeWithoutLease'
        ? {}
        : ((f.uid !== undefined ? labelsByUid.get(f.uid) : undefined) ??
          labelsByKey.get(`${f.namespace}/${f.name}`) ??
          {});
    return matchesLabels(scope.selector.requirements, labels);
  };
  const findings = result.audit.findings.filter(inScope);
  const counted = Object.fromEntries(findingTypes.map((t) => [t, 0])) as Record<FindingType, number>;
  for (const f of findings) counted[f.type]++;
  const { snapshot: _dropped, ...rest } = result;
  return {
    ...rest,
    audit: { ...result.audit, findings, counts: { ...result.audit.counts, findings: counted } },
  };
}

import { leaseDeleteRefusal } from '../shared/kube/failure-hints.ts';
import { formatSkew } from '../shared/reap/clock-guard.ts';
import type { ClusterReap } from '../shared/reap/reap-clusters.ts';
import type { ReapPolicy } from '../shared/reap/reap-policy.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import { formatSeconds, humanDuration } from './durations.ts';
import { columns } from './render-table.ts';

export const DRY_RUN_BANNER =
  '*** DRY-RUN: nothing is deleted. Each delete is sent with dryRun=All, so the API server checks RBAC and preconditions for real. To delete: --apply, under a policy that says dryRun: false. ***';

/**
 * A reap's table output, in titled sections: Plan (one row per planned delete and its outcome), Skipped
 * (candidates left out, and why, in the policy's units), Summary (per cluster, with the clock it was
 * judged by), then the thresholds the run judged by (abandoned, clock guard) and any refusals (clock
 * guard, RBAC). The DRY-RUN banner and the closing lines are the caller's: they depend on the flags.
 */
export function renderReap(
  results: readonly ClusterReap[],
  dryRun: boolean,
  policy: Pick<ReapPolicy, 'abandonedAfter' | 'maxClockSkew'>,
): string {
  const plan: string[][] = [['CLUSTER', 'NAMESPACE', 'NAME', 'FINDING', 'AGE', 'OUTCOME', 'REASON']];
  const skipped: string[][] = [['CLUSTER', 'NAMESPACE', 'NAME', 'FINDING', 'SKIPPED', 'WHY']];
  const summary: string[][] = [
    [
      'CLUSTER',
      'STATUS',
      'PLANNED',
      dryRun ? 'WOULD-DELETE' : 'DELETED',
      'GONE',
      'CHANGED',
      'FORBIDDEN',
      'FAILED',
      'NOT-ATTEMPTED',
      'CLOCK',
      'JUDGED-AT',
      'SKEW',
    ],
  ];
  const refusals: string[] = [];
  // Events are best effort: a deletion without one is said after the tables, never counted as failed.
  const eventNotes: string[] = [];
  for (const r of results) {
    if (r.status === 'error') {
      summary.push([r.cluster, `error: ${r.error.message}`, ...Array<string>(10).fill('-')]);
      continue;
    }
    if (r.status === 'refused')
      refusals.push(`cluster ${r.cluster}: ${withReadableDurations(r.refusal.message)}`);
    const e = r.execution;
    for (const a of e.actions) {
      // The exact object: two copies of one name (an inconsistent list) must not borrow each other's age.
      const age =
        r.plan.deletions.find((d) => d.uid === a.uid && d.resourceVersion === a.resourceVersion)
          ?.ageSeconds ?? 0;
      plan.push([
        r.cluster,
        a.namespace,
        a.name,
        a.finding,
        humanDuration(age * 1000),
        e.dryRun && a.outcome === 'deleted' ? 'would delete' : a.outcome,
        // A refused delete's full explanation is too long for a cell: it follows the tables.
        a.outcome === 'forbidden'
          ? leaseDeleteRefusal(a.namespace)
          : withReadableDurations(a.detail ?? a.reason),
      ]);
      if (a.outcome === 'forbidden') refusals.push(`cluster ${r.cluster}: ${a.detail ?? 'forbidden (403)'}`);
    }
    const missed = e.actions.flatMap((a) =>
      a.kubernetesEvent && 'failed' in a.kubernetesEvent ? [a.kubernetesEvent.failed] : [],
    );
    if (missed.length > 0)
      eventNotes.push(
        `cluster ${r.cluster}: ${missed.length} of ${missed.length + e.eventsRecorded} deletions recorded no Kubernetes Event (the leases are deleted): ${missed[0]}`,
      );
    for (const s of r.plan.skipped)
      skipped.push([r.cluster, s.namespace, s.name, s.finding, s.skip, withReadableDurations(s.detail)]);
    summary.push([
      r.cluster,
      r.status,
      String(e.planned),
      String(e.deleted),
      String(e.alreadyGone),
      String(e.changed),
      String(e.forbidden),
      String(e.failed),
      String(e.notAttempted),
      r.clock.source,
      r.clock.now,
      r.clock.skewMs === undefined ? 'unmeasured' : formatSkew(r.clock.skewMs),
    ]);
  }
  return [
    `Plan\n${plan.length > 1 ? columns(plan) : 'Nothing to delete.'}`,
    `Skipped\n${skipped.length > 1 ? columns(skipped) : 'No candidate was left out.'}`,
    `Summary\n${columns(summary)}`,
    `Abandoned: a leader lease expired for more than ${formatSeconds(policy.abandonedAfter)} (abandonedAfter) with no live holder.`,
    `Clock guard: a cluster's deletes are refused when its API server clock is off by more than ${formatSeconds(policy.maxClockSkew)} (maxClockSkew).`,
    ...(refusals.length > 0 ? [refusals.map(escapeTerminal).join('\n')] : []),
    ...(eventNotes.length > 0 ? [eventNotes.map(escapeTerminal).join('\n')] : []),
  ].join('\n\n');
}

/**
 * Rewrites the `<n> s` durations of a planner or guard message (`expired for 90000 s, less than
 * minExpiredFor 86400 s`) in the units people write: round values as a policy spells them (`24h`, `5m`),
 * other ages as kubectl prints them (`25h`, `3d4h`). The JSON report keeps the messages as written.
 */
export function withReadableDurations(message: string): string {
  return message.replace(/\b(\d{1,12}) s\b/g, (_, n: string) => {
    const seconds = Number(n);
    return seconds % 60 === 0 ? formatSeconds(seconds) : humanDuration(seconds * 1000);
  });
}

/** One word for a POSIX shell: as is when it is plainly safe, otherwise single-quoted. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

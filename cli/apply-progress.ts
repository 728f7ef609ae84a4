import type { ActionOutcome } from '../shared/reap/execute-plan.ts';
import type { ClusterReap } from '../shared/reap/reap-clusters.ts';
import type { PlanApplyProgress } from './apply-plan.ts';
import { type LiveBoardOptions, liveBoard } from './live-progress.ts';

/** The words for each outcome, in the order they are listed. */
function outcomeWords(dryRun: boolean): [ActionOutcome, string][] {
  return [
    ['deleted', dryRun ? 'would delete' : 'deleted'],
    ['alreadyGone', 'already gone'],
    ['changed', 'changed'],
    ['forbidden', 'forbidden'],
    ['failed', 'failed'],
    ['notAttempted', 'not attempted'],
  ];
}

function outcomeList(outcomes: PlanApplyProgress['outcomes'], dryRun: boolean): string {
  return outcomeWords(dryRun)
    .filter(([o]) => (outcomes?.[o] ?? 0) > 0)
    .map(([o, words]) => `${outcomes?.[o]} ${words}`)
    .join(', ');
}

/** One cluster of a saved plan, as it goes: read back, then deletes answered out of those to send. Pure. */
export function planProgressText(p: PlanApplyProgress, dryRun: boolean): string {
  if (p.toDelete === undefined) return `re-reading ${p.reread} of ${p.planned} planned leases`;
  const answered = Object.values(p.outcomes ?? {}).reduce((n, c) => n + (c ?? 0), 0);
  const list = outcomeList(p.outcomes, dryRun);
  return `${p.reread} re-read, ${p.skipped ?? 0} skipped; ${dryRun ? 'dry-run deletes' : 'deleting'} ${answered} of ${p.toDelete}${list ? `: ${list}` : ''}`;
}

/** A cluster's closing line: what was re-read, skipped and done, or why it stopped. Pure. */
export function planDoneText(
  p: PlanApplyProgress | undefined,
  status: ClusterReap['status'],
  dryRun: boolean,
): string {
  if (status === 'error') return 'failed';
  if (status === 'refused') return 'refused by the clock guard';
  if (!p) return 'done';
  const list = outcomeList(p.outcomes, dryRun);
  return `${p.reread} re-read, ${p.skipped ?? 0} skipped${list ? `, ${list}` : ''}`;
}

/** The live display of `reap --plan`, per cluster of the plan (a board headed "Applying the plan to"). */
export function applyProgress(
  err: NodeJS.WriteStream,
  clusters: readonly string[],
  options: LiveBoardOptions & { dryRun: boolean },
) {
  const board = liveBoard(
    err,
    clusters,
    options.dryRun ? 'Dry-running the plan on' : 'Applying the plan to',
    options,
  );
  if (!board) return undefined;
  const last = new Map<string, PlanApplyProgress>();
  return {
    update(cluster: string, p: PlanApplyProgress) {
      last.set(cluster, p);
      board.set(cluster, { phase: 'active', text: planProgressText(p, options.dryRun) });
    },
    done(cluster: string, status: ClusterReap['status']) {
      const text = planDoneText(last.get(cluster), status, options.dryRun);
      board.set(cluster, { phase: 'done', ok: status === 'ok', text });
    },
    clear: () => board.clear(),
  };
}

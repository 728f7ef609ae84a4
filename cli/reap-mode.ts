import type { ReapPolicy } from '../shared/reap/reap-policy.ts';

/** Whether a CLI reap deletes, and what to tell the user when the policy kept an --apply run dry. */
export interface ReapMode {
  dryRun: boolean;
  /** Set when --apply was given but the policy says dryRun: true. */
  heldByPolicy?: string;
}

/**
 * Two switches decide whether `lease-reaper reap` deletes, and the safer one always wins: it deletes only
 * with --apply on the command line and `dryRun: false` in the policy (whose default, as in the Lambda,
 * is true). Either switch alone keeps the run dry. `policySource` names the policy in the notice. Pure.
 */
export function reapMode(apply: boolean, policy: Pick<ReapPolicy, 'dryRun'>, policySource: string): ReapMode {
  if (!apply) return { dryRun: true };
  if (!policy.dryRun) return { dryRun: false };
  return {
    dryRun: true,
    heldByPolicy: `--apply is overridden by ${policySource}: it says dryRun: true (the default when a policy does not set it), and the safer of the two wins, so this is a dry run. To delete, set dryRun: false in the policy.`,
  };
}

import { Command, Option } from 'commander';
import { readConfigDocument } from '../shared/config-file.ts';
import { ConfigError } from '../shared/errors.ts';
import { type ClusterTarget, serverOf } from '../shared/fleet/cluster-target.ts';
import type { ActionRecord } from '../shared/reap/execute-plan.ts';
import { type ClusterReap, reapClusters } from '../shared/reap/reap-clusters.ts';
import { parseReapPolicy, type ReapPolicy } from '../shared/reap/reap-policy.ts';
import { safeJson } from '../shared/report/escape.ts';
import { buildReapReport } from '../shared/report/reap-report.ts';
import { type ActionLog, openActionLog } from './action-log.ts';
import { applySavedPlan } from './apply-plan.ts';
import { applyProgress } from './apply-progress.ts';
import { type ArchiveDir, openArchiveDir } from './archive-dir.ts';
import { formatSeconds } from './durations.ts';
import { reapExitCode } from './exit-codes.ts';
import { liveProgress } from './live-progress.ts';
import {
  concurrency,
  isoTime,
  type ReadLimitFlags,
  readLimitsFrom,
  timeoutSeconds,
  withReadLimitOptions,
} from './options.ts';
import {
  checkPlanAge,
  checkPlanTargets,
  DEFAULT_MAX_PLAN_AGE,
  maxPlanAge,
  planFileFrom,
  type ReapPlanFile,
  readPlanFile,
  writePlanFile,
} from './plan-file.ts';
import { reapMode } from './reap-mode.ts';
import { explainAction, explainRefusedDeletes } from './refused-deletes.ts';
import { DRY_RUN_BANNER, renderReap, shellWord } from './render-reap.ts';
import { commandTargets, withTargetOptions } from './targets.ts';

interface ReapFlags extends ReadLimitFlags {
  kubeconfig?: string;
  clusters?: string;
  context: string[];
  allContexts?: boolean;
  policy?: string;
  apply?: boolean;
  output: 'table' | 'json';
  planOut?: string;
  plan?: string;
  maxPlanAge?: number;
  logFile?: string;
  verbose?: boolean;
  now?: number;
  maxClockSkew?: string;
  concurrency: number;
  timeout: number;
  connectTimeout: number;
  color: boolean;
  /** false with --no-record-events; commander's default is true. */
  recordEvents: boolean;
  archive?: string;
}

/** Colour on the live display unless --no-color or NO_COLOR (the report itself has none). */
const colourOn = (flags: ReapFlags) => flags.color && !process.env.NO_COLOR;

/**
 * The policy with --max-clock-skew applied, validated again as a whole (the limit must stay under
 * minExpiredFor); a bad value is a configuration error naming the flag.
 */
function withMaxClockSkew(policy: ReapPolicy, flag: string | undefined): ReapPolicy {
  if (flag === undefined) return policy;
  const value = /^\d+$/.test(flag) ? Number(flag) : flag;
  return parseReapPolicy({ ...policy, maxClockSkew: value }, `--max-clock-skew ${flag} with the policy`);
}

/**
 * The policy with --no-record-events applied: the flag can only turn Events off, never on against the policy
 * (a policy that says recordEvents: false keeps its word).
 */
function withRecordEvents(policy: ReapPolicy, flags: ReapFlags): ReapPolicy {
  return flags.recordEvents === false && policy.recordEvents
    ? Object.freeze({ ...policy, recordEvents: false })
    : policy;
}

/**
 * Reads a policy file (YAML or JSON, at most 1 MiB); a missing, unreadable or oversized file is a
 * configuration error.
 */
export async function loadPolicyFile(path: string | undefined): Promise<ReapPolicy> {
  if (!path) return parseReapPolicy({}, 'the default policy (no --policy given)');
  return parseReapPolicy(readConfigDocument(path, `--policy ${path}`), `policy ${path}`);
}

/**
 * What a run by policy and a saved plan's apply both take from the flags: the deadline for deletes, the
 * read limits, the connect timeout, the action log (each record explained for a reader), and the archive.
 */
function clusterCallOptions(flags: ReapFlags, log: ActionLog, archive: ArchiveDir | undefined) {
  const readLimits = readLimitsFrom(flags);
  return {
    ...(archive ? { archive: (cluster: string) => archive.sink(cluster) } : {}),
    signal: AbortSignal.timeout(Math.max(1, flags.timeout) * 1000),
    ...(readLimits ? { readLimits } : {}),
    connectTimeoutMs: flags.connectTimeout * 1000,
    log: (record: ActionRecord) => log.write(explainAction(record)),
  };
}

/** Runs `work` while a live display shows it, and erases the display however the work ends. */
async function whileShowing<T>(display: { clear(): void } | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    display?.clear();
  }
}

/** Flags that contradict each other, refused before anything is read. */
function refuseConflicts(flags: ReapFlags): void {
  if (flags.now !== undefined && flags.apply === true) {
    throw new ConfigError(
      "--now cannot be used with --apply: deletes are judged by each API server's clock (checked against this machine's by maxClockSkew), never by a given time",
    );
  }
  if (flags.plan !== undefined) {
    if (flags.policy !== undefined)
      throw new ConfigError(
        '--plan cannot be used with --policy: the plan carries the policy that chose its leases (make a new plan to use another)',
      );
    if (flags.planOut !== undefined)
      throw new ConfigError(
        '--plan cannot be used with --plan-out: a saved plan is applied as it is, never planned again',
      );
    if (flags.now !== undefined)
      throw new ConfigError('--now cannot be used with --plan: a saved plan was judged when it was made');
  } else if (flags.maxPlanAge !== undefined) {
    throw new ConfigError('--max-plan-age applies only to --plan');
  }
  if (flags.planOut !== undefined) {
    if (flags.apply === true)
      throw new ConfigError(
        '--plan-out cannot be used with --apply: write the plan in a dry run, review it, then apply it with --apply --plan FILE',
      );
    if (flags.now !== undefined)
      throw new ConfigError(
        '--plan-out cannot be used with --now: a plan is judged by the API server clocks it will be applied under',
      );
  }
}

const examples = `
Examples:
  lease-reaper reap --policy policy.yaml                          # dry run: the plan, nothing deleted
  lease-reaper reap --policy policy.yaml --plan-out plan.json     # dry run, and write the plan for review
  lease-reaper reap --apply --plan plan.json                      # delete exactly that plan (within 1h)
  lease-reaper reap --policy policy.yaml --apply --log-file reap.log
  lease-reaper reap --policy policy.yaml --apply --archive ./archive   # a tombstone of each lease first (see restore)

Deleting takes two switches, and the safer wins: --apply here and dryRun: false in the policy
(its default is true). Either alone is a dry run; stderr says when the policy overrides --apply.

Exit codes:
  0   done (a lease changed since it was planned is kept and reported as changed)
  2   a cluster failed, was refused by the clock guard, or refused a delete (RBAC, errors)
  64  bad flags, policy or plan file; nothing was sent
`;

/** `lease-reaper reap`: plan and (with --apply) delete abandoned leases under a policy, or apply a saved plan. */
export function reapCommand(): Command {
  return withReadLimitOptions(withTargetOptions(new Command('reap'), 'reap'))
    .description('delete abandoned leases under a policy, or exactly a saved plan (a dry run unless --apply)')
    .option('--policy <file>', 'the reap policy (YAML or JSON); see the README')
    .option(
      '--apply',
      'really delete, if the policy also says dryRun: false (the safer of the two wins: either alone is a dry run)',
    )
    .option('--plan-out <file>', 'dry run only: write the plan to this file, for review and --apply --plan')
    .option(
      '--plan <file>',
      'execute exactly this saved plan (from --plan-out): no new audit; each lease is deleted only if unchanged since',
    )
    .option(
      '--max-plan-age <duration>',
      `refuse a --plan older than this (e.g. 30m, 2h, 1d; default ${formatSeconds(DEFAULT_MAX_PLAN_AGE)})`,
      maxPlanAge,
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .option('--log-file <file>', 'append the JSON action log (one line per delete) to this file')
    .option(
      '--archive <dir>',
      'keep a tombstone of each lease in this directory before deleting it (one JSON Lines file per cluster and run; see restore)',
    )
    .option('--verbose', 'also write the JSON action log to stderr')
    .option(
      '--no-record-events',
      "record no Kubernetes Event (LeaseReaped) for the deletions; the policy's recordEvents does the same",
    )
    .option('--no-color', 'no colour in the live progress on a terminal (NO_COLOR does the same)')
    .option(
      '--now <time>',
      'judge leases at this RFC 3339 time instead of the API server clock (dry run only: refused with --apply)',
      isoTime,
    )
    .option(
      '--max-clock-skew <duration>',
      "refuse a cluster's deletes when its API server clock differs from this machine's by more than this (e.g. 90s, 5m; default: the policy's maxClockSkew, 5m)",
    )
    .option('--concurrency <n>', 'clusters read at once (1 to 256)', concurrency, 4)
    .option(
      '--timeout <seconds>',
      'stop deleting after this long and report what was done (1 to 2147483)',
      timeoutSeconds,
      300,
    )
    .addHelpText('after', examples)
    .action(async (flags: ReapFlags) => {
      refuseConflicts(flags);
      if (flags.plan !== undefined) await reapSavedPlan(flags, flags.plan);
      else await reapByPolicy(flags);
    });
}

/** The run's mode (see reapMode); a notice on stderr when the policy keeps an --apply run dry. */
function modeOf(flags: ReapFlags, policy: ReapPolicy, policySource: string): boolean {
  const mode = reapMode(flags.apply === true, policy, policySource);
  if (mode.heldByPolicy) process.stderr.write(`lease-reaper: ${mode.heldByPolicy}\n`);
  return mode.dryRun;
}

/** audit → plan → execute under a policy; with --plan-out, the dry run's plan is written for review. */
async function reapByPolicy(flags: ReapFlags): Promise<void> {
  const policy = withRecordEvents(
    withMaxClockSkew(await loadPolicyFile(flags.policy), flags.maxClockSkew),
    flags,
  );
  const dryRun = modeOf(
    flags,
    policy,
    flags.policy === undefined ? 'the default policy' : `policy ${flags.policy}`,
  );
  const { targets, failures } = await commandTargets(flags, { err: process.stderr, colour: colourOn(flags) });
  const log = openActionLog({ file: flags.logFile, verbose: flags.verbose === true, stderr: process.stderr });
  const archive = flags.archive === undefined ? undefined : openArchiveDir(flags.archive, Date.now());
  try {
    if (dryRun && flags.output === 'table') process.stdout.write(`${DRY_RUN_BANNER}\n\n`);
    // The reads' progress on a terminal's stderr, erased before the report (deletes are logged, not shown).
    const progress = liveProgress(
      process.stderr,
      targets.map((t) => t.name),
      { colour: colourOn(flags) },
    );
    const reaped = await whileShowing(progress, () =>
      reapClusters(targets, {
        policy,
        dryRun,
        ...(flags.now !== undefined ? { nowMs: flags.now } : {}),
        concurrency: Math.max(1, flags.concurrency),
        ...clusterCallOptions(flags, log, archive),
        ...(progress
          ? {
              onProgress: (cluster, p) => progress.update(cluster, p),
              onClusterRead: (cluster, ok) => progress.done(cluster, ok),
            }
          : {}),
      }),
    );
    const results: ClusterReap[] = [...reaped, ...failures];
    let written: { path: string; plan: ReapPlanFile } | undefined;
    if (flags.planOut !== undefined) {
      const plan = planFileFrom(results, {
        policy,
        policySource: flags.policy ?? 'the default policy',
        servers: serversOf(targets),
        createdAtMs: Date.now(),
      });
      writePlanFile(flags.planOut, plan);
      written = { path: flags.planOut, plan };
    }
    finish(flags, results, policy, dryRun, written ? { planOut: written } : {});
  } finally {
    log.close();
    archive?.close();
  }
}

/** A saved plan, checked (fields, age, clusters) before any cluster is contacted, then executed as is. */
async function reapSavedPlan(flags: ReapFlags, path: string): Promise<void> {
  const source = `--plan ${path}`;
  const plan = readPlanFile(path);
  checkPlanAge(plan, Date.now(), flags.maxPlanAge ?? DEFAULT_MAX_PLAN_AGE, source);
  const policy = withRecordEvents(withMaxClockSkew(plan.policy, flags.maxClockSkew), flags);
  const dryRun = modeOf(flags, policy, `the policy saved in ${source}`);
  const { targets, failures } = await commandTargets(flags, { err: process.stderr, colour: colourOn(flags) });
  checkPlanTargets(
    plan,
    targets,
    failures.map((f) => f.cluster),
    source,
  );
  const log = openActionLog({ file: flags.logFile, verbose: flags.verbose === true, stderr: process.stderr });
  const archive = flags.archive === undefined ? undefined : openArchiveDir(flags.archive, Date.now());
  try {
    if (dryRun && flags.output === 'table') process.stdout.write(`${DRY_RUN_BANNER}\n\n`);
    // Per cluster on a terminal's stderr: leases read back, then deletes answered; erased before the report.
    const progress = applyProgress(
      process.stderr,
      plan.clusters.map((c) => c.cluster),
      { colour: colourOn(flags), dryRun },
    );
    const results = await whileShowing(progress, () =>
      applySavedPlan(plan, targets, failures, {
        policy,
        dryRun,
        ...clusterCallOptions(flags, log, archive),
        ...(progress
          ? {
              onProgress: (cluster, p) => progress.update(cluster, p),
              onClusterDone: (cluster, status) => progress.done(cluster, status),
            }
          : {}),
      }),
    );
    finish(flags, results, policy, dryRun, { appliedPlan: { path, plan } });
  } finally {
    log.close();
    archive?.close();
  }
}

function serversOf(targets: readonly ClusterTarget[]): Map<string, string> {
  return new Map(targets.map((t) => [t.name, serverOf(t)]));
}

interface PlanFiles {
  /** The plan this dry run wrote (--plan-out). */
  planOut?: { path: string; plan: ReapPlanFile };
  /** The saved plan this run executed (--plan). */
  appliedPlan?: { path: string; plan: ReapPlanFile };
}

/** Prints the report (table or JSON) and sets the exit code. */
function finish(
  flags: ReapFlags,
  reaped: readonly ClusterReap[],
  policy: ReapPolicy,
  dryRun: boolean,
  files: PlanFiles,
): void {
  const results = explainRefusedDeletes(reaped);
  if (flags.output === 'json') {
    process.stdout.write(
      `${safeJson(
        {
          ...buildReapReport(results, policy, dryRun, Date.now()),
          ...(files.planOut ? { planOut: files.planOut.path } : {}),
          ...(files.appliedPlan
            ? { plan: { file: files.appliedPlan.path, createdAt: files.appliedPlan.plan.createdAt } }
            : {}),
        },
        2,
      )}\n`,
    );
  } else {
    const closing = closingLines(flags, results, policy, dryRun, files);
    process.stdout.write(
      `${[renderReap(results, dryRun, policy), ...(closing.length > 0 ? [closing.join('\n')] : [])].join('\n\n')}\n`,
    );
  }
  process.exitCode = reapExitCode(results);
}

/**
 * What a dry run ends with: where the plan went, and the exact command that applies it (or that nothing
 * would be deleted). An applying run ends with its summary.
 */
function closingLines(
  flags: ReapFlags,
  results: readonly ClusterReap[],
  policy: ReapPolicy,
  dryRun: boolean,
  files: PlanFiles,
): string[] {
  if (!dryRun) return [];
  // --apply alone cannot delete under a policy that says dryRun: true: the way to apply says so.
  const toApply = (plan?: string) =>
    policy.dryRun
      ? plan === undefined
        ? `To apply: set dryRun: false in the policy, then: ${applyCommand(flags)}`
        : `To apply: this plan's policy says dryRun: true, so it deletes nothing; set dryRun: false in the policy and make the plan again.`
      : `To apply: ${applyCommand(flags, plan)}`;
  if (files.planOut) {
    const { path, plan } = files.planOut;
    const leases = plan.clusters.reduce((n, c) => n + c.deletions.length, 0);
    const notInPlan = results
      .filter((r) => !plan.clusters.some((c) => c.cluster === r.cluster))
      .map((r) => `${r.cluster} (${r.status})`);
    return [
      `Plan written to ${path}: ${leases} ${leases === 1 ? 'lease' : 'leases'} in ${plan.clusters.length} ${plan.clusters.length === 1 ? 'cluster' : 'clusters'}${notInPlan.length > 0 ? `; not in it: ${notInPlan.join(', ')}` : ''}. It can be applied for ${formatSeconds(DEFAULT_MAX_PLAN_AGE)} (--max-plan-age).`,
      leases === 0 ? 'Nothing to apply.' : toApply(path),
    ];
  }
  const wouldDelete = results.reduce(
    (n, r) =>
      n + (r.status === 'error' ? 0 : r.execution.actions.filter((a) => a.outcome === 'deleted').length),
    0,
  );
  if (wouldDelete === 0) return ['Nothing to apply: no lease would be deleted.'];
  if (flags.plan !== undefined) return [toApply(flags.plan)];
  return [
    'Applying audits and plans again; to apply exactly the plan above, write it with --plan-out FILE first.',
    toApply(),
  ];
}

/** The command line that applies what this dry run showed: the same clusters, the plan or the policy. */
function applyCommand(flags: ReapFlags, plan?: string): string {
  const words = ['lease-reaper', 'reap', '--apply'];
  if (plan !== undefined) words.push('--plan', plan);
  else if (flags.policy !== undefined) words.push('--policy', flags.policy);
  if (flags.clusters !== undefined) words.push('--clusters', flags.clusters);
  if (flags.kubeconfig !== undefined) words.push('--kubeconfig', flags.kubeconfig);
  for (const context of flags.context) words.push('--context', context);
  if (flags.allContexts === true) words.push('--all-contexts');
  if (flags.maxClockSkew !== undefined) words.push('--max-clock-skew', flags.maxClockSkew);
  if (flags.recordEvents === false) words.push('--no-record-events');
  if (flags.archive !== undefined) words.push('--archive', flags.archive);
  if (plan === undefined) {
    if (flags.maxResponseMib !== undefined) words.push('--max-response-mib', String(flags.maxResponseMib));
    if (flags.maxListItems !== undefined) words.push('--max-list-items', String(flags.maxListItems));
    if (flags.maxListPages !== undefined) words.push('--max-list-pages', String(flags.maxListPages));
  } else if (flags.maxPlanAge !== undefined) {
    words.push('--max-plan-age', `${flags.maxPlanAge}s`);
  }
  return words.map(shellWord).join(' ');
}

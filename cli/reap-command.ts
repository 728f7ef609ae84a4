import { Command, Option } from 'commander';
import { load as loadYaml } from 'js-yaml';
import { readConfigFile } from '../shared/config-file.ts';
import { ConfigError } from '../shared/errors.ts';
import type { ClusterTarget } from '../shared/fleet/audit-clusters.ts';
import { type ClusterReap, reapClusters } from '../shared/reap/reap-clusters.ts';
import { parseReapPolicy, type ReapPolicy } from '../shared/reap/reap-policy.ts';
import { ExitCode } from '../shared/report/audit-report.ts';
import { safeJson } from '../shared/report/escape.ts';
import { openActionLog } from './action-log.ts';
import { applySavedPlan } from './apply-plan.ts';
import { formatSeconds } from './durations.ts';
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
  serverOf,
  writePlanFile,
} from './plan-file.ts';
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
}

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
 * Reads a policy file (YAML or JSON, at most 1 MiB); a missing, unreadable or oversized file is a
 * configuration error.
 */
export async function loadPolicyFile(path: string | undefined): Promise<ReapPolicy> {
  if (!path) return parseReapPolicy({}, 'the default policy (no --policy given)');
  const text = readConfigFile(path, `--policy ${path}`);
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (cause) {
    throw new ConfigError(
      `--policy ${path} is not valid YAML or JSON: ${(cause as Error).message.split('\n')[0]}`,
      { cause },
    );
  }
  return parseReapPolicy(doc, `policy ${path}`);
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

Exit codes:
  0   done (a lease changed since it was planned is kept and reported as changed)
  2   a cluster failed, was refused by the clock guard, or refused a delete (RBAC, errors)
  64  bad flags, policy or plan file; nothing was sent
`;

/** `lease-reaper reap`: plan and (with --apply) delete abandoned leases under a policy, or apply a saved plan. */
export function reapCommand(): Command {
  return withTargetOptions(withReadLimitOptions(new Command('reap')), 'reap')
    .description('delete abandoned leases under a policy, or exactly a saved plan (a dry run unless --apply)')
    .option('--policy <file>', 'the reap policy (YAML or JSON); see the README')
    .option('--apply', 'really delete (otherwise a dry run, whatever the policy says)')
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
    .option('--verbose', 'also write the JSON action log to stderr')
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
      // The CLI deletes only with --apply; the policy's dryRun is the Lambda's switch.
      const dryRun = flags.apply !== true;
      if (flags.plan !== undefined) await reapSavedPlan(flags, flags.plan, dryRun);
      else await reapByPolicy(flags, dryRun);
    });
}

/** audit → plan → execute under a policy; with --plan-out, the dry run's plan is written for review. */
async function reapByPolicy(flags: ReapFlags, dryRun: boolean): Promise<void> {
  const policy = withMaxClockSkew(await loadPolicyFile(flags.policy), flags.maxClockSkew);
  const readLimits = readLimitsFrom(flags);
  const { targets, failures } = await commandTargets(flags);
  const log = openActionLog({ file: flags.logFile, verbose: flags.verbose === true, stderr: process.stderr });
  try {
    if (dryRun && flags.output === 'table') process.stdout.write(`${DRY_RUN_BANNER}\n\n`);
    // The reads' progress on a terminal's stderr, erased before the report (deletes are logged, not shown).
    const progress = liveProgress(
      process.stderr,
      targets.map((t) => t.name),
      { colour: !process.env.NO_COLOR },
    );
    let reaped: ClusterReap[];
    try {
      reaped = await reapClusters(targets, {
        policy,
        dryRun,
        ...(flags.now !== undefined ? { nowMs: flags.now } : {}),
        concurrency: Math.max(1, flags.concurrency),
        signal: AbortSignal.timeout(Math.max(1, flags.timeout) * 1000),
        ...(readLimits ? { readLimits } : {}),
        connectTimeoutMs: flags.connectTimeout * 1000,
        ...(progress
          ? {
              onProgress: (cluster, p) => progress.update(cluster, p),
              onClusterRead: (cluster, ok) => progress.done(cluster, ok),
            }
          : {}),
        log: (record) => log.write(record),
      });
    } finally {
      progress?.clear();
    }
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
  }
}

/** A saved plan, checked (fields, age, clusters) before any cluster is contacted, then executed as is. */
async function reapSavedPlan(flags: ReapFlags, path: string, dryRun: boolean): Promise<void> {
  const source = `--plan ${path}`;
  const plan = readPlanFile(path);
  checkPlanAge(plan, Date.now(), flags.maxPlanAge ?? DEFAULT_MAX_PLAN_AGE, source);
  const policy = withMaxClockSkew(plan.policy, flags.maxClockSkew);
  const readLimits = readLimitsFrom(flags);
  const { targets, failures } = await commandTargets(flags);
  checkPlanTargets(
    plan,
    targets,
    failures.map((f) => f.cluster),
    source,
  );
  const log = openActionLog({ file: flags.logFile, verbose: flags.verbose === true, stderr: process.stderr });
  try {
    if (dryRun && flags.output === 'table') process.stdout.write(`${DRY_RUN_BANNER}\n\n`);
    const results = await applySavedPlan(plan, targets, failures, {
      policy,
      dryRun,
      signal: AbortSignal.timeout(Math.max(1, flags.timeout) * 1000),
      log: (record) => log.write(record),
      ...(readLimits ? { readLimits } : {}),
      connectTimeoutMs: flags.connectTimeout * 1000,
    });
    finish(flags, results, policy, dryRun, { appliedPlan: { path, plan } });
  } finally {
    log.close();
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
  results: readonly ClusterReap[],
  policy: ReapPolicy,
  dryRun: boolean,
  files: PlanFiles,
): void {
  if (flags.output === 'json') {
    process.stdout.write(
      `${safeJson(
        {
          ...reapReport(results, policy, dryRun),
          ...(files.planOut ? { planOut: files.planOut.path } : {}),
          ...(files.appliedPlan
            ? { plan: { file: files.appliedPlan.path, createdAt: files.appliedPlan.plan.createdAt } }
            : {}),
        },
        2,
      )}\n`,
    );
  } else {
    const closing = closingLines(flags, results, dryRun, files);
    process.stdout.write(
      `${[renderReap(results, dryRun, policy.maxClockSkew), ...(closing.length > 0 ? [closing.join('\n')] : [])].join('\n\n')}\n`,
    );
  }
  // A refused cluster did not do what was asked: it fails the run like an unreachable one.
  const failed = results.some(
    (r) => r.status !== 'ok' || r.execution.failed > 0 || r.execution.forbidden > 0,
  );
  process.exitCode = failed ? ExitCode.clusterError : ExitCode.ok;
}

/**
 * What a dry run ends with: where the plan went, and the exact command that applies it (or that nothing
 * would be deleted). An applying run ends with its summary.
 */
function closingLines(
  flags: ReapFlags,
  results: readonly ClusterReap[],
  dryRun: boolean,
  files: PlanFiles,
): string[] {
  if (!dryRun) return [];
  if (files.planOut) {
    const { path, plan } = files.planOut;
    const leases = plan.clusters.reduce((n, c) => n + c.deletions.length, 0);
    const notInPlan = results
      .filter((r) => !plan.clusters.some((c) => c.cluster === r.cluster))
      .map((r) => `${r.cluster} (${r.status})`);
    return [
      `Plan written to ${path}: ${leases} ${leases === 1 ? 'lease' : 'leases'} in ${plan.clusters.length} ${plan.clusters.length === 1 ? 'cluster' : 'clusters'}${notInPlan.length > 0 ? `; not in it: ${notInPlan.join(', ')}` : ''}. It can be applied for ${formatSeconds(DEFAULT_MAX_PLAN_AGE)} (--max-plan-age).`,
      leases === 0 ? 'Nothing to apply.' : `To apply: ${applyCommand(flags, path)}`,
    ];
  }
  const wouldDelete = results.reduce(
    (n, r) =>
      n + (r.status === 'error' ? 0 : r.execution.actions.filter((a) => a.outcome === 'deleted').length),
    0,
  );
  if (wouldDelete === 0) return ['Nothing to apply: no lease would be deleted.'];
  if (flags.plan !== undefined) return [`To apply: ${applyCommand(flags, flags.plan)}`];
  return [
    'Applying audits and plans again; to apply exactly the plan above, write it with --plan-out FILE first.',
    `To apply: ${applyCommand(flags)}`,
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
  if (plan === undefined) {
    if (flags.maxResponseMib !== undefined) words.push('--max-response-mib', String(flags.maxResponseMib));
    if (flags.maxListItems !== undefined) words.push('--max-list-items', String(flags.maxListItems));
    if (flags.maxListPages !== undefined) words.push('--max-list-pages', String(flags.maxListPages));
  } else if (flags.maxPlanAge !== undefined) {
    words.push('--max-plan-age', `${flags.maxPlanAge}s`);
  }
  return words.map(shellWord).join(' ');
}

export function reapReport(results: readonly ClusterReap[], policy: ReapPolicy, dryRun: boolean) {
  return {
    apiVersion: 'lease-reaper.io/v1',
    kind: 'ReapReport',
    generatedAt: new Date().toISOString(),
    dryRun,
    policy,
    /** The clock-guard limit used (the policy's maxClockSkew or --max-clock-skew), in seconds. */
    maxClockSkewSeconds: policy.maxClockSkew,
    clusters: results,
  };
}

import { Command, Option } from 'commander';
import { load as loadYaml } from 'js-yaml';
import { readConfigFile } from '../shared/config-file.ts';
import { ConfigError } from '../shared/errors.ts';
import { formatSkew } from '../shared/reap/clock-guard.ts';
import { type ClusterReap, reapClusters } from '../shared/reap/reap-clusters.ts';
import { parseReapPolicy, type ReapPolicy } from '../shared/reap/reap-policy.ts';
import { ExitCode } from '../shared/report/audit-report.ts';
import { escapeTerminal, safeJson } from '../shared/report/escape.ts';
import { humanDuration } from '../sim/human-duration.ts';
import {
  concurrency,
  isoTime,
  type ReadLimitFlags,
  readLimitsFrom,
  timeoutSeconds,
  withReadLimitOptions,
} from './options.ts';
import { columns } from './render-table.ts';
import { commandTargets } from './targets.ts';

interface ReapFlags extends ReadLimitFlags {
  kubeconfig?: string;
  clusters?: string;
  context: string[];
  allContexts?: boolean;
  policy?: string;
  apply?: boolean;
  output: 'table' | 'json';
  now?: number;
  maxClockSkew?: string;
  concurrency: number;
  timeout: number;
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

const banner =
  '*** DRY-RUN: nothing is deleted. Each delete is sent with dryRun=All, so the API server checks RBAC and preconditions for real. Pass --apply to delete. ***';

/** `lease-reaper reap`: plan and (with --apply) delete abandoned leases under a policy. */
export function reapCommand(): Command {
  return withReadLimitOptions(new Command('reap'))
    .description('delete abandoned leases under a policy (a dry run unless --apply)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option(
      '--context <name>',
      'context to reap (repeatable; default: the current context)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--all-contexts', 'every context of the kubeconfig')
    .option(
      '--clusters <file>',
      "reap the clusters of a registry file (the Lambda functions' configuration) with this machine's AWS credentials",
    )
    .option('--policy <file>', 'the reap policy (YAML or JSON); see the README')
    .option('--apply', 'really delete (otherwise a dry run, whatever the policy says)')
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
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
    .action(async (flags: ReapFlags) => {
      if (flags.now !== undefined && flags.apply === true) {
        throw new ConfigError(
          "--now cannot be used with --apply: deletes are judged by each API server's clock (checked against this machine's by maxClockSkew), never by a given time",
        );
      }
      const policy = withMaxClockSkew(await loadPolicyFile(flags.policy), flags.maxClockSkew);
      // The CLI deletes only with --apply; the policy's dryRun is the Lambda's switch.
      const dryRun = flags.apply !== true;
      const readLimits = readLimitsFrom(flags);
      const { targets, failures } = await commandTargets(flags);
      if (dryRun && flags.output === 'table') process.stdout.write(`${banner}\n\n`);
      const reaped = await reapClusters(targets, {
        policy,
        dryRun,
        ...(flags.now !== undefined ? { nowMs: flags.now } : {}),
        concurrency: Math.max(1, flags.concurrency),
        signal: AbortSignal.timeout(Math.max(1, flags.timeout) * 1000),
        ...(readLimits ? { readLimits } : {}),
        log: (record) => process.stderr.write(`${safeJson(record)}\n`),
      });
      const results: ClusterReap[] = [...reaped, ...failures];
      process.stdout.write(
        flags.output === 'json'
          ? `${safeJson(reapReport(results, policy, dryRun), 2)}\n`
          : renderReap(results, dryRun, policy.maxClockSkew),
      );
      // A refused cluster did not do what was asked: it fails the run like an unreachable one.
      const failed = results.some(
        (r) => r.status !== 'ok' || r.execution.failed > 0 || r.execution.forbidden > 0,
      );
      process.exitCode = failed ? ExitCode.clusterError : ExitCode.ok;
    });
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

function renderReap(results: readonly ClusterReap[], dryRun: boolean, maxClockSkewSeconds: number): string {
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
  for (const r of results) {
    if (r.status === 'error') {
      summary.push([
        r.cluster,
        `error: ${r.error.message}`,
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
      ]);
      continue;
    }
    if (r.status === 'refused') refusals.push(`cluster ${r.cluster}: ${r.refusal.message}`);
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
        a.detail ?? a.reason,
      ]);
    }
    for (const s of r.plan.skipped)
      skipped.push([r.cluster, s.namespace, s.name, s.finding, s.skip, s.detail]);
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
    plan.length > 1 ? columns(plan) : 'Nothing to delete.',
    skipped.length > 1 ? columns(skipped) : 'No candidate was left out.',
    columns(summary),
    `Clock guard: a cluster's deletes are refused when its API server clock is off by more than ${maxClockSkewSeconds} s (maxClockSkew).`,
    ...(refusals.length > 0 ? [refusals.map(escapeTerminal).join('\n')] : []),
  ]
    .join('\n\n')
    .concat('\n');
}

import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { load as loadYaml } from 'js-yaml';
import { ConfigError } from '../shared/errors.ts';
import { type ClusterReap, reapClusters } from '../shared/reap/reap-clusters.ts';
import { parseReapPolicy, type ReapPolicy } from '../shared/reap/reap-policy.ts';
import { ExitCode } from '../shared/report/audit-report.ts';
import { humanDuration } from '../sim/human-duration.ts';
import { count, isoTime } from './options.ts';
import { columns } from './render-table.ts';
import { commandTargets } from './targets.ts';

interface ReapFlags {
  kubeconfig?: string;
  clusters?: string;
  context: string[];
  allContexts?: boolean;
  policy?: string;
  apply?: boolean;
  output: 'table' | 'json';
  now?: number;
  concurrency: number;
  timeout: number;
}

/** Reads a policy file (YAML or JSON); a missing or unreadable file is a configuration error. */
export async function loadPolicyFile(path: string | undefined): Promise<ReapPolicy> {
  if (!path) return parseReapPolicy({}, 'the default policy (no --policy given)');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`--policy ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
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
  return new Command('reap')
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
    .option('--now <time>', 'judge leases at this RFC 3339 time instead of the API server clock', isoTime)
    .option('--concurrency <n>', 'clusters read at once', count, 4)
    .option('--timeout <seconds>', 'stop deleting after this long and report what was done', count, 300)
    .action(async (flags: ReapFlags) => {
      const policy = await loadPolicyFile(flags.policy);
      // The CLI deletes only with --apply; the policy's dryRun is the Lambda's switch.
      const dryRun = flags.apply !== true;
      const { targets, failures } = await commandTargets(flags);
      if (dryRun && flags.output === 'table') process.stdout.write(`${banner}\n\n`);
      const reaped = await reapClusters(targets, {
        policy,
        dryRun,
        ...(flags.now !== undefined ? { nowMs: flags.now } : {}),
        concurrency: Math.max(1, flags.concurrency),
        signal: AbortSignal.timeout(Math.max(1, flags.timeout) * 1000),
        log: (record) => process.stderr.write(`${JSON.stringify(record)}\n`),
      });
      const results: ClusterReap[] = [...reaped, ...failures];
      process.stdout.write(
        flags.output === 'json'
          ? `${JSON.stringify(reapReport(results, policy, dryRun), null, 2)}\n`
          : renderReap(results, dryRun),
      );
      const failed = results.some(
        (r) => r.status === 'error' || r.execution.failed > 0 || r.execution.forbidden > 0,
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
    clusters: results,
  };
}

function renderReap(results: readonly ClusterReap[], dryRun: boolean): string {
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
    ],
  ];
  for (const r of results) {
    if (r.status === 'error') {
      summary.push([r.cluster, `error: ${r.error.message}`, '-', '-', '-', '-', '-', '-', '-']);
      continue;
    }
    const e = r.execution;
    for (const a of e.actions) {
      const age =
        r.plan.deletions.find((d) => d.namespace === a.namespace && d.name === a.name)?.ageSeconds ?? 0;
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
      'ok',
      String(e.planned),
      String(e.deleted),
      String(e.alreadyGone),
      String(e.changed),
      String(e.forbidden),
      String(e.failed),
      String(e.notAttempted),
    ]);
  }
  return [
    plan.length > 1 ? columns(plan) : 'Nothing to delete.',
    skipped.length > 1 ? columns(skipped) : 'No candidate was left out.',
    columns(summary),
  ]
    .join('\n\n')
    .concat('\n');
}

import { Command, Option } from 'commander';
import { type AuditPolicy, defaultAuditPolicy } from '../shared/audit/audit-policy.ts';
import type { Severity } from '../shared/audit/findings.ts';
import { auditClusters, type ClusterResult, type ClusterTarget } from '../shared/fleet/audit-clusters.ts';
import type { ReadLimits } from '../shared/kube/read-limits.ts';
import { auditExitCode, buildAuditReport } from '../shared/report/audit-report.ts';
import { escapeTerminal, safeJson } from '../shared/report/escape.ts';
import {
  concurrency,
  isoTime,
  type ReadLimitFlags,
  readLimitsFrom,
  thresholdSeconds,
  timeoutSeconds,
  withReadLimitOptions,
} from './options.ts';
import { renderAuditTable } from './render-table.ts';
import { commandTargets } from './targets.ts';

interface AuditFlags extends ReadLimitFlags {
  kubeconfig?: string;
  clusters?: string;
  context: string[];
  allContexts?: boolean;
  output: 'table' | 'json';
  failOn?: Severity;
  now?: number;
  gracePeriod: number;
  criticalAfter: number;
  skewMargin: number;
  apiserverGcGrace: number;
  abandonedAfter: number;
  pods: boolean;
  concurrency: number;
  timeout: number;
}

export interface AuditRun {
  targets: ClusterTarget[];
  /** Clusters that could not even be connected to (registry runs): reported as error rows. */
  failures?: readonly ClusterResult[];
  policy: AuditPolicy;
  output: 'table' | 'json';
  failOn: Severity | undefined;
  nowMs: number | undefined;
  includePods: boolean;
  concurrency: number;
  timeoutSeconds: number;
  /** Caps on what one cluster may make the run read; the defaults when absent. */
  readLimits?: Partial<ReadLimits> | undefined;
}

/** Audits targets and prints the report; returns the exit code. Shared by `audit` and `demo`. */
export async function runAudit(
  run: AuditRun,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const progress = err.isTTY === true;
  const results = await auditClusters(run.targets, {
    policy: run.policy,
    ...(run.nowMs !== undefined ? { nowMs: run.nowMs } : {}),
    concurrency: run.concurrency,
    signal: AbortSignal.timeout(run.timeoutSeconds * 1000),
    ...(run.readLimits ? { client: { limits: run.readLimits } } : {}),
    snapshot: { includePods: run.includePods },
    onClusterDone: progress
      ? (r, done, total) =>
          err.write(
            `\r\x1b[K[${done}/${total}] ${escapeTerminal(r.cluster)}: ${r.status === 'ok' ? `${r.audit.counts.leases} leases` : 'error'}`,
          )
      : undefined,
  });
  if (progress) err.write('\r\x1b[K');
  const report = buildAuditReport([...results, ...(run.failures ?? [])], run.policy, Date.now());
  out.write(
    run.output === 'json'
      ? `${safeJson(report, 2)}\n`
      : renderAuditTable(report, out === process.stdout && process.stdout.isTTY === true),
  );
  return auditExitCode(report, run.failOn);
}

const seconds = (flag: string, description: string, fallback: number) =>
  new Option(`${flag} <seconds>`, description).argParser(thresholdSeconds).default(fallback);

/** `lease-reaper audit`: audit the clusters of a kubeconfig. */
export function auditCommand(): Command {
  return withReadLimitOptions(new Command('audit'))
    .description('audit the leases of one or more clusters from a kubeconfig')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option(
      '--context <name>',
      'context to audit (repeatable; default: the current context)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--all-contexts', 'audit every context of the kubeconfig')
    .option(
      '--clusters <file>',
      "audit the clusters of a registry file (the Lambda functions' configuration) with this machine's AWS credentials",
    )
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').choices([
        'warning',
        'critical',
      ]),
    )
    .option('--now <time>', 'judge leases at this RFC 3339 time instead of the API server clock', isoTime)
    .addOption(
      seconds(
        '--grace-period',
        'node heartbeat grace (kube-controller-manager --node-monitor-grace-period)',
        defaultAuditPolicy.nodeGracePeriodSeconds,
      ),
    )
    .addOption(
      seconds(
        '--critical-after',
        'a stale heartbeat older than this is critical',
        defaultAuditPolicy.nodeCriticalAfterSeconds,
      ),
    )
    .addOption(
      seconds(
        '--skew-margin',
        'allowance for clock differences between lease writers and the API server',
        defaultAuditPolicy.clockSkewMarginSeconds,
      ),
    )
    .addOption(
      seconds(
        '--apiserver-gc-grace',
        'an identity lease expired longer than this means the apiserver lease GC is not running',
        defaultAuditPolicy.apiServerGcGraceSeconds,
      ),
    )
    .addOption(
      seconds(
        '--abandoned-after',
        'a leader lease expired longer than this (with no live holder) is abandoned',
        defaultAuditPolicy.abandonedAfterSeconds,
      ),
    )
    .option('--no-pods', 'do not list Pods (holders of leader leases are then not checked)')
    .option('--concurrency <n>', 'clusters audited at once (1 to 256)', concurrency, 4)
    .option(
      '--timeout <seconds>',
      'give up on clusters still being read after this long (1 to 2147483)',
      timeoutSeconds,
      120,
    )
    .action(async (flags: AuditFlags) => {
      const policy: AuditPolicy = {
        ...defaultAuditPolicy,
        nodeGracePeriodSeconds: flags.gracePeriod,
        nodeCriticalAfterSeconds: flags.criticalAfter,
        clockSkewMarginSeconds: flags.skewMargin,
        apiServerGcGraceSeconds: flags.apiserverGcGrace,
        abandonedAfterSeconds: flags.abandonedAfter,
      };
      const { targets, failures } = await commandTargets(flags);
      process.exitCode = await runAudit({
        targets,
        failures,
        policy,
        output: flags.output,
        failOn: flags.failOn,
        nowMs: flags.now,
        includePods: flags.pods,
        concurrency: Math.max(1, flags.concurrency),
        timeoutSeconds: Math.max(1, flags.timeout),
        readLimits: readLimitsFrom(flags),
      });
    });
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { type AuditPolicy, defaultAuditPolicy } from '../shared/audit/audit-policy.ts';
import type { Severity } from '../shared/audit/findings.ts';
import { ConfigError } from '../shared/errors.ts';
import { auditClusters, type ClusterProgress, type ClusterResult } from '../shared/fleet/audit-clusters.ts';
import type { ClusterTarget } from '../shared/fleet/cluster-target.ts';
import type { ReadLimits } from '../shared/kube/read-limits.ts';
import { type AuditReport, buildAuditReport } from '../shared/report/audit-report.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import {
  OUTPUT_FORMATS,
  type OutputFormat,
  outputFormat,
  renderReport,
  showsErrors,
} from './audit-output.ts';
import { formatSeconds } from './durations.ts';
import { auditExitCode } from './exit-codes.ts';
import { type FindingScope, isWholeCluster, labelSelector, scopeResult } from './finding-scope.ts';
import { liveProgress } from './live-progress.ts';
import {
  concurrency,
  isoTime,
  type ReadLimitFlags,
  readLimitsFrom,
  thresholdSeconds,
  timeoutSeconds,
  withReadLimitOptions,
} from './options.ts';
import { commandTargets, withTargetOptions } from './targets.ts';

interface AuditFlags extends ReadLimitFlags {
  kubeconfig?: string;
  clusters?: string;
  context: string[];
  allContexts?: boolean;
  output: OutputFormat;
  namespace?: string;
  allNamespaces?: boolean;
  selector?: FindingScope['selector'];
  color: boolean;
  failOn?: Severity;
  now?: number;
  gracePeriod: number;
  criticalAfter: number;
  skewMargin: number;
  apiserverGcGrace: number;
  abandonedAfter: number;
  controlPlaneLeases: readonly string[];
  churnRecent: number;
  namingAdvice: boolean;
  pods: boolean;
  concurrency: number;
  timeout: number;
  connectTimeout: number;
}

export interface AuditRun {
  targets: ClusterTarget[];
  /** Clusters that could not even be connected to (registry runs): reported as error rows. */
  failures?: readonly ClusterResult[];
  policy: AuditPolicy;
  output: OutputFormat | 'table' | 'json';
  /** Which findings to report (-n, -l); every finding when absent. */
  scope?: FindingScope;
  /** False for --no-color; colour is also off under NO_COLOR and when stdout is not a terminal. */
  colour?: boolean;
  failOn: Severity | undefined;
  nowMs: number | undefined;
  includePods: boolean;
  concurrency: number;
  timeoutSeconds: number;
  /** Per new connection to a cluster; the client's default (10 s) when absent. */
  connectTimeoutSeconds?: number | undefined;
  /** Caps on what one cluster may make the run read; the defaults when absent. */
  readLimits?: Partial<ReadLimits> | undefined;
}

/** Audits targets and prints the report; returns the exit code. Shared by `audit` and `demo`. */
export async function runAudit(
  run: AuditRun,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const scope = run.scope ?? {};
  const format: OutputFormat = typeof run.output === 'string' ? { kind: run.output } : run.output;
  // stderr only, and only on a terminal: a pipe or a file gets the report alone.
  const progress = liveProgress(
    err,
    run.targets.map((t) => t.name),
    { colour: run.colour !== false && !process.env.NO_COLOR },
  );
  const results = await auditClusters(run.targets, {
    policy: run.policy,
    ...(run.nowMs !== undefined ? { nowMs: run.nowMs } : {}),
    concurrency: run.concurrency,
    signal: AbortSignal.timeout(run.timeoutSeconds * 1000),
    client: {
      ...(run.readLimits ? { limits: run.readLimits } : {}),
      ...(run.connectTimeoutSeconds !== undefined
        ? { connectTimeoutMs: run.connectTimeoutSeconds * 1000 }
        : {}),
    },
    snapshot: { includePods: run.includePods },
    // Labels of the leases behind the findings are read from the snapshot.
    keepSnapshots: scope.selector !== undefined,
    ...(progress
      ? {
          onProgress: (cluster: string, p: ClusterProgress) => progress.update(cluster, p),
          onClusterDone: (r: ClusterResult) => progress.done(r.cluster, r.status === 'ok'),
        }
      : {}),
  });
  progress?.clear();
  const scoped = [...results, ...(run.failures ?? [])].map((r) => scopeResult(r, scope));
  const report = withScope(buildAuditReport(scoped, run.policy, Date.now()), scope);
  const tty = out === process.stdout && process.stdout.isTTY === true;
  out.write(
    renderReport(report, format, {
      colour: tty && run.colour !== false && !process.env.NO_COLOR,
      width: tty ? process.stdout.columns : undefined,
    }),
  );
  // -o name and jsonpath print only what was asked for: a failed cluster must still be seen.
  if (!showsErrors(format))
    for (const c of report.clusters)
      if (c.status === 'error') err.write(`error: ${escapeTerminal(c.error.message)}\n`);
  return auditExitCode(report, run.failOn);
}

/** The report, saying which findings it holds when -n or -l narrowed them (fields may be added). */
function withScope(report: AuditReport, scope: FindingScope): AuditReport {
  if (isWholeCluster(scope)) return report;
  return {
    ...report,
    scope: {
      ...(scope.namespace !== undefined ? { namespace: scope.namespace } : {}),
      ...(scope.selector !== undefined ? { labelSelector: scope.selector.text } : {}),
    },
  };
}

const seconds = (flag: string, description: string, fallback: number) =>
  new Option(`${flag} <seconds>`, description)
    .argParser(thresholdSeconds)
    .default(fallback, fallback >= 120 ? `${fallback} = ${formatSeconds(fallback)}` : String(fallback));

/** `--control-plane-leases`: lease names (DNS subdomains), comma-separated; '' for none. */
function leaseNames(value: string): readonly string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const name of names) {
    if (name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name))
      throw new InvalidArgumentError(`"${name}" is not a lease name (a DNS subdomain: a-z, 0-9, "-", ".")`);
  }
  return names;
}

const examples = `
Examples:
  # Audit the current context of $KUBECONFIG (or ~/.kube/config)
  lease-reaper audit

  # Every context, as YAML
  lease-reaper audit --all-contexts -A -o yaml

  # Only the findings of leases in team-a labelled app=x, with their reasons in full
  lease-reaper audit -n team-a -l app=x -o wide

  # One number for a script; names to pipe to kubectl
  lease-reaper audit -o jsonpath='{.summary.bySeverity.critical}'
  lease-reaper audit -n team-a -o name

  # Fail a CI step on critical findings (a control plane without a leader is one)
  lease-reaper audit --context prod --fail-on critical

  # Also advise on custom lease names (the Leases docs' naming advice)
  lease-reaper audit --naming-advice -o wide

Exit codes:
  0   audited; no finding at or above --fail-on
  1   a finding at or above --fail-on
  2   at least one cluster could not be audited (wins over 1)
  64  bad flags or configuration: no kubeconfig, no current context, an unknown context, a bad -o or -l

Environment:
  KUBECONFIG  kubeconfig files separated by ':', merged as kubectl merges them (the first to name a
              cluster, user or context wins; current-context from the first file that sets it)
  NO_COLOR    any non-empty value turns colour off (as does --no-color)
`;

/** `lease-reaper audit`: audit the clusters of a kubeconfig. */
export function auditCommand(): Command {
  return withReadLimitOptions(withTargetOptions(new Command('audit'), 'audit'))
    .description('audit the leases of one or more clusters from a kubeconfig')
    .addOption(
      new Option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(', ')}`)
        .argParser(outputFormat)
        .default({ kind: 'table' }, 'table'),
    )
    .option(
      '-n, --namespace <namespace>',
      'report only findings of leases in this namespace (node heartbeats are in kube-node-lease)',
    )
    .option('-A, --all-namespaces', 'report findings in every namespace (the default)')
    .option(
      '-l, --selector <selector>',
      "report only findings of leases whose labels match (kubectl's syntax: app=x, tier in (a,b), !canary)",
      labelSelector,
    )
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR does the same)')
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
    .addOption(
      new Option(
        '--control-plane-leases <names>',
        'kube-system leader leases whose expiry means a control plane without a leader (comma-separated; "" for none)',
      )
        .argParser(leaseNames)
        .default(
          defaultAuditPolicy.controlPlaneLeaderLeases,
          defaultAuditPolicy.controlPlaneLeaderLeases.join(','),
        ),
    )
    .addOption(
      seconds(
        '--churn-recent',
        'leader churn: the current holder acquired the lease within this long',
        defaultAuditPolicy.leaderChurnRecentSeconds,
      ),
    )
    .option(
      '--naming-advice',
      'also report LeaseNamingAdvice (info): custom leader leases named generically, with no owner link, or sharing a name',
      defaultAuditPolicy.leaseNamingAdvice,
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
        controlPlaneLeaderLeases: flags.controlPlaneLeases,
        leaderChurnRecentSeconds: flags.churnRecent,
        leaseNamingAdvice: flags.namingAdvice,
      };
      if (flags.namespace !== undefined && flags.allNamespaces === true)
        throw new ConfigError('-n/--namespace and -A/--all-namespaces cannot be combined');
      const { targets, failures } = await commandTargets(flags, {
        err: process.stderr,
        colour: flags.color && !process.env.NO_COLOR,
      });
      process.exitCode = await runAudit({
        targets,
        failures,
        policy,
        output: flags.output,
        scope: { namespace: flags.namespace, selector: flags.selector },
        colour: flags.color,
        failOn: flags.failOn,
        nowMs: flags.now,
        includePods: flags.pods,
        concurrency: Math.max(1, flags.concurrency),
        timeoutSeconds: Math.max(1, flags.timeout),
        connectTimeoutSeconds: flags.connectTimeout,
        readLimits: readLimitsFrom(flags),
      });
    })
    .addHelpText('after', examples);
}

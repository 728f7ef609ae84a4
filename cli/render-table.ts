import type { Severity } from '../shared/audit/findings.ts';
import type { AuditReport } from '../shared/report/audit-report.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import { shortClusterNames } from './cluster-names.ts';
import { formatSeconds, humanDuration } from './durations.ts';

const colours: Record<Severity | 'error', string> = {
  critical: '\x1b[31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  error: '\x1b[31m',
};
const reset = '\x1b[0m';

/**
 * Columns padded like kubectl's printer: left-aligned, three spaces apart, no borders. Every cell is
 * escaped (escapeTerminal): cells carry cluster text such as a holderIdentity or a server's message.
 */
export function columns(
  unsafeRows: readonly (readonly string[])[],
  colourOf?: (row: number) => string | undefined,
): string {
  const rows = unsafeRows.map((row) => row.map(escapeTerminal));
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row, r) => {
      const line = row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('   ');
      const colour = colourOf?.(r);
      return colour ? `${colour}${line}${reset}` : line;
    })
    .join('\n');
}

function skew(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = ms / 1000;
  return ` (skew ${s >= 0 ? '+' : ''}${s.toFixed(1)}s)`;
}

export interface AuditTableOptions {
  colour: boolean;
  /** `-o wide`: the REASON column in full. */
  wide: boolean;
  /**
   * The terminal's width, when printing to one: REASON is then cut to fit (or left out when under 20
   * columns would remain). Without a width (a pipe, a file) the narrow table leaves REASON out.
   */
  width?: number | undefined;
}

/** The narrowest REASON worth showing; below this the column is left out. */
const MIN_REASON_WIDTH = 20;

/** Cuts escaped text to `width` characters, marking the cut with an ellipsis. */
function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * The audit report as kubectl-like tables: a summary per cluster, then the findings, then the clusters
 * that could not be audited with their errors in full. EKS ARN contexts show as their cluster name.
 */
export function renderAuditTable(report: AuditReport, options: AuditTableOptions): string {
  const names = shortClusterNames(report.clusters.map((c) => c.cluster));
  const nameOf = (cluster: string) => names.get(cluster) ?? cluster;
  const summary: string[][] = [
    ['CLUSTER', 'STATUS', 'LEASES', 'NODES', 'APISERVERS', 'CRITICAL', 'WARNING', 'INFO', 'CLOCK'],
  ];
  const summaryColour: (string | undefined)[] = [undefined];
  const findings: string[][] = [['CLUSTER', 'SEVERITY', 'TYPE', 'NAMESPACE', 'NAME', 'AGE']];
  const reasons: string[] = ['REASON'];
  const findingColour: (string | undefined)[] = [undefined];
  const errors: string[] = [];
  for (const c of report.clusters) {
    if (c.status === 'error') {
      summary.push([nameOf(c.cluster), 'error', '-', '-', '-', '-', '-', '-', '-']);
      summaryColour.push(colours.error);
      errors.push(`error: ${c.error.message}`);
      continue;
    }
    const by = { critical: 0, warning: 0, info: 0 };
    for (const f of c.findings) by[f.severity]++;
    summary.push([
      nameOf(c.cluster),
      'ok',
      String(c.counts.leases),
      String(c.counts.nodes),
      String(c.counts.liveApiServers),
      String(by.critical),
      String(by.warning),
      String(by.info),
      `${c.clock.source}${skew(c.clock.skewMs)}`,
    ]);
    summaryColour.push(undefined);
    for (const f of c.findings) {
      findings.push([
        nameOf(c.cluster),
        f.severity,
        f.type,
        f.namespace || '-',
        f.name,
        humanDuration(f.ageSeconds * 1000),
      ]);
      reasons.push(escapeTerminal(f.reason));
      findingColour.push(colours[f.severity]);
    }
  }
  const reasonWidth = options.wide
    ? Number.POSITIVE_INFINITY
    : availableForLastColumn(findings, options.width);
  const rows =
    reasonWidth >= MIN_REASON_WIDTH
      ? findings.map((row, i) => [...row, truncate(reasons[i] ?? '', reasonWidth)])
      : findings;
  const parts = [columns(summary, options.colour ? (r) => summaryColour[r] : undefined)];
  if (findings.length > 1) parts.push(columns(rows, options.colour ? (r) => findingColour[r] : undefined));
  // "No findings." under a failed cluster would read as "all clear": say what was and was not audited.
  else if (errors.length === 0) parts.push(`No findings${scopeWords(report.scope)}.`);
  else
    parts.push(
      `No findings${scopeWords(report.scope)} in the clusters that were audited; ${errors.length} could not be audited:`,
    );
  // The threshold behind "abandoned", which a reap under its own policy may set otherwise.
  if (report.summary.findings.AbandonedLease > 0)
    parts.push(
      `Abandoned: a leader lease expired for more than ${formatSeconds(report.policy.abandonedAfterSeconds)} (--abandoned-after) with no live holder.`,
    );
  if (errors.length > 0) {
    const text = errors.map(escapeTerminal).join('\n');
    parts.push(options.colour ? `${colours.error}${text}${reset}` : text);
  }
  return `${parts.join('\n\n')}\n`;
}

/** What -n/-l narrowed the findings to, as kubectl says it ("in namespace x"), escaped: a flag's text. */
function scopeWords(scope: AuditReport['scope']): string {
  if (!scope) return '';
  const ns = scope.namespace !== undefined ? ` in namespace ${scope.namespace}` : '';
  const labels = scope.labelSelector !== undefined ? ` for leases matching ${scope.labelSelector}` : '';
  return escapeTerminal(`${ns}${labels}`);
}

/** The width left for one more column after `rows`' columns and its separator; 0 without a width. */
function availableForLastColumn(rows: readonly (readonly string[])[], width: number | undefined): number {
  if (width === undefined) return 0;
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, escapeTerminal(cell).length);
  return width - widths.reduce((sum, w) => sum + w + 3, 0);
}

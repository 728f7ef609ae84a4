import type { Severity } from '../shared/audit/findings.ts';
import type { AuditReport } from '../shared/report/audit-report.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import { humanDuration } from '../sim/human-duration.ts';

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

/** The audit report as kubectl-like tables: a summary per cluster, then the findings. */
export function renderAuditTable(report: AuditReport, colour: boolean): string {
  const summary: string[][] = [
    ['CLUSTER', 'STATUS', 'LEASES', 'NODES', 'APISERVERS', 'CRITICAL', 'WARNING', 'INFO', 'CLOCK'],
  ];
  const summaryColour: (string | undefined)[] = [undefined];
  const findings: string[][] = [['CLUSTER', 'SEVERITY', 'TYPE', 'NAMESPACE', 'NAME', 'AGE', 'REASON']];
  const findingColour: (string | undefined)[] = [undefined];
  for (const c of report.clusters) {
    if (c.status === 'error') {
      summary.push([c.cluster, 'error', '-', '-', '-', '-', '-', '-', c.error.message]);
      summaryColour.push(colours.error);
      continue;
    }
    const by = { critical: 0, warning: 0, info: 0 };
    for (const f of c.findings) by[f.severity]++;
    summary.push([
      c.cluster,
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
        c.cluster,
        f.severity,
        f.type,
        f.namespace || '-',
        f.name,
        humanDuration(f.ageSeconds * 1000),
        f.reason,
      ]);
      findingColour.push(colours[f.severity]);
    }
  }
  const parts = [columns(summary, colour ? (r) => summaryColour[r] : undefined)];
  parts.push(
    findings.length > 1 ? columns(findings, colour ? (r) => findingColour[r] : undefined) : 'No findings.',
  );
  return `${parts.join('\n\n')}\n`;
}

import {
  hostileDescriptions,
  hostileKinds,
  runAuditInChild,
  startHostileServer,
} from '../test/support/hostile-servers.ts';
import { machine, table } from './harness.ts';

/**
 * One audit per hostile API server (test/support/hostile-servers.ts), each in a fresh bundled process
 * started with the CLI's V8 flags: the error it ends with, its wall time and its peak RSS. The read limits
 * are the defaults; only the per-attempt timeout is shortened (printed), or the slow drip would take
 * 5 attempts × 30 s.
 */
export async function hostileBenchmark(options: { requestTimeoutMs: number }): Promise<void> {
  const rows: string[][] = [];
  const outcomes: string[] = [];
  for (const kind of hostileKinds) {
    const server = await startHostileServer(kind);
    try {
      const run = await runAuditInChild([server], { requestTimeoutMs: options.requestTimeoutMs });
      const result = run.results[0];
      const outcome =
        result?.status === 'error'
          ? (result.error?.message.replace(/^cluster "[^"]+": /, '') ?? '')
          : `audited; clock skew ${Math.round((result?.skewMs ?? 0) / 3_600_000)} h recorded`;
      rows.push([
        kind,
        result?.status === 'error' ? (result.error?.kind ?? '') : 'ok',
        String(run.wallMs),
        String(run.peakRssMb),
        String(server.stats.requests),
      ]);
      outcomes.push(`  ${kind}: ${outcome}`);
    } finally {
      await server.close();
    }
  }
  process.stdout.write(
    `\nhostile servers: one audit each (default read limits, requestTimeoutMs ${options.requestTimeoutMs}); peak RSS = maxRSS of the auditing process; ${machine()}\n` +
      `${hostileKinds.map((k) => `  ${k}: ${hostileDescriptions[k]}`).join('\n')}\n\n` +
      `${table(['server', 'result', 'wall ms', 'peak RSS MB', 'requests'], rows)}\n\n${outcomes.join('\n')}\n`,
  );
}

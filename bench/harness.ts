import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

/** Shared plumbing of the benchmarks: child processes measured by /usr/bin/time, a simulated cluster process, medians. */

export interface Run {
  wallMs: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time, returning wall time, peak RSS and stdout. */
export async function measure(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Run> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'BENCH_TIME %e %M', command, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const m = /BENCH_TIME [\d.]+ (\d+)/.exec(stderr);
  if (code !== 0 || !m)
    throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr.slice(-2000)}`);
  return { wallMs, maxRssMb: Math.round(Number(m[1]) / 1024), stdout };
}

export interface SimProcess {
  url: string;
  /** The time its scenario was seeded (lease times are relative to it): the `--now` that judges it as seeded. */
  seededAt: string;
  stop: () => Promise<void>;
}

/** Starts `lease-reaper sim` in its own process (so the server does not share a core with the measured client). */
export async function startSimProcess(args: readonly string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'sim', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<{ url: string; seededAt: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the simulated cluster did not start within 300 s')),
      300_000,
    );
    lines.on('line', (line) => {
      const m = /^sim ready at (\S+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        // The scenario's lease times are relative to its seeding, not to when the process was started.
        const seededAt = /seeded-at=(\S+)/.exec(line)?.[1] ?? new Date().toISOString();
        resolve({ url: m[1], seededAt });
      }
    });
    child.once('exit', (code) => reject(new Error(`the simulated cluster exited (${code})`)));
  });
  return {
    ...ready,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/**
 * `lease-reaper audit --output json` of a simulated cluster, run as the installed command, as users run it
 * (its shebang sets the V8 young-generation size). `--now`: judged at the cluster's seeding, so every run
 * reports the same findings.
 */
export function auditProcess(sim: { seededAt: string }, kubeconfig: string): Promise<Run> {
  return measure('bin/lease-reaper.mjs', [
    'audit',
    '--kubeconfig',
    kubeconfig,
    '--output',
    'json',
    '--now',
    sim.seededAt,
  ]);
}

/** Builds dist/cli.mjs, which bin/lease-reaper.mjs runs, so benchmarks measure the current source. */
export async function buildCli(): Promise<void> {
  await measure(process.execPath, ['scripts/build-cli.mjs']);
}

/** Bundles benchmark children so they start like production code would, without a TypeScript loader. */
export async function bundle(entries: Record<string, string>, outdir: string): Promise<void> {
  await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    // As the CLI is built: dependencies bundled, require() of built-ins through createRequire.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

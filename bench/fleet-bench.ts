import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleFunction, type FUNCTION_ENTRIES } from '../scripts/bundle.mjs';
import { bundle, machine, measure, median } from './harness.ts';

/**
 * The Lambda side: (1) one audit invocation over 100 simulated clusters of 1,000 nodes (each request
 * delayed as by a network) — is the fleet read concurrently, i.e. is the invocation about as long as its
 * slowest cluster? (2) the deployable handler bundle's size and its module init time.
 */
export async function fleetBenchmark(options: {
  clusters: number;
  nodes: number;
  latencyMs: number;
}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-bench-'));
  const fleetFile = join(dir, 'fleet.json');
  await bundle({ 'fleet-invoke': 'bench/children/fleet-invoke.ts' }, dir);
  const sims = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/children/sim-fleet.ts',
      fleetFile,
      String(options.clusters),
      String(options.nodes),
      String(options.latencyMs),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: sims.stdout }).on('line', (line) => line.startsWith('sim ready') && resolve());
    sims.once('exit', (code) => reject(new Error(`the simulated fleet exited (${code})`)));
  });
  try {
    const invoke = (args: string[]) =>
      measure(process.execPath, [join(dir, 'fleet-invoke.mjs'), fleetFile, ...args]);
    const single = JSON.parse((await invoke(['128', 'cluster-000'])).stdout) as { wallMs: number };
    const fleetRun = await invoke(['128']);
    const fleet = JSON.parse(fleetRun.stdout) as {
      clusters: number;
      failed: number;
      wallMs: number;
      slowestClusterMs: number;
    };
    const ratio = fleet.wallMs / fleet.slowestClusterMs;
    const size = await handlerBundle('audit');
    const reapSize = await handlerBundle('reap');
    process.stdout.write(
      [
        '',
        `fleet benchmark: one audit invocation over ${options.clusters} simulated clusters of ${options.nodes} nodes, ${options.latencyMs} ms added to every request; ${machine()}`,
        `  invocation wall ${fleet.wallMs} ms for ${fleet.clusters} clusters (${fleet.failed} failed); slowest cluster within it ${fleet.slowestClusterMs} ms; one cluster alone ${single.wallMs} ms`,
        `  wall / slowest cluster: ${ratio.toFixed(2)}x (target <= 1.5x) ${ratio <= 1.5 ? 'met' : 'NOT MET'}; peak RSS ${fleetRun.maxRssMb} MB`,
        `  audit handler bundle: ${(size.bytes / 1024 / 1024).toFixed(2)} MB (target <= 1.5 MB) ${size.bytes <= 1.5 * 1024 * 1024 ? 'met' : 'NOT MET'}; module init ${size.initMs.toFixed(0)} ms median of ${INIT_RUNS} (target <= 200 ms) ${size.initMs <= 200 ? 'met' : 'NOT MET'}`,
        `  reap handler bundle: ${(reapSize.bytes / 1024 / 1024).toFixed(2)} MB; module init ${reapSize.initMs.toFixed(0)} ms median of ${INIT_RUNS}`,
        '',
      ].join('\n'),
    );
  } finally {
    sims.kill('SIGTERM');
  }
}

/**
 * The handler as the CDK stack bundles it for nodejs24.x: ESM, minified, the AWS SDK left to the Lambda
 * runtime (which provides it). Init time is a fresh Node importing the bundle, SDK modules included.
 */
const INIT_RUNS = 9;

async function handlerBundle(job: keyof typeof FUNCTION_ENTRIES): Promise<{ bytes: number; initMs: number }> {
  const outdir = join(process.cwd(), 'bench', '.out');
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, `${job}-handler.mjs`);
  // The stack's own bundler (infra/function-code.ts runs the same function), so the figure is what deploys.
  await bundleFunction(job, outfile);
  const bytes = (await stat(outfile)).size;
  // One unmeasured import first (the bundle just written, cold in the page cache), then 9 measured: on a
  // shared 2-core machine single imports vary by ±30 %, the median of 9 much less.
  const inits: number[] = [];
  for (let i = -1; i < INIT_RUNS; i++) {
    const run = await measure(process.execPath, [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
    ]);
    if (i >= 0) inits.push(Number(run.stdout.trim()));
  }
  return { bytes, initMs: median(inits) };
}

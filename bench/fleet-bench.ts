import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundle, machine, measure } from './harness.ts';

/**
 * The Lambda side: (1) one audit invocation over 100 simulated clusters of 1,000 nodes (each request
 * delayed as by a network) — is the fleet read concurrently, i.e. is the invocation about as long as its
 * slowest cluster? (The handler bundles' size and init are bundle-bench.ts.)
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
    process.stdout.write(
      [
        '',
        `fleet benchmark: one audit invocation over ${options.clusters} simulated clusters of ${options.nodes} nodes, ${options.latencyMs} ms added to every request; ${machine()}`,
        `  invocation wall ${fleet.wallMs} ms for ${fleet.clusters} clusters (${fleet.failed} failed); slowest cluster within it ${fleet.slowestClusterMs} ms; one cluster alone ${single.wallMs} ms`,
        `  wall / slowest cluster: ${ratio.toFixed(2)}x (target <= 1.5x) ${ratio <= 1.5 ? 'met' : 'NOT MET'}; peak RSS ${fleetRun.maxRssMb} MB`,
        '',
      ].join('\n'),
    );
  } finally {
    sims.kill('SIGTERM');
  }
}

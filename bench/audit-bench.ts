import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditProcess, buildCli, bundle, machine, measure, median, startSimProcess } from './harness.ts';
import type { Verdict } from './verdicts.ts';

/** Classification throughput of the pure audit on 1,000,000 synthetic leases (target >= 5M leases/s). */
export async function classifyBenchmark(options: { leases: number; runs: number }): Promise<Verdict[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-bench-'));
  await bundle({ classify: 'bench/children/classify.ts' }, dir);
  const lines = [
    `classification benchmark: the audit's judgement of ${options.leases} synthetic leases; 3 processes x ${options.runs} runs after a warm-up; median of the processes' medians [their range]; ${machine()}`,
    '  streamed: as a run judges them, page by page as the lists come in (parsing not timed);',
    '  whole: audit() over the whole snapshot held in memory (tests and callers without a stream).',
  ];
  const verdicts: Verdict[] = [];
  const cases = [
    { path: 'streamed', mix: 'healthy', target: true },
    { path: 'streamed', mix: 'troubled', target: false },
    { path: 'whole', mix: 'healthy', target: false },
  ] as const;
  for (const { path, mix, target } of cases) {
    // Three processes, each timing `runs` audits: a process's heap layout sways its GC costs, so one
    // process is not a measurement. The figure is the median of the three processes' medians.
    const perProcess: number[] = [];
    let findings = 0;
    for (let p = 0; p < 3; p++) {
      const script = join(dir, 'classify.mjs');
      const args = ['--expose-gc', script, String(options.leases), String(options.runs), mix, path];
      const r = JSON.parse((await measure(process.execPath, args)).stdout) as {
        findings: number;
        medianLeasesPerSecond: number;
      };
      perProcess.push(r.medianLeasesPerSecond);
      findings = r.findings;
    }
    const rate = median(perProcess);
    const n = (x: number) => Math.round(x).toLocaleString('en-US');
    const range = `[${n(Math.min(...perProcess))} – ${n(Math.max(...perProcess))}]`;
    const verdict = target
      ? `(target >= 5,000,000/s) ${rate >= 5_000_000 ? 'met' : 'NOT MET'}`
      : '(for reference)';
    if (target) {
      verdicts.push({
        figure: 'classification, healthy fleet, as a run streams it',
        measured: `${n(rate)} leases/s`,
        target: '>= 5,000,000/s',
        met: rate >= 5_000_000,
      });
    }
    lines.push(
      `  ${path.padEnd(8)} ${mix.padEnd(9)} ${n(findings).padStart(7)} findings   ${n(rate).padStart(10)} leases/s ${range}   ${verdict}`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
  return verdicts;
}

/** Peak RSS of `lease-reaper audit` on a 100,000-node cluster (target <= 128 MB, the smallest Lambda). */
export async function fleetRssBenchmark(options: { nodes: number; rounds: number }): Promise<Verdict[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-bench-'));
  const kubeconfig = join(dir, 'sim.kubeconfig');
  await buildCli();
  const sim = await startSimProcess([
    '--nodes',
    String(options.nodes),
    '--no-renew',
    '--kubeconfig-out',
    kubeconfig,
  ]);
  try {
    const rss: number[] = [];
    const wall: number[] = [];
    let counts = '';
    for (let i = 0; i < options.rounds; i++) {
      const run = await auditProcess(sim, kubeconfig);
      const report = JSON.parse(run.stdout) as {
        clusters: { counts?: { leases: number; nodes: number }; findings?: unknown[] }[];
      };
      const c = report.clusters[0];
      counts = `${c?.counts?.leases} leases, ${c?.counts?.nodes} nodes, ${c?.findings?.length} findings`;
      rss.push(run.maxRssMb);
      wall.push(run.wallMs);
    }
    const peak = Math.max(...rss);
    process.stdout.write(
      `\nfleet-size memory: lease-reaper audit of a ${options.nodes}-node simulated cluster (${counts}); ${machine()}\n` +
        `  peak RSS ${peak} MB over ${options.rounds} runs (target <= 128 MB) ${peak <= 128 ? 'met' : 'NOT MET'}; median wall ${median(wall).toFixed(0)} ms\n`,
    );
    return [
      {
        figure: `peak RSS, audit of ${options.nodes.toLocaleString('en-US')} nodes`,
        measured: `${peak} MB`,
        target: '<= 128 MB',
        met: peak <= 128,
      },
    ];
  } finally {
    await sim.stop();
  }
}

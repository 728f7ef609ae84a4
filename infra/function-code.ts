import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';

const ROOT = join(import.meta.dirname, '..');

export type FunctionJob = 'audit' | 'reap';

/**
 * A function's code: `scripts/bundle.mjs` bundles it locally with esbuild into `index.mjs`, the build the
 * CLI, the benchmarks and the runtime-parity test use too. Not NodejsFunction: its esbuild runs as a command
 * line, which cannot take the plugin that loads only the used part of @kubernetes/client-node (half the
 * bundle and a third of its module init). The asset is hashed by its output, as NodejsFunction's is.
 * Local bundling never falls back to Docker: it bundles or throws.
 */
export function functionCode(job: FunctionJob): Code {
  return Code.fromAsset(ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // The same command in a container, should local bundling ever be unavailable; it is also what tells the two
      // functions' assets apart (CDK caches a bundle by its options, and the local bundler is a function).
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
      command: ['node', 'scripts/bundle.mjs', 'function', job, '/asset-output/index.mjs'],
      local: {
        tryBundle(outputDir: string): boolean {
          const script = join(ROOT, 'scripts', 'bundle.mjs');
          const run = spawnSync(process.execPath, [script, 'function', job, join(outputDir, 'index.mjs')], {
            cwd: ROOT,
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          if (run.status !== 0) throw new Error(`bundling the ${job} function failed (exit ${run.status})`);
          return true;
        },
      },
    },
  });
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { LeaseReaperStack } from '../../infra/lease-reaper-stack.ts';
import { ROOT, sampleProps } from './support.ts';

// Inside the repository, so the bundles resolve what they leave external as Lambda's runtime would.
mkdirSync(join(ROOT, 'cdk.out'), { recursive: true });
const outdir = mkdtempSync(join(ROOT, 'cdk.out', 'bundling-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the functions, really bundled by the stack (local esbuild, no Docker)', () => {
  const app = new App({ outdir });
  const stack = new LeaseReaperStack(app, 'Bundled', sampleProps());
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  // Each function's code is the asset whose hash names its S3 key; the asset is a directory in outdir.
  const bundles = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => ({
      id,
      dir: join(outdir, `asset.${(r.Properties.Code?.S3Key ?? 'missing').replace(/\.zip$/, '')}`),
    }));

  it('produces one ESM bundle per function, minified, with the AWS SDK left to the runtime', () => {
    expect(bundles.map((b) => b.id.replace(/Function.*/, ''))).toEqual(['Audit', 'Reap']);
    for (const { dir } of bundles) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(true);
      expect(code).toMatch(/import\("@aws-sdk\/client-(ssm|cloudwatch)"\)/);
      // Minified, and well under the cold-start budget the benchmark measures (1.5 MB).
      expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
      expect(statSync(join(dir, 'index.mjs')).size).toBeLessThan(1.5 * 1024 * 1024);
    }
  });

  it('loads in a fresh Node process and exports the handler Lambda calls', () => {
    expect(bundles).toHaveLength(2);
    for (const { dir } of bundles) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); console.log(typeof m.handler);`,
        ],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toBe('function');
    }
  });
});

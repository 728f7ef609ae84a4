import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ROOT } from './support.ts';

// A synthesis in a child process (with cdk-nag) can take a minute while other test files synthesize too.
vi.setConfig({ testTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'lease-reaper-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs infra/app.ts as the CDK CLI does: context in CDK_CONTEXT_JSON, the assembly to CDK_OUTDIR. */
function runApp(context: Record<string, unknown>, outdir: string) {
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/app.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          // Bundling is tested in bundling.test.ts; here the app itself is.
          CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
        },
      },
      (error, _stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
  });
}

describe('the CDK app', () => {
  it('synthesizes the sample of cdk.json, cdk-nag clean, and writes the RBAC manifest beside the template', async () => {
    const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const outdir = join(dir, 'sample');

    const { code, stderr } = await runApp(cdkJson.context, outdir);

    expect(stderr).not.toMatch(/AwsSolutions-|Error/);
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(join(outdir, 'LeaseReaper.template.json'), 'utf8'))).toHaveProperty(
      'Resources',
    );
    expect(readFileSync(join(outdir, 'LeaseReaper.rbac.yaml'), 'utf8')).toContain('name: lease-reaper-audit');
  });

  it('reads a deployment file, and a mistake in it is one line naming the field', async () => {
    const file = join(dir, 'deploy.yaml');
    writeFileSync(file, 'clusters:\n  - { name: prod, type: eks, clusterName: prod, region: mars-1 }\n');

    const { code, stderr } = await runApp({ leaseReaperConfig: file }, join(dir, 'bad'));

    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'lease-reaper: LeaseReaperStack props is invalid: clusters.0.region: expected an AWS region such as eu-west-1',
    );
  });
});

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../shared/report/audit-report.ts';
import type { CliResult } from '../support/cli.ts';

// What a user gets from `npm pack` / the registry, exercised as a user runs it: packed from this
// repository (dist/ built from the sources by the test run's global setup, as `prepare` builds it for a
// real pack), installed into an empty project, run through the bin npm links. `npm install --offline` proves the tarball is all the install needs.

const repoRoot = join(import.meta.dirname, '..', '..');

interface PackageJson {
  version: string;
  engines: { node: string };
  dependencies?: Record<string, string>;
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

function run(file: string, args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function runOk(file: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(file, args, cwd);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Resolves with the first stdout line containing `marker`; rejects if the process exits first. */
function waitForLine(child: ChildProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes(marker));
      if (line !== undefined) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before "${marker}": ${out}${err}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A version just below `>=M.m.p`: the newest the engines range refuses. */
function justBelow(floor: string): string {
  const [major = 0, minor = 0, patch = 0] = floor.split('.').map(Number);
  if (patch > 0) return `${major}.${minor}.${patch - 1}`;
  return minor > 0 ? `${major}.${minor - 1}.99` : `${major - 1}.99.99`;
}

const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
const nodeFloor = pkg.engines.node.replace(/^>=/, '');
const temp: string[] = [];
let pack: PackResult;
let installDir: string;
let bin: string;

beforeAll(async () => {
  const packDir = await mkdtemp(join(tmpdir(), 'lease-reaper-pack-'));
  installDir = await mkdtemp(join(tmpdir(), 'lease-reaper-install-'));
  temp.push(packDir, installDir);
  const packed = JSON.parse(
    // --ignore-scripts: dist/ is already built from these sources (the global setup); a second build
    // here would rewrite the bundle under the other CLI tests running at the same time.
    await runOk('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], repoRoot),
  ) as PackResult[];
  pack = packed[0] as PackResult;
  // A package.json of its own, so npm installs here and not into a project in a parent folder.
  await writeFile(join(installDir, 'package.json'), '{ "private": true }\n');
  await runOk(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', join(packDir, pack.filename)],
    installDir,
  );
  bin = join(installDir, 'node_modules', '.bin', 'lease-reaper');
}, 120_000);

afterAll(async () => {
  await Promise.all(temp.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the npm package', () => {
  it('packs the bundled CLI, its chunks, bin and notices, and no sources, tests or benchmarks', async () => {
    const paths = pack.files.map((f) => f.path).sort();
    const chunks = paths.filter((p) => p.startsWith('dist/chunks/'));
    // The chunks a command loads on first use (the simulated cluster, the AWS SDK): every one the build
    // wrote, and no source map.
    const built = (await readdir(join(repoRoot, 'dist', 'chunks'))).filter((f) => f.endsWith('.mjs'));
    expect(built.length).toBeGreaterThan(0);
    expect(chunks).toEqual(built.map((f) => `dist/chunks/${f}`).sort());
    expect(paths.filter((p) => !chunks.includes(p))).toEqual([
      'README.md',
      'bin/lease-reaper.mjs',
      'dist/THIRD-PARTY-NOTICES.md',
      'dist/cli.mjs',
      'package.json',
    ]);
    expect(paths.filter((p) => /^(test|bench|sim|cli|shared|functions|infra|scripts)\//.test(p))).toEqual([]);
  });

  it('installs from the tarball alone, offline: no runtime dependencies, nothing else in node_modules', async () => {
    const installed = JSON.parse(
      await readFile(join(installDir, 'node_modules', 'lease-reaper', 'package.json'), 'utf8'),
    ) as PackageJson;
    expect(installed.dependencies ?? {}).toEqual({});
    const modules = (await readdir(join(installDir, 'node_modules'))).filter((n) => !n.startsWith('.'));
    expect(modules).toEqual(['lease-reaper']);
  });

  it.each([['--version'], ['-V']])('prints the package version for %s and exits 0', async (flag) => {
    const result = await run(bin, [flag], installDir);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('runs as `npx lease-reaper` in the project that installed it', async () => {
    const result = await run('npx', ['--offline', 'lease-reaper', '--version'], installDir);
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(result.code).toBe(0);
  });

  it('serves a simulated cluster with `sim`, audits it with `audit --kubeconfig`, stops on SIGTERM', async () => {
    const kubeconfig = join(installDir, 'sim.kubeconfig');
    const sim = spawn(bin, ['sim', '--kubeconfig-out', kubeconfig], { cwd: installDir });
    try {
      const ready = await waitForLine(sim, 'sim ready');
      const nodes = Number(ready.match(/nodes=(\d+)/)?.[1]);

      const result = await run(bin, ['audit', '--kubeconfig', kubeconfig, '--output', 'json'], installDir);

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as AuditReport;
      expect(report.summary).toMatchObject({ clusters: 1, failedClusters: 0 });
      const only = report.clusters[0];
      if (only?.status !== 'ok') throw new Error(`cluster failed: ${JSON.stringify(only)}`);
      expect(only.counts.nodes).toBe(nodes);
      expect(only.findings.map((f) => f.type)).toContain('StaleNodeHeartbeat');
    } finally {
      sim.kill('SIGTERM');
    }
    expect(await exitCode(sim)).toBe(0);
  });

  it('runs `demo`: a simulated cluster in-process, audited over HTTPS', async () => {
    const result = await run(bin, ['demo', '--output', 'json'], installDir);

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(report.clusters.map((c) => [c.cluster, c.status])).toEqual([['demo', 'ok']]);
    expect(Object.values(report.summary.bySeverity).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

describe("the bin's Node.js check", () => {
  // The bin is run on this Node with process.versions.node replaced before it starts: the check reads
  // the version the way it would on an older Node, and on a refusal the bundle never loads.
  const asNode = (version: string) => {
    const fake = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${version}' } });`;
    const script = join(installDir, 'node_modules', 'lease-reaper', 'bin', 'lease-reaper.mjs');
    return run(
      process.execPath,
      [`--import=data:text/javascript,${encodeURIComponent(fake)}`, script, '--version'],
      installDir,
    );
  };

  it.each([justBelow(nodeFloor), '18.20.4', '16.20.2'])(
    'refuses Node.js %s in one line naming the version engines requires, exit 64',
    async (version) => {
      const result = await asNode(version);
      expect(result).toEqual({
        code: 64,
        stdout: '',
        stderr: `error: lease-reaper needs Node.js ${nodeFloor} or later; this is Node.js ${version}.\n`,
      });
    },
  );

  it.each([nodeFloor, '22.0.0', '24.11.1'])('runs on Node.js %s', async (version) => {
    const result = await asNode(version);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

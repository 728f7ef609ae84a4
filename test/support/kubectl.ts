import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { SimCluster, SimKubeconfigOptions } from '../../sim/cluster.ts';

/** The real kubectl (1.32): tests that use it fail, rather than skip, where it is missing. */
export const KUBECTL = '/usr/bin/kubectl';
/** The timeout for a test that runs kubectl once; one kubectl run is bounded 5 s below it. */
export const KUBECTL_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = KUBECTL_TIMEOUT_MS - 5_000;

export interface KubectlResult {
  /** kubectl's exit code. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Whose kubeconfig (written with `sim.writeKubeconfig`) kubectl runs with (default the admin's). */
  user?: SimKubeconfigOptions['user'];
}

/** A kubectl left running (e.g. `get -w`): its output so far, and a wait for a line of it. */
export interface KubectlProcess {
  /** The non-blank lines of stdout so far. */
  lines(): string[];
  /** Resolves with the first stdout line that matches; rejects with both outputs after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const missing = () =>
  new Error(`kubectl was not found at ${KUBECTL}; these tests need the real kubectl binary (1.32) there`);

/**
 * The real kubectl for one test file. Each test gets a temporary directory (kubeconfigs, kubectl's
 * discovery cache, the files a test writes with `file`), removed after the test together with any
 * kubectl still running. kubectl reads only the kubeconfig written there (`KUBECONFIG` is emptied).
 */
export function kubectlRunner() {
  let dir: string | undefined;
  const children: { kill(signal: NodeJS.Signals): boolean }[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function workDir(): Promise<string> {
    dir ??= await mkdtemp(join(tmpdir(), 'lease-reaper-kubectl-'));
    return dir;
  }

  /** kubectl's arguments: the sim's kubeconfig for `user`, a cache of this test, then `args`. */
  async function argv(sim: SimCluster, args: readonly string[], options: KubectlOptions): Promise<string[]> {
    const d = await workDir();
    const kubeconfig = join(d, `${options.user ?? 'admin'}.kubeconfig`);
    await sim.writeKubeconfig(kubeconfig, { user: options.user });
    return ['--kubeconfig', kubeconfig, '--cache-dir', join(d, 'cache'), ...args];
  }

  const env = () => ({ ...process.env, KUBECONFIG: '' });

  return {
    /** Writes `text` to `name` in this test's directory; returns its path. */
    async file(name: string, text: string): Promise<string> {
      const path = join(await workDir(), name);
      await writeFile(path, text);
      return path;
    },

    /** Runs kubectl to its end (at most 25 s); a non-zero exit is a result, not an error. */
    async run(
      sim: SimCluster,
      args: readonly string[],
      options: KubectlOptions = {},
    ): Promise<KubectlResult> {
      const full = await argv(sim, args, options);
      return new Promise((resolve, reject) => {
        execFile(
          KUBECTL,
          full,
          { timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: env() },
          (error, stdout, stderr) => {
            if (!error) return resolve({ code: 0, stdout, stderr });
            const e = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
            if (e.code === 'ENOENT') return reject(missing());
            if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
            if (e.killed) {
              return reject(
                new Error(
                  `kubectl ${args.join(' ')} did not finish within ${RUN_TIMEOUT_MS} ms (stdout: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)})`,
                ),
              );
            }
            reject(error);
          },
        );
      });
    },

    /** Starts kubectl and leaves it running (it is killed after the test). */
    async start(
      sim: SimCluster,
      args: readonly string[],
      options: KubectlOptions = {},
    ): Promise<KubectlProcess> {
      const proc = spawn(KUBECTL, await argv(sim, args, options), { env: env() });
      children.push(proc);
      let stdout = '';
      let stderr = '';
      let failed: Error | undefined;
      const waiters = new Set<() => void>();
      const wake = () => {
        for (const w of waiters) w();
      };
      proc.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        wake();
      });
      proc.stderr.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
      });
      proc.on('error', (error: NodeJS.ErrnoException) => {
        failed = error.code === 'ENOENT' ? missing() : error;
        wake();
      });
      return {
        lines: () => stdout.split('\n').filter((l) => l.trim() !== ''),
        waitForLine: (pattern, timeoutMs = 15_000) =>
          new Promise((resolve, reject) => {
            const check = () => {
              const line = stdout.split('\n').find((l) => pattern.test(l));
              if (line === undefined && !failed) return;
              clearTimeout(timer);
              waiters.delete(check);
              if (line !== undefined) resolve(line);
              else reject(failed);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(
                new Error(
                  `timed out waiting for kubectl output matching ${pattern} (stdout: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)})`,
                ),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      };
    },
  };
}

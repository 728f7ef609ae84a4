import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimCluster } from '../../sim/cluster.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The installed entry point: bin/lease-reaper.mjs, which checks the Node version and loads dist/cli.mjs (the
 * bundle the global setup builds from the sources under test, and `npm pack` ships).
 */
export const CLI_BIN = join(import.meta.dirname, '..', '..', 'bin', 'lease-reaper.mjs');

/** Runs the lease-reaper CLI in a child process through its installed bin, as a user would run it. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      {
        cwd: join(import.meta.dirname, '..', '..'),
        env: { ...process.env, ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Writes one kubeconfig holding a context per simulated cluster, plus contexts for endpoints that do
 * not answer (named by `unreachable`), so a multi-cluster run can be exercised from one file.
 */
export async function writeFleetKubeconfig(
  sims: readonly SimCluster[],
  unreachable: readonly { name: string; server: string }[] = [],
): Promise<string> {
  const configs = sims.map(
    (s) => JSON.parse(s.kubeconfig()) as { clusters: unknown[]; users: unknown[]; contexts: unknown[] },
  );
  const dead = unreachable.map((u) => ({
    cluster: { name: u.name, cluster: { server: u.server } },
    user: { name: `${u.name}-user`, user: { token: 'dead-endpoint-token' } },
    context: { name: u.name, context: { cluster: u.name, user: `${u.name}-user` } },
  }));
  const merged = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [...configs.flatMap((c) => c.clusters), ...dead.map((d) => d.cluster)],
    users: [...configs.flatMap((c) => c.users), ...dead.map((d) => d.user)],
    contexts: [...configs.flatMap((c) => c.contexts), ...dead.map((d) => d.context)],
    'current-context': sims[0]?.name ?? unreachable[0]?.name ?? '',
  };
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-test-'));
  const path = join(dir, 'fleet.kubeconfig');
  await writeFile(path, JSON.stringify(merged), { mode: 0o600 });
  return path;
}

import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../shared/report/audit-report.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { defaultScenario, emptyScenario } from '../../sim/scenario.ts';
import { CLI_BIN, runCli } from '../support/cli.ts';
import { startBlackHole } from '../support/hostile-servers.ts';
import { seedLeases, simClusters } from '../support/sim.ts';

/**
 * Failures that explain themselves, through the CLI as a user runs it: each names the server and says
 * what to try, is classified by its cause (network, credentials, RBAC), and costs a bounded time.
 */

const clusters = simClusters();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lease-reaper-failures-'));
}

/** A kubeconfig with one context `name` for `server`, with the user given (token or exec). */
async function kubeconfigFor(
  name: string,
  server: string,
  user: Record<string, unknown>,
  caCertPem?: string,
): Promise<string> {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server,
          ...(caCertPem ? { 'certificate-authority-data': Buffer.from(caCertPem).toString('base64') } : {}),
        },
      },
    ],
    users: [{ name: `${name}-user`, user }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user` } }],
    'current-context': name,
  };
  const path = join(await tempDir(), 'kubeconfig');
  await writeFile(path, JSON.stringify(doc), { mode: 0o600 });
  return path;
}

const simKubeconfig = (sim: SimCluster, user: Record<string, unknown>) =>
  kubeconfigFor(sim.name, sim.url, user, sim.caCertPem);

function errorOf(report: AuditReport) {
  const c = report.clusters[0];
  if (c?.status !== 'error') throw new Error(`expected an error row, got ${JSON.stringify(c)}`);
  return c.error;
}

describe('lease-reaper audit, when a cluster cannot be read', { timeout: 120_000 }, () => {
  it('gives up on a black-holed endpoint after --connect-timeout × attempts, naming the URL and what to check', async () => {
    const hole = await startBlackHole();
    cleanups.push(hole.close);
    const kubeconfig = await kubeconfigFor('dark', hole.server, { token: 'dark-endpoint-token' });

    const started = Date.now();
    const result = await runCli([
      'audit',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
      '--connect-timeout',
      '1',
      '--timeout',
      '110',
    ]);
    const elapsedMs = Date.now() - started;

    expect(result.code).toBe(2);
    const error = errorOf(JSON.parse(result.stdout) as AuditReport);
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain(
      `cannot connect to ${hole.server}: no connection within 1 s (connect timeout)`,
    );
    expect(error.message).toContain('gave up after 5 attempts');
    expect(error.message).toContain('check the VPN or network path to');
    expect(error.message).toContain("cluster endpoint's public or private access");
    // Each of the 5 attempts of the first request reached the hole (the other lists were cancelled).
    expect(hole.connections()).toBeGreaterThanOrEqual(5);
    // 5 × 1 s plus at most 3 s of backoff plus the CLI's start: far inside the 110 s run timeout.
    console.log(`black-holed endpoint with --connect-timeout 1: exit after ${elapsedMs} ms`);
    expect(elapsedMs).toBeLessThan(60_000);
    expect(result.stdout + result.stderr).not.toContain('dark-endpoint-token');
  });

  it('names the server of a refused connection in the table, with the hint, and no "No findings."', async () => {
    const kubeconfig = await kubeconfigFor('gone', 'https://127.0.0.1:9', { token: 'gone-token-123456' });

    const result = await runCli(['audit', '--kubeconfig', kubeconfig]);

    expect(result.code).toBe(2);
    expect(result.stdout).toContain('cannot connect to https://127.0.0.1:9 (ECONNREFUSED)');
    expect(result.stdout).toContain('check the VPN or network path to https://127.0.0.1:9');
    expect(result.stdout).not.toMatch(/^No findings\.$/m);
  });

  it('reports an unresolvable host as such, with the hint about private endpoints', async () => {
    const kubeconfig = await kubeconfigFor('nxdomain', 'https://lease-reaper-test.invalid', {
      token: 'nxdomain-token-1234',
    });

    const result = await runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'json']);

    expect(result.code).toBe(2);
    const error = errorOf(JSON.parse(result.stdout) as AuditReport);
    expect(error).toMatchObject({ kind: 'unreachable' });
    expect(error.message).toMatch(
      /cannot resolve the host of https:\/\/lease-reaper-test\.invalid \((ENOTFOUND|EAI_AGAIN)\)/,
    );
    expect(error.message).toContain('resolves only inside its VPC');
  });

  it('reports an expired AWS SSO session from the exec plugin as a credentials error, runs it once, and says `aws sso login --profile`', async () => {
    const sim = await clusters.start(emptyScenario, { name: 'sso' });
    const dir = await tempDir();
    const calls = join(dir, 'calls');
    const plugin = join(dir, 'aws');
    // What `aws eks get-token` prints when the profile's SSO session has expired (exit 255).
    await writeFile(
      plugin,
      `#!/bin/sh\necho "$*" >> '${calls}'\nprintf '\\nError when retrieving token from sso: Token has expired and refresh failed\\n' >&2\nexit 255\n`,
    );
    await chmod(plugin, 0o755);
    const kubeconfig = await simKubeconfig(sim, {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: plugin,
        args: [
          '--region',
          'eu-west-1',
          'eks',
          'get-token',
          '--cluster-name',
          'sso',
          '--profile',
          'dev-admin',
        ],
      },
    });

    const result = await runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'json']);

    expect(result.code).toBe(2);
    const error = errorOf(JSON.parse(result.stdout) as AuditReport);
    expect(error.kind).toBe('credentials');
    expect(error.message).toContain(`could not get credentials for ${sim.url}`);
    expect(error.message).toContain('Token has expired and refresh failed');
    expect(error.message).toContain('run `aws sso login --profile dev-admin`');
    expect(error.message).not.toContain('gave up after');
    // One run of the plugin: not retried, and the snapshot's concurrent lists shared it.
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toHaveLength(1);
    // Nothing reached the server: there were no credentials to send.
    expect(sim.requests).toHaveLength(0);
  });

  it('says that refused credentials (401) may be an expired token', async () => {
    const sim = await clusters.start(emptyScenario, { name: 'stale' });
    const kubeconfig = await simKubeconfig(sim, { token: 'not-a-token-this-cluster-knows' });

    const result = await runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'json']);

    expect(result.code).toBe(2);
    const error = errorOf(JSON.parse(result.stdout) as AuditReport);
    expect(error.kind).toBe('unauthorized');
    expect(error.message).toContain(`${sim.url} refused the credentials`);
    expect(error.message).toContain('the credentials were refused (expired token?)');
    expect(result.stdout).not.toContain('not-a-token-this-cluster-knows');
  });

  it('names the verb, resource and scope a 403 refused, and the RBAC to grant', async () => {
    const token = 'no-pods-token-0123456789';
    const sim = await clusters.start(emptyScenario, {
      name: 'rbac',
      extraUsers: [
        {
          token,
          name: 'reader-without-pods',
          rules: [
            { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list'] },
            { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
          ],
        },
      ],
    });
    const kubeconfig = await simKubeconfig(sim, { token });

    const result = await runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'json']);

    expect(result.code).toBe(2);
    const error = errorOf(JSON.parse(result.stdout) as AuditReport);
    expect(error.kind).toBe('forbidden');
    expect(error.message).toContain('RBAC does not allow "list" on "pods" at the cluster scope');
    expect(error.message).toContain('User "reader-without-pods"');
    expect(error.message).toContain('lease-reaper rbac | kubectl apply -f -');
    expect(result.stdout).not.toContain(token);
  });
});

/** Runs `command` under a pseudo-terminal (util-linux `script`); resolves with everything it wrote. */
function inTerminal(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', `stty cols 120 rows 50; ${command}`, '/dev/null'],
      {
        cwd: join(import.meta.dirname, '..', '..'),
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (_error, stdout) => resolve(stdout),
    );
  });
}

const cli = (args: string) => `${process.execPath} ${CLI_BIN} ${args}`;

describe('live progress', { timeout: 120_000 }, () => {
  /** One cluster whose lease pages each take 400 ms: the list is long enough to be watched. */
  async function slowCluster(): Promise<{ sim: SimCluster; kubeconfig: string }> {
    const sim = await clusters.start({ ...defaultScenario, nodes: 3 }, { name: 'slow' });
    seedLeases(sim, 1_600);
    sim.faults.add({
      action: { type: 'latency', ms: 400 },
      match: { path: '/apis/coordination.k8s.io/v1/leases' },
    });
    const path = join(await tempDir(), 'kubeconfig');
    await writeFile(path, sim.kubeconfig(), { mode: 0o600 });
    return { sim, kubeconfig: path };
  }

  it('shows pages and objects per cluster on a terminal, moving while one cluster is read, then erases itself before the table', async () => {
    const { kubeconfig } = await slowCluster();

    const out = await inTerminal(cli(`audit --kubeconfig ${kubeconfig}`), { NO_COLOR: '' });

    expect(out).toContain('Reading 1 cluster: 0 done');
    // Partial counts while the leases are still being paged (500 a page): movement with one cluster.
    expect(out).toMatch(/slow {2}reading \d+ pages?, [\d,]+ objects/);
    const counts = [...out.matchAll(/reading (\d+) pages?/g)].map((m) => Number(m[1]));
    expect(new Set(counts).size).toBeGreaterThan(1);
    // Erased (cursor up, clear to the end) before the report, which follows it.
    const erased = out.lastIndexOf('\x1b[J');
    expect(erased).toBeGreaterThan(-1);
    expect(out.indexOf('CLUSTER', erased)).toBeGreaterThan(erased);
    expect(out.slice(erased)).not.toContain('reading');
  });

  it('writes no colour under NO_COLOR, and nothing at all when stderr is a pipe', async () => {
    const { kubeconfig } = await slowCluster();

    const [noColour, piped] = await Promise.all([
      inTerminal(cli(`audit --kubeconfig ${kubeconfig}`), { NO_COLOR: '1' }),
      runCli(['audit', '--kubeconfig', kubeconfig]),
    ]);

    expect(noColour).toMatch(/reading \d+ pages?/);
    for (const sgr of ['31', '32', '33', '36', '2', '0']) expect(noColour).not.toContain(`\x1b[${sgr}m`);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/Reading|reading|pages/);
    expect(piped.stdout).not.toContain('reading');
  });

  it('shows a saved plan being applied per cluster (leases re-read, deletes answered), then erases itself; nothing on a pipe', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'applying' });
    const dir = await tempDir();
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
    const policy = join(dir, 'policy.yaml');
    await writeFile(
      policy,
      'dryRun: false\nnamespaces:\n  include: [payments, checkout, search]\nmaxDeletionsPerCluster: 3\n',
    );
    const plan = join(dir, 'plan.json');
    const planned = await runCli([
      'reap',
      '--kubeconfig',
      kubeconfig,
      '--policy',
      policy,
      '--plan-out',
      plan,
    ]);
    expect(planned.code, planned.stderr).toBe(0);
    // Each read-back and each delete takes 400 ms: long enough to be watched.
    sim.faults.add({
      action: { type: 'latency', ms: 400 },
      match: { path: '/apis/coordination.k8s.io/v1/namespaces/' },
    });

    const [out, piped] = await Promise.all([
      inTerminal(cli(`reap --kubeconfig ${kubeconfig} --apply --plan ${plan}`), { NO_COLOR: '1' }),
      runCli(['reap', '--kubeconfig', kubeconfig, '--plan', plan]),
    ]);

    expect(out).toContain('Applying the plan to 1 cluster: 0 done');
    expect(out).toMatch(/applying {2}re-reading [0-2] of 3 planned leases/);
    expect(out).toMatch(/applying {2}3 re-read, 0 skipped; deleting [0-2] of 3/);
    expect(out).toMatch(/deleting [12] of 3: [12] deleted/);
    const erased = out.lastIndexOf('\x1b[J');
    expect(erased).toBeGreaterThan(-1);
    expect(out.indexOf('Plan\r\n', erased)).toBeGreaterThan(erased);
    expect(out.slice(erased)).not.toMatch(/re-reading|deleting \d/);
    for (const sgr of ['31', '32', '2']) expect(out).not.toContain(`\x1b[${sgr}m`);
    // The dry run of the same plan, on a pipe: the report alone.
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).not.toMatch(/re-reading|Dry-running the plan/);
  });

  it('shows the AWS set-up of a --clusters run (EKS described, kubeconfig secrets fetched) before the reads; nothing on a pipe', async () => {
    const sim = await clusters.start(emptyScenario, { name: 'onprem' });
    // A local stand-in for Secrets Manager and EKS, 1.5 s per answer: the set-up phase is long enough to watch.
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onprem-AbCdEf';
    const aws = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        setTimeout(() => {
          res.setHeader('content-type', 'application/x-amz-json-1.1');
          if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
            const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
            res.end(JSON.stringify({ ARN: SecretId, Name: 'onprem', SecretString: sim.kubeconfig() }));
            return;
          }
          res.statusCode = 404;
          res.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
          res.end(JSON.stringify({ message: 'No cluster found for name: prod.' }));
        }, 1_500),
      );
    });
    await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => aws.close(() => resolve())));
    const endpoint = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
    const registry = join(await tempDir(), 'clusters.json');
    await writeFile(
      registry,
      JSON.stringify({
        clusters: [
          { name: 'onprem', type: 'kubeconfig', secretArn },
          { name: 'prod', type: 'eks', clusterName: 'prod', region: 'eu-west-1' },
        ],
      }),
    );
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_ENDPOINT_URL_EKS: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      NO_COLOR: '',
    };

    const [out, piped] = await Promise.all([
      inTerminal(cli(`audit --clusters ${registry}`), env),
      runCli(['audit', '--clusters', registry], env),
    ]);

    expect(out).toContain('Setting up AWS access to 2 clusters: 0 done');
    expect(out).toContain(`onprem  fetching kubeconfig secret ${secretArn}`);
    expect(out).toContain('prod  resolving EKS cluster prod in eu-west-1');
    // Then the reads of the cluster that was set up, and the report after both displays are erased.
    expect(out).toContain('Reading 1 cluster: 0 done');
    expect(out.indexOf('Reading 1 cluster')).toBeGreaterThan(out.indexOf('Setting up AWS access'));
    const erased = out.lastIndexOf('\x1b[J');
    expect(out.indexOf('CLUSTER', erased)).toBeGreaterThan(erased);
    expect(out.slice(erased)).toContain('No cluster found for name: prod.');
    expect(piped.code).toBe(2);
    expect(piped.stderr).not.toMatch(/Setting up|fetching|resolving|Reading/);
    expect(piped.stdout).toMatch(/^onprem\s+ok/m);
  });
});

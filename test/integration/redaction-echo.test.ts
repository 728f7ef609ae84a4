import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import type { FleetAuditSummary } from '../../functions/commons/fleet-audit.ts';
import type { FleetReapSummary } from '../../functions/commons/fleet-reap.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { makeReapHandler } from '../../functions/reap/handler.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import { forgetSecrets } from '../../shared/redaction.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { lambdaContext, mockedAws, secretArn } from '../support/aws.ts';
import { runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { rawRequest } from '../support/raw-request.ts';
import { simClusters } from '../support/sim.ts';

/**
 * A cluster whose error answers quote the bearer token the request carried (the sim's `echoCredential`
 * fault: a Status message and a Warning header). The token reaches the product for real, inside a
 * server's message; each test proves the message got through (its words around the token are in the
 * output, the token replaced by the redaction marker) and that the token did not, whole or in part.
 *
 * Layers, and the paths that hold each alone (so removing one fails a test here):
 * - the base error class (shared/errors.ts): the audit Lambda's returned summary carries the error's
 *   message, which no logger or output stream filters;
 * - the Lambda logger (functions/commons/logger.ts): a refused delete's Status text is a plain string in the
 *   reap's `lease action` line;
 * - the CLI's redacting stdout/stderr (cli/redacted-output.ts): the same text in the reap's table;
 * - the CLI's action-log file (cli/action-log.ts): the same text in `--log-file`.
 */

const clusters = simClusters();
const { cw, clients, serveKubeconfig } = mockedAws();
afterAll(() => forgetSecrets());

const LEASE_LIST = '/apis/coordination.k8s.io/v1/leases';
/** What the echo says around the token: seeing it proves the server's message reached the output. */
const ECHOED =
  'the gateway refused the request for credential [REDACTED] (it received Authorization: Bearer [REDACTED])';

/** The token must not appear, nor a 12-character start or end of it. */
function expectNoToken(text: string, token: string): void {
  expect(token.length).toBeGreaterThan(24);
  expect(text).not.toContain(token);
  expect(text).not.toContain(token.slice(0, 12));
  expect(text).not.toContain(token.slice(-12));
}

/** Lease lists (the audit's first read) answer 403 with the caller's token in the Status message. */
function echoOnLeaseList(sim: SimCluster): void {
  sim.faults.add({
    action: { type: 'echoCredential', status: 403 },
    match: { method: 'GET', path: LEASE_LIST },
  });
}

/** Lease deletes answer 403 with the caller's token in the Status message. */
function echoOnDelete(sim: SimCluster): void {
  sim.faults.add({ action: { type: 'echoCredential', status: 403 }, match: { method: 'DELETE' } });
}

/** A dry-run reap policy: abandoned leases of three namespaces, at most 3. */
const policyYaml = 'namespaces:\n  include: [payments, checkout, search]\nmaxDeletionsPerRun: 3\n';

async function tempPath(name: string): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'lease-reaper-echo-')), name);
}

describe('the echoCredential fault', () => {
  it('quotes the bearer token the request carried in the Status message and a Warning header', async () => {
    // Prepare
    const sim = await clusters.start({}, { name: 'echo' });
    echoOnLeaseList(sim);

    // Act
    const res = await rawRequest(sim, 'GET', LEASE_LIST);

    // Assess: the token really is in what the product receives.
    const token = sim.tokens.admin;
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message: `the gateway refused the request for credential ${token} (it received Authorization: Bearer ${token})`,
    });
    expect(res.headers.warning).toBe(`299 - "credential ${token} will stop working soon"`);
    expect(sim.faults.hits.echoCredential).toBe(1);
  });
});

describe('the CLI, against a cluster that echoes the token', () => {
  it.each(['table', 'json'])(
    'audit prints the server message with the token redacted, in its %s output',
    async (output) => {
      // Prepare
      const sim = await clusters.start(defaultScenario, { name: 'echo' });
      echoOnLeaseList(sim);
      const kubeconfig = await writeFleetKubeconfig([sim]);

      // Act
      const result = await runCli(['audit', '--kubeconfig', kubeconfig, '--output', output]);

      // Assess
      expect(sim.faults.hits.echoCredential).toBeGreaterThan(0);
      const all = `${result.stdout}\n${result.stderr}`.replaceAll('\\"', '"');
      expect(result.code, all).not.toBe(0);
      expect(all).toContain(ECHOED);
      expectNoToken(all, sim.tokens.admin);
    },
  );

  it('reap shows a refused delete’s server message with the token redacted: table, action lines and --log-file', async () => {
    // Prepare
    const sim = await clusters.start(defaultScenario, { name: 'echo' });
    echoOnDelete(sim);
    const kubeconfig = await writeFleetKubeconfig([sim]);
    const policy = await tempPath('policy.yaml');
    await writeFile(policy, policyYaml);
    const logFile = await tempPath('reap.log');

    // Act
    const result = await runCli([
      'reap',
      '--kubeconfig',
      kubeconfig,
      '--policy',
      policy,
      '--verbose',
      '--log-file',
      logFile,
    ]);
    const logged = await readFile(logFile, 'utf8');

    // Assess: one refused delete (the reap stops at the first 403), explained with the server's words.
    expect(result.code).toBe(2);
    expect(sim.faults.hits.echoCredential).toBe(1);
    expect(result.stdout).toContain(`(the server said: ${ECHOED})`);
    expect(result.stderr).toContain(`(the server said: ${ECHOED})`);
    expect(logged).toContain(`(the server said: ${ECHOED})`);
    for (const text of [result.stdout, result.stderr, logged]) expectNoToken(text, sim.tokens.admin);
  });
});

describe('the functions, against a cluster that echoes the token', () => {
  it('the audit returns and logs the server message with the token redacted', async () => {
    // Prepare
    const sim = await clusters.start(defaultScenario, { name: 'echo' });
    echoOnLeaseList(sim);
    serveKubeconfig('echo', sim.kubeconfig());
    const lines: string[] = [];
    const handler = makeAuditHandler(async () => ({
      registry: parseClusterRegistry({
        clusters: [{ name: 'echo', type: 'kubeconfig', secretArn: secretArn('echo') }],
        metricsSink: 'cloudwatch',
      }),
      connector: new ClusterConnector(clients),
      cloudWatch: cw,
      log: jsonLogger((line) => lines.push(line)),
      emfWrite: () => {},
    }));

    // Act
    const summary = (await handler({ source: 'scheduler' }, lambdaContext)) as FleetAuditSummary;

    // Assess: the returned summary is not a log line; it is redacted where the error was built.
    expect(sim.faults.hits.echoCredential).toBeGreaterThan(0);
    expect(summary.perCluster).toEqual([
      { cluster: 'echo', status: 'error', error: expect.stringContaining(ECHOED) },
    ]);
    expectNoToken(JSON.stringify(summary), sim.tokens.admin);
    const failure = lines.find((l) => l.includes('"cluster could not be audited"')) ?? '';
    expect(failure.replaceAll('\\"', '"')).toContain(ECHOED);
    expectNoToken(lines.join('\n'), sim.tokens.admin);
  });

  it('the reap logs a refused delete’s server message with the token redacted', async () => {
    // Prepare
    const sim = await clusters.start(defaultScenario, { name: 'echo' });
    echoOnDelete(sim);
    serveKubeconfig('echo', sim.kubeconfig());
    const lines: string[] = [];
    const handler = makeReapHandler(async () => ({
      registry: parseClusterRegistry({
        clusters: [{ name: 'echo', type: 'kubeconfig', secretArn: secretArn('echo') }],
      }),
      policy: parseReapPolicy({
        dryRun: true,
        namespaces: { include: ['payments', 'checkout', 'search'] },
        maxDeletionsPerRun: 3,
      }),
      connector: new ClusterConnector(clients),
      cloudWatch: cw,
      log: jsonLogger((line) => lines.push(line)),
    }));

    // Act
    const summary = (await handler({}, lambdaContext)) as FleetReapSummary;

    // Assess
    expect(sim.faults.hits.echoCredential).toBe(1);
    const actions = lines
      .map((l) => JSON.parse(l) as { message: string; outcome?: string; detail?: string })
      .filter((l) => l.message === 'lease action' && l.outcome === 'forbidden');
    expect(actions).toHaveLength(1);
    expect(actions[0]?.detail).toContain(`(the server said: ${ECHOED})`);
    expectNoToken(lines.join('\n'), sim.tokens.admin);
    expectNoToken(JSON.stringify(summary), sim.tokens.admin);
  });
});

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { forgetSecrets } from '../../shared/redaction.ts';
import { lambdaContext, mockedAws, secretArn } from '../support/aws.ts';
import { runCli } from '../support/cli.ts';
import { type HostileCluster, startHostileCluster } from '../support/hostile-cluster.ts';

/**
 * A cluster that echoes credentials back in its error, in every shape the redaction knows, must not get
 * any of them into the CLI's output or the Lambda's log. The credentials the kubeconfig holds are
 * registered (redacted by value, even bare); the others are ones this process never saw (redacted by shape).
 */
const alnum = (n: number) => `a1${randomBytes(n).toString('hex')}`;
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** The kubeconfig's own credentials: registered when the kubeconfig is loaded. */
const held = {
  token: `static${randomBytes(18).toString('hex')}`,
  password: `pw${randomBytes(9).toString('hex')}`,
};
/** Credentials this process never holds: only their shape gives them away. */
const foreign = {
  bearerEncoded: alnum(16),
  tokenWord: alnum(16),
  tokenQuoted: alnum(16),
  tokenSingleQuoted: alnum(16),
  jwt: `${b64url('{"alg":"RS256","kid":"x"}')}.${b64url(`{"sub":"${alnum(8)}"}`)}.${alnum(20)}`,
  basic: Buffer.from(`admin:${alnum(8)}`).toString('base64'),
  eks: `k8s-aws-v1.${b64url(`https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Signature=${alnum(16)}`)}`,
  pemKey: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  escapedJson: alnum(16),
  urlPassword: alnum(12),
  kubeconfigUrlPassword: alnum(12),
};

/** What the hostile cluster says when refusing a request: the Authorization it got, and everything else. */
function echo(req: IncomingMessage): string {
  return [
    `you sent Authorization: ${req.headers.authorization ?? 'nothing'}`,
    `cached credential ${held.token} (base64 ${Buffer.from(held.token).toString('base64')})`,
    `password ${held.password}`,
    `retry with Bearer%20${foreign.bearerEncoded}`,
    `or token ${foreign.tokenWord}`,
    `or token: "${foreign.tokenQuoted}"`,
    `or token '${foreign.tokenSingleQuoted}'`,
    `or ${foreign.jwt}`,
    `upstream said Basic ${foreign.basic}`,
    `assumed ${foreign.eks}`,
    `key ${foreign.pemKey}`,
    `body {\\"token\\":\\"${foreign.escapedJson}\\"}`,
    `via https://admin:${foreign.urlPassword}@10.0.0.9/api`,
  ].join('; ');
}

/** The secret parts of every credential: none may appear, not even a 12-character end of one. */
const secretParts = [
  ...Object.values(held),
  ...Object.values(foreign).filter((v) => !v.startsWith('-----')),
  Buffer.from(`reaper:${held.password}`).toString('base64'),
  ...foreign.pemKey.split('\n').filter((l) => l && !l.startsWith('-----')),
];
function expectNoSecret(output: string) {
  for (const secret of secretParts) {
    expect(output).not.toContain(secret);
    expect(output).not.toContain(secret.slice(0, 12));
    expect(output).not.toContain(secret.slice(-12));
  }
  // The credential's neighbours did get through: the test sees the server's message, not an empty output.
  expect(output).toContain('cached credential [REDACTED]');
  expect(output).toContain('BEGIN PRIVATE KEY-----[REDACTED]');
}

let hostile: HostileCluster;
beforeAll(async () => {
  hostile = await startHostileCluster(echo);
});
afterAll(async () => {
  await hostile.close();
});

describe('the CLI, against a cluster that echoes credentials', () => {
  async function hostileKubeconfig(): Promise<string> {
    const cluster = (name: string, server: string) => ({
      name,
      cluster: { server, 'certificate-authority-data': hostile.caData },
    });
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        cluster('hostile', hostile.url),
        // User info in the server URL: client-node's connection error quotes the URL.
        cluster('userinfo', `https://admin:${foreign.kubeconfigUrlPassword}@127.0.0.1:9`),
      ],
      users: [
        { name: 'static', user: { token: held.token } },
        { name: 'basic', user: { username: 'reaper', password: held.password } },
      ],
      contexts: [
        { name: 'static', context: { cluster: 'hostile', user: 'static' } },
        { name: 'basic', context: { cluster: 'hostile', user: 'basic' } },
        { name: 'userinfo', context: { cluster: 'userinfo', user: 'static' } },
      ],
      'current-context': 'static',
    };
    const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-hostile-'));
    const path = join(dir, 'kubeconfig');
    await writeFile(path, JSON.stringify(doc), { mode: 0o600 });
    return path;
  }

  it.each(['table', 'json'])(
    'prints no credential in its %s output or its errors',
    async (output) => {
      const result = await runCli([
        'audit',
        '--kubeconfig',
        await hostileKubeconfig(),
        '--all-contexts',
        '--output',
        output,
      ]);
      const all = `${result.stdout}\n${result.stderr}`;
      expect(all).toContain('403');
      expect(all).toMatch(/cluster \\?"userinfo\\?": unreachable/);
      expectNoSecret(all);
    },
    120_000,
  );
});

describe('the audit function, against a cluster that echoes credentials', () => {
  const { cw, clients, serveKubeconfig } = mockedAws();
  afterAll(() => forgetSecrets());

  it('logs no credential', async () => {
    serveKubeconfig(
      'hostile',
      JSON.stringify({
        clusters: [
          { name: 'c', cluster: { server: hostile.url, 'certificate-authority-data': hostile.caData } },
        ],
        users: [{ name: 'u', user: { token: held.token } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    );
    const lines: string[] = [];
    const log = jsonLogger((line) => lines.push(line));
    const handler = makeAuditHandler(async () => ({
      registry: parseClusterRegistry({
        clusters: [{ name: 'hostile', type: 'kubeconfig', secretArn: secretArn('hostile') }],
        metricsSink: 'cloudwatch',
      }),
      connector: new ClusterConnector(clients),
      cloudWatch: cw,
      log,
      emfWrite: () => {},
    }));

    await handler({ source: 'scheduler' }, lambdaContext);
    // The same message, logged as a message, a field and an Error with a cause.
    const message = echo({ headers: { authorization: `Bearer ${held.token}` } } as IncomingMessage);
    log.log('error', message, {
      detail: message,
      error: new Error(message, { cause: new Error(message) }),
      request: {
        headers: { authorization: `Basic ${Buffer.from(`reaper:${held.password}`).toString('base64')}` },
      },
    });

    const logged = lines.join('\n');
    expect(lines.some((l) => l.includes('"cluster could not be audited"') && l.includes('403'))).toBe(true);
    expectNoSecret(logged.replaceAll('\\n', '\n'));
  });
});

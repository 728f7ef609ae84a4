import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../shared/report/audit-report.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { runCli } from '../support/cli.ts';
import { simClusters } from '../support/sim.ts';

/**
 * Local parity: `lease-reaper audit --clusters FILE` runs the Lambda functions' registry on a laptop. The
 * kubeconfig clusters' secrets come from a local stand-in for Secrets Manager (the SDK's own
 * AWS_ENDPOINT_URL_SECRETS_MANAGER override), so no request leaves this machine.
 */
const clusters = simClusters();
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

async function fakeSecretsManager(secrets: Record<string, string>): Promise<string> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      const value =
        req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' ? secrets[SecretId] : undefined;
      if (value === undefined) {
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      res.end(JSON.stringify({ ARN: SecretId, Name: 'kubeconfig', SecretString: value }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const awsEnv = (endpoint: string) => ({
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
  AWS_EC2_METADATA_DISABLED: 'true',
});

async function registryFile(doc: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-registry-'));
  const path = join(dir, 'clusters.json');
  await writeFile(path, JSON.stringify(doc));
  return path;
}

describe('lease-reaper audit --clusters', () => {
  it('audits the registry’s clusters with local credentials, and reports one whose secret is missing', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'onprem' });
    const endpoint = await fakeSecretsManager({ [arn('onprem')]: sim.kubeconfig() });
    const file = await registryFile({
      clusters: [
        { name: 'onprem', type: 'kubeconfig', secretArn: arn('onprem') },
        { name: 'lost', type: 'kubeconfig', secretArn: arn('lost') },
      ],
    });

    const result = await runCli(['audit', '--clusters', file, '--output', 'json'], awsEnv(endpoint));

    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as AuditReport;
    const onprem = report.clusters.find((c) => c.cluster === 'onprem');
    const lost = report.clusters.find((c) => c.cluster === 'lost');
    expect(onprem?.status).toBe('ok');
    if (onprem?.status === 'ok')
      expect(onprem.counts.findings.StaleNodeHeartbeat).toBe(sim.seeded?.staleNodeHeartbeats.length);
    expect(lost).toMatchObject({
      status: 'error',
      error: { kind: 'credentials', message: expect.stringContaining('ResourceNotFoundException') },
    });
    expect(result.stdout + result.stderr).not.toContain(sim.tokens.admin);
  });

  it('refuses --clusters together with --context', async () => {
    const file = await registryFile({
      clusters: [{ name: 'x', type: 'eks', clusterName: 'x', region: 'eu-west-1' }],
    });
    const result = await runCli(['audit', '--clusters', file, '--context', 'y']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(
      '--clusters cannot be combined with --kubeconfig, --context or --all-contexts',
    );
  });
});

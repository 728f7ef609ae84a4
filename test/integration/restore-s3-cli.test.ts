import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { namespaceObject } from '../../sim/objects.ts';
import { leases, namespaces } from '../../sim/resources.ts';
import { runCli } from '../support/cli.ts';
import { simClusters } from '../support/sim.ts';

/**
 * `lease-reaper restore --from s3://…` reads the archive object with the AWS SDK, over the wire, from a local
 * stand-in for S3 (AWS_ENDPOINT_URL_S3). The stand-in answers as the S3 API Reference says: GetObject is
 * `GET /<bucket>/<key>` (path-style, as the SDK addresses an IP endpoint), signed with SigV4 for service
 * `s3`; a missing key is a 404 whose XML body has Code NoSuchKey ("Error responses").
 */

const clusters = simClusters();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const BUCKET = 'leasereaper-archivebucket-1a2b3c4d5e6f';
const KEY = 'tombstones/restore.20261201T120304Z.jsonl';

async function fakeS3(objects: Record<string, string>) {
  const requests: { method: string; url: string; authorization: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: String(req.headers.authorization),
    });
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://s3').pathname);
    const body = req.method === 'GET' ? objects[path] : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${path}</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>`,
      );
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const tombstone = (name: string) =>
  JSON.stringify({
    format: 'lease-reaper.archive/v1',
    kind: 'Tombstone',
    cluster: 'restore',
    archivedAt: '2026-12-01T12:03:05.000Z',
    finding: 'AbandonedLease',
    reason: 'expired 3 d ago',
    lease: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: 'payments',
        uid: `0b6c1d8e-0000-4000-8000-${name.length.toString().padStart(12, '0')}`,
        resourceVersion: '4242',
        creationTimestamp: '2026-11-01T10:00:00Z',
        labels: { app: name },
      },
      spec: {
        holderIdentity: `${name}-0`,
        leaseDurationSeconds: 15,
        renewTime: '2026-11-28T10:00:00.000000Z',
      },
    },
  });

async function setUp(objects: Record<string, string>) {
  const sim = await clusters.start({}, { name: 'restore' });
  if (!sim.store.get(namespaces, undefined, 'payments'))
    sim.store.create(namespaces, namespaceObject('payments', sim.store.clock()));
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-restore-s3-'));
  await writeFile(join(dir, 'kubeconfig'), sim.kubeconfig(), { mode: 0o600 });
  const s3 = await fakeS3(objects);
  const env = {
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return { sim, dir, s3, env };
}

describe('restore --from s3://', () => {
  it('reads the archive object with a signed GetObject and restores its leases', async () => {
    const { sim, dir, s3, env } = await setUp({ [`/${BUCKET}/${KEY}`]: `${tombstone('billing-leader')}\n` });

    const result = await runCli(
      [
        'restore',
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        '--from',
        `s3://${BUCKET}/${KEY}`,
        '--apply',
        '-o',
        'json',
      ],
      env,
    );

    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { actions: { name: string; result: string }[] }).actions).toEqual([
      expect.objectContaining({ name: 'billing-leader', result: 'restored' }),
    ]);
    expect(s3.requests).toHaveLength(1);
    expect(s3.requests[0]?.method).toBe('GET');
    expect(new URL(s3.requests[0]?.url ?? '', 'http://s3').pathname).toBe(`/${BUCKET}/${KEY}`);
    expect(s3.requests[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/eu-west-1\/s3\/aws4_request, /,
    );
    expect(sim.store.get(leases, 'payments', 'billing-leader')?.obj.spec).toEqual({
      holderIdentity: 'billing-leader-0',
      leaseDurationSeconds: 15,
      renewTime: '2026-11-28T10:00:00.000000Z',
    });
  });

  it('a missing object is exit 64, naming the URI and what S3 said, and nothing is sent to the cluster', async () => {
    const { sim, dir, env } = await setUp({});

    const result = await runCli(
      ['restore', '--kubeconfig', join(dir, 'kubeconfig'), '--from', `s3://${BUCKET}/${KEY}`, '--apply'],
      env,
    );

    expect(result.code).toBe(64);
    // One error line (on Node 20 the AWS SDK also warns that its 2027 releases need Node 22).
    expect(result.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: --from s3://${BUCKET}/${KEY} cannot be read: The specified key does not exist.`,
    ]);
    expect(sim.requests).toEqual([]);
  });

  it('an S3 URI without a key is refused before anything is sent', async () => {
    const { dir, s3, env } = await setUp({});

    const result = await runCli(
      ['restore', '--kubeconfig', join(dir, 'kubeconfig'), '--from', `s3://${BUCKET}/`],
      env,
    );

    expect(result.code).toBe(64);
    expect(result.stderr).toBe(
      `error: --from s3://${BUCKET}/ cannot be read: an S3 URI is s3://BUCKET/KEY\n`,
    );
    expect(s3.requests).toEqual([]);
  });
});

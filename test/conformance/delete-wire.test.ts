import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeConfigFromEndpoint } from '../../shared/kube/connect.ts';
import { deleteLease, type LeaseIdentity } from '../../shared/kube/delete-lease.ts';
import { KubeClient } from '../../shared/kube/kube-client.ts';
import { VERSION } from '../../shared/version.ts';
import { leases } from '../../sim/resources.ts';
import { generateSimTls } from '../../sim/tls.ts';
import { clientFor, seedLeases, simClusters } from '../support/sim.ts';

/**
 * What the reaper's delete puts on the wire, byte for byte, and what a server that decodes DELETE like
 * kube-apiserver (k8s.io/apiserver pkg/endpoints/handlers/delete.go: body first, query only without a
 * body) does with it.
 */

interface Captured {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const servers: https.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** An HTTPS server that records each request and answers like a successful lease delete. */
async function captureServer(): Promise<{ client: KubeClient; requests: Captured[] }> {
  const tls = await generateSimTls();
  const requests: Captured[] = [];
  const server = https.createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = kubeConfigFromEndpoint({
    name: 'capture',
    server: `https://127.0.0.1:${port}`,
    caData: Buffer.from(tls.caCertPem).toString('base64'),
    token: 'capture-token',
  });
  return { client: new KubeClient('capture', kc, { retry: { maxAttempts: 1 } }), requests };
}

const lease: LeaseIdentity = {
  namespace: 'team-a',
  name: 'my-controller',
  uid: '6f1c2d3e-0000-4000-8000-00000000abcd',
  resourceVersion: '48213',
};

describe('the delete request on the wire', () => {
  it.each([
    { mode: 'dry run', dryRun: true, dryRunField: ',"dryRun":["All"]' },
    { mode: 'apply', dryRun: false, dryRunField: '' },
  ])(
    'in $mode, carries every option in the DeleteOptions body and nothing in the query',
    async ({ dryRun, dryRunField }) => {
      const { client, requests } = await captureServer();

      await deleteLease(client, lease, { dryRun });

      expect(requests).toHaveLength(1);
      const [sent] = requests;
      expect(sent?.method).toBe('DELETE');
      expect(sent?.url).toBe('/apis/coordination.k8s.io/v1/namespaces/team-a/leases/my-controller');
      expect(sent?.headers['content-type']).toBe('application/json');
      expect(sent?.headers.authorization).toBe('Bearer capture-token');
      expect(sent?.body).toBe(
        `{"apiVersion":"meta.k8s.io/v1","kind":"DeleteOptions","preconditions":{"uid":"6f1c2d3e-0000-4000-8000-00000000abcd","resourceVersion":"48213"}${dryRunField}}`,
      );
    },
  );

  it('names lease-reaper, its version and the platform in the User-Agent, as client-go does', async () => {
    const { client, requests } = await captureServer();

    await deleteLease(client, lease, { dryRun: true });

    const goArch = process.arch === 'x64' ? 'amd64' : process.arch;
    expect(requests[0]?.headers['user-agent']).toBe(
      `lease-reaper/${VERSION} (${process.platform}/${goArch})`,
    );
  });
});

describe('a dry-run delete against a server that decodes DELETE like kube-apiserver', () => {
  const clusters = simClusters();

  /** Runs one dry-run delete of a seeded lease; tells whether the lease is still there, unchanged. */
  async function leavesLeaseInPlace(
    send: (client: KubeClient, target: LeaseIdentity) => Promise<unknown>,
  ): Promise<boolean> {
    const sim = await clusters.start();
    seedLeases(sim, 1, 1);
    const stored = sim.store.get(leases, 'bulk-0', 'lease-000000');
    if (!stored?.obj.metadata.uid || !stored.obj.metadata.resourceVersion) throw new Error('not seeded');
    const target: LeaseIdentity = {
      namespace: 'bulk-0',
      name: 'lease-000000',
      uid: stored.obj.metadata.uid,
      resourceVersion: stored.obj.metadata.resourceVersion,
    };

    await send(clientFor(sim), target);

    const after = sim.store.get(leases, 'bulk-0', 'lease-000000');
    return after?.obj.metadata.resourceVersion === target.resourceVersion;
  }

  it('leaves the lease in place with the request lease-reaper sends', async () => {
    expect(await leavesLeaseInPlace((client, target) => deleteLease(client, target, { dryRun: true }))).toBe(
      true,
    );
  });

  it('fails that same check with the old request (dryRun in the query beside a body): it deleted for real', async () => {
    const oldRequest = (client: KubeClient, target: LeaseIdentity) =>
      client.request({
        method: 'DELETE',
        path: `/apis/coordination.k8s.io/v1/namespaces/${target.namespace}/leases/${target.name}`,
        query: { dryRun: 'All' },
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          preconditions: { uid: target.uid, resourceVersion: target.resourceVersion },
        },
        operation: 'delete lease (old request)',
      });

    expect(await leavesLeaseInPlace(oldRequest)).toBe(false);
  });

  it('honours dryRun from the query when there is no body at all', async () => {
    const queryOnly = (client: KubeClient, target: LeaseIdentity) =>
      client.request({
        method: 'DELETE',
        path: `/apis/coordination.k8s.io/v1/namespaces/${target.namespace}/leases/${target.name}`,
        query: { dryRun: 'All' },
        operation: 'delete lease (query only)',
      });

    expect(await leavesLeaseInPlace(queryOnly)).toBe(true);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases } from '../../sim/resources.ts';
import { simClusters } from '../support/sim.ts';

/**
 * OpenAPI v3 (k8s.io/kube-openapi pkg/handler3) as the real kubectl uses it: `kubectl explain` reads the
 * coordination.k8s.io/v1 document, and `kubectl apply` (default --validate=strict) finds `fieldValidation`
 * on the Lease PATCH operation and leaves field validation to the server (fieldValidation=Strict).
 * Updating by a second `kubectl apply` sends a strategic-merge PATCH, which sim/patch.ts answers; only
 * create and validation are tested here.
 */

const run = promisify(execFile);
const clusters = simClusters();
let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lease-reaper-openapi-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(sim: SimCluster, ...args: string[]) {
  const kubeconfig = join(dir, 'admin.kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  try {
    const { stdout, stderr } = await run(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
      { timeout: 25_000, env: { ...process.env, KUBECONFIG: '' } },
    );
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('these tests need the real kubectl binary on PATH (e.g. /usr/bin/kubectl)');
    if (typeof e.code === 'number')
      return { exitCode: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    throw error;
  }
}

function get(sim: SimCluster, path: string, token?: string) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      https
        .get(
          new URL(path, sim.url),
          { ca: sim.caCertPem, headers: token ? { Authorization: `Bearer ${token}` } : {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                headers: res.headers,
              }),
            );
          },
        )
        .on('error', reject);
    },
  );
}

describe('OpenAPI v3 for coordination.k8s.io/v1', () => {
  it('serves the index and the hashed document to authenticated callers only', async () => {
    const sim = await clusters.start();
    expect((await get(sim, '/openapi/v3')).status).toBe(401);
    const index = await get(sim, '/openapi/v3', sim.tokens.readOnly);
    expect(index.status).toBe(200);
    const url = (JSON.parse(index.body) as { paths: Record<string, { serverRelativeURL: string }> }).paths[
      'apis/coordination.k8s.io/v1'
    ]?.serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/coordination\.k8s\.io\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await get(sim, url ?? '', sim.tokens.readOnly);
    expect(doc.headers['cache-control']).toBe('public, immutable');
    const spec = JSON.parse(doc.body) as {
      components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: unknown }> };
      paths: Record<string, { patch?: { parameters: { name: string }[] } }>;
    };
    expect(
      spec.components.schemas['io.k8s.api.coordination.v1.Lease']?.['x-kubernetes-group-version-kind'],
    ).toEqual([{ group: 'coordination.k8s.io', kind: 'Lease', version: 'v1' }]);
    const patch = spec.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}']?.patch;
    expect(patch?.parameters.map((p) => p.name)).toContain('fieldValidation');
    const stale = await get(sim, '/openapi/v3/apis/coordination.k8s.io/v1?hash=0', sim.tokens.readOnly);
    expect(stale.status).toBe(301);
  });

  it('kubectl explain lease and lease.spec.renewTime', { timeout: 30_000 }, async () => {
    const sim = await clusters.start();
    const lease = await kubectl(sim, 'explain', 'lease');
    expect(lease.exitCode).toBe(0);
    expect(lease.stdout).toContain('KIND:       Lease');
    expect(lease.stdout).toContain('Lease defines a lease concept.');
    expect(lease.stdout).toMatch(/spec\s+<LeaseSpec>/);
    const renew = await kubectl(sim, 'explain', 'lease.spec.renewTime');
    expect(renew.exitCode).toBe(0);
    expect(renew.stdout).toContain('FIELD: renewTime <string>');
    expect(renew.stdout).toMatch(
      /renewTime is a time when the current holder of a lease has last updated the\s+lease\./,
    );
  });

  it('kubectl apply creates a lease, and rejects an unknown field', { timeout: 30_000 }, async () => {
    const sim = await clusters.start();
    const good = join(dir, 'lease.yaml');
    await writeFile(
      good,
      [
        'apiVersion: coordination.k8s.io/v1',
        'kind: Lease',
        'metadata:',
        '  name: applied',
        '  namespace: default',
        'spec:',
        '  holderIdentity: me',
        '  leaseDurationSeconds: 15',
        '  renewTime: "2026-01-02T05:04:05.123456+02:00"',
        '',
      ].join('\n'),
    );
    const created = await kubectl(sim, 'apply', '-f', good);
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('lease.coordination.k8s.io/applied created');
    const stored = sim.store.get(leases, 'default', 'applied')?.obj;
    expect(stored?.spec).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      renewTime: '2026-01-02T03:04:05.123456Z',
    });
    expect(stored?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"applied"',
    );

    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  foo: bar\n',
    );
    const rejected = await kubectl(sim, 'apply', '-f', bad);
    expect(rejected.exitCode).not.toBe(0);
    expect(rejected.stderr.trim()).toBe(
      `Error from server (BadRequest): error when creating "${bad}": Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "spec.foo"`,
    );
    expect(sim.store.get(leases, 'default', 'bad')).toBeUndefined();

    const invalid = join(dir, 'invalid.yaml');
    await writeFile(
      invalid,
      'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: Invalid_Name\n  namespace: default\n',
    );
    const unprocessable = await kubectl(sim, 'apply', '-f', invalid);
    expect(unprocessable.exitCode).not.toBe(0);
    expect(unprocessable.stderr).toContain(
      `The Lease "Invalid_Name" is invalid: metadata.name: Invalid value: "Invalid_Name": a lowercase RFC 1123 subdomain`,
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases } from '../../sim/resources.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { rawRequest } from '../support/raw-request.ts';
import { simClusters } from '../support/sim.ts';

/**
 * OpenAPI v3 (k8s.io/kube-openapi pkg/handler3) as the real kubectl uses it: `kubectl explain` reads the
 * coordination.k8s.io/v1 document, and `kubectl apply` (default --validate=strict) finds `fieldValidation`
 * on the Lease PATCH operation and leaves field validation to the server (fieldValidation=Strict).
 * Updating by a second `kubectl apply` sends a strategic-merge PATCH, which sim/patch.ts answers; only
 * create and validation are tested here (the update: test/conformance/kubectl.test.ts).
 */

const clusters = simClusters();
const runner = kubectlRunner();

/** Runs the real kubectl against `sim` as the admin. */
const kubectl = (sim: SimCluster, ...args: string[]) => runner.run(sim, args);

/** A plain GET, with the given bearer token or none. */
const get = (sim: SimCluster, path: string, token?: string) =>
  rawRequest(sim, 'GET', path, { token: token ?? null });

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

  it('kubectl explain lease and lease.spec.renewTime', { timeout: KUBECTL_TIMEOUT_MS }, async () => {
    const sim = await clusters.start();
    const lease = await kubectl(sim, 'explain', 'lease');
    expect(lease.code).toBe(0);
    expect(lease.stdout).toContain('KIND:       Lease');
    expect(lease.stdout).toContain('Lease defines a lease concept.');
    expect(lease.stdout).toMatch(/spec\s+<LeaseSpec>/);
    const renew = await kubectl(sim, 'explain', 'lease.spec.renewTime');
    expect(renew.code).toBe(0);
    expect(renew.stdout).toContain('FIELD: renewTime <string>');
    expect(renew.stdout).toMatch(
      /renewTime is a time when the current holder of a lease has last updated the\s+lease\./,
    );
  });

  it('kubectl apply creates a lease, and rejects an unknown field', {
    timeout: KUBECTL_TIMEOUT_MS,
  }, async () => {
    const sim = await clusters.start();
    const good = await runner.file(
      'lease.yaml',
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

    const bad = await runner.file(
      'bad.yaml',
      'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  foo: bar\n',
    );
    const rejected = await kubectl(sim, 'apply', '-f', bad);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr.trim()).toBe(
      `Error from server (BadRequest): error when creating "${bad}": Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "spec.foo"`,
    );
    expect(sim.store.get(leases, 'default', 'bad')).toBeUndefined();

    const invalid = await runner.file(
      'invalid.yaml',
      'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: Invalid_Name\n  namespace: default\n',
    );
    const unprocessable = await kubectl(sim, 'apply', '-f', invalid);
    expect(unprocessable.code).not.toBe(0);
    expect(unprocessable.stderr).toContain(
      `The Lease "Invalid_Name" is invalid: metadata.name: Invalid value: "Invalid_Name": a lowercase RFC 1123 subdomain`,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { leases } from '../../sim/resources.ts';
import { rawRequest } from '../support/raw-request.ts';
import { seedLeases, simClusters } from '../support/sim.ts';

/** DELETE as kube-apiserver decodes and answers it (handlers/delete.go, registry/rest/delete.go). */

const clusters = simClusters();
const path = '/apis/coordination.k8s.io/v1/namespaces/bulk-0/leases/lease-000000';
const json = { 'Content-Type': 'application/json' };

async function oneLease() {
  const sim = await clusters.start();
  seedLeases(sim, 2, 1);
  return sim;
}

describe('DELETE of a lease', () => {
  it.each([
    {
      body: { dryRun: ['Bogus'] },
      message:
        'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"',
    },
    {
      body: { propagationPolicy: 'Sometimes' },
      message:
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan"',
    },
  ])('rejects DeleteOptions the apiserver rejects: $body', async ({ body, message }) => {
    const sim = await oneLease();

    const res = await rawRequest(sim, 'DELETE', path, { body: JSON.stringify(body), headers: json });

    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, message });
    expect(sim.store.get(leases, 'bulk-0', 'lease-000000')).toBeDefined();
  });

  it('refuses a body of another kind with a 500, as delete.go does, and deletes nothing', async () => {
    const sim = await oneLease();

    const res = await rawRequest(sim, 'DELETE', path, {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }),
      headers: json,
    });

    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({
      message: 'decoded object cannot be converted to DeleteOptions',
    });
    expect(sim.store.get(leases, 'bulk-0', 'lease-000000')).toBeDefined();
  });

  it('treats even an empty JSON object body as the options: the query is not read, and the lease is deleted', async () => {
    const sim = await oneLease();

    const res = await rawRequest(sim, 'DELETE', `${path}?dryRun=All`, { body: '{}', headers: json });

    expect(res.status).toBe(200);
    expect(sim.store.get(leases, 'bulk-0', 'lease-000000')).toBeUndefined();
  });

  it('answers deletecollection with the deleted leases, honouring a dryRun in its body', async () => {
    const sim = await oneLease();
    const collection =
      '/apis/coordination.k8s.io/v1/namespaces/bulk-0/leases?fieldSelector=metadata.name%3Dlease-000001';

    const dry = await rawRequest(sim, 'DELETE', collection, { body: '{"dryRun":["All"]}', headers: json });
    expect(dry.status).toBe(200);
    expect(sim.store.get(leases, 'bulk-0', 'lease-000001')).toBeDefined();

    const res = await rawRequest(sim, 'DELETE', collection);
    const list = JSON.parse(res.body) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('LeaseList');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['lease-000001']);
    expect(sim.store.get(leases, 'bulk-0', 'lease-000001')).toBeUndefined();
    expect(sim.store.get(leases, 'bulk-0', 'lease-000000')).toBeDefined();
  });
});

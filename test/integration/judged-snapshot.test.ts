/**
 * Node leases and Nodes judged as the two lists stream in (so a 100k-node cluster is never held whole),
 * against the simulated cluster over HTTPS: the same findings as the snapshot read whole, the list that
 * runs ahead held back, and a continue token that expires midway starting the whole snapshot over.
 */
import { describe, expect, it } from 'vitest';
import { audit } from '../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { ClusterListExpiredError } from '../../shared/errors.ts';
import { readClusterSnapshot } from '../../shared/kube/cluster-snapshot.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { clientFor, simClusters } from '../support/sim.ts';

const clusters = simClusters();
const policy = defaultAuditPolicy;

function requestsTo(sim: SimCluster, path: string): number {
  return sim.requests.filter((r) => r.url.startsWith(path)).length;
}

describe('a snapshot whose node leases and Nodes are judged as they are listed', () => {
  it('holds neither list, and the audit finds exactly what it finds in the snapshot read whole', async () => {
    // Prepare
    const sim = await clusters.start(defaultScenario);
    const nowMs = Date.now();

    // Act
    const whole = await readClusterSnapshot(clientFor(sim), { pageSize: 7 });
    const judged = await readClusterSnapshot(clientFor(sim), {
      pageSize: 7,
      judgeHeartbeats: { policy, nowMs: () => nowMs },
    });

    // Assess
    expect(judged.nodes).toEqual([]);
    expect(judged.leases.some((l) => l.namespace === 'kube-node-lease')).toBe(false);
    expect(judged.heartbeats?.nodes).toBe(whole.nodes.length);
    expect(judged.heartbeats?.nodeLeases).toBe(
      whole.leases.filter((l) => l.namespace === 'kube-node-lease').length,
    );
    const expected = audit(whole, nowMs, policy);
    expect(expected.findings.some((f) => f.type === 'StaleNodeHeartbeat')).toBe(true);
    expect(expected.findings.some((f) => f.type === 'OrphanedNodeLease')).toBe(true);
    expect(expected.findings.some((f) => f.type === 'NodeWithoutLease')).toBe(true);
    expect(audit(judged, nowMs, policy)).toEqual(expected);
    // The reaper plans from the node leases behind findings: each of those findings has its record.
    const flagged = new Set(judged.heartbeats?.flagged.map((l) => l.uid));
    for (const f of expected.findings.filter((f) => f.leaseKind === 'nodeHeartbeat'))
      expect(flagged).toContain(f.uid);
  });

  it('holds back the Node list while the node leases it would meet are slow to come', async () => {
    // Prepare: lease pages take 30 ms each, Node pages come at once.
    const sim = await clusters.start(defaultScenario);
    sim.faults.add({ action: { type: 'latency', ms: 30 }, match: { path: '/apis/coordination.k8s.io' } });
    const aheadBy: number[] = [];

    // Act: after every page, how many more Node pages than lease pages had been asked for.
    await readClusterSnapshot(clientFor(sim), {
      pageSize: 10,
      nodePageSize: 10,
      includePods: false,
      judgeHeartbeats: { policy, nowMs: () => Date.now() },
      onProgress: () =>
        aheadBy.push(requestsTo(sim, '/api/v1/nodes') - requestsTo(sim, '/apis/coordination.k8s.io')),
    });

    // Assess: 200 Nodes are 20 pages. Held back, the Node list stays within its allowance (two pages
    // waiting, one being judged, one in flight) of the lease list; unheld, it would finish almost at once.
    expect(requestsTo(sim, '/api/v1/nodes')).toBeGreaterThanOrEqual(20);
    expect(Math.max(...aheadBy)).toBeLessThanOrEqual(4);
  });

  it('starts the whole snapshot over when a continue token expires midway, and judges every pair once', async () => {
    // Prepare
    const sim = await clusters.start(defaultScenario);
    const nowMs = Date.now();
    const whole = audit(await readClusterSnapshot(clientFor(sim), { pageSize: 20 }), nowMs, policy);
    sim.faults.add({
      action: { type: 'expireContinue' },
      match: { path: '/api/v1/nodes', hasContinue: true },
      after: 4,
      times: 1,
    });
    let objects = 0;

    // Act
    const judged = await readClusterSnapshot(clientFor(sim), {
      pageSize: 20,
      nodePageSize: 20,
      judgeHeartbeats: { policy, nowMs: () => nowMs },
      onProgress: (p) => {
        objects = p.objects;
      },
    });

    // Assess
    expect(sim.faults.hits.expireContinue).toBe(1);
    expect(judged.stats.restarts).toBe(1);
    expect(audit(judged, nowMs, policy)).toEqual(whole);
    // Progress counted the dropped pass back out: the objects of one whole pass remain.
    expect(objects).toBe(whole.counts.leases + whole.counts.nodes + (whole.counts.pods ?? 0));
  });

  it('gives up with a typed error when continue tokens keep expiring', async () => {
    // Prepare
    const sim = await clusters.start(defaultScenario);
    sim.faults.add({
      action: { type: 'expireContinue' },
      match: { path: '/api/v1/nodes', hasContinue: true },
    });

    // Act
    const error = await readClusterSnapshot(clientFor(sim), {
      pageSize: 20,
      nodePageSize: 20,
      maxRestarts: 2,
      judgeHeartbeats: { policy, nowMs: () => Date.now() },
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterListExpiredError);
    expect(sim.faults.hits.expireContinue).toBe(3);
  });
});

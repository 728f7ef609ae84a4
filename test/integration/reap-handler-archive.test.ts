import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetReapSummary } from '../../functions/commons/fleet-reap.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { makeReapHandler } from '../../functions/reap/handler.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import { leases } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { lambdaContext, mockedAws, secretArn } from '../support/aws.ts';
import { simClusters } from '../support/sim.ts';

/**
 * The reap function with the stack's archive bucket: before each delete, the cluster's tombstone object is
 * written to S3 (aws-sdk-client-mock answers PutObject), and a PutObject S3 refuses sends no delete.
 */

const clusters = simClusters();
const { cw, clients, serveKubeconfig } = mockedAws();
const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

const BUCKET = 'leasereaper-archivebucket-1a2b3c4d5e6f';
// 2026-12-01T12:03:04.567Z: the run's start, which names its objects to the second.
const STARTED_AT = Date.UTC(2026, 11, 1, 12, 3, 4, 567);

async function fleet() {
  const troubled = await clusters.start(defaultScenario, { name: 'troubled' });
  serveKubeconfig('troubled', troubled.kubeconfig());
  const handler = makeReapHandler(async () => ({
    registry: parseClusterRegistry({
      clusters: [{ name: 'troubled', type: 'kubeconfig', secretArn: secretArn('troubled') }],
    }),
    policy: parseReapPolicy({
      dryRun: false,
      namespaces: { include: ['payments', 'checkout', 'search', 'ml-pipelines', 'platform-*'] },
      maxDeletionsPerRun: 3,
      recordEvents: false,
    }),
    connector: new ClusterConnector(clients),
    cloudWatch: cw,
    log: jsonLogger(() => {}),
    archive: { s3: new S3Client({ region: 'eu-west-1' }), bucket: BUCKET },
    nowMs: () => STARTED_AT,
  }));
  return { troubled, handler };
}

const puts = () => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);

describe('the reap function with an archive bucket', () => {
  it('writes each tombstone to the cluster object before the delete, the object growing line by line', async () => {
    const { troubled, handler } = await fleet();
    const stored = new Map(
      troubled.store.list(leases).map((s) => [s.key, JSON.parse(JSON.stringify(s.obj))]),
    );
    s3Mock.on(PutObjectCommand).resolves({});

    const summary = (await handler({}, lambdaContext)) as FleetReapSummary;

    expect(summary).toMatchObject({ deleted: 3, failed: 0 });
    const written = puts();
    // Two lines per deletion (tombstone, then the delete's answer), each a PutObject of the whole object.
    expect(written).toHaveLength(6);
    for (const put of written) {
      expect(put.Bucket).toBe(BUCKET);
      expect(put.Key).toBe('tombstones/troubled.20261201T120304Z.jsonl');
      expect(put.ContentType).toBe('application/x-ndjson');
    }
    const bodies = written.map((p) => String(p.Body));
    for (const [i, body] of bodies.entries()) {
      expect(body.split('\n').filter(Boolean)).toHaveLength(i + 1);
      if (i > 0) expect(body.startsWith(bodies[i - 1] as string)).toBe(true);
    }
    const lines = (bodies.at(-1) as string)
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { kind: string; lease?: { metadata: { namespace: string; name: string } } },
      );
    expect(lines.map((l) => l.kind)).toEqual([
      'Tombstone',
      'DeleteResponse',
      'Tombstone',
      'DeleteResponse',
      'Tombstone',
      'DeleteResponse',
    ]);
    for (const line of lines.filter((l) => l.kind === 'Tombstone')) {
      const key = `${line.lease?.metadata.namespace}/${line.lease?.metadata.name}`;
      expect(line.lease).toEqual(stored.get(key));
      // Archived, then deleted.
      expect(stored.has(key)).toBe(true);
      expect(
        troubled.store.get(leases, line.lease?.metadata.namespace, line.lease?.metadata.name ?? ''),
      ).toBeUndefined();
    }
  });

  it('sends no delete when S3 refuses the tombstone, and reports the failure', async () => {
    const { troubled, handler } = await fleet();
    const before = troubled.store.list(leases).map((s) => `${s.key}@${s.obj.metadata.resourceVersion}`);
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    const summary = (await handler({}, lambdaContext)) as FleetReapSummary;

    expect(summary).toMatchObject({ deleted: 0, failed: 1 });
    expect(troubled.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(troubled.store.list(leases).map((s) => `${s.key}@${s.obj.metadata.resourceVersion}`)).toEqual(
      before,
    );
  });
});

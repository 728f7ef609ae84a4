import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloudWatchClient, publishToCloudWatch } from '../../shared/metrics/cloudwatch-sink.ts';
import type { MetricPoint } from '../../shared/metrics/fleet-metrics.ts';
import { MetricName } from '../../shared/metrics/metric-names.ts';

/**
 * What the real SDK puts on the wire, caught by a local HTTP endpoint (endpoint override): its protocol
 * (AWS JSON 1.0, gzip-compressed when large), and PutMetricData's limits — at most 1,000 datums and 1 MB per request, 30 dimensions per datum,
 * finite values.
 */
interface Captured {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let endpoint: string;
let captured: Captured[] = [];
let throttleNext = 0;

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      // The SDK gzips PutMetricData bodies over 10 KB (request compression); read what it meant.
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      captured.push({ headers: req.headers, body: body.toString('utf8') });
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (throttleNext > 0) {
        throttleNext--;
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'com.amazonaws.cloudwatch#Throttling', message: 'Rate exceeded' }));
        return;
      }
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  captured = [];
  throttleNext = 0;
});

const points = (n: number): MetricPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    name: MetricName.NodeLeases,
    value: i,
    unit: 'Count',
    cluster: `cluster-${i % 37}`,
  }));

describe('PutMetricData on the wire', () => {
  it('sends AWS JSON 1.0 requests within the API limits', async () => {
    const client = await cloudWatchClient({ region: 'us-east-1', endpoint });

    const result = await publishToCloudWatch(
      client,
      'LeaseReaper',
      points(2_345),
      new Date('2026-11-25T12:00:00Z'),
    );

    expect(result).toMatchObject({ calls: 3, datums: 2_345, failedCalls: 0 });
    expect(captured).toHaveLength(3);
    for (const request of captured) {
      expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(request.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.PutMetricData');
      expect(request.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/monitoring\/aws4_request/,
      );
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(Buffer.byteLength(request.body)).toBeLessThan(1_000_000); // uncompressed, to be safe
      const body = JSON.parse(request.body) as {
        Namespace: string;
        MetricData: {
          MetricName: string;
          Value: number;
          Timestamp: number;
          Dimensions?: { Name: string; Value: string }[];
        }[];
      };
      expect(body.Namespace).toBe('LeaseReaper');
      expect(body.MetricData.length).toBeLessThanOrEqual(1_000);
      for (const d of body.MetricData) {
        expect(Number.isFinite(d.Value)).toBe(true);
        expect(d.Timestamp).toBe(Date.parse('2026-11-25T12:00:00Z') / 1000);
        expect((d.Dimensions ?? []).length).toBeLessThanOrEqual(30);
        expect(d.Dimensions).toEqual([{ Name: 'Cluster', Value: expect.stringMatching(/^cluster-\d+$/) }]);
      }
    }
  });

  it('sends StorageResolution 1 on StaleNodeHeartbeats and ClusterScanErrors datums, per cluster and total, and on no other', async () => {
    const client = await cloudWatchClient({ region: 'us-east-1', endpoint });
    const mixed: MetricPoint[] = Object.values(MetricName).flatMap((name) => [
      { name, value: 1, unit: 'Count' as const, cluster: 'eu' },
      { name, value: 1, unit: 'Count' as const },
    ]);

    await publishToCloudWatch(client, 'LeaseReaper', mixed, new Date('2026-11-25T12:00:00Z'));

    const sent = captured.flatMap(
      (r) =>
        (JSON.parse(r.body) as { MetricData: { MetricName: string; StorageResolution?: number }[] })
          .MetricData,
    );
    expect(sent).toHaveLength(mixed.length);
    const highResolution = ['StaleNodeHeartbeats', 'ClusterScanErrors'];
    for (const d of sent) {
      if (highResolution.includes(d.MetricName)) expect(d.StorageResolution, d.MetricName).toBe(1);
      else expect(d, d.MetricName).not.toHaveProperty('StorageResolution');
    }
    expect(sent.filter((d) => d.StorageResolution === 1)).toHaveLength(4);
  });

  it('lets the SDK retry a throttled request, then succeeds', async () => {
    throttleNext = 2;
    const client = await cloudWatchClient({ region: 'us-east-1', endpoint, maxAttempts: 4 });

    const result = await publishToCloudWatch(client, 'LeaseReaper', points(10), new Date());

    expect(result).toMatchObject({ calls: 1, datums: 10, failedCalls: 0 });
    expect(captured).toHaveLength(3);
  });

  it('reports throttling that outlasts the retry budget as a failed call, without throwing', async () => {
    throttleNext = 10;
    const client = await cloudWatchClient({ region: 'us-east-1', endpoint, maxAttempts: 2 });

    const result = await publishToCloudWatch(client, 'LeaseReaper', points(10), new Date());

    expect(result).toMatchObject({ calls: 1, datums: 0, failedCalls: 1 });
    expect(result.errors[0]).toMatch(/Throttling/);
    expect(captured).toHaveLength(2);
  });
});

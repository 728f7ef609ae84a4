import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloudWatchClient, publishToCloudWatch } from '../../../shared/metrics/cloudwatch-sink.ts';
import type { MetricPoint } from '../../../shared/metrics/fleet-metrics.ts';
import { MetricName } from '../../../shared/metrics/metric-names.ts';

/**
 * PutMetricData's request limits, checked on the bytes the real SDK sends with the sink's DEFAULT limits
 * (a local HTTP endpoint stands in for CloudWatch): "Each PutMetricData request is limited to 1 MB in size
 * for HTTP POST requests … Each request is also limited to no more than 1000 different metrics"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html). A dimension
 * value may be 1,024 ASCII characters long
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html), so long cluster
 * names make 1,000 datums weigh more than 1 MB: only the size limit can then split the requests.
 */
const ONE_MB = 1_000_000;
const DIMENSION_VALUE_MAX = 1_024;

let server: http.Server;
let endpoint: string;
/** Each request's body as the SDK meant it (gunzipped when it compressed it), in bytes. */
let bodies: Buffer[] = [];

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      bodies.push(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
      res.setHeader('content-type', 'application/x-amz-json-1.0');
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
  bodies = [];
});

/** `n` points, each with its own cluster name of `length` ASCII characters (distinct by their suffix). */
function longNamedPoints(n: number, length: number): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => {
    const suffix = `-${i}`;
    return {
      name: MetricName.AbandonedLeases,
      value: i,
      unit: 'Count' as const,
      cluster: `${'c'.repeat(length - suffix.length)}${suffix}`,
    };
  });
}

interface SentRequest {
  bytes: number;
  datums: { Dimensions?: { Name: string; Value: string }[] }[];
}

const sent = (): SentRequest[] =>
  bodies.map((b) => ({
    bytes: b.byteLength,
    datums: (JSON.parse(b.toString('utf8')) as { MetricData: SentRequest['datums'] }).MetricData,
  }));

describe('PutMetricData request size, with the default limits', () => {
  it('splits 1,500 datums with 1,024-character cluster names into requests of at most 1 MB each', async () => {
    // Prepare: every datum alone is over 1 KB, so 1,000 of them (the count limit) are over 1 MB
    const points = longNamedPoints(1_500, DIMENSION_VALUE_MAX);
    const client = await cloudWatchClient({ region: 'us-east-1', endpoint });

    // Act
    const result = await publishToCloudWatch(client, 'LeaseReaper', points, new Date('2026-11-25T12:00:00Z'));

    // Assess
    const requests = sent();
    expect(result).toMatchObject({ datums: 1_500, failedCalls: 0 });
    expect(requests).toHaveLength(result.calls);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      expect(r.bytes).toBeLessThanOrEqual(ONE_MB);
      expect(r.datums.length).toBeLessThanOrEqual(1_000);
    }
    // Each datum was sent once, with its whole cluster name: the split lost and cut nothing.
    const clustersSent = requests.flatMap((r) => r.datums.map((d) => d.Dimensions?.[0]?.Value));
    expect(clustersSent).toEqual(points.map((p) => p.cluster));
    // Why a split was needed at all: the first 1,000 datums alone weigh more than 1 MB on the wire.
    const perDatum = Math.min(...requests.map((r) => r.bytes / r.datums.length));
    expect(perDatum * 1_000).toBeGreaterThan(ONE_MB);
  });

  it('still sends at most 1,000 datums per request when they are small', async () => {
    // Prepare
    const points = longNamedPoints(2_001, 8);
    const client = await cloudWatchClient({ region: 'us-east-1', endpoint });

    // Act
    const result = await publishToCloudWatch(client, 'LeaseReaper', points, new Date('2026-11-25T12:00:00Z'));

    // Assess
    expect(result).toMatchObject({ calls: 3, datums: 2_001, failedCalls: 0 });
    expect(sent().map((r) => r.datums.length)).toEqual([1_000, 1_000, 1]);
  });
});

describe('PutMetricData and the run deadline', () => {
  it('gives up a request CloudWatch never answers when the signal aborts, and reports it as a failed call', async () => {
    // Prepare: an endpoint that reads each request and never answers. The SDK's HTTP handler has no
    // request timeout of its own (NodeHttpHandler's requestTimeout is 0 unless set), so only the signal
    // can end the call.
    let received = 0;
    const silent = http.createServer((req) => {
      req.resume();
      received++;
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = await cloudWatchClient({ region: 'us-east-1', endpoint: silentEndpoint });
    const deadline = AbortSignal.timeout(300);

    try {
      // Act
      const started = Date.now();
      const result = await publishToCloudWatch(
        client,
        'LeaseReaper',
        longNamedPoints(3, 8),
        new Date('2026-11-25T12:00:00Z'),
        deadline,
      );

      // Assess: the one request was sent, then cut short by the deadline, well before the test's timeout.
      expect(received).toBe(1);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(result).toMatchObject({ calls: 1, datums: 0, failedCalls: 1 });
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(/^(AbortError|TimeoutError)/);
    } finally {
      client.destroy();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 10_000);
});

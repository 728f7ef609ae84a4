import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { batches, publishToCloudWatch, toDatum } from '../../../shared/metrics/cloudwatch-sink.ts';
import type { MetricPoint } from '../../../shared/metrics/fleet-metrics.ts';
import { MetricName } from '../../../shared/metrics/metric-names.ts';

const cw = mockClient(CloudWatchClient);
const at = new Date('2026-11-25T12:00:00Z');
const points = (n: number, cluster = 'prod'): MetricPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    name: MetricName.StaleNodeHeartbeats,
    value: i,
    unit: 'Count',
    cluster: `${cluster}-${i}`,
  }));

beforeEach(() => {
  cw.reset();
});

describe('publishToCloudWatch', () => {
  it('sends 2,500 datums in 3 PutMetricData calls of at most 1,000', async () => {
    cw.on(PutMetricDataCommand).resolves({});

    const result = await publishToCloudWatch(
      new CloudWatchClient({ region: 'us-east-1' }),
      'LeaseReaper',
      points(2_500),
      at,
    );

    expect(result).toMatchObject({ calls: 3, datums: 2_500, failedCalls: 0 });
    expect(cw).toHaveReceivedCommandTimes(PutMetricDataCommand, 3);
    const sizes = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData?.length);
    expect(sizes).toEqual([1_000, 1_000, 500]);
    expect(cw).toHaveReceivedCommandWith(PutMetricDataCommand, { Namespace: 'LeaseReaper' });
  });

  it('puts the cluster in the Cluster dimension and sends fleet totals without one', () => {
    expect(
      toDatum({ name: MetricName.NodesWithoutLease, value: 1, unit: 'Count', cluster: 'eu' }, at),
    ).toEqual({
      MetricName: 'NodesWithoutLease',
      Unit: 'Count',
      Value: 1,
      Timestamp: at,
      Dimensions: [{ Name: 'Cluster', Value: 'eu' }],
    });
    expect(
      toDatum({ name: MetricName.ClusterScanErrors, value: 1, unit: 'Count' }, at).Dimensions,
    ).toBeUndefined();
  });

  it('stores StaleNodeHeartbeats and ClusterScanErrors at 1-second resolution, and nothing else', () => {
    for (const name of Object.values(MetricName)) {
      const datum = toDatum({ name, value: 1, unit: 'Count', cluster: 'eu' }, at);
      expect(datum.StorageResolution, name).toBe(
        name === 'StaleNodeHeartbeats' || name === 'ClusterScanErrors' ? 1 : undefined,
      );
    }
    expect(
      toDatum({ name: MetricName.StaleNodeHeartbeats, value: 3, unit: 'Count' }, at).StorageResolution,
    ).toBe(1);
  });

  it('adds the deployed stack’s dimension to every datum, after Cluster, totals included', () => {
    const stack = { Stack: 'TeamA' };
    expect(
      toDatum({ name: MetricName.ClusterScanErrors, value: 1, unit: 'Count', cluster: 'eu' }, at, stack)
        .Dimensions,
    ).toEqual([
      { Name: 'Cluster', Value: 'eu' },
      { Name: 'Stack', Value: 'TeamA' },
    ]);
    expect(
      toDatum({ name: MetricName.ClusterScanErrors, value: 1, unit: 'Count' }, at, stack).Dimensions,
    ).toEqual([{ Name: 'Stack', Value: 'TeamA' }]);
  });

  it('reports a failed call and still sends the other batches', async () => {
    cw.on(PutMetricDataCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDenied' }))
      .resolves({});

    const result = await publishToCloudWatch(
      new CloudWatchClient({ region: 'us-east-1' }),
      'LeaseReaper',
      points(1_500),
      at,
    );

    expect(result).toMatchObject({ calls: 2, datums: 500, failedCalls: 1, errors: ['AccessDenied: denied'] });
  });

  it('drops values CloudWatch would reject (NaN, Infinity) and says how many', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    const bad: MetricPoint[] = [
      { name: MetricName.ScanDurationMs, value: Number.NaN, unit: 'Milliseconds' },
      { name: MetricName.ScanDurationMs, value: Number.POSITIVE_INFINITY, unit: 'Milliseconds' },
      { name: MetricName.ScanDurationMs, value: 12, unit: 'Milliseconds' },
    ];

    const result = await publishToCloudWatch(
      new CloudWatchClient({ region: 'us-east-1' }),
      'LeaseReaper',
      bad,
      at,
    );

    expect(result).toMatchObject({ datums: 1, dropped: 2 });
  });
});

describe('batches', () => {
  it('splits by payload size before the count limit is reached', () => {
    const big = points(50).map((p) => toDatum({ ...p, cluster: 'x'.repeat(200) }, at));
    const sized = batches(big, 1_000, 5_000);
    expect(sized.length).toBeGreaterThan(1);
    for (const b of sized) expect(JSON.stringify(b).length).toBeLessThanOrEqual(5_000 + b.length);
    expect(sized.flat()).toHaveLength(50);
  });

  it('counts each datum as its JSON text and the comma that joins it to the next', () => {
    // Prepare: four datums whose JSON texts are equally long (cluster names c-0 … c-3), L characters each.
    // Two of them with their commas weigh 2(L + 1) bytes: a cap of exactly that takes two per request, one
    // byte less takes one.
    const datums = points(4, 'c').map((p) => toDatum(p, at));
    const L = JSON.stringify(datums[0]).length;
    expect(datums.map((d) => JSON.stringify(d).length)).toEqual([L, L, L, L]);

    // Act
    const fits = batches(datums, 1_000, 2 * (L + 1));
    const oneByteShort = batches(datums, 1_000, 2 * (L + 1) - 1);

    // Assess
    expect(fits.map((b) => b.length)).toEqual([2, 2]);
    expect(oneByteShort.map((b) => b.length)).toEqual([1, 1, 1, 1]);
  });
});

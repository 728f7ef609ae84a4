import { describe, expect, it } from 'vitest';
import { emfLines, publishAsEmf } from '../../../shared/metrics/emf-sink.ts';
import type { MetricPoint } from '../../../shared/metrics/fleet-metrics.ts';

const at = new Date('2026-11-25T12:00:00Z');
const points: MetricPoint[] = [
  { name: 'StaleNodeHeartbeats', value: 3, unit: 'Count', cluster: 'eu' },
  { name: 'ScanDurationMs', value: 812, unit: 'Milliseconds', cluster: 'eu' },
  { name: 'StaleNodeHeartbeats', value: 0, unit: 'Count', cluster: 'us' },
  { name: 'StaleNodeHeartbeats', value: 3, unit: 'Count' },
  { name: 'ScanDurationMs', value: Number.NaN, unit: 'Milliseconds', cluster: 'us' },
];

describe('EMF metrics', () => {
  it('writes one line per cluster with the Cluster dimension and one fleet line without dimensions', () => {
    const lines = emfLines('LeaseReaper', points, at).map((l) => JSON.parse(l) as Record<string, unknown>);

    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({
      _aws: {
        Timestamp: at.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'LeaseReaper',
            Dimensions: [['Cluster']],
            // High resolution (HIGH_RESOLUTION_METRICS): its alarm uses 30-second periods.
            Metrics: [
              { Name: 'StaleNodeHeartbeats', Unit: 'Count', StorageResolution: 1 },
              { Name: 'ScanDurationMs', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      Cluster: 'eu',
      StaleNodeHeartbeats: 3,
      ScanDurationMs: 812,
    });
    expect(lines[2]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [[]] }] },
      StaleNodeHeartbeats: 3,
    });
    expect(lines[2]).not.toHaveProperty('Cluster');
  });

  it('adds the deployed stack’s dimension to the cluster lines and the fleet line', () => {
    const lines = emfLines('LeaseReaper', points, at, { Stack: 'TeamA' }).map(
      (l) => JSON.parse(l) as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] }; Stack: string },
    );
    expect(lines.map((l) => [l._aws.CloudWatchMetrics[0]?.Dimensions, l.Stack])).toEqual([
      [[['Cluster', 'Stack']], 'TeamA'],
      [[['Cluster', 'Stack']], 'TeamA'],
      [[['Stack']], 'TeamA'],
    ]);
  });

  it('drops non-finite values and reports what it wrote, making no API call', () => {
    const written: string[] = [];
    const result = publishAsEmf('LeaseReaper', points, at, (l) => written.push(l));
    expect(result).toEqual({ calls: 0, datums: 4, failedCalls: 0, dropped: 1, errors: [] });
    expect(written).toHaveLength(3);
    expect(written.join('')).not.toContain('NaN');
  });
});

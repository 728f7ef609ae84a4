import type { PublishResult } from './cloudwatch-sink.ts';
import type { MetricPoint } from './fleet-metrics.ts';
import { CLUSTER_DIMENSION, HIGH_RESOLUTION_METRICS } from './metric-names.ts';

/**
 * CloudWatch Embedded Metric Format: metrics as structured log lines that CloudWatch Logs turns into
 * metrics — no API call, so it works from a VPC Lambda with no NAT or monitoring endpoint. One line per
 * cluster (dimension `Cluster`) and one for the fleet totals (no dimension); both also carry the fixed
 * dimensions given (the deployed stack's `Stack`). HIGH_RESOLUTION_METRICS carry `StorageResolution: 1`,
 * as their PutMetricData datums do.
 */
export function emfLines(
  namespace: string,
  points: readonly MetricPoint[],
  timestamp: Date,
  fixedDimensions: Readonly<Record<string, string>> = {},
): string[] {
  const fixed = Object.keys(fixedDimensions);
  const groups = new Map<string | undefined, MetricPoint[]>();
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const group = groups.get(p.cluster) ?? [];
    group.push(p);
    groups.set(p.cluster, group);
  }
  return [...groups].map(([cluster, group]) =>
    JSON.stringify({
      _aws: {
        Timestamp: timestamp.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: [cluster === undefined ? fixed : [CLUSTER_DIMENSION, ...fixed]],
            Metrics: group.map((p) => ({
              Name: p.name,
              Unit: p.unit,
              ...(HIGH_RESOLUTION_METRICS.has(p.name) ? { StorageResolution: 1 } : {}),
            })),
          },
        ],
      },
      ...fixedDimensions,
      ...(cluster === undefined ? {} : { [CLUSTER_DIMENSION]: cluster }),
      ...Object.fromEntries(group.map((p) => [p.name, p.value])),
    }),
  );
}

/** Writes EMF lines (to stdout by default, which Lambda sends to CloudWatch Logs). */
export function publishAsEmf(
  namespace: string,
  points: readonly MetricPoint[],
  timestamp: Date,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  fixedDimensions: Readonly<Record<string, string>> = {},
): PublishResult {
  const lines = emfLines(namespace, points, timestamp, fixedDimensions);
  for (const line of lines) write(line);
  const finite = points.filter((p) => Number.isFinite(p.value)).length;
  return { calls: 0, datums: finite, failedCalls: 0, dropped: points.length - finite, errors: [] };
}

// Types only: the SDK loads on first use, not at module init (cold start).
import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { retryingClientConfig, type SdkClientOptions, sizedBatches } from '../aws/sdk-clients.ts';
import type { MetricPoint } from './fleet-metrics.ts';
import { CLUSTER_DIMENSION, HIGH_RESOLUTION_METRICS } from './metric-names.ts';

/** PutMetricData's limits: 1,000 datums and 1 MB per request. We stay under the size with room to spare. */
export const MAX_DATUMS_PER_CALL = 1000;
export const MAX_PAYLOAD_BYTES = 900_000;

export interface PublishResult {
  calls: number;
  datums: number;
  failedCalls: number;
  /** Points dropped because their value was not a finite number (CloudWatch rejects NaN and Infinity). */
  dropped: number;
  errors: string[];
}

/** A CloudWatch client whose own retry strategy (standard mode, with backoff) handles throttling. */
export async function cloudWatchClient(options: SdkClientOptions = {}): Promise<CloudWatchClient> {
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  return new CloudWatchClient(retryingClientConfig(options));
}

/** `fixed`: dimensions every datum carries after `Cluster` (the deployed stack's `Stack`). */
export function toDatum(
  point: MetricPoint,
  timestamp: Date,
  fixed: Readonly<Record<string, string>> = {},
): MetricDatum {
  const dimensions = [
    ...(point.cluster !== undefined ? [{ Name: CLUSTER_DIMENSION, Value: point.cluster }] : []),
    ...Object.entries(fixed).map(([Name, Value]) => ({ Name, Value })),
  ];
  return {
    MetricName: point.name,
    Unit: point.unit,
    Value: point.value,
    Timestamp: timestamp,
    ...(dimensions.length > 0 ? { Dimensions: dimensions } : {}),
    // 1-second storage, so the alarm on it can use a 30-second period (HIGH_RESOLUTION_METRICS).
    ...(HIGH_RESOLUTION_METRICS.has(point.name) ? { StorageResolution: 1 } : {}),
  };
}

/** Splits datums into requests within the count and size limits. */
export function batches(
  datums: readonly MetricDatum[],
  maxCount = MAX_DATUMS_PER_CALL,
  maxBytes = MAX_PAYLOAD_BYTES,
): MetricDatum[][] {
  return sizedBatches(datums, (d) => JSON.stringify(d).length + 1, maxCount, maxBytes);
}

/**
 * Publishes points with PutMetricData in as few requests as the limits allow. A failing request is
 * reported in the result and the rest are still sent: metrics must never hide the audit's own result.
 */
export async function publishToCloudWatch(
  client: CloudWatchClient,
  namespace: string,
  points: readonly MetricPoint[],
  timestamp: Date,
  signal?: AbortSignal,
  fixedDimensions: Readonly<Record<string, string>> = {},
): Promise<PublishResult> {
  const finite = points.filter((p) => Number.isFinite(p.value));
  const result: PublishResult = {
    calls: 0,
    datums: 0,
    failedCalls: 0,
    dropped: points.length - finite.length,
    errors: [],
  };
  const { PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  for (const batch of batches(finite.map((p) => toDatum(p, timestamp, fixedDimensions)))) {
    result.calls++;
    try {
      await client.send(
        new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }),
        signal ? { abortSignal: signal } : {},
      );
      result.datums += batch.length;
    } catch (err) {
      result.failedCalls++;
      result.errors.push(`${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  return result;
}

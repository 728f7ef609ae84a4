import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { type PublishResult, publishToCloudWatch } from '../../shared/metrics/cloudwatch-sink.ts';
import { publishAsEmf } from '../../shared/metrics/emf-sink.ts';
import type { MetricPoint } from '../../shared/metrics/fleet-metrics.ts';
import { METRICS_STACK_ENV, STACK_DIMENSION } from '../../shared/metrics/metric-names.ts';

export interface MetricsDeps {
  registry: ClusterRegistry;
  cloudWatch: CloudWatchClient;
  /** Where EMF lines go (stdout in Lambda). */
  emfWrite?: (line: string) => void;
  /** The deployed stack's name, a dimension of every datum (default: the stack's environment variable). */
  stack?: string;
}

/** Publishes through the sink the registry chose: PutMetricData, or EMF log lines (no API call). */
export async function publishMetrics(
  deps: MetricsDeps,
  points: readonly MetricPoint[],
  signal?: AbortSignal,
): Promise<PublishResult> {
  const namespace = deps.registry.metricsNamespace;
  const stack = deps.stack ?? process.env[METRICS_STACK_ENV];
  const fixed: Record<string, string> = stack ? { [STACK_DIMENSION]: stack } : {};
  if (deps.registry.metricsSink === 'emf')
    return publishAsEmf(namespace, points, new Date(), deps.emfWrite, fixed);
  return publishToCloudWatch(deps.cloudWatch, namespace, points, new Date(), signal, fixed);
}

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { loadRegistry } from '../../shared/fleet/registry-source.ts';
import { cloudWatchClient } from '../../shared/metrics/cloudwatch-sink.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import { type FleetReapDeps, type FleetReapSummary, runFleetReap } from '../commons/fleet-reap.ts';
import { jsonLogger } from '../commons/logger.ts';
import { runDeadline } from '../commons/run-deadline.ts';
import { clustersOfEvent } from '../commons/run-event.ts';

/** The reap run as plain code: the event may name a subset of clusters, as for the audit. */
export function reapFunction(deps: FleetReapDeps) {
  return async (
    event: unknown,
    context: Context,
    { signal }: { signal: AbortSignal },
  ): Promise<FleetReapSummary> => {
    const subset = clustersOfEvent(event, deps.log);
    const deadline = runDeadline(signal, context);
    const summary = await runFleetReap(deps, {
      ...(subset ? { subset } : {}),
      signal: deadline,
      publishSignal: signal,
    });
    deps.log.log('info', 'fleet reaped', { ...summary, perCluster: undefined });
    return summary;
  };
}

export function makeReapHandler(deps: FleetReapDeps) {
  return middy({ timeoutEarlyInMillis: 2_000 }).handler(reapFunction(deps));
}

let deps: FleetReapDeps | undefined;

/** The deployed entry point; the registry's `policy` is required and validated before any cluster is read. */
export const handler = middy({ timeoutEarlyInMillis: 2_000 }).handler(
  async (event: unknown, context: Context, opts: { signal: AbortSignal }) => {
    if (!deps) {
      const registry = await loadRegistry();
      deps = {
        registry,
        policy: parseReapPolicy(registry.policy, 'the registry policy'),
        connector: new ClusterConnector(),
        cloudWatch: await cloudWatchClient(),
        log: jsonLogger(),
      };
    }
    return reapFunction(deps)(event, context, opts);
  },
);

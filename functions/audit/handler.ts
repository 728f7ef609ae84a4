import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { loadRegistry } from '../../shared/fleet/registry-source.ts';
import { cloudWatchClient } from '../../shared/metrics/cloudwatch-sink.ts';
import { findingAlertPorts } from '../commons/finding-alert-ports.ts';
import { type FleetAuditDeps, type FleetAuditSummary, runFleetAudit } from '../commons/fleet-audit.ts';
import { jsonLogger } from '../commons/logger.ts';
import { runDeadline } from '../commons/run-deadline.ts';
import { clustersOfEvent } from '../commons/run-event.ts';

/** The audit run as plain, testable code; the handler below only wires it to Lambda. */
export function auditFunction(deps: FleetAuditDeps) {
  return async (
    event: unknown,
    context: Context,
    { signal }: { signal: AbortSignal },
  ): Promise<FleetAuditSummary> => {
    const subset = clustersOfEvent(event, deps.log);
    const deadline = runDeadline(signal, context);
    const summary = await runFleetAudit(deps, {
      ...(subset ? { subset } : {}),
      signal: deadline,
      publishSignal: signal,
    });
    deps.log.log('info', 'fleet audited', { ...summary, perCluster: undefined });
    return summary;
  };
}

/** The middy handler around the audit run, for given dependencies (tests pass mocked AWS clients). */
export function makeAuditHandler(deps: FleetAuditDeps) {
  return middy({ timeoutEarlyInMillis: 2_000 }).handler(auditFunction(deps));
}

let deps: FleetAuditDeps | undefined;

/** The deployed entry point. Configuration is read at a container's first invocation and kept. */
export const handler = middy({ timeoutEarlyInMillis: 2_000 }).handler(
  async (event: unknown, context: Context, opts: { signal: AbortSignal }) => {
    deps ??= {
      registry: await loadRegistry(),
      connector: new ClusterConnector(),
      cloudWatch: await cloudWatchClient(),
      log: jsonLogger(),
      ...findingAlertPorts(process.env),
    };
    return auditFunction(deps)(event, context, opts);
  },
);

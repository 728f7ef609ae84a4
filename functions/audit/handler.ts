import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { loadRegistry } from '../../shared/fleet/registry-source.ts';
import { cloudWatchClient } from '../../shared/metrics/cloudwatch-sink.ts';
import { findingAlertPorts } from '../commons/finding-alert-ports.ts';
import { type FleetAuditDeps, runFleetAudit } from '../commons/fleet-audit.ts';
import { lambdaHandler } from '../commons/lambda-handler.ts';
import { jsonLogger } from '../commons/logger.ts';

/**
 * The deployed audit's dependencies, from the stack's environment: the registry (SSM, inline or a file),
 * the connector, CloudWatch, and the finding state and events when their variables are set.
 */
export async function productionAuditSetup(): Promise<FleetAuditDeps> {
  return {
    registry: await loadRegistry(),
    connector: new ClusterConnector(),
    cloudWatch: await cloudWatchClient(),
    log: jsonLogger(),
    ...findingAlertPorts(process.env),
  };
}

/** The audit handler over the dependencies `setup` builds (tests pass mocked AWS clients). */
export function makeAuditHandler(setup: () => Promise<FleetAuditDeps>) {
  return lambdaHandler({ name: 'audit', setup, run: runFleetAudit, summaryMessage: 'fleet audited' });
}

/** The deployed entry point. */
export const handler = makeAuditHandler(productionAuditSetup);

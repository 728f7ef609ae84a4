import { ARCHIVE_BUCKET_ENV } from '../../shared/archive/archive-config.ts';
import { s3Client } from '../../shared/archive/s3-archive.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { loadRegistry } from '../../shared/fleet/registry-source.ts';
import { cloudWatchClient } from '../../shared/metrics/cloudwatch-sink.ts';
import { parseReapPolicy } from '../../shared/reap/reap-policy.ts';
import { type FleetReapDeps, runFleetReap } from '../commons/fleet-reap.ts';
import { lambdaHandler } from '../commons/lambda-handler.ts';
import { jsonLogger } from '../commons/logger.ts';

/**
 * The deployed reap's dependencies: the registry, whose `policy` is required and validated here, before
 * any cluster is read, the connector, CloudWatch, and the archive bucket the stack names.
 */
export async function productionReapSetup(): Promise<FleetReapDeps> {
  const registry = await loadRegistry();
  const bucket = process.env[ARCHIVE_BUCKET_ENV];
  return {
    ...(bucket ? { archive: { s3: await s3Client(), bucket } } : {}),
    registry,
    policy: parseReapPolicy(registry.policy, 'the registry policy'),
    connector: new ClusterConnector(),
    cloudWatch: await cloudWatchClient(),
    log: jsonLogger(),
  };
}

/** The reap handler over the dependencies `setup` builds (tests pass mocked AWS clients). */
export function makeReapHandler(setup: () => Promise<FleetReapDeps>) {
  return lambdaHandler({ name: 'reap', setup, run: runFleetReap, summaryMessage: 'fleet reaped' });
}

/** The deployed entry point. */
export const handler = makeReapHandler(productionReapSetup);

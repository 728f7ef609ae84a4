// One invocation of the audit function over a fleet of simulated clusters: the real handler, with the
// registry's kubeconfig clusters read from a file instead of Secrets Manager, and EMF metrics (no API call).
import { readFile } from 'node:fs/promises';
import type { Context } from 'aws-lambda';
import { makeAuditHandler } from '../../functions/audit/handler.ts';
import type { FleetAuditSummary } from '../../functions/commons/fleet-audit.ts';
import { jsonLogger } from '../../functions/commons/logger.ts';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { parseClusterRegistry, type RegistryCluster } from '../../shared/fleet/cluster-registry.ts';
import type { ClusterTarget } from '../../shared/fleet/cluster-target.ts';
import { kubeConfigFromSecret } from '../../shared/fleet/kubeconfig-secret.ts';

const [file = '', concurrency = '128', only] = process.argv.slice(2);
const kubeconfigs = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
const names = Object.keys(kubeconfigs).filter((n) => only === undefined || n === only);

/** The connector with Secrets Manager replaced by the file: everything after it is the deployed code. */
class FileConnector extends ClusterConnector {
  override async connect(entry: RegistryCluster): Promise<ClusterTarget> {
    return {
      name: entry.name,
      kubeConfig: kubeConfigFromSecret(kubeconfigs[entry.name] ?? '', { cluster: entry.name }),
    };
  }
}

const registry = parseClusterRegistry({
  clusters: names.map((name) => ({
    name,
    type: 'kubeconfig',
    secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`,
  })),
  metricsSink: 'emf',
  concurrency: Number(concurrency),
});
const durations: number[] = [];
const handler = makeAuditHandler(async () => ({
  registry,
  connector: new FileConnector(),
  cloudWatch: undefined as never, // EMF: no CloudWatch client is used
  log: jsonLogger((line) => {
    const l = JSON.parse(line) as { message: string; durationMs?: number };
    if (l.message === 'cluster audited' && l.durationMs !== undefined) durations.push(l.durationMs);
  }),
  emfWrite: () => {},
}));
const context = { getRemainingTimeInMillis: () => 900_000 } as unknown as Context;
const started = performance.now();
const summary = (await handler({}, context)) as FleetAuditSummary;
const wallMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ clusters: summary.clusters, failed: summary.failedClusters, wallMs: Math.round(wallMs), slowestClusterMs: Math.max(...durations), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);

import { Command } from 'commander';
import { readClusterSnapshot } from '../shared/kube/cluster-snapshot.ts';
import { kubeConfigFromEndpoint } from '../shared/kube/connect.ts';
import { KubeClient } from '../shared/kube/kube-client.ts';
import { startSimCluster } from '../sim/cluster.ts';
import { defaultScenario } from '../sim/scenario.ts';

/**
 * `lease-reaper demo`: starts a simulated cluster in-process and reads it through the access layer over
 * verified HTTPS, exactly as a real cluster would be read.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('start a simulated cluster in-process and read it the way lease-reaper reads real clusters')
    .action(async () => {
      const sim = await startSimCluster({ scenario: defaultScenario, renew: true });
      try {
        const kc = kubeConfigFromEndpoint({
          name: 'demo',
          server: sim.url,
          caData: Buffer.from(sim.caCertPem ?? '').toString('base64'),
          token: sim.tokens.readOnly,
        });
        const client = new KubeClient('demo', kc);
        const snapshot = await readClusterSnapshot(client);
        await client.close();
        const byNamespace = new Map<string, number>();
        for (const l of snapshot.leases)
          byNamespace.set(l.namespace, (byNamespace.get(l.namespace) ?? 0) + 1);
        const lines = [
          `simulated cluster at ${sim.url} (TLS verified against its own CA, read-only token)`,
          `read ${snapshot.leases.length} leases, ${snapshot.nodes.length} nodes, ${snapshot.pods?.length ?? 0} unfinished pods`,
          `  in ${snapshot.stats.requests} requests / ${snapshot.stats.pages} pages, ${snapshot.stats.durationMs} ms; server clock skew ${snapshot.serverClock?.skewMs ?? 'unknown'} ms`,
          'leases by namespace:',
          ...[...byNamespace].sort().map(([ns, n]) => `  ${ns.padEnd(22)} ${n}`),
          'seeded anomalies (the audit of the next release reports these):',
          `  stale node heartbeats   ${sim.seeded?.staleNodeHeartbeats.length}`,
          `  orphaned node leases    ${(sim.seeded?.orphanedNodeLeases.ownerless.length ?? 0) + (sim.seeded?.orphanedNodeLeases.previousIncarnation.length ?? 0)}`,
          `  nodes without lease     ${sim.seeded?.nodesWithoutLease.length}`,
          `  expired apiserver ids   ${(sim.seeded?.apiServerIdentities.expired.length ?? 0) + (sim.seeded?.apiServerIdentities.orphaned.length ?? 0)}`,
          `  abandoned leader leases ${sim.seeded?.leaderLeases.abandoned.length}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await sim.close();
      }
    });
}

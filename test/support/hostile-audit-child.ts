// Audits the clusters given on stdin through auditClusters and prints each result, the wall time and the
// process's peak RSS as JSON. Run by runAuditInChild (test/support/hostile-servers.ts), bundled.
import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { auditClusters } from '../../shared/fleet/audit-clusters.ts';
import { kubeConfigFromEndpoint } from '../../shared/kube/connect.ts';
import type { ClusterEndpoint, HostileAuditRun } from './hostile-servers.ts';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
  clusters: ClusterEndpoint[];
  client: Parameters<typeof auditClusters>[1]['client'];
};

let sampledRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  sampledRss = Math.max(sampledRss, process.memoryUsage().rss);
}, 20);

const started = performance.now();
const results = await auditClusters(
  input.clusters.map((c) => ({
    name: c.name,
    kubeConfig: kubeConfigFromEndpoint({
      name: c.name,
      server: c.server,
      caData: Buffer.from(c.caCertPem).toString('base64'),
      token: c.token,
    }),
  })),
  { policy: defaultAuditPolicy, concurrency: 4, ...(input.client ? { client: input.client } : {}) },
);
const wallMs = Math.round(performance.now() - started);
clearInterval(sampler);

const run: HostileAuditRun = {
  results: results.map((r) =>
    r.status === 'ok'
      ? {
          cluster: r.cluster,
          status: 'ok',
          leases: r.audit.counts.leases,
          nodes: r.audit.counts.nodes,
          findings: r.audit.findings.length,
          ...(r.clock.skewMs !== undefined ? { skewMs: r.clock.skewMs } : {}),
        }
      : { cluster: r.cluster, status: 'error', error: r.error },
  ),
  wallMs,
  // maxRSS is in KiB on Linux and macOS.
  peakRssMb: Math.round(Math.max(sampledRss, process.resourceUsage().maxRSS * 1024) / 1024 ** 2),
};
process.stdout.write(`${JSON.stringify(run)}\n`);

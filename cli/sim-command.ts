import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../shared/errors.ts';
import { defaultScenario, type ScenarioSpec } from '../sim/scenario.ts';
import { count, port } from './options.ts';

interface SimFlags {
  name: string;
  nodes: number;
  seed: number;
  host: string;
  port: number;
  kubeconfigOut?: string;
  readOnlyKubeconfigOut?: string;
  staleNodes: number;
  orphanedNodeLeases: number;
  nodesWithoutLease: number;
  expiredApiservers: number;
  abandonedLeases: number;
  workloadLeases: number;
  malformedLeases: number;
  renew: boolean;
  continueTtl: number;
  tls: boolean;
  realistic: boolean;
}

/**
 * A kubeconfig entry name: any printable text (an EKS ARN, `kind-dev`…), as kubectl takes it; not empty,
 * no control characters (it is printed in tables and written into a YAML file).
 */
function contextName(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (value.trim() === '' || value.length > 253 || /[\u0000-\u001f\u007f-\u009f]/.test(value))
    throw new InvalidArgumentError('expected a name of 1 to 253 printable characters');
  return value;
}

/** `lease-reaper sim`: serve a simulated cluster until interrupted. */
export function simCommand(): Command {
  return new Command('sim')
    .description('serve a simulated Kubernetes cluster (HTTPS, its own CA) seeded with lease anomalies')
    .option(
      '--name <name>',
      'cluster and context name in the kubeconfig it writes (the user is NAME-admin or NAME-read-only)',
      contextName,
      'sim',
    )
    .option('--nodes <n>', 'Nodes, each with its heartbeat lease', count, defaultScenario.nodes)
    .option('--seed <n>', 'seed: the same seed gives the same cluster', count, 1)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', port, 0)
    .option('--kubeconfig-out <file>', 'write an admin kubeconfig (server, CA, token) here')
    .option('--read-only-kubeconfig-out <file>', 'write a kubeconfig whose token may only get and list')
    .option(
      '--stale-nodes <n>',
      'Nodes whose heartbeat stopped minutes ago',
      count,
      defaultScenario.staleNodes,
    )
    .option(
      '--orphaned-node-leases <n>',
      'node leases without their Node (owner-less, or a previous incarnation)',
      count,
      defaultScenario.orphanedNodeLeases,
    )
    .option(
      '--nodes-without-lease <n>',
      'Nodes with no heartbeat lease',
      count,
      defaultScenario.nodesWithoutLease,
    )
    .option(
      '--expired-apiservers <n>',
      'expired kube-apiserver identity leases (1.20, 1.26 and 1.27+ styles)',
      count,
      defaultScenario.expiredApiServers,
    )
    .option(
      '--abandoned-leases <n>',
      'leader leases expired for days with their holder gone',
      count,
      defaultScenario.abandonedLeases,
    )
    .option(
      '--workload-leases <n>',
      'live leader leases of workloads, each held by a running Pod',
      count,
      defaultScenario.workloadLeases,
    )
    .option(
      '--malformed-leases <n>',
      'leases with missing or impossible fields',
      count,
      defaultScenario.malformedLeases,
    )
    .option('--no-renew', 'do not renew leases (every lease goes stale in time)')
    .option('--continue-ttl <seconds>', 'how long continue tokens stay valid', count, 300)
    .option('--no-tls', 'serve plain HTTP (clients must then skip TLS verification)')
    .option(
      '--realistic',
      'behave like a real kube-apiserver on the wire: gzip over 128 KiB, APF headers and 429s',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  lease-reaper sim --kubeconfig-out sim.kubeconfig       # then, in another shell:
  lease-reaper audit --kubeconfig sim.kubeconfig
  kubectl --kubeconfig sim.kubeconfig get leases -A
  lease-reaper sim --name dev --port 6443 --kubeconfig-out dev.kubeconfig --read-only-kubeconfig-out ro.kubeconfig

It serves until interrupted (Ctrl-C, SIGTERM), then exits 0. Exit code 64: bad flags, or the port is taken.
`,
    )
    .action(async (flags: SimFlags) => {
      const scenario: ScenarioSpec = {
        ...defaultScenario,
        nodes: flags.nodes,
        staleNodes: Math.min(flags.staleNodes, flags.nodes),
        orphanedNodeLeases: flags.orphanedNodeLeases,
        nodesWithoutLease: flags.nodesWithoutLease,
        expiredApiServers: flags.expiredApiservers,
        abandonedLeases: flags.abandonedLeases,
        workloadLeases: flags.workloadLeases,
        malformedLeases: flags.malformedLeases,
      };
      // Loaded when run: the server and its certificate authority are not part of every other command's start-up.
      const { startSimCluster } = await import('../sim/cluster.ts');
      const sim = await startSimCluster({
        name: flags.name,
        host: flags.host,
        port: flags.port,
        seed: flags.seed,
        scenario,
        renew: flags.renew,
        continueTtlMs: flags.continueTtl * 1000,
        tls: flags.tls,
        realistic: flags.realistic,
      }).catch((err: NodeJS.ErrnoException) => {
        // A taken or forbidden port is the user's choice to make again, not a crash with a stack.
        if (err.code === 'EADDRINUSE' || err.code === 'EACCES')
          throw new ConfigError(
            `cannot listen on ${flags.host}:${flags.port} (${err.code}): pick another --port (0: any free port)`,
          );
        throw err;
      });
      if (flags.kubeconfigOut) await sim.writeKubeconfig(flags.kubeconfigOut);
      if (flags.readOnlyKubeconfigOut)
        await sim.writeKubeconfig(flags.readOnlyKubeconfigOut, { user: 'read-only' });
      const c = sim.seeded?.counts;
      const parts = [
        `sim ready at ${sim.url}`,
        `nodes=${c?.nodes} leases=${c?.leases} pods=${c?.pods}`,
        // The time the scenario's lease times are relative to: `audit --now <it>` judges the cluster as seeded.
        ...(sim.seeded ? [`seeded-at=${new Date(sim.seeded.nowMs).toISOString()}`] : []),
        flags.kubeconfigOut
          ? `kubeconfig=${flags.kubeconfigOut}`
          : 'no kubeconfig written (use --kubeconfig-out)',
      ];
      process.stdout.write(`${parts.join(' ')}\n`);
      const stop = () => {
        void sim.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

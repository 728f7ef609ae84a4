import { type Command, Option } from 'commander';
import { ConfigError } from '../shared/errors.ts';
import type { ClusterTarget } from '../shared/fleet/cluster-target.ts';
import type { ConnectFailure } from '../shared/fleet/connect-all.ts';
import { withContext } from '../shared/kube/connect.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../shared/kube/kube-client.ts';
import { loadKubeconfig } from './kubeconfig-files.ts';
import type { LiveBoardOptions } from './live-progress.ts';
import { connectTimeoutSeconds } from './options.ts';

/**
 * The clusters a command addresses: the named contexts of the kubeconfig kubectl would use (merged from
 * `$KUBECONFIG` first-wins, see kubeconfig-files.ts), all of them, or its current one. Each target is
 * named after its context. No current context, or one that names no context or no cluster, is a
 * configuration error (exit 64) rather than a guess.
 */
function kubeconfigTargets(
  path: string | undefined,
  contexts: readonly string[],
  allContexts: boolean,
): ClusterTarget[] {
  const kc = loadKubeconfig({ explicit: path, env: process.env.KUBECONFIG });
  const known = kc.getContexts().map((c) => c.name);
  const listed = `it has: ${known.join(', ') || 'none'}`;
  let names: readonly string[];
  if (allContexts) names = known;
  else if (contexts.length > 0) names = contexts;
  else {
    const current = kc.getCurrentContext();
    if (!current)
      throw new ConfigError(
        `the kubeconfig has no current context: pass --context NAME or --all-contexts (${listed}), or run \`kubectl config use-context NAME\``,
      );
    if (!known.includes(current))
      throw new ConfigError(
        `the kubeconfig's current context "${current}" is not one of its contexts (${listed})`,
      );
    names = [current];
  }
  if (names.length === 0) throw new ConfigError('the kubeconfig has no contexts');
  for (const name of names) {
    if (!known.includes(name)) {
      throw new ConfigError(`--context "${name}" is not in the kubeconfig (${listed})`);
    }
    const cluster = kc.contexts.find((c) => c.name === name)?.cluster;
    if (!kc.getCluster(cluster ?? ''))
      throw new ConfigError(`context "${name}" names cluster "${cluster}", which is not in the kubeconfig`);
  }
  return names.map((name) => ({ name, kubeConfig: withContext(kc, name) }));
}

/**
 * The clusters of a registry file — the Lambda functions' configuration — reached with this machine's AWS
 * credentials (EKS tokens, Secrets Manager kubeconfigs): local runs of exactly what the functions run.
 */
async function registryTargets(
  file: string,
  context: {
    kubeconfig?: string | undefined;
    contexts: readonly string[];
    allContexts?: boolean | undefined;
  },
  display: SetupDisplay | undefined,
): Promise<{ targets: ClusterTarget[]; failures: ConnectFailure[] }> {
  if (context.kubeconfig || context.contexts.length > 0 || context.allContexts) {
    throw new ConfigError('--clusters cannot be combined with --kubeconfig, --context or --all-contexts');
  }
  // Loaded here: a kubeconfig run never needs the registry's schemas or the AWS set-up.
  const [{ registryFromFile }, { setupConnector }, { connectAll }] = await Promise.all([
    import('../shared/fleet/registry-source.ts'),
    import('./setup-progress.ts'),
    import('../shared/fleet/connect-all.ts'),
  ]);
  const registry = registryFromFile(file, '--clusters ');
  const { connector, clear } = setupConnector(registry.clusters, display);
  try {
    return await connectAll(registry.clusters, connector, registry.concurrency);
  } finally {
    clear();
  }
}

/** Where a `--clusters` run shows its AWS set-up as it goes (stderr; only a terminal shows anything). */
export type SetupDisplay = LiveBoardOptions & { err: NodeJS.WriteStream };

/** What every multi-cluster command takes: `--clusters FILE`, or a kubeconfig and its contexts. */
export interface TargetFlags {
  clusters?: string | undefined;
  kubeconfig?: string | undefined;
  context: readonly string[];
  allContexts?: boolean | undefined;
}

/** The clusters a command's flags address, and those of a registry that could not be reached. */
export async function commandTargets(
  flags: TargetFlags,
  display?: SetupDisplay,
): Promise<{ targets: ClusterTarget[]; failures: ConnectFailure[] }> {
  if (flags.clusters)
    return registryTargets(
      flags.clusters,
      {
        kubeconfig: flags.kubeconfig,
        contexts: flags.context,
        allContexts: flags.allContexts,
      },
      display,
    );
  return {
    targets: kubeconfigTargets(flags.kubeconfig, flags.context, flags.allContexts === true),
    failures: [],
  };
}

/** A repeatable option's parser: each use adds a value. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * Adds the target flags every multi-cluster command takes, named and worded as kubectl's: `--kubeconfig`,
 * `--context` (repeatable), `--all-contexts` and `--clusters`. `verb` completes "context to …".
 */
export function withTargetOptions(command: Command, verb: string): Command {
  return command
    .option(
      '--kubeconfig <file>',
      'kubeconfig file (default: the files of $KUBECONFIG merged as kubectl merges them, else ~/.kube/config)',
    )
    .addOption(
      new Option('--context <name>', `context to ${verb} (repeatable)`)
        .argParser(collect)
        .default([] as string[], "the kubeconfig's current context"),
    )
    .option('--all-contexts', `${verb} every context of the kubeconfig`)
    .option(
      '--clusters <file>',
      `${verb} the clusters of a registry file (the Lambda functions' configuration) with this machine's AWS credentials`,
    )
    .option(
      '--connect-timeout <seconds>',
      'give up on a connection (DNS, TCP, TLS) not made in this long; each request tries up to 5 times (1 to 300)',
      connectTimeoutSeconds,
      DEFAULT_CONNECT_TIMEOUT_MS / 1000,
    );
}

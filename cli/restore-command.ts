import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { type RestoreAction, restoreLeases } from '../shared/archive/restore-leases.ts';
import { parseS3Uri, readS3Text, s3Client } from '../shared/archive/s3-archive.ts';
import { type ArchivedLease, parseArchive } from '../shared/archive/tombstone.ts';
import { ConfigError } from '../shared/errors.ts';
import { KubeClient } from '../shared/kube/kube-client.ts';
import { safeJson } from '../shared/report/escape.ts';
import { ExitCode } from './exit-codes.ts';
import { columns } from './render-table.ts';
import { collect, commandTargets, type TargetFlags, withTargetOptions } from './targets.ts';

interface RestoreFlags extends TargetFlags {
  from: string;
  cluster: string[];
  apply?: boolean;
  output: 'table' | 'json';
  connectTimeout: number;
}

export const RESTORE_DRY_RUN_BANNER =
  '*** DRY-RUN: nothing is created. Each create is sent with dryRun=All, so the API server checks RBAC and validation for real. To restore: --apply. ***';

const examples = `
Examples:
  lease-reaper restore --from archive/prod.20261201T120000Z.jsonl            # dry run: what would be restored
  lease-reaper restore --from archive/prod.20261201T120000Z.jsonl --apply    # create the absent leases again
  lease-reaper restore --from s3://BUCKET/tombstones/prod.20261201T120000Z.jsonl   # from the stack's archive

Each lease is restored into the cluster it was deleted from: the kubeconfig context (or registry cluster)
of the archive's name, unless --context, --all-contexts or --clusters says otherwise. A lease that exists is
never touched. uid, resourceVersion, creationTimestamp and managedFields are the server's: it sets them anew.

Exit codes:
  0   done (leases that exist, or that the reap did not delete, are reported and left alone)
  2   a lease could not be restored, or its cluster could not be reached
  64  bad flags or archive file; nothing was sent
`;

/** `lease-reaper restore`: re-create the leases of a reap's archive (--archive) that are still absent. */
export function restoreCommand(): Command {
  return withTargetOptions(new Command('restore'), 'restore into')
    .description('re-create archived leases that are absent (a dry run unless --apply); never overwrites')
    .requiredOption(
      '--from <file|s3-uri>',
      "a reap's archive: a file (reap --archive DIR) or an object of the stack's archive bucket (s3://BUCKET/tombstones/…)",
    )
    .addOption(
      new Option('--cluster <name>', "restore only this cluster's leases (repeatable)")
        .argParser(collect)
        .default([] as string[], 'every cluster in the archive'),
    )
    .option('--apply', 'really create the leases (otherwise each create is a server-side dry run)')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .addHelpText('after', examples)
    .action(async (flags: RestoreFlags) => {
      const archived = selected(await readArchive(flags.from), flags.cluster, flags.from);
      const dryRun = flags.apply !== true;
      const clusters = [...new Set(archived.map((a) => a.tombstone.cluster))];
      // By default, the contexts the archive names: a lease goes back to the cluster it came from.
      const addressed =
        flags.context.length > 0 || flags.allContexts === true || flags.clusters !== undefined
          ? flags
          : { ...flags, context: clusters };
      const { targets, failures } = await commandTargets(addressed);
      const actions: RestoreAction[] = [];
      for (const cluster of clusters) {
        const leases = archived.filter((a) => a.tombstone.cluster === cluster);
        const target = targets.find((t) => t.name === cluster);
        if (!target) {
          const why =
            failures.find((f) => f.cluster === cluster)?.error.message ??
            `cluster ${cluster} is not among the clusters addressed (pass --context ${cluster})`;
          actions.push(...leases.map((a) => notReached(cluster, a, why)));
          continue;
        }
        const client = new KubeClient(target.name, target.kubeConfig, {
          connectTimeoutMs: flags.connectTimeout * 1000,
        });
        try {
          actions.push(...(await restoreLeases(client, cluster, leases, { dryRun })));
        } finally {
          await client.close();
        }
      }
      process.stdout.write(render(actions, dryRun, flags.output));
      process.exitCode = actions.some((a) => a.result === 'failed') ? ExitCode.clusterError : ExitCode.ok;
    });
}

/** The archive of --from: a file, or an object of the stack's archive bucket (`s3://bucket/key`). */
async function readArchive(from: string): Promise<ArchivedLease[]> {
  let content: string;
  try {
    const object = parseS3Uri(from);
    if (object) content = await readS3Text(await s3Client(), object.bucket, object.key);
    else if (from.startsWith('s3://')) throw new Error('an S3 URI is s3://BUCKET/KEY');
    else content = readFileSync(from, 'utf8');
  } catch (cause) {
    throw new ConfigError(`--from ${from} cannot be read: ${(cause as Error).message}`, { cause });
  }
  return parseArchive(content, from);
}

/** The archive's leases of the --cluster names (all when none); a name the archive lacks is an error. */
function selected(archived: ArchivedLease[], names: readonly string[], path: string): ArchivedLease[] {
  if (names.length === 0) return archived;
  const known = new Set(archived.map((a) => a.tombstone.cluster));
  for (const name of names)
    if (!known.has(name))
      throw new ConfigError(
        `--cluster ${name}: ${path} has no tombstone of that cluster (it has: ${[...known].join(', ') || 'none'})`,
      );
  return archived.filter((a) => names.includes(a.tombstone.cluster));
}

function notReached(cluster: string, a: ArchivedLease, why: string): RestoreAction {
  const metadata = a.tombstone.lease.metadata as { namespace: string; name: string; uid: string };
  return {
    cluster,
    namespace: metadata.namespace,
    name: metadata.name,
    uid: metadata.uid,
    result: 'failed',
    detail: why,
  };
}

function render(actions: readonly RestoreAction[], dryRun: boolean, output: 'table' | 'json'): string {
  if (output === 'json') return `${safeJson({ dryRun, actions }, 2)}\n`;
  const rows = [
    ['CLUSTER', 'NAMESPACE', 'NAME', 'RESULT', 'DETAIL'],
    ...actions.map((a) => [a.cluster, a.namespace, a.name, a.result, a.detail ?? '']),
  ];
  const counts = new Map<string, number>();
  for (const a of actions) counts.set(a.result, (counts.get(a.result) ?? 0) + 1);
  const summary =
    actions.length === 0
      ? 'Nothing to restore.'
      : [...counts].map(([result, n]) => `${n} ${result}`).join(', ');
  return `${[...(dryRun ? [RESTORE_DRY_RUN_BANNER] : []), columns(rows), summary].join('\n\n')}\n`;
}

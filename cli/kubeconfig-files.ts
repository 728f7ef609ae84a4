import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { load as loadYaml } from 'js-yaml';
import { ConfigError } from '../shared/errors.ts';
import { registerUserSecrets } from '../shared/redaction.ts';

/**
 * Kubeconfig loading as kubectl does it (k8s.io/client-go/tools/clientcmd/loader.go,
 * ClientConfigLoadingRules.Load):
 * - `--kubeconfig FILE` is the only file read; a missing one is an error.
 * - otherwise every file of `$KUBECONFIG` (split on `:`, empty and repeated entries dropped, missing files
 *   skipped), or `~/.kube/config` when KUBECONFIG is unset or empty.
 * - "The first file to set a particular map key wins": a cluster, user or context named in two files is
 *   taken whole from the first (fields of the second's entry are not mixed in); `current-context` comes
 *   from the first file that sets it.
 * - relative paths in a file (certificate-authority, client-certificate, client-key, token-file, and an
 *   exec command that contains a `/`) are resolved against that file's folder (ResolveLocalPaths).
 * @kubernetes/client-node's own loadFromDefault throws "Duplicate cluster" on a shared name instead, and
 * reads a relative token-file from the working directory: the files are merged here and handed over whole.
 */

type Entry = { name?: unknown } & Record<string, unknown>;

/** One kubeconfig file as read: its named entries and current context. */
export interface KubeconfigFile {
  path: string;
  clusters: Entry[];
  users: Entry[];
  contexts: Entry[];
  currentContext: string;
}

export interface KubeconfigSources {
  /** `--kubeconfig`. */
  explicit?: string | undefined;
  /** `$KUBECONFIG`. */
  env?: string | undefined;
  /** The home folder (`~/.kube/config`). */
  home?: string | undefined;
}

/** The files kubectl would read, in precedence order, and whether a missing one is an error. */
export function kubeconfigPaths(sources: KubeconfigSources): { paths: string[]; explicit: boolean } {
  if (sources.explicit) return { paths: [sources.explicit], explicit: true };
  if (sources.env) {
    const paths = [...new Set(sources.env.split(delimiter).filter((p) => p !== ''))];
    return { paths, explicit: false };
  }
  return { paths: [join(sources.home ?? homedir(), '.kube', 'config')], explicit: false };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ConfigError(`kubeconfig ${path} could not be read: ${(err as Error).message}`, { cause: err });
  }
}

/** A relative path made absolute against `base`, as clientcmd's ResolvePaths does; empty stays empty. */
function resolvePath(value: unknown, base: string): unknown {
  return typeof value === 'string' && value !== '' && !isAbsolute(value) ? resolve(base, value) : value;
}

function resolveEntryPaths(kind: 'clusters' | 'users', entry: Entry, base: string): Entry {
  if (kind === 'clusters') {
    if (!isObject(entry.cluster)) return entry;
    const cluster = { ...entry.cluster };
    cluster['certificate-authority'] = resolvePath(cluster['certificate-authority'], base);
    return { ...entry, cluster };
  }
  if (!isObject(entry.user)) return entry;
  const user = { ...entry.user };
  for (const key of ['client-certificate', 'client-key', 'token-file'])
    user[key] = resolvePath(user[key], base);
  // Only an exec command that names a path is resolved; a bare `aws` is looked up on PATH.
  if (isObject(user.exec) && typeof user.exec.command === 'string' && user.exec.command.includes(sep))
    user.exec = { ...user.exec, command: resolvePath(user.exec.command, base) };
  return { ...entry, user };
}

/** The named entries of one list; a name repeated within one file is an error, as in clientcmd. */
function entries(doc: Record<string, unknown>, kind: 'clusters' | 'users' | 'contexts', path: string) {
  const list = doc[kind] ?? [];
  if (!Array.isArray(list)) throw new ConfigError(`kubeconfig ${path}: ${kind} is not a list`);
  const seen = new Set<unknown>();
  const base = dirname(resolve(path));
  return list.map((item: unknown, i) => {
    if (!isObject(item)) throw new ConfigError(`kubeconfig ${path}: ${kind}[${i}] is not an object`);
    if (seen.has(item.name))
      throw new ConfigError(`kubeconfig ${path}: duplicate name "${String(item.name)}" in ${kind}`);
    seen.add(item.name);
    return kind === 'contexts' ? item : resolveEntryPaths(kind, item, base);
  });
}

export function readKubeconfigFile(path: string): KubeconfigFile {
  let doc: unknown;
  try {
    doc = loadYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(
      `kubeconfig ${path} could not be read: ${(cause as Error).message.split('\n')[0]}`,
      { cause },
    );
  }
  // An empty file is an empty config (clientcmd.Load), not an error.
  if (doc === undefined || doc === null) doc = {};
  if (!isObject(doc)) throw new ConfigError(`kubeconfig ${path} is not a kubeconfig (a YAML mapping)`);
  const current = doc['current-context'];
  return {
    path,
    clusters: entries(doc, 'clusters', path),
    users: entries(doc, 'users', path),
    contexts: entries(doc, 'contexts', path),
    currentContext: typeof current === 'string' ? current : '',
  };
}

/** Merges read files first-wins, as clientcmd's Load does: the result is one kubeconfig document. */
export function mergeKubeconfigs(files: readonly KubeconfigFile[]): Record<string, unknown> {
  const firstWins = (kind: 'clusters' | 'users' | 'contexts') => {
    const byName = new Map<unknown, Entry>();
    for (const file of files) for (const e of file[kind]) if (!byName.has(e.name)) byName.set(e.name, e);
    return [...byName.values()];
  };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: firstWins('clusters'),
    users: firstWins('users'),
    contexts: firstWins('contexts'),
    'current-context': files.find((f) => f.currentContext !== '')?.currentContext ?? '',
  };
}

const noKubeconfig = (what: string) =>
  new ConfigError(
    `no kubeconfig: ${what}. Pass --kubeconfig FILE, set KUBECONFIG, or write ~/.kube/config (e.g. \`aws eks update-kubeconfig --name CLUSTER\`)`,
  );

/**
 * The kubeconfig kubectl would use for these sources, as a client-node KubeConfig. No file at all is a
 * configuration error (client-node would otherwise invent a `loaded-context` at http://localhost:8080).
 */
export function loadKubeconfig(sources: KubeconfigSources): KubeConfig {
  const { paths, explicit } = kubeconfigPaths(sources);
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    if (!exists(path)) {
      if (explicit) throw new ConfigError(`--kubeconfig ${path}: no such file`);
      continue;
    }
    files.push(readKubeconfigFile(path));
  }
  if (files.length === 0)
    throw noKubeconfig(
      sources.env
        ? `none of the files in KUBECONFIG exists (${paths.join(', ')})`
        : `${paths[0]} does not exist`,
    );
  const kc = new KubeConfig();
  try {
    kc.loadFromString(JSON.stringify(mergeKubeconfigs(files)));
  } catch (cause) {
    throw new ConfigError(
      `kubeconfig ${paths.join(delimiter)} could not be read: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  // The CLI holds these credentials for the run: no message or log line may carry them.
  registerUserSecrets(kc.getUsers());
  return kc;
}

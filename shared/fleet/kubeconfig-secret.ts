import { KubeConfig } from '@kubernetes/client-node';
import { load as loadYaml } from 'js-yaml';
import { ConfigError } from '../errors.ts';

export interface KubeconfigSecretOptions {
  /** The registry's cluster name, for messages. */
  cluster: string;
  context?: string;
  /** Allow `insecure-skip-tls-verify: true` (off by default: TLS is verified). */
  allowInsecureTLS?: boolean;
}

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const named = (list: unknown, name: string): Json | undefined =>
  (Array.isArray(list) ? list : []).map(asObject).find((e) => e.name === name);

/**
 * A KubeConfig from a kubeconfig kept in Secrets Manager, refusing what a Lambda must never do:
 * run a command taken from a secret (`exec`, `auth-provider` users) or skip TLS verification unless the
 * registry entry allows it. Errors name the cluster and the field, never the secret's contents.
 */
export function kubeConfigFromSecret(text: string, options: KubeconfigSecretOptions): KubeConfig {
  const where = `cluster "${options.cluster}": the kubeconfig secret`;
  let doc: Json;
  try {
    doc = asObject(loadYaml(text));
  } catch {
    throw new ConfigError(`${where} is not valid YAML or JSON`);
  }
  const contextName =
    options.context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined);
  if (!contextName) throw new ConfigError(`${where} has no current-context and the registry names none`);
  const context = asObject(named(doc.contexts, contextName)?.context);
  if (!named(doc.contexts, contextName)) throw new ConfigError(`${where} has no context "${contextName}"`);
  const cluster = asObject(named(doc.clusters, String(context.cluster ?? ''))?.cluster);
  const user = asObject(named(doc.users, String(context.user ?? ''))?.user);
  if (typeof cluster.server !== 'string')
    throw new ConfigError(`${where}: context "${contextName}" has no cluster server`);
  if (user.exec !== undefined)
    throw new ConfigError(
      `${where}: user of context "${contextName}" uses exec, which a Lambda must not run; use a token or client certificate`,
    );
  if (user['auth-provider'] !== undefined) {
    throw new ConfigError(
      `${where}: user of context "${contextName}" uses an auth-provider plugin; use a token or client certificate`,
    );
  }
  if (cluster['insecure-skip-tls-verify'] === true && options.allowInsecureTLS !== true) {
    throw new ConfigError(
      `${where}: insecure-skip-tls-verify is set; set allowInsecureTLS: true on the registry entry to accept an unverified server`,
    );
  }
  if (
    typeof user.tokenFile === 'string' ||
    typeof cluster['certificate-authority'] === 'string' ||
    typeof user['client-certificate'] === 'string'
  ) {
    throw new ConfigError(
      `${where}: refers to files (token-file, certificate-authority, client-certificate); embed the data instead`,
    );
  }
  const kc = new KubeConfig();
  kc.loadFromString(text);
  kc.setCurrentContext(contextName);
  return kc;
}

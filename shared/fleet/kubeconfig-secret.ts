import { KubeConfig } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import { parseConfigText } from '../config-file.ts';
import { ConfigError } from '../errors.ts';
import { registerUserSecrets } from '../redaction.ts';
import { describeIssues } from '../validation.ts';

export interface KubeconfigSecretOptions {
  /** The registry's cluster name, for messages. */
  cluster: string;
  context?: string | undefined;
  /** Allow `insecure-skip-tls-verify: true` (off by default: TLS is verified). */
  allowInsecureTLS?: boolean | undefined;
  /** Where the warning about an unverified server goes (default: process.emitWarning, i.e. stderr). */
  warn?: ((message: string) => void) | undefined;
}

function isPlainHttpsUrl(text: string): boolean {
  try {
    // No "@" anywhere: a URL has a user name or password only after one (its userinfo), and a look-alike
    // in the path or query is refused too.
    return new URL(text).protocol === 'https:' && !text.includes('@');
  } catch {
    return false;
  }
}

const name = z.string().check(z.minLength(1));
const base64 = z.string().check(z.regex(/^[A-Za-z0-9+/=\s]+$/, 'expected base64 data'));

/**
 * The fields a kubeconfig secret may hold: an allowlist. Everything else — a field naming a file
 * (`token-file`, `client-key`, `certificate-authority`…), a command (`exec`), a plugin (`auth-provider`),
 * a proxy (`proxy-url`), impersonation, basic auth (removed from kube-apiserver in 1.19) or a key this
 * list does not know — is refused, because client-node would act on it: read the file and send its
 * content to the server the secret names, run the command, route through the proxy.
 */
const clusterFields = z.strictObject({
  server: z
    .string()
    .check(z.refine(isPlainHttpsUrl, 'expected an https:// URL without user name or password')),
  'certificate-authority-data': z.optional(base64),
  'tls-server-name': z.optional(name),
  'insecure-skip-tls-verify': z.optional(z.boolean()),
});
const userFields = z.strictObject({
  token: z.optional(name),
  'client-certificate-data': z.optional(base64),
  'client-key-data': z.optional(base64),
});
const contextFields = z.strictObject({ cluster: name, user: name, namespace: z.optional(z.string()) });

const kubeconfigSchema = z.strictObject({
  apiVersion: z.optional(z.literal('v1')),
  kind: z.optional(z.literal('Config')),
  clusters: z.array(z.strictObject({ name, cluster: clusterFields })),
  users: z.array(z.strictObject({ name, user: userFields })),
  contexts: z.array(z.strictObject({ name, context: contextFields })),
  'current-context': z.optional(z.string()),
  preferences: z.optional(z.record(z.string(), z.unknown())),
});

const readsFile = 'reads a local file; embed the data (token, *-data) instead';
const whyRefused: Record<string, string> = {
  'token-file': readsFile,
  tokenFile: readsFile,
  'client-certificate': readsFile,
  'client-key': readsFile,
  'certificate-authority': readsFile,
  exec: 'runs a command',
  'auth-provider': 'runs an auth-provider plugin',
  'proxy-url': 'sends the traffic through a proxy',
  username: 'basic auth, which Kubernetes no longer accepts; use a token or client certificate',
  password: 'basic auth, which Kubernetes no longer accepts; use a token or client certificate',
};

/** Each problem with its path; a refused key is named with the reason, never with its value. */
function describeProblems(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return describeIssues([issue]);
    return issue.keys.map((key) => {
      // `path: "key" is…`, not `path.key: …`: a `token: …` or `password: …` would read as a credential.
      return `${issue.path.join('.') || '(top level)'}: "${key}" is not allowed (${whyRefused[key] ?? 'not a field lease-reaper accepts in a kubeconfig secret'})`;
    });
  });
}

/**
 * A KubeConfig from a kubeconfig kept in Secrets Manager. The secret is parsed and validated here against
 * an allowlist and client-node only ever sees the selected cluster, user and context built from the
 * validated fields: nothing in a secret can make the function read a file, run a command, use a proxy or
 * (unless the registry entry allows it) skip TLS verification. The secret's credentials are registered for
 * redaction. Errors name the cluster and the field, never a value.
 */
export function kubeConfigFromSecret(text: string, options: KubeconfigSecretOptions): KubeConfig {
  const where = `cluster "${options.cluster}": the kubeconfig secret`;
  const raw = parseConfigText(text, where, { secret: true });
  const parsed = kubeconfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(`${where} is refused: ${describeProblems(parsed.error.issues).join('; ')}`);
  const doc = parsed.data;

  const contextName = options.context ?? (doc['current-context'] || undefined);
  if (!contextName) throw new ConfigError(`${where} has no current-context and the registry names none`);
  const context = doc.contexts.find((c) => c.name === contextName)?.context;
  if (!context) throw new ConfigError(`${where} has no context "${contextName}"`);
  const cluster = doc.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new ConfigError(`${where}: context "${contextName}" names no cluster in the secret`);
  const user = doc.users.find((u) => u.name === context.user)?.user;
  if (!user) throw new ConfigError(`${where}: context "${contextName}" names no user in the secret`);

  const hasCert = user['client-certificate-data'] !== undefined;
  if (hasCert !== (user['client-key-data'] !== undefined))
    throw new ConfigError(`${where}: client-certificate-data and client-key-data go together`);
  if (user.token === undefined && !hasCert)
    throw new ConfigError(
      `${where}: the user of context "${contextName}" has no token nor client-certificate-data and client-key-data`,
    );

  const insecure = cluster['insecure-skip-tls-verify'] === true;
  if (insecure) {
    if (options.allowInsecureTLS !== true)
      throw new ConfigError(
        `${where}: insecure-skip-tls-verify is set; set allowInsecureTLS: true on the registry entry to accept an unverified server`,
      );
    (options.warn ?? ((m: string) => process.emitWarning(m, { code: 'LEASE_REAPER_INSECURE_TLS' })))(
      `cluster "${options.cluster}": TLS verification is OFF (insecure-skip-tls-verify, allowed by allowInsecureTLS): anyone on the path can read its token and answer as the cluster`,
    );
  }

  const userEntry = {
    name: context.user,
    token: user.token,
    certData: user['client-certificate-data'],
    keyData: user['client-key-data'],
  };
  registerUserSecrets([userEntry]);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: context.cluster,
        server: cluster.server,
        caData: cluster['certificate-authority-data'],
        tlsServerName: cluster['tls-server-name'],
        skipTLSVerify: insecure,
      },
    ],
    users: [userEntry],
    contexts: [
      { name: contextName, cluster: context.cluster, user: context.user, namespace: context.namespace },
    ],
    currentContext: contextName,
  });
  return kc;
}

import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../errors.ts';
import { registerUserSecrets } from '../redaction.ts';

/**
 * Loads a kubeconfig file (or the default: $KUBECONFIG, then ~/.kube/config) and selects a context.
 * An unknown context is a configuration error that lists the contexts the file has.
 */
export function kubeConfigFromFile(path?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new ConfigError(
      `kubeconfig ${path ?? '(default)'} could not be read: ${(cause as Error).message}`,
      { cause },
    );
  }
  // The CLI holds these credentials for the run: no message or log line may carry them.
  registerUserSecrets(kc.getUsers());
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new ConfigError(
        `context "${context}" is not in the kubeconfig (it has: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new ConfigError('the kubeconfig has no current context with a cluster');
  return kc;
}

/** A kubeconfig selecting `context` out of an already loaded one (to audit several contexts of one file). */
export function withContext(kc: KubeConfig, context: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users,
    contexts: kc.contexts,
    currentContext: context,
  });
  return copy;
}

export interface EndpointCredentials {
  name: string;
  /** https://… */
  server: string;
  /** The cluster CA, base64 PEM as in a kubeconfig's certificate-authority-data (and EKS's certificateAuthority.data). */
  caData?: string;
  token: string;
}

/** A kubeconfig for a server URL, CA and bearer token (EKS, or a ServiceAccount token). TLS is verified. */
export function kubeConfigFromEndpoint(creds: EndpointCredentials): KubeConfig {
  if (!/^https:\/\//.test(creds.server))
    throw new ConfigError(`cluster "${creds.name}": server must be an https:// URL`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: creds.name, server: creds.server, caData: creds.caData, skipTLSVerify: false }],
    users: [{ name: creds.name, token: creds.token }],
    contexts: [{ name: creds.name, cluster: creds.name, user: creds.name }],
    currentContext: creds.name,
  });
  return kc;
}

import type https from 'node:https';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { ConfigError } from '../errors.ts';

/** The auth-provider name that marks a user whose bearer token this module supplies. */
const EKS_AUTH_PROVIDER = 'lease-reaper-eks-token';

export interface EksEndpoint {
  name: string;
  /** https://… (DescribeCluster's `cluster.endpoint`). */
  server: string;
  /** Base64 PEM (DescribeCluster's `cluster.certificateAuthority.data`). */
  caData: string;
  /** A token usable now: called for every request, so a run longer than a token's life gets a fresh one. */
  token: () => Promise<string>;
}

/**
 * A KubeConfig for an EKS cluster whose bearer token is asked for per request rather than fixed: client-node
 * applies a KubeConfig's authenticators to every request (`applySecurityAuthentication`), and a token
 * minted once would outlive EKS's 15 minutes in a long reap. TLS is verified against the cluster's CA.
 */
export function eksKubeConfig(endpoint: EksEndpoint): KubeConfig {
  if (!/^https:\/\//.test(endpoint.server))
    throw new ConfigError(`cluster "${endpoint.name}": server must be an https:// URL`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: endpoint.name, server: endpoint.server, caData: endpoint.caData, skipTLSVerify: false },
    ],
    // No `token`: client-node would send it after the authenticator and override the fresh one.
    users: [{ name: endpoint.name, authProvider: { name: EKS_AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: endpoint.name, cluster: endpoint.name, user: endpoint.name }],
    currentContext: endpoint.name,
  });
  kc.addAuthenticator({
    isAuthProvider: (user: User) => user.authProvider?.name === EKS_AUTH_PROVIDER,
    applyAuthentication: async (_user: User, opts: https.RequestOptions | { headers?: unknown }) => {
      const headers = (opts.headers ?? {}) as Record<string, string>;
      headers.Authorization = `Bearer ${await endpoint.token()}`;
      opts.headers = headers;
    },
  });
  return kc;
}

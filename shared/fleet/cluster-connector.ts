// Types only: the SDK clients load on first use, not at module init (cold start; see bench/README.md).
import type { EKSClient } from '@aws-sdk/client-eks';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import { type AwsCredentials, eksToken } from '../aws/eks-token.ts';
import { ClusterCredentialsError, LeaseReaperError } from '../errors.ts';
import { kubeConfigFromEndpoint } from '../kube/connect.ts';
import type { ClusterTarget } from './audit-clusters.ts';
import type { RegistryCluster } from './cluster-registry.ts';
import { kubeConfigFromSecret } from './kubeconfig-secret.ts';

/** The AWS clients a connector uses, per region (tests pass mocked ones). */
export interface AwsClientFactory {
  /** With `credentials`, a client acting as an assumed role (a cluster in another account). */
  eks(region: string, credentials?: AwsCredentials): Promise<EKSClient>;
  secretsManager(region: string): Promise<SecretsManagerClient>;
  sts(region: string): Promise<STSClient>;
}

type AnyClient = EKSClient | SecretsManagerClient | STSClient;

export const defaultAwsClients: AwsClientFactory = (() => {
  const cache = new Map<string, Promise<AnyClient>>();
  const get = <T extends AnyClient>(key: string, make: () => Promise<T>): Promise<T> => {
    let known = cache.get(key) as Promise<T> | undefined;
    if (!known) {
      known = make();
      cache.set(key, known);
    }
    return known;
  };
  return {
    eks: async (region, credentials) =>
      credentials
        ? // Not cached: assumed credentials expire, and the description it fetches is cached for an hour.
          new (await import('@aws-sdk/client-eks')).EKSClient({ region, credentials, maxAttempts: 4 })
        : get(
            `eks/${region}`,
            async () => new (await import('@aws-sdk/client-eks')).EKSClient({ region, maxAttempts: 4 }),
          ),
    secretsManager: (region) =>
      get(
        `sm/${region}`,
        async () =>
          new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient({
            region,
            maxAttempts: 4,
          }),
      ),
    sts: (region) =>
      get(
        `sts/${region}`,
        async () => new (await import('@aws-sdk/client-sts')).STSClient({ region, maxAttempts: 4 }),
      ),
  };
})();

/** How long a cluster's endpoint and CA, and a kubeconfig secret, are reused (they rarely change). */
const DESCRIPTION_TTL_MS = 60 * 60_000;
const SECRET_TTL_MS = 5 * 60_000;
/**
 * A minted EKS token is reused for 5 minutes: EKS accepts it for 15, so a run that starts with a
 * reused token still has 10 minutes, more than a Lambda invocation's remaining time needs.
 */
const TOKEN_REUSE_MS = 5 * 60_000;
/** Assumed-role credentials last 15 minutes (DurationSeconds 900); reuse them for 10. */
const ROLE_CREDENTIALS_TTL_MS = 10 * 60_000;

interface Cached<T> {
  value: T;
  at: number;
}

/**
 * Turns registry entries into ClusterTargets. EKS: the endpoint and CA from DescribeCluster, a bearer
 * token presigned locally (after AssumeRole when the entry names a role). Kubeconfig: the secret's
 * kubeconfig, refused if it would run a command or skip TLS. Descriptions, secrets and tokens are cached
 * in the instance, so a warm Lambda reuses them across invocations. A failure is a
 * ClusterCredentialsError for that cluster alone.
 */
export class ClusterConnector {
  private readonly descriptions = new Map<string, Cached<{ endpoint: string; caData: string }>>();
  private readonly tokens = new Map<string, Cached<string>>();
  private readonly secrets = new Map<string, Cached<string>>();
  private readonly roleCredentials = new Map<string, Cached<AwsCredentials>>();

  constructor(
    private readonly clients: AwsClientFactory = defaultAwsClients,
    private readonly now: () => number = Date.now,
  ) {}

  async connect(entry: RegistryCluster): Promise<ClusterTarget> {
    try {
      return entry.type === 'eks' ? await this.connectEks(entry) : await this.connectKubeconfig(entry);
    } catch (err) {
      if (err instanceof ClusterCredentialsError) throw err;
      const detail =
        err instanceof LeaseReaperError ? err.message : `${(err as Error).name}: ${(err as Error).message}`;
      throw new ClusterCredentialsError(
        entry.name,
        'credentials',
        `could not set up access: ${detail}`,
        {},
        { cause: err },
      );
    }
  }

  private async connectEks(entry: Extract<RegistryCluster, { type: 'eks' }>): Promise<ClusterTarget> {
    const description = await this.cached(this.descriptions, entry.name, DESCRIPTION_TTL_MS, async () => {
      const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
      // A cluster in another account is described as the role there: EKS has no resource policies, so
      // the function's own role cannot describe it.
      const eks = await this.clients.eks(
        entry.region,
        entry.roleArn ? await this.credentials(entry) : undefined,
      );
      const out = await eks.send(new DescribeClusterCommand({ name: entry.clusterName }));
      const endpoint = out.cluster?.endpoint;
      const caData = out.cluster?.certificateAuthority?.data;
      if (!endpoint || !caData)
        throw new Error(`DescribeCluster ${entry.clusterName} returned no endpoint or CA`);
      return { endpoint, caData };
    });
    const token = await this.cached(this.tokens, entry.name, TOKEN_REUSE_MS, async () =>
      eksToken(entry.clusterName, entry.region, await this.credentials(entry), new Date(this.now())),
    );
    return {
      name: entry.name,
      kubeConfig: kubeConfigFromEndpoint({
        name: entry.name,
        server: description.endpoint,
        caData: description.caData,
        token,
      }),
    };
  }

  private async credentials(entry: Extract<RegistryCluster, { type: 'eks' }>): Promise<AwsCredentials> {
    if (!entry.roleArn) {
      // The client's own default chain (Lambda role, environment, profile).
      const creds = await (await this.clients.sts(entry.region)).config.credentials();
      return {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
      };
    }
    const { roleArn } = entry;
    return this.cached(this.roleCredentials, roleArn, ROLE_CREDENTIALS_TTL_MS, () =>
      this.assumeRole(roleArn, entry.region),
    );
  }

  private async assumeRole(roleArn: string, region: string): Promise<AwsCredentials> {
    const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const out = await (await this.clients.sts(region)).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'lease-reaper',
        DurationSeconds: 900,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    };
  }

  private async connectKubeconfig(
    entry: Extract<RegistryCluster, { type: 'kubeconfig' }>,
  ): Promise<ClusterTarget> {
    const region = entry.secretArn.split(':')[3] ?? '';
    const text = await this.cached(this.secrets, entry.name, SECRET_TTL_MS, async () => {
      const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const out = await (await this.clients.secretsManager(region)).send(
        new GetSecretValueCommand({ SecretId: entry.secretArn }),
      );
      if (typeof out.SecretString !== 'string')
        throw new Error('the secret has no string value (a kubeconfig is text)');
      return out.SecretString;
    });
    const kubeConfig = kubeConfigFromSecret(text, {
      cluster: entry.name,
      allowInsecureTLS: entry.allowInsecureTLS,
      ...(entry.context ? { context: entry.context } : {}),
    });
    return { name: entry.name, kubeConfig };
  }

  private async cached<T>(
    map: Map<string, Cached<T>>,
    key: string,
    ttlMs: number,
    load: () => Promise<T>,
  ): Promise<T> {
    const hit = map.get(key);
    if (hit && this.now() - hit.at < ttlMs) return hit.value;
    const value = await load();
    map.set(key, { value, at: this.now() });
    return value;
  }
}

// Types only: the SDK clients load on first use, not at module init (cold start; see bench/README.md).
import type { EKSClient } from '@aws-sdk/client-eks';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import { eksKubeConfig } from '../aws/eks-kubeconfig.ts';
import type { AwsCredentials } from '../aws/eks-token.ts';
import { lastsTheRun, tokenUsableUntil } from '../aws/token-lifetime.ts';
import { ClusterCredentialsError, LeaseReaperError } from '../errors.ts';
import type { RegistryCluster } from './cluster-registry.ts';
import type { ClusterTarget } from './cluster-target.ts';
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
 * The session asked of AssumeRole: an hour is the longest every role grants (MaxSessionDuration is at
 * least an hour, and a role assumed by a role — the function's — is capped at one), so credentials
 * outlive any run (Lambda's 15 minutes at most) and are reused across runs for the rest of the hour.
 */
const ASSUMED_ROLE_SECONDS = 3600;
/** Without a function timeout given, the longest Lambda allows: credentials are then never too short. */
const DEFAULT_RUN_TIMEOUT_MS = 900_000;

interface Cached<T> {
  value: T;
  at: number;
}

interface MintedToken {
  token: string;
  usableUntil: number;
}

export interface ClusterConnectorOptions {
  /**
   * How long one run may last (the function's timeout): credentials are reused only while they will
   * outlast a run that starts now.
   */
  runTimeoutMs?: number;
}

/**
 * Turns registry entries into ClusterTargets. EKS: the endpoint and CA from DescribeCluster, a bearer
 * token presigned locally (after AssumeRole when the entry names a role). Kubeconfig: the secret's
 * kubeconfig, refused if it would run a command or skip TLS. Descriptions and secrets are cached in the
 * instance, so a warm Lambda reuses them across invocations. A failure is a ClusterCredentialsError for
 * that cluster alone.
 *
 * EKS credentials follow two clocks (token-lifetime.ts): assumed-role credentials are reused only while
 * they outlast a whole run; a token is minted at each connect (each run) and re-minted, per request, once
 * it comes within a minute of EKS's 15 minutes or of its credentials' expiry.
 */
export class ClusterConnector {
  private readonly descriptions = new Map<string, Cached<{ endpoint: string; caData: string }>>();
  private readonly tokens = new Map<string, Promise<MintedToken>>();
  private readonly secrets = new Map<string, Cached<string>>();
  private readonly assumedRoles = new Map<string, Promise<AwsCredentials>>();
  private readonly runTimeoutMs: number;

  constructor(
    private readonly clients: AwsClientFactory = defaultAwsClients,
    private readonly now: () => number = Date.now,
    options: ClusterConnectorOptions = {},
  ) {
    this.runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  }

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
    // A new token per run, minted now so that a credentials failure is this cluster's connect error.
    this.tokens.delete(entry.name);
    await this.token(entry);
    return {
      name: entry.name,
      kubeConfig: eksKubeConfig({
        name: entry.name,
        server: description.endpoint,
        caData: description.caData,
        token: () => this.token(entry),
      }),
    };
  }

  /** The entry's current token, minted anew when the one held is no longer usable. */
  private token(entry: Extract<RegistryCluster, { type: 'eks' }>): Promise<string> {
    return this.reuseWhile(
      this.tokens,
      entry.name,
      (held) => this.now() < held.usableUntil,
      async () => {
        const credentials = await this.credentials(entry);
        // X-Amz-Date has whole seconds: EKS counts its 15 minutes from there, so do we.
        const signedAt = Math.floor(this.now() / 1000) * 1000;
        // Loaded on first use: SigV4 signing (@smithy) costs ~20 ms of every cold start, and only EKS needs it.
        const { eksToken } = await import('../aws/eks-token.ts');
        const token = await eksToken(entry.clusterName, entry.region, credentials, new Date(signedAt));
        return { token, usableUntil: tokenUsableUntil(signedAt, credentials.expiration?.getTime()) };
      },
    ).then((minted) => minted.token);
  }

  private async credentials(entry: Extract<RegistryCluster, { type: 'eks' }>): Promise<AwsCredentials> {
    if (!entry.roleArn) {
      // The client's own default chain (Lambda role, environment, profile).
      // The SDK's provider refreshes them itself before they expire.
      const creds = await (await this.clients.sts(entry.region)).config.credentials();
      return {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
        ...(creds.expiration ? { expiration: creds.expiration } : {}),
      };
    }
    const { roleArn } = entry;
    return this.reuseWhile(
      this.assumedRoles,
      roleArn,
      (held) => lastsTheRun(held.expiration?.getTime(), this.now(), this.runTimeoutMs),
      () => this.assumeRole(roleArn, entry.region),
    );
  }

  private async assumeRole(roleArn: string, region: string): Promise<AwsCredentials> {
    const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const out = await (await this.clients.sts(region)).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'lease-reaper',
        DurationSeconds: ASSUMED_ROLE_SECONDS,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      // STS always says; were it not to, assume the shortest session STS grants (15 minutes).
      expiration: c.Expiration ?? new Date(this.now() + 900_000),
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

  /**
   * The value held under `key` while `usable` says so, else a new one from `load`. Concurrent callers
   * share one load (one AssumeRole for the clusters of one role); a failed load is forgotten.
   */
  private async reuseWhile<T>(
    map: Map<string, Promise<T>>,
    key: string,
    usable: (value: T) => boolean,
    load: () => Promise<T>,
  ): Promise<T> {
    const held = map.get(key);
    if (held) {
      const value = await held.catch(() => undefined);
      if (value !== undefined && usable(value)) return value;
      // Another caller replaced it while this one waited: use theirs.
      if (map.get(key) !== held) return this.reuseWhile(map, key, usable, load);
    }
    const fresh = load();
    map.set(key, fresh);
    fresh.catch(() => {
      if (map.get(key) === fresh) map.delete(key);
    });
    return fresh;
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

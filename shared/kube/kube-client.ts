import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HttpMethod, type KubeConfig, ServerConfiguration } from '@kubernetes/client-node';
import {
  type ClusterAccessError,
  ClusterCredentialsError,
  type ClusterErrorKind,
  ClusterForbiddenError,
  ClusterLimitError,
  ClusterListExpiredError,
  ClusterProtocolError,
  ClusterRequestError,
  ClusterServerError,
  ClusterThrottledError,
  ClusterTimeoutError,
  ClusterUnauthorizedError,
  ClusterUnreachableError,
  ConfigError,
} from '../errors.ts';
import { userAgent } from '../version.ts';
import { sendBounded } from './bounded-response.ts';
import { ReadLimitExceeded, type ReadLimits, resolveReadLimits } from './read-limits.ts';
import { defaultRetryPolicy, type RetryPolicy, retryableStatuses, retryDelayMs } from './retry-policy.ts';
import { ServerClock } from './server-clock.ts';

export interface KubeRequest {
  method: 'GET' | 'DELETE' | 'POST' | 'PUT';
  /** Path below the server URL, e.g. `/apis/coordination.k8s.io/v1/leases`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  accept?: string;
  body?: unknown;
  /** What the request does, for error messages: "list leases", "delete lease ns/name". */
  operation: string;
  /** Non-2xx statuses the caller handles itself (404 and 409 for deletes, 410 for continued lists). */
  allowStatuses?: readonly number[];
  /**
   * Cancels this request alone, e.g. once a sibling list of the same snapshot has failed: it then rejects
   * with the signal's reason, retries included.
   */
  signal?: AbortSignal;
}

export interface KubeResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  text: string;
}

export interface KubeClientOptions {
  retry?: Partial<RetryPolicy>;
  /** Per attempt, headers and body included (default 30 s). */
  requestTimeoutMs?: number;
  /** Aborts everything: the run's deadline (Lambda remaining time, CLI timeout). */
  signal?: AbortSignal;
  /** Caps on what one cluster may make the client read (defaults: `defaultReadLimits`). */
  limits?: Partial<ReadLimits>;
  /** Random source for backoff jitter (tests make it deterministic). */
  random?: () => number;
  /** Called before each retry, for logs and metrics. */
  onRetry?: (info: { operation: string; attempt: number; delayMs: number; reason: string }) => void;
}

export interface ClientStats {
  requests: number;
  retries: number;
}

/**
 * One cluster's API client. It builds requests with client-node (`KubeConfig` for credentials and TLS,
 * `RequestContext`), sends them over node:https with one keep-alive agent, reads every body as a stream
 * bounded by the read limits, retries throttling and transient failures with bounded backoff, bounds
 * every attempt with a timeout and the whole run with a signal, and turns failures into typed errors
 * that name the cluster and never carry credentials. Response bodies are returned as text: callers
 * project list items into compact records instead of paying for client-node's generic model
 * deserialization.
 */
export class KubeClient {
  readonly clock = new ServerClock();
  readonly stats: ClientStats = { requests: 0, retries: 0 };
  readonly serverUrl: string;
  readonly limits: Readonly<ReadLimits>;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;
  private readonly server: ServerConfiguration<Record<string, string>>;
  private agent: Promise<http.Agent | undefined> | undefined;

  constructor(
    readonly cluster: string,
    private readonly kubeConfig: KubeConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    const current = kubeConfig.getCurrentCluster();
    if (!current?.server)
      throw new ConfigError(`cluster "${cluster}": the kubeconfig context has no cluster server URL`);
    this.serverUrl = current.server.replace(/\/+$/, '');
    this.server = new ServerConfiguration(this.serverUrl, {});
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.limits = resolveReadLimits(options.limits);
  }

  /** Sends a request with retries; resolves with 2xx (or an allowed status), otherwise throws a typed error. */
  async request(req: KubeRequest): Promise<KubeResponse> {
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted(req);
      const timeout = AbortSignal.timeout(this.requestTimeoutMs);
      const cancel = [this.options.signal, req.signal].filter((s) => s !== undefined);
      const signal = cancel.length > 0 ? AbortSignal.any([...cancel, timeout]) : timeout;
      let failure: Failure;
      let retryAfter: string | undefined;
      try {
        const res = await this.sendOnce(req, signal);
        if (res.status < 300 || req.allowStatuses?.includes(res.status)) return res;
        failure = statusFailure(res);
        if (!retryableStatuses.has(res.status)) throw this.error(failure, req, attempt);
        retryAfter = res.headers['retry-after'];
      } catch (err) {
        if (isClusterError(err)) throw err;
        // A limit holds whatever the server sends next: report it at once, even if the run was aborted meanwhile.
        if (err instanceof ReadLimitExceeded) throw this.error(limitFailure(err), req, attempt);
        this.throwIfAborted(req, err);
        failure = timeout.aborted
          ? {
              kind: 'timeout',
              retryable: true,
              message: `no response within ${this.requestTimeoutMs} ms`,
              cause: err,
            }
          : transportFailure(err);
        if (!failure.retryable) throw this.error(failure, req, attempt);
      }
      if (attempt >= this.retry.maxAttempts) throw this.error(failure, req, attempt);
      const delayMs = retryDelayMs(this.retry, attempt, retryAfter, this.random);
      this.stats.retries++;
      this.options.onRetry?.({ operation: req.operation, attempt, delayMs, reason: failure.message });
      try {
        await sleep(delayMs, undefined, cancel.length > 0 ? { signal: AbortSignal.any(cancel) } : {});
      } catch (err) {
        this.throwIfAborted(req, err);
        throw err;
      }
    }
  }

  /** Closes idle keep-alive connections (the client stays usable). */
  async close(): Promise<void> {
    (await this.agent)?.destroy();
    this.agent = undefined;
  }

  private async sendOnce(req: KubeRequest, signal: AbortSignal): Promise<KubeResponse> {
    const ctx = this.server.makeRequestContext(req.path, req.method as HttpMethod);
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined && value !== '') ctx.setQueryParam(name, String(value));
    }
    ctx.setHeaderParam('Accept', req.accept ?? 'application/json');
    ctx.setHeaderParam('User-Agent', USER_AGENT);
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    // Credentials (token, exec, client certificate) and TLS material come from the KubeConfig per request,
    // so refreshed tokens are picked up; the connection pool is ours and lives as long as the client.
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const agent = await this.keepAliveAgent();
    if (agent) ctx.setAgent(agent);
    this.stats.requests++;
    // The Date header is read as the headers arrive: that is when the server wrote it.
    return sendBounded(ctx, signal, this.limits, (headers) => this.clock.observe(headers.date, Date.now()));
  }

  private keepAliveAgent(): Promise<http.Agent | undefined> {
    this.agent ??= (async () => {
      const cluster = this.kubeConfig.getCurrentCluster();
      if (!cluster || cluster.proxyUrl) return undefined; // keep client-node's proxy agent
      if (cluster.server.startsWith('http:')) return new http.Agent({ keepAlive: true, maxSockets: 8 });
      const tls: https.RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(tls);
      return new https.Agent({
        keepAlive: true,
        maxSockets: 8,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        pfx: tls.pfx,
        passphrase: tls.passphrase,
        ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
        // Verification stays on unless the kubeconfig explicitly says insecure-skip-tls-verify.
        ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
      });
    })();
    return this.agent;
  }

  private throwIfAborted(req: KubeRequest, cause?: unknown): void {
    if (req.signal?.aborted) throw req.signal.reason;
    if (!this.options.signal?.aborted) return;
    throw new ClusterTimeoutError(
      this.cluster,
      'timeout',
      `the run's deadline passed while trying to ${req.operation}`,
      {
        operation: req.operation,
      },
      cause === undefined ? undefined : { cause },
    );
  }

  private error(failure: Failure, req: KubeRequest, attempts: number): ClusterAccessError {
    const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
    const message = `${failure.message} while trying to ${req.operation}${tries}`;
    const details = {
      attempts,
      operation: req.operation,
      ...(failure.status ? { status: failure.status } : {}),
      ...(failure.limit ? { limit: failure.limit } : {}),
    };
    const ErrorClass = errorClasses[failure.kind];
    return new ErrorClass(
      this.cluster,
      failure.kind,
      message,
      details,
      failure.cause === undefined ? undefined : { cause: failure.cause },
    );
  }
}

const USER_AGENT = userAgent();

interface Failure {
  kind: ClusterErrorKind;
  message: string;
  status?: number;
  retryable?: boolean;
  /** The read limit that was exceeded, for `limit` failures. */
  limit?: string;
  cause?: unknown;
}

const errorClasses: Record<ClusterErrorKind, typeof ClusterUnauthorizedError> = {
  unauthorized: ClusterUnauthorizedError,
  forbidden: ClusterForbiddenError,
  unreachable: ClusterUnreachableError,
  timeout: ClusterTimeoutError,
  throttled: ClusterThrottledError,
  server: ClusterServerError,
  request: ClusterRequestError,
  listExpired: ClusterListExpiredError,
  protocol: ClusterProtocolError,
  limit: ClusterLimitError,
  credentials: ClusterCredentialsError,
};

function isClusterError(err: unknown): err is ClusterAccessError {
  return err instanceof Error && 'cluster' in err && 'kind' in err;
}

/** The `message` of a Kubernetes Status body, when the body is one. */
export function statusMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { kind?: string; message?: unknown };
    return body.kind === 'Status' && typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

function statusFailure(res: KubeResponse): Failure {
  const detail = statusMessage(res.text);
  const suffix = detail ? `: ${detail}` : '';
  const status = res.status;
  if (status === 401)
    return {
      kind: 'unauthorized',
      status,
      message: 'unauthorized (401): the cluster refused the credentials',
    };
  if (status === 403) return { kind: 'forbidden', status, message: `forbidden (403)${suffix}` };
  if (status === 429) return { kind: 'throttled', status, message: `throttled (429)${suffix}` };
  if (status >= 500) return { kind: 'server', status, message: `server error (${status})${suffix}` };
  return { kind: 'request', status, message: `request failed (${status})${suffix}` };
}

function limitFailure(err: ReadLimitExceeded): Failure {
  return { kind: 'limit', retryable: false, message: err.message, limit: err.limit };
}

const tlsErrorCodes = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

function transportFailure(err: unknown): Failure {
  const code = (err as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : '';
  if (codeText === 'ERR_STRING_TOO_LONG') {
    // A body longer than V8 allows a string to be will be as long next time.
    return { kind: 'limit', retryable: false, message: 'response too large for a string', cause: err };
  }
  if (tlsErrorCodes.test(codeText)) {
    // A certificate that fails verification will fail again: report it at once.
    return {
      kind: 'unreachable',
      retryable: false,
      message: `TLS verification failed (${codeText})`,
      cause: err,
    };
  }
  const reason = err instanceof Error ? err.message : String(err);
  return {
    kind: 'unreachable',
    retryable: true,
    message: `unreachable (${codeText || 'connection error'}): ${reason}`,
    cause: err,
  };
}

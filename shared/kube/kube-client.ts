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
import { ConnectTimeoutError, sendBounded } from './bounded-response.ts';
import {
  credentialsFailureMessage,
  type ExecConfig,
  forbiddenMessage,
  networkHint,
  rbacRequestOf,
  unauthorizedHint,
} from './failure-hints.ts';
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
  /**
   * Per new connection: DNS, TCP and the TLS handshake (default 10 s). A black-holed endpoint then fails
   * an attempt in this time, not in the request timeout; connections reused from the pool are not bound.
   */
  connectTimeoutMs?: number | undefined;
  /** Aborts everything: the run's deadline (Lambda remaining time, CLI timeout). */
  signal?: AbortSignal;
  /** Caps on what one cluster may make the client read (defaults: `defaultReadLimits`). */
  limits?: Partial<ReadLimits>;
  /** Random source for backoff jitter (tests make it deterministic). */
  random?: () => number;
  /** Called before each retry, for logs and metrics. */
  onRetry?: (info: { operation: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** The connect timeout when none is given: the CLI's `--connect-timeout` default and the functions'. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

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
  private readonly connectTimeoutMs: number;
  /** The server URL as messages show it: without user info (some kubeconfigs carry a password there). */
  private readonly shownUrl: string;
  /** Credentials being produced: concurrent requests share one exec plugin run (see authenticate). */
  private authInFlight: Promise<Credentials> | undefined;
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
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.shownUrl = withoutUserInfo(this.serverUrl);
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
        failure = this.statusFailure(res, req);
        if (!retryableStatuses.has(res.status)) throw this.error(failure, req, attempt);
        retryAfter = res.headers['retry-after'];
      } catch (err) {
        if (isClusterError(err)) throw err;
        // A limit holds whatever the server sends next: report it at once, even if the run was aborted meanwhile.
        if (err instanceof ReadLimitExceeded) throw this.error(limitFailure(err), req, attempt);
        this.throwIfAborted(req, err);
        failure =
          err instanceof ConnectTimeoutError
            ? {
                kind: 'unreachable',
                retryable: true,
                message: `unreachable: cannot connect to ${this.shownUrl}: ${err.message}`,
                hint: networkHint(this.shownUrl),
                cause: err,
              }
            : timeout.aborted
              ? {
                  kind: 'timeout',
                  retryable: true,
                  message: `no response within ${this.requestTimeoutMs} ms`,
                  hint: `the API server at ${this.shownUrl} accepted the connection but did not answer in time`,
                  cause: err,
                }
              : transportFailure(err, this.shownUrl);
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
    const auth = await this.authenticate(req);
    for (const [name, value] of Object.entries(auth.headers)) ctx.setHeaderParam(name, value);
    if (auth.agent) ctx.setAgent(auth.agent);
    const agent = await this.keepAliveAgent();
    if (agent) ctx.setAgent(agent);
    this.stats.requests++;
    // The Date header is read as the headers arrive: that is when the server wrote it.
    return sendBounded(
      ctx,
      signal,
      this.limits,
      (headers) => this.clock.observe(headers.date, Date.now()),
      this.connectTimeoutMs,
    );
  }

  /**
   * The credentials for one request. Requests that ask at the same time share one answer, so the lists
   * of a snapshot (sent together) run an exec plugin once, not once each. A failure is a credentials
   * error, never retried: an expired SSO session or a missing plugin fails the same way every time, and is
   * not the network's fault.
   */
  private authenticate(req: KubeRequest): Promise<Credentials> {
    this.authInFlight ??= (async () => {
      const scratch = this.server.makeRequestContext('/', 'GET' as HttpMethod);
      try {
        await this.kubeConfig.applySecurityAuthentication(scratch);
      } catch (cause) {
        const exec = this.kubeConfig.getCurrentUser()?.exec as ExecConfig | undefined;
        throw this.error(
          {
            kind: 'credentials',
            message: `could not get credentials for ${this.shownUrl}`,
            hint: credentialsFailureMessage(exec, cause),
            cause,
          },
          req,
          1,
        );
      }
      return { headers: { ...scratch.getHeaders() }, agent: scratch.getAgent() };
    })().finally(() => {
      this.authInFlight = undefined;
    });
    return this.authInFlight;
  }

  private statusFailure(res: KubeResponse, req: KubeRequest): Failure {
    const status = res.status;
    if (status === 401) {
      const exec = this.kubeConfig.getCurrentUser()?.exec as ExecConfig | undefined;
      return {
        kind: 'unauthorized',
        status,
        message: `unauthorized (401): ${this.shownUrl} refused the credentials`,
        hint: unauthorizedHint(exec),
      };
    }
    if (status === 403)
      return {
        kind: 'forbidden',
        status,
        message: forbiddenMessage(rbacRequestOf(req.method, req.path), statusBody(res.text)),
      };
    return statusFailure(res);
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
    const hint = failure.hint ? `; ${failure.hint}` : '';
    const message = `${failure.message} while trying to ${req.operation}${tries}${hint}`;
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

/** What client-node's authentication put on a request: headers (Authorization) and its agent. */
interface Credentials {
  headers: Record<string, string>;
  agent: http.Agent | undefined;
}

interface Failure {
  kind: ClusterErrorKind;
  message: string;
  status?: number;
  retryable?: boolean;
  /** The read limit that was exceeded, for `limit` failures. */
  limit?: string;
  /** What to try, appended after the attempts. */
  hint?: string;
  cause?: unknown;
}

/** `https://user:pass@host/` → `https://host` (a URL that does not parse is shown as it is; redaction still applies). */
function withoutUserInfo(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return url;
  }
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
  return statusBody(text)?.message;
}

/** A Kubernetes Status body's message and details, when the body is one. */
function statusBody(
  text: string,
): { message?: string; details?: { group?: unknown; kind?: unknown } } | undefined {
  try {
    const body = JSON.parse(text) as { kind?: string; message?: unknown; details?: unknown };
    if (body.kind !== 'Status') return undefined;
    const details = typeof body.details === 'object' && body.details !== null ? body.details : undefined;
    return {
      ...(typeof body.message === 'string' ? { message: body.message } : {}),
      ...(details ? { details: details as { group?: unknown; kind?: unknown } } : {}),
    };
  } catch {
    return undefined;
  }
}

function statusFailure(res: KubeResponse): Failure {
  const detail = statusMessage(res.text);
  const suffix = detail ? `: ${detail}` : '';
  const status = res.status;
  if (status === 429) return { kind: 'throttled', status, message: `throttled (429)${suffix}` };
  if (status >= 500) return { kind: 'server', status, message: `server error (${status})${suffix}` };
  return { kind: 'request', status, message: `request failed (${status})${suffix}` };
}

function limitFailure(err: ReadLimitExceeded): Failure {
  return { kind: 'limit', retryable: false, message: err.message, limit: err.limit };
}

const tlsErrorCodes = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/** Failures a retry a moment later will not cure: the name does not exist. (EAI_AGAIN is transient.) */
const permanentCodes = new Set(['ENOTFOUND']);

function transportFailure(err: unknown, serverUrl: string): Failure {
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
      message: `TLS verification failed (${codeText}) for ${serverUrl}`,
      hint: "check the cluster's certificate-authority in the kubeconfig (a proxy that intercepts TLS also causes this)",
      cause: err,
    };
  }
  if (codeText === 'ENOTFOUND' || codeText === 'EAI_AGAIN')
    return {
      kind: 'unreachable',
      retryable: !permanentCodes.has(codeText),
      message: `unreachable: cannot resolve the host of ${serverUrl} (${codeText})`,
      hint: `${networkHint(serverUrl)} (a private endpoint's name resolves only inside its VPC)`,
      cause: err,
    };
  const reason = err instanceof Error ? err.message : String(err);
  return {
    kind: 'unreachable',
    retryable: true,
    message: codeText
      ? `unreachable: cannot connect to ${serverUrl} (${codeText})`
      : `unreachable: cannot connect to ${serverUrl}: ${reason}`,
    hint: networkHint(serverUrl),
    cause: err,
  };
}

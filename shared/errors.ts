import { redactSecrets } from './redaction.ts';

/**
 * The errors lease-reaper raises. Every message is safe to log: none carries a token, a kubeconfig or a
 * response header. Cluster errors name the cluster so a fleet run can report them per cluster.
 */
export class LeaseReaperError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options);
    this.name = new.target.name;
  }
}

/** Bad configuration: the run cannot start. The message names the field. */
export class ConfigError extends LeaseReaperError {}

export type ClusterErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'unreachable'
  | 'timeout'
  | 'throttled'
  | 'server'
  | 'request'
  | 'listExpired'
  | 'protocol'
  | 'limit'
  | 'credentials';

/** A cluster could not be read or written. One such error fails that cluster, never the whole run. */
export class ClusterAccessError extends LeaseReaperError {
  constructor(
    readonly cluster: string,
    readonly kind: ClusterErrorKind,
    message: string,
    readonly details: { status?: number; attempts?: number; operation?: string; limit?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(`cluster "${cluster}": ${message}`, options);
  }
}

/** 401: the credentials were refused (expired token, wrong cluster). */
export class ClusterUnauthorizedError extends ClusterAccessError {}
/** 403: RBAC does not allow the operation. */
export class ClusterForbiddenError extends ClusterAccessError {}
/** Connection refused, reset, DNS or TLS failure, after retries. */
export class ClusterUnreachableError extends ClusterAccessError {}
/** Requests timed out after retries, or the run's deadline passed. */
export class ClusterTimeoutError extends ClusterAccessError {}
/** 429 from API Priority and Fairness after retries. */
export class ClusterThrottledError extends ClusterAccessError {}
/** 5xx after retries. */
export class ClusterServerError extends ClusterAccessError {}
/** Another 4xx the request cannot recover from (400, 404 on a list, 422…). */
export class ClusterRequestError extends ClusterAccessError {}
/** A paginated list kept expiring (410) faster than it could be read. */
export class ClusterListExpiredError extends ClusterAccessError {}
/** The server answered something that is not the Kubernetes API (bad JSON, wrong shape). */
export class ClusterProtocolError extends ClusterAccessError {}
/**
 * The cluster's answers exceeded a read limit (response bytes, inflated bytes, pages or items of a list):
 * never retried, since a hostile or broken server would only send the same again. The message names
 * the limit and its value.
 */
export class ClusterLimitError extends ClusterAccessError {}
/** The way to the cluster could not be set up: AWS credentials, DescribeCluster, the kubeconfig secret. */
export class ClusterCredentialsError extends ClusterAccessError {}

/** Re-exported: the base class applies it, and existing callers import it from here. */
export { redactSecrets };

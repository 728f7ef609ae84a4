import { SeededRandom } from './random.ts';

/** What a fault does to a request that matches it. */
export type FaultAction =
  /** API Priority and Fairness rejecting the request: 429 with `Retry-After`. */
  | { type: 'throttle'; retryAfterSeconds: number }
  /** A server error Status (500, 502, 503, 504). */
  | { type: 'error'; status: number }
  /** Added latency before the request is served (combines with other faults). */
  | { type: 'latency'; ms: number }
  /** The connection is destroyed without a response. */
  | { type: 'drop' }
  /** The continue token is treated as expired: 410 Gone, reason Expired. */
  | { type: 'expireContinue' }
  /**
   * Hostile, not kube-apiserver: a server (or an authenticating proxy or webhook in front of one) that quotes
   * the credential the request carried back to the caller, in an error Status of `status` and in a
   * `Warning` header (see credentialEcho). kube-apiserver never writes a request's Authorization into a
   * response; a client must survive a path that does without printing the credential.
   */
  | { type: 'echoCredential'; status: number };

/** The facts about a request that a fault can match on. */
export interface FaultRequest {
  method: string;
  path: string;
  hasContinue: boolean;
}

export interface FaultMatch {
  method?: string;
  /** A path prefix, or a pattern. */
  path?: string | RegExp;
  /** Only requests that carry (true) or lack (false) a continue token. */
  hasContinue?: boolean;
}

export interface FaultRule {
  action: FaultAction;
  match?: FaultMatch;
  /** Chance that a matching request is hit (default 1). */
  probability?: number;
  /** Let this many matching requests through before the rule starts hitting (default 0). */
  after?: number;
  /** Hit at most this many requests, then the rule retires (default: unlimited). */
  times?: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  hits: number;
}

/** Decides which injected faults apply to each request; deterministic for a given seed and request order. */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private readonly random: SeededRandom;
  /** How many requests each fault type has hit, for tests to assert that a fault really happened. */
  readonly hits: Record<FaultAction['type'], number> = {
    throttle: 0,
    error: 0,
    latency: 0,
    drop: 0,
    expireContinue: 0,
    echoCredential: 0,
  };

  constructor(seed = 1) {
    this.random = new SeededRandom(seed);
  }

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const active: ActiveRule = { ...rule, seen: 0, hits: 0 };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** The faults for one request: total added latency, and at most one failure (the first rule that hits). */
  decide(req: FaultRequest): { latencyMs: number; failure?: Exclude<FaultAction, { type: 'latency' }> } {
    let latencyMs = 0;
    let failure: Exclude<FaultAction, { type: 'latency' }> | undefined;
    for (const rule of this.rules) {
      if (!matches(rule.match, req)) continue;
      if (rule.action.type !== 'latency' && failure) continue;
      rule.seen += 1;
      if (rule.seen <= (rule.after ?? 0)) continue;
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      if (rule.probability !== undefined && this.random.next() >= rule.probability) continue;
      rule.hits += 1;
      this.hits[rule.action.type] += 1;
      if (rule.action.type === 'latency') latencyMs += rule.action.ms;
      else failure = rule.action;
    }
    return failure ? { latencyMs, failure } : { latencyMs };
  }
}

function matches(match: FaultMatch | undefined, req: FaultRequest): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== req.method) return false;
  if (match.hasContinue !== undefined && match.hasContinue !== req.hasContinue) return false;
  if (match.path instanceof RegExp) return match.path.test(req.path);
  if (typeof match.path === 'string') return req.path.startsWith(match.path);
  return true;
}

/** The reason kube-apiserver gives each status code (k8s.io/apimachinery `pkg/api/errors/errors.go`). */
const reasons: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** What an `echoCredential` fault answers. */
export interface CredentialEcho {
  status: number;
  reason: string;
  /** The Status message: the credential bare (only known by value) and as an Authorization header. */
  message: string;
  /** A `Warning` header value (`299 - "text"`, k8s.io/apimachinery `pkg/util/net/http.go`) quoting it. */
  warning: string;
}

/**
 * The answer of an `echoCredential` fault to a request carrying `authorization`: the credential is the
 * bearer token (the whole header for another scheme). The message quotes it twice — bare after
 * "credential", where only its value gives it away, and as `Authorization: Bearer …`, where its shape does.
 */
export function credentialEcho(status: number, authorization: string | undefined): CredentialEcho {
  const header = authorization ?? '';
  const credential = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? header;
  return {
    status,
    reason: reasons[status] ?? 'InternalError',
    message: `the gateway refused the request for credential ${credential} (it received Authorization: ${header})`,
    warning: `299 - "credential ${credential} will stop working soon"`,
  };
}

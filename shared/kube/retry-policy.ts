/** How a cluster client retries: bounded attempts, exponential backoff with full jitter, Retry-After honoured. */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles each time. */
  baseDelayMs: number;
  /** Cap on one backoff delay. */
  maxDelayMs: number;
  /** Cap on a server's Retry-After (API Priority and Fairness sends 1–32 s). */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 32_000,
};

/** Statuses worth another attempt: throttling and transient server failures. */
export const retryableStatuses: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * The delay before attempt `attempt + 1` (attempt counts from 1). A server's Retry-After is obeyed as
 * sent (client-go does the same); otherwise full jitter spreads retries of many clients apart.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterHeader: string | undefined,
  random: () => number,
): number {
  const retryAfter = parseRetryAfter(retryAfterHeader);
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After in seconds (the apiserver's form) or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse accepts junk like "1.5" or "foo 1"; only a real HTTP-date may stand for a time.
  if (!isHttpDate(trimmed)) return undefined;
  return Math.max(0, Date.parse(trimmed) - nowMs);
}

/** IMF-fixdate, the HTTP-date form servers send: `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function isHttpDate(value: string): boolean {
  return (
    /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

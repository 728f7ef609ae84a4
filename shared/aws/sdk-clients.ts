/** How an AWS SDK client of lease-reaper is built: its region and endpoint (a local stand-in in tests). */
export interface SdkClientOptions {
  region?: string;
  endpoint?: string;
  /** Attempts per call, the first included; 4 by default. */
  maxAttempts?: number;
}

/**
 * The configuration every publishing client (CloudWatch, EventBridge, DynamoDB) is built with: the SDK's
 * own retry strategy (standard mode, with backoff) handles throttling, so callers do not retry.
 */
export function retryingClientConfig(options: SdkClientOptions = {}) {
  return {
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'standard',
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
}

/**
 * A client, or the promise of one while its SDK loads, to await at first use: a failure to load surfaces
 * there, for that call to handle, and never as an unhandled rejection before it.
 */
export function clientAtFirstUse<T>(clientOrPending: T | Promise<T>): Promise<T> {
  const pending = Promise.resolve(clientOrPending);
  pending.catch(() => {});
  return pending;
}

/**
 * Splits items into requests within an API's limits on count and size (PutMetricData, PutEvents), in
 * order: a request is closed when one more item would pass either. An item larger than `maxBytes` goes
 * in a request of its own, for the API to refuse. Pure.
 */
export function sizedBatches<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  maxCount: number,
  maxBytes: number,
): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { SeededRandom } from './random.ts';

/**
 * Wire behaviour a real kube-apiserver shows that most tests do not want by default: gzip for large
 * responses, and API Priority and Fairness headers and rejections. (`Warning` headers for unknown fields
 * are always on: sim/lease-codec.ts.) The simulated cluster
 * turns these on with `realistic: true` (SimClusterOptions) or `lease-reaper sim --realistic`.
 */
export interface Realism {
  /** The UIDs APF names in its response headers (deterministic from the cluster's seed). */
  flowSchemaUid: string;
  priorityLevelUid: string;
}

export function createRealism(seed: number): Realism {
  const r = new SeededRandom(seed ^ 0x5eed);
  return { flowSchemaUid: r.uuid(), priorityLevelUid: r.uuid() };
}

const realisticResponses = new WeakMap<ServerResponse, Realism>();

/** Marks a response as served by a realistic cluster: later writes follow the real server's wire rules. */
export function markRealistic(res: ServerResponse, realism: Realism | undefined): void {
  if (realism) realisticResponses.set(res, realism);
}

/**
 * staging/src/k8s.io/apiserver/pkg/server/filters/priority-and-fairness.go setResponseHeaders: every request
 * APF classified carries the UIDs (not the names) of its FlowSchema and PriorityLevelConfiguration.
 */
export function setApfHeaders(res: ServerResponse): void {
  const realism = realisticResponses.get(res);
  if (!realism || res.headersSent) return;
  res.setHeader('X-Kubernetes-PF-FlowSchema-UID', realism.flowSchemaUid);
  res.setHeader('X-Kubernetes-PF-PriorityLevel-UID', realism.priorityLevelUid);
}

/**
 * An APF rejection as priority-and-fairness.go sends it: the classification headers, then
 * tooManyRequests (filters/maxinflight.go): `Retry-After` and a plain-text body from Go's http.Error (not
 * a Status object). Returns false when the response is not realistic (the caller answers a Status).
 */
export function rejectByApf(res: ServerResponse, retryAfterSeconds: number, date: string): boolean {
  if (!realisticResponses.has(res)) return false;
  setApfHeaders(res);
  res.sendDate = false;
  const text = 'Too many requests, please try again later.\n';
  res.writeHead(429, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Retry-After': String(retryAfterSeconds),
    'Content-Length': Buffer.byteLength(text),
    Date: date,
  });
  res.end(text);
  return true;
}

/**
 * responsewriters/writers.go defaultGzipThresholdBytes: a response larger than 128 KiB is gzip-compressed
 * when the client accepts gzip (Content-Encoding: gzip, Vary: Accept-Encoding, sent chunked without a
 * Content-Length).
 */
export const gzipThresholdBytes = 128 * 1024;

function acceptsGzip(res: ServerResponse): boolean {
  const header = res.req?.headers['accept-encoding'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => part.split(';')[0]?.trim().toLowerCase() === 'gzip');
}

/**
 * Writes a response. On a realistic cluster a body over the gzip threshold is compressed for clients that
 * accept gzip, and a body the Go HTTP server would not buffer whole (over 2 KiB, net/http's
 * bufferBeforeChunkingSize) goes out chunked instead of with a Content-Length.
 */
export function writeResponse(
  res: ServerResponse,
  code: number,
  headers: Record<string, string | number>,
  body: string,
): void {
  if (!realisticResponses.has(res)) {
    res.writeHead(code, { ...headers, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  setApfHeaders(res);
  const bytes = Buffer.from(body);
  if (bytes.length > gzipThresholdBytes && acceptsGzip(res)) {
    res.writeHead(code, { ...headers, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
    // Level 1, as writers.go defaultGzipContentEncodingLevel.
    res.end(gzipSync(bytes, { level: 1 }));
    return;
  }
  if (bytes.length > 2048) {
    res.writeHead(code, headers);
    res.end(bytes);
    return;
  }
  res.writeHead(code, { ...headers, 'Content-Length': bytes.length });
  res.end(bytes);
}

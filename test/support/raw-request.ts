import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { SimCluster } from '../../sim/cluster.ts';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  body: string;
  /** The body's bytes as received (still gzip-compressed if the server sent Content-Encoding: gzip). */
  bytes: Buffer;
}

export interface RawRequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Bearer token (default: the admin's); `null` sends none. */
  token?: string | null;
}

/**
 * One HTTPS request to a simulated cluster exactly as given — for what a typed client cannot send or
 * hides (malformed bodies, odd headers, the raw Status of a 401). TLS is verified against the sim's CA;
 * every request has a connection of its own (no keep-alive pool between requests or simulated clusters).
 */
export function rawRequest(
  sim: SimCluster,
  method: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const token = options.token === undefined ? sim.tokens.admin : options.token;
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, sim.url),
      {
        method,
        ca: sim.caCertPem,
        agent: false,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          // Node frames no body of a DELETE unless told its length (it does not chunk DELETE by default).
          ...(options.body !== undefined
            ? { 'Content-Length': String(Buffer.byteLength(options.body)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

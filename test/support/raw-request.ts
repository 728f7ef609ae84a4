import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { SimCluster } from '../../sim/cluster.ts';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Bearer token (default: the admin's); `null` sends none. */
  token?: string | null;
}

/**
 * One HTTPS request to a simulated cluster exactly as given — for what a typed client cannot send or
 * hides (malformed bodies, odd headers, the raw Status of a 401). TLS is verified against the sim's CA.
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
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

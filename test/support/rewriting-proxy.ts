import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SimCluster } from '../../sim/cluster.ts';
import { generateSimTls } from '../../sim/tls.ts';

export interface RewritingProxy {
  /** https://127.0.0.1:<port> */
  url: string;
  /** A kubeconfig (JSON) for the proxy: its own CA, the sim's admin token, context named like the sim. */
  kubeconfig: string;
  /** How many responses `rewrite` changed. */
  rewritten(): number;
  close(): Promise<void>;
}

/**
 * An HTTPS proxy in front of a simulated cluster (its own CA, verified by the client; the sim's CA verified
 * by the proxy) that forwards every request as is and passes each JSON response of a GET through
 * `rewrite(path, body)`: a broken or hostile cluster (or proxy) whose answers differ from what the store
 * holds. `rewrite` returns the new body, or undefined to pass the response on untouched.
 */
export async function startRewritingProxy(
  sim: SimCluster,
  rewrite: (path: string, body: Record<string, unknown>) => Record<string, unknown> | undefined,
): Promise<RewritingProxy> {
  const tls = await generateSimTls();
  const target = new URL(sim.url);
  let changed = 0;
  const server = https.createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
      // Uncompressed answers, so a JSON body can be read and rewritten.
      headers['accept-encoding'] = 'identity';
      const upstream = https.request(
        {
          hostname: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers,
          ca: sim.caCertPem,
          agent: false,
        },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            let out = Buffer.concat(parts);
            const path = new URL(req.url ?? '/', 'https://proxy').pathname;
            if (
              req.method === 'GET' &&
              up.statusCode === 200 &&
              /json/.test(up.headers['content-type'] ?? '')
            ) {
              const next = rewrite(path, JSON.parse(out.toString('utf8')) as Record<string, unknown>);
              if (next !== undefined) {
                changed++;
                out = Buffer.from(JSON.stringify(next));
              }
            }
            const { 'content-length': _length, 'transfer-encoding': _chunked, ...rest } = up.headers;
            res.writeHead(up.statusCode ?? 502, { ...rest, 'content-length': String(out.byteLength) });
            res.end(out);
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      upstream.end(body.byteLength > 0 ? body : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const doc = JSON.parse(sim.kubeconfig()) as {
    clusters: { cluster: Record<string, string> }[];
  };
  for (const c of doc.clusters) {
    c.cluster.server = url;
    c.cluster['certificate-authority-data'] = Buffer.from(tls.caCertPem).toString('base64');
  }
  return {
    url,
    kubeconfig: JSON.stringify(doc),
    rewritten: () => changed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateSimTls } from '../../sim/tls.ts';

export interface HostileCluster {
  /** https://127.0.0.1:<port> */
  url: string;
  /** Its CA, base64 PEM (a kubeconfig's certificate-authority-data). */
  caData: string;
  close(): Promise<void>;
}

/**
 * An HTTPS server (its own CA, verified by the client) that answers every request with `answer`: a cluster,
 * or a proxy in front of one, that does not answer as kube-apiserver does.
 */
export async function startAnsweringServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<HostileCluster> {
  const tls = await generateSimTls();
  const server = https.createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (req, res) => {
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caData: Buffer.from(tls.caCertPem).toString('base64'),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Answers every request with a 403 Status whose message is `echo(request)`: a cluster — or a proxy in front
 * of one — that echoes credentials back.
 */
export function startHostileCluster(echo: (req: IncomingMessage) => string): Promise<HostileCluster> {
  return startAnsweringServer((req, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: echo(req),
        reason: 'Forbidden',
        code: 403,
      }),
    );
  });
}

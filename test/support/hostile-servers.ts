import { spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { build } from 'esbuild';
import type { KubeClientOptions } from '../../shared/kube/kube-client.ts';
import { generateSimTls } from '../../sim/tls.ts';

/**
 * API servers that misbehave on purpose, to show that one hostile cluster costs lease-reaper a typed
 * error for that cluster and a bounded amount of time and memory, never the fleet run. Each answers the
 * lease list with its misbehaviour and every other list (Nodes, Pods) with an empty list. Bodies are
 * generated as they are sent and never held whole, so the server stays small whatever it sends.
 */
export const hostileKinds = [
  'endless-pages',
  'repeated-continue',
  'gzip-bomb',
  'huge-body',
  'endless-chunked',
  'million-items',
  'slow-drip',
  'duplicate-items',
  'skewed-date',
] as const;
export type HostileKind = (typeof hostileKinds)[number];

export const hostileDescriptions: Record<HostileKind, string> = {
  'endless-pages': 'a fresh continue token on every page, forever (1 lease a page)',
  'repeated-continue': 'page 2 returns the continue token of page 1',
  'gzip-bomb': '2 MiB gzip that inflates to 2 GiB of JSON whitespace',
  'huge-body': 'a 2 GiB body with its Content-Length, generated on the fly',
  'endless-chunked': 'a chunked lease list that never ends',
  'million-items': '1,000,000 leases in pages of the requested limit',
  'slow-drip': 'one byte every 100 ms',
  'duplicate-items': 'the same lease on page 1 and page 2',
  'skewed-date': 'a valid, empty cluster whose Date header is 40 days ahead',
};

/** How to reach a cluster from a child process (the CA as PEM, a bearer token). */
export interface ClusterEndpoint {
  name: string;
  server: string;
  caCertPem: string;
  token: string;
}

export interface HostileServer extends ClusterEndpoint {
  kind: HostileKind;
  /** Requests received and body bytes written so far. */
  stats: { requests: number; bytesWritten: number };
  close(): Promise<void>;
}

export const SKEW_MS = 40 * 24 * 3600_000;
const LEASES = '/apis/coordination.k8s.io/v1/leases';
const listHead =
  '{"kind":"LeaseList","apiVersion":"coordination.k8s.io/v1","metadata":{"resourceVersion":"7"';

function leaseJson(i: number, uid = `uid-${i}`): string {
  const name = `lease-${String(i).padStart(7, '0')}`;
  return `{"metadata":{"name":"${name}","namespace":"hostile","uid":"${uid}","resourceVersion":"${i + 10}"},"spec":{"holderIdentity":"${name}-holder","leaseDurationSeconds":15,"renewTime":"2026-01-01T00:00:00.000000Z"}}`;
}

function page(items: readonly string[], next?: string): string {
  const token = next ? `,"continue":"${next}"` : '';
  return `${listHead}${token}},"items":[${items.join(',')}]}`;
}

const emptyList = '{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]}';

/** Writes `next()` chunks until it returns undefined or the client goes away, respecting backpressure. */
function stream(res: ServerResponse, next: () => Buffer | string | undefined): void {
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const pump = (): void => {
    while (!closed) {
      const chunk = next();
      if (chunk === undefined) {
        res.end();
        return;
      }
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/** 2 GiB of `{"items":[` + spaces as 2048 gzip members of 1 MiB each: ~2 MiB on the wire. */
function gzipBomb(): Buffer {
  const head = zlib.gzipSync(`${listHead}},"items":[`);
  const member = zlib.gzipSync(Buffer.alloc(1024 * 1024, ' '), { level: 9 });
  return Buffer.concat([head, ...Array.from({ length: 2048 }, () => member)]);
}

export async function startHostileServer(kind: HostileKind): Promise<HostileServer> {
  const tls = await generateSimTls();
  const stats = { requests: 0, bytesWritten: 0 };
  const bomb = kind === 'gzip-bomb' ? gzipBomb() : undefined;
  const server = https.createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'https://hostile');
    const socketBytesAtStart = req.socket.bytesWritten;
    res.on('close', () => {
      stats.bytesWritten += req.socket.bytesWritten - socketBytesAtStart;
    });
    const json = { 'Content-Type': 'application/json' };
    if (kind === 'skewed-date') res.setHeader('Date', new Date(Date.now() + SKEW_MS).toUTCString());
    if (url.pathname !== LEASES || kind === 'skewed-date') {
      res.writeHead(200, json);
      res.end(emptyList);
      return;
    }
    const token = url.searchParams.get('continue') ?? '';
    const limit = Number(url.searchParams.get('limit') ?? '500');
    switch (kind) {
      case 'endless-pages': {
        const n = token ? Number(token.slice(5)) + 1 : 0;
        res.writeHead(200, json);
        res.end(page([leaseJson(n)], `page-${n}`));
        return;
      }
      case 'repeated-continue': {
        res.writeHead(200, json);
        res.end(page([leaseJson(token ? 1 : 0)], 'the-same-token'));
        return;
      }
      case 'duplicate-items': {
        res.writeHead(200, json);
        // The copy on page 2 is the same lease with another uid: a stale read a planner must never act on.
        res.end(
          token ? page([leaseJson(0, 'uid-stale'), leaseJson(2)]) : page([leaseJson(0), leaseJson(1)], 'p2'),
        );
        return;
      }
      case 'million-items': {
        const total = 1_000_000;
        const start = token ? Number(token.slice(5)) : 0;
        const end = Math.min(total, start + limit);
        const items = Array.from({ length: end - start }, (_, k) => leaseJson(start + k));
        res.writeHead(200, json);
        res.end(page(items, end < total ? `from-${end}` : undefined));
        return;
      }
      case 'gzip-bomb': {
        res.writeHead(200, { ...json, 'Content-Encoding': 'gzip', 'Content-Length': String(bomb?.length) });
        res.end(bomb);
        return;
      }
      case 'huge-body': {
        const size = 2 * 1024 ** 3;
        const block = Buffer.alloc(1024 * 1024, ' ');
        let sent = 0;
        res.writeHead(200, { ...json, 'Content-Length': String(size) });
        stream(res, () => {
          if (sent >= size) return undefined;
          sent += block.length;
          return block;
        });
        return;
      }
      case 'endless-chunked': {
        // Rendered once: the server must outpace the client, or the per-attempt timeout ends the case first.
        const block = Buffer.from(`${Array.from({ length: 2000 }, (_, i) => leaseJson(i)).join(',')},`);
        res.writeHead(200, json);
        res.write(`${listHead}},"items":[`);
        stream(res, () => block);
        return;
      }
      case 'slow-drip': {
        const body = page([leaseJson(0)]);
        let i = 0;
        res.writeHead(200, { ...json, 'Content-Length': String(body.length) });
        const timer = setInterval(() => {
          if (i < body.length) res.write(body[i++] ?? '');
          else {
            clearInterval(timer);
            res.end();
          }
        }, 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    kind,
    name: `hostile-${kind}`,
    server: `https://127.0.0.1:${port}`,
    caCertPem: tls.caCertPem,
    token: 'hostile-token',
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A black-holed endpoint: a TCP server that accepts connections and never says a word, so a TLS handshake
 * never completes — what a client sees of a private EKS endpoint from outside its VPC or with the VPN down
 * (packets dropped, nothing refused). `connections` counts the attempts that reached it.
 */
export async function startBlackHole(): Promise<{
  server: string;
  connections: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server: `https://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What the child process reports: each cluster's outcome, its wall time and its peak RSS. */
export interface HostileAuditRun {
  results: {
    cluster: string;
    status: 'ok' | 'error';
    error?: { kind: string; message: string };
    leases?: number;
    nodes?: number;
    findings?: number;
    skewMs?: number;
  }[];
  wallMs: number;
  /** Peak RSS of the child: the larger of `resourceUsage().maxRSS` and 20 ms samples of `memoryUsage().rss`. */
  peakRssMb: number;
}

let bundled: Promise<string> | undefined;

/** Bundles the child once per process, as the CLI is bundled, so it starts without a TypeScript loader. */
function childBundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(tmpdir(), `lease-reaper-hostile-${process.pid}.mjs`);
    await build({
      entryPoints: [join(import.meta.dirname, 'hostile-audit-child.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    return outfile;
  })();
  return bundled;
}

/**
 * Audits `clusters` in a fresh process through `auditClusters` (the function the CLI and the audit handler
 * both run), with the CLI's V8 flags, so the peak RSS measured is the audit's alone: the hostile servers
 * run in the calling process.
 */
export async function runAuditInChild(
  clusters: readonly ClusterEndpoint[],
  client: Omit<KubeClientOptions, 'signal' | 'random' | 'onRetry'> = {},
): Promise<HostileAuditRun> {
  const file = await childBundle();
  const child = spawn(process.execPath, ['--max-semi-space-size=4', file], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(JSON.stringify({ clusters, client }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the audit child exited with ${code}: ${stderr.slice(-2000)}`);
  return JSON.parse(stdout) as HostileAuditRun;
}

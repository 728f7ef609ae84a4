import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { allVerbs, createApiHandler, readOnlyVerbs, type SimPolicyRule, type SimUser } from './api-server.ts';
import { FaultInjector } from './faults.ts';
import { ListSnapshots } from './list-snapshots.ts';
import { createRealism } from './realism.ts';
import { Renewer } from './renewer.ts';
import { buildScenario, type ScenarioSpec, type SeededReport } from './scenario.ts';
import { SimStore } from './store.ts';
import { generateSimTls } from './tls.ts';

export interface SimClusterOptions {
  /** Cluster and context name in the kubeconfig (default `sim`). */
  name?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Serve HTTPS with a generated CA (default true). Plain HTTP is for tools that cannot do TLS. */
  tls?: boolean;
  seed?: number;
  scenario?: ScenarioSpec;
  /** Keep node, identity and live leader leases renewing on schedule (default false). */
  renew?: boolean;
  /** How long continue tokens stay valid (default 5 minutes). */
  continueTtlMs?: number;
  /** The cluster's clock: a skewed clock here is what clients read from the `Date` header. */
  clock?: () => number;
  /** More bearer tokens, e.g. a user without `list` to exercise 403 on reads. */
  /** More callers: with `rules`, authorized like RBAC (group, resource, verb); else by verbs alone. */
  extraUsers?: { token: string; name: string; verbs?: readonly string[]; rules?: readonly SimPolicyRule[] }[];
  /**
   * Behave like a real kube-apiserver on the wire (default false): gzip for responses over 128 KiB when
   * the client accepts it, chunked bodies, API Priority and Fairness headers and 429s (sim/realism.ts).
   */
  realistic?: boolean;
}

/** One request as the simulated apiserver received it (without its body). */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Readonly<http.IncomingHttpHeaders>;
}

export interface SimKubeconfigOptions {
  user?: 'admin' | 'read-only';
  /** Override the server URL (e.g. to point at a proxy). */
  server?: string;
}

/** A running simulated cluster: a kube-apiserver-compatible HTTPS server over an in-memory store. */
export class SimCluster {
  readonly renewer: Renewer | undefined;
  /** The requests received so far (the last 10,000), oldest first. */
  requests: readonly RecordedRequest[] = [];

  constructor(
    readonly name: string,
    readonly url: string,
    readonly caCertPem: string | undefined,
    readonly tokens: { admin: string; readOnly: string },
    readonly store: SimStore,
    readonly faults: FaultInjector,
    readonly snapshots: ListSnapshots,
    readonly seeded: SeededReport | undefined,
    renewer: Renewer | undefined,
    private readonly server: http.Server,
  ) {
    this.renewer = renewer;
  }

  /** A kubeconfig (JSON, which kubectl and client-node read as YAML) for this cluster. */
  kubeconfig(options: SimKubeconfigOptions = {}): string {
    const user = options.user ?? 'admin';
    return JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: this.name,
            cluster: {
              server: options.server ?? this.url,
              ...(this.caCertPem
                ? { 'certificate-authority-data': Buffer.from(this.caCertPem).toString('base64') }
                : {}),
            },
          },
        ],
        users: [
          {
            name: `${this.name}-${user}`,
            user: { token: user === 'admin' ? this.tokens.admin : this.tokens.readOnly },
          },
        ],
        contexts: [{ name: this.name, context: { cluster: this.name, user: `${this.name}-${user}` } }],
        'current-context': this.name,
        preferences: {},
      },
      null,
      2,
    );
  }

  async writeKubeconfig(path: string, options: SimKubeconfigOptions = {}): Promise<void> {
    await writeFile(path, `${this.kubeconfig(options)}\n`, { mode: 0o600 });
  }

  async close(): Promise<void> {
    this.renewer?.stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // closeAllConnections() misses sockets still in their TLS handshake; those would hold close() open
    // until the keep-alive timeout, so every socket the server accepted is destroyed.
    this.server.closeAllConnections();
    for (const socket of openSockets.get(this.server) ?? []) socket.destroy();
    await closed;
  }
}

/** Every socket each server accepted and not yet closed (TCP level, before any TLS handshake). */
const openSockets = new WeakMap<http.Server, Set<Socket>>();

/** Starts a simulated cluster, seeded with a scenario when one is given. */
export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  const name = options.name ?? 'sim';
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? Date.now;
  const seed = options.seed ?? 1;
  const store = new SimStore(clock);
  const faults = new FaultInjector(seed);
  const snapshots = new ListSnapshots(clock, options.continueTtlMs);
  const tokens = {
    admin: `sim-admin-${randomBytes(16).toString('hex')}`,
    readOnly: `sim-ro-${randomBytes(16).toString('hex')}`,
  };
  const users = new Map<string, SimUser>([
    [tokens.admin, { name: 'lease-reaper-admin', verbs: allVerbs }],
    [tokens.readOnly, { name: 'lease-reaper-readonly', verbs: readOnlyVerbs }],
    ...(options.extraUsers ?? []).map((u): [string, SimUser] => [
      u.token,
      { name: u.name, verbs: new Set(u.verbs ?? []), ...(u.rules ? { rules: u.rules } : {}) },
    ]),
  ]);

  let seeded: SeededReport | undefined;
  let renewer: Renewer | undefined;
  if (options.scenario) {
    const scenario = buildScenario(options.scenario, seed, clock());
    for (const { def, obj } of scenario.objects) store.create(def, obj);
    seeded = scenario.seeded;
    renewer = new Renewer(store, scenario.renew);
    if (options.renew) renewer.start();
  }

  let address = '';
  const handler = createApiHandler({
    store,
    faults,
    users,
    snapshots,
    serverAddress: () => address,
    realism: options.realistic ? createRealism(seed) : undefined,
  });
  const requests: RecordedRequest[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // What clients sent, as an apiserver's audit log would show it: method, URL and headers, the last
    // 10,000 requests.
    if (requests.length >= 10_000) requests.shift();
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    void handler(req, res);
  };
  const useTls = options.tls ?? true;
  const tls = useTls ? await generateSimTls() : undefined;
  const server = tls
    ? https.createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, listener)
    : http.createServer(listener);
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket>();
  openSockets.set(server, sockets);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const url = `${useTls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const cluster = new SimCluster(
    name,
    url,
    tls?.caCertPem,
    tokens,
    store,
    faults,
    snapshots,
    seeded,
    renewer,
    server,
  );
  cluster.requests = requests;
  return cluster;
}

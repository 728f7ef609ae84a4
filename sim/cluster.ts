import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { allVerbs, createApiHandler, readOnlyVerbs, type SimPolicyRule, type SimUser } from './api-server.ts';
import { Discovery, simVersion } from './discovery.ts';
import { FaultInjector } from './faults.ts';
import { type CoordinatedLeaderElectionMinor, leaseCandidateVersionFor } from './lease-candidates.ts';
import { ListSnapshots } from './list-snapshots.ts';
import { createRealism } from './realism.ts';
import { Renewer } from './renewer.ts';
import { allResources, leaseCandidatesAt, type ResourceDef } from './resources.ts';
import {
  buildScenario,
  type ScenarioSpec,
  type SeededReport,
  scenarioNeedsLeaseCandidates,
} from './scenario.ts';
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
  /**
   * Serve coordination.k8s.io LeaseCandidate as kube-apiserver does when started with
   * `--feature-gates=CoordinatedLeaderElection=true --runtime-config=coordination.k8s.io/<version>=true`:
   * `kubernetesMinor` picks the release (32 serves v1alpha2, 33 and later v1beta1; `/version` then reports
   * it) and Lease writes keep spec.strategy / preferredHolder. Off by default, as in every release so far
   * (sim/lease-candidates.ts). A scenario with LeaseCandidate shapes turns it on (1.32) unless this is false.
   */
  coordinatedLeaderElection?: boolean | { kubernetesMinor: CoordinatedLeaderElectionMinor };
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
  /** The LeaseCandidate resource this cluster serves (its version), or undefined when it serves none. */
  leaseCandidates: ResourceDef | undefined = undefined;

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

  const cle = coordinatedLeaderElectionOf(options);
  const minor = cle === false ? 32 : cle.kubernetesMinor;
  const candidateDef = cle === false ? undefined : leaseCandidatesAt(leaseCandidateVersionFor(minor));
  const discovery = new Discovery(
    candidateDef ? [...allResources, candidateDef] : allResources,
    simVersion(minor),
  );

  let seeded: SeededReport | undefined;
  let renewer: Renewer | undefined;
  if (options.scenario) {
    const version = candidateDef
      ? (candidateDef.apiVersion.split('/')[1] as 'v1alpha2' | 'v1beta1')
      : undefined;
    const scenario = buildScenario(options.scenario, seed, clock(), { leaseCandidateVersion: version });
    for (const { def, obj } of scenario.objects) store.create(def, obj);
    seeded = scenario.seeded;
    renewer = new Renewer(store, scenario.renew, undefined, candidateDef);
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
    discovery,
    coordinatedLeaderElection: candidateDef !== undefined,
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
  cluster.leaseCandidates = candidateDef;
  return cluster;
}

/** The feature gate and release a cluster runs with: false, or the Kubernetes minor it emulates. */
function coordinatedLeaderElectionOf(
  options: SimClusterOptions,
): false | { kubernetesMinor: CoordinatedLeaderElectionMinor } {
  const asked = options.coordinatedLeaderElection;
  if (typeof asked === 'object') return asked;
  if (asked === true) return { kubernetesMinor: 32 };
  const needed = options.scenario !== undefined && scenarioNeedsLeaseCandidates(options.scenario);
  if (needed && asked === false) {
    throw new Error(
      'the scenario seeds LeaseCandidates, which a cluster with coordinatedLeaderElection: false cannot hold',
    );
  }
  return needed ? { kubernetesMinor: 32 } : false;
}

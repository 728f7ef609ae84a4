import { type KubeConfig, type V1Lease, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { leases } from '../../sim/resources.ts';
import { kubectlRunner } from '../support/kubectl.ts';
import { rawRequest } from '../support/raw-request.ts';
import { apis, seedLeases, simClusters } from '../support/sim.ts';

/**
 * The `watch` verb as kube-apiserver serves it (sim/watch.ts): the event stream, resourceVersion semantics
 * of the watch cache, bookmarks, selectors, the legacy /watch/ paths, Table watches, and the real kubectl
 * `get -w`.
 */

const clusters = simClusters();
const LEASES = (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;

interface WatchEvent {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: events are inspected as raw JSON
  object: any;
}

async function cluster(...namespaces: string[]) {
  const sim = await clusters.start();
  const { kc, coordination, core } = apis(sim);
  for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  return { sim, kc, coordination, core };
}

const lease = (name: string, labels?: Record<string, string>, holder = 'holder-a'): V1Lease => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A watch through client-node's Watch class: the events it delivers, and whether (and how) it ended. */
async function watch(kc: KubeConfig, path: string, query: Record<string, string | number | boolean> = {}) {
  const events: WatchEvent[] = [];
  let ended: { err: unknown } | undefined;
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (err) => {
      ended = { err };
    },
  );
  return {
    events,
    get ended() {
      return ended;
    },
    /** Waits for the n-th event (1-based) and returns the events so far. */
    async count(n: number, timeoutMs = 5000) {
      return until(
        `${n} events (have ${JSON.stringify(events.map((e) => e.type))})`,
        () => (events.length >= n ? events.slice() : undefined),
        timeoutMs,
      );
    },
    async end(timeoutMs = 5000) {
      return until('the watch to end', () => ended, timeoutMs);
    },
    stop: () => controller.abort(),
  };
}

/** A plain GET with the admin token, read to its end (watches here always carry timeoutSeconds). */
const rawGet = (sim: SimCluster, path: string, headers: Record<string, string> = {}) =>
  rawRequest(sim, 'GET', path, { headers });

const eventsOf = (body: string): WatchEvent[] =>
  body
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as WatchEvent);

describe('watch event stream', () => {
  it('delivers ADDED, MODIFIED and DELETED for creates, updates and deletes made through CoordinationV1Api', async () => {
    const { kc, coordination } = await cluster('team-a');
    const list = await coordination.listNamespacedLease({ namespace: 'team-a' });
    const w = await watch(kc, LEASES('team-a'), { resourceVersion: list.metadata?.resourceVersion ?? '' });

    const created = await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    const updated = await coordination.replaceNamespacedLease({
      name: 'a',
      namespace: 'team-a',
      body: { ...created, spec: { ...created.spec, holderIdentity: 'holder-b' } },
    });
    await coordination.deleteNamespacedLease({ name: 'a', namespace: 'team-a' });
    const after = await coordination.listNamespacedLease({ namespace: 'team-a' });

    const events = await w.count(3);
    w.stop();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events[0]?.object).toMatchObject({
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: 'a', namespace: 'team-a', resourceVersion: created.metadata?.resourceVersion },
    });
    expect(events[1]?.object.metadata.resourceVersion).toBe(updated.metadata?.resourceVersion);
    expect(events[1]?.object.spec.holderIdentity).toBe('holder-b');
    // etcd3 watcher: the deleted object's last state, at the revision of the delete.
    const deleted = events[2]?.object;
    expect(deleted.spec.holderIdentity).toBe('holder-b');
    expect(deleted.metadata.resourceVersion).toBe(after.metadata?.resourceVersion);
    expect(Number(deleted.metadata.resourceVersion)).toBeGreaterThan(
      Number(updated.metadata?.resourceVersion),
    );
  });

  it('without a resourceVersion sends a synthetic ADDED for every current object (key order), then changes', async () => {
    const { kc, coordination } = await cluster('team-a', 'team-b');
    for (const name of ['c', 'a', 'b'])
      await coordination.createNamespacedLease({ namespace: 'team-a', body: lease(name) });
    await coordination.createNamespacedLease({ namespace: 'team-b', body: lease('elsewhere') });

    const w = await watch(kc, LEASES('team-a'));
    const initial = await w.count(3);
    expect(initial.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED a',
      'ADDED b',
      'ADDED c',
    ]);
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('d') });
    const events = await w.count(4);
    w.stop();
    expect(`${events[3]?.type} ${events[3]?.object.metadata.name}`).toBe('ADDED d');
    expect(events).toHaveLength(4);
  });

  it('with resourceVersion "0" also starts with the current state', async () => {
    const { kc, coordination } = await cluster('team-a');
    const a = await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    const w = await watch(kc, LEASES('team-a'), { resourceVersion: '0' });
    const [first] = await w.count(1);
    await coordination.deleteNamespacedLease({ name: 'a', namespace: 'team-a' });
    const events = await w.count(2);
    w.stop();
    expect(first?.type).toBe('ADDED');
    expect(first?.object.metadata.resourceVersion).toBe(a.metadata?.resourceVersion);
    expect(events[1]?.type).toBe('DELETED');
  });

  it('from a specific resourceVersion sends only the events after it', async () => {
    const { kc, coordination } = await cluster('team-a');
    const a = await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('b') });
    await coordination.replaceNamespacedLease({
      name: 'a',
      namespace: 'team-a',
      body: { ...a, spec: { ...a.spec, holderIdentity: 'holder-z' } },
    });

    const w = await watch(kc, LEASES('team-a'), { resourceVersion: a.metadata?.resourceVersion ?? '' });
    const events = await w.count(2);
    await new Promise((r) => setTimeout(r, 200));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b', 'MODIFIED a']);
    expect(events[1]?.object.spec.holderIdentity).toBe('holder-z');
  });

  it('answers a resourceVersion older than the cache with one ERROR event (410 Expired), then ends', async () => {
    const { sim, kc, core } = await cluster();
    // The watch cache listed its initial state when the cluster started; nothing older can be replayed.
    const listedAt = sim.store.resourceVersion;
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    const w = await watch(kc, LEASES('team-a'), { resourceVersion: '5' });
    await w.end();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.object).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: 5 (${listedAt})`,
      reason: 'Expired',
      code: 410,
    });
  });

  it('expires a resourceVersion whose events fell off the bounded history, and still serves the oldest kept', async () => {
    const { sim, kc } = await cluster();
    seedLeases(sim, 4200, 1); // the lease history keeps the last 4096 events
    const rvOf = (i: number) =>
      Number(
        sim.store.get(leases, 'bulk-0', `lease-${String(i).padStart(6, '0')}`)?.obj.metadata.resourceVersion,
      );
    // Events 0..103 were evicted; the oldest kept is lease 104's, so resuming from lease 103's revision is fine.
    const expired = await watch(kc, LEASES('bulk-0'), { resourceVersion: rvOf(0) });
    await expired.end();
    expect(expired.events.map((e) => e.type)).toEqual(['ERROR']);
    expect(expired.events[0]?.object.message).toBe(`too old resource version: ${rvOf(0)} (${rvOf(103)})`);

    const resumed = await watch(kc, LEASES('bulk-0'), { resourceVersion: rvOf(103) });
    const events = await resumed.count(4200 - 104);
    resumed.stop();
    expect(events[0]?.object.metadata.name).toBe('lease-000104');
    expect(events.every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const { kc } = await cluster('team-a');
    const started = Date.now();
    const w = await watch(kc, LEASES('team-a'), { timeoutSeconds: 1 });
    const ended = await w.end(4000);
    expect(ended.err).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('ends open watch streams promptly when the cluster closes', async () => {
    const { sim, kc } = await cluster('team-a');
    const w = await watch(kc, LEASES('team-a'));
    await new Promise((r) => setTimeout(r, 100));
    clusters.forget(sim);
    const started = Date.now();
    await sim.close();
    await w.end(2000);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('watch bookmarks', () => {
  it('sends a BOOKMARK carrying only the resourceVersion before the deadline, only when asked', async () => {
    const { sim, kc, coordination } = await cluster('team-a');
    const rv = sim.store.resourceVersion;
    const withBookmarks = await watch(kc, LEASES('team-a'), {
      resourceVersion: rv,
      allowWatchBookmarks: true,
      timeoutSeconds: 3,
    });
    const without = await watch(kc, LEASES('team-a'), { resourceVersion: rv, timeoutSeconds: 3 });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    // cache_watcher.go: a bookmark 2 s before the deadline (here 1 s in), at the cache's current revision.
    const events = await withBookmarks.count(2, 4000);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(events[1]?.object).toEqual({
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { resourceVersion: sim.store.resourceVersion, creationTimestamp: null },
      spec: {},
    });
    await withBookmarks.end(4000);
    await without.end(4000);
    expect(without.events.map((e) => e.type)).toEqual(['ADDED']);
  });

  it('ends the initial events of sendInitialEvents=true with an initial-events-end bookmark', async () => {
    const { sim, kc, coordination } = await cluster('team-a');
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('b') });
    const w = await watch(kc, LEASES('team-a'), {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    const events = await w.count(3);
    w.stop();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
    expect(events[2]?.object.metadata).toEqual({
      resourceVersion: sim.store.resourceVersion,
      creationTimestamp: null,
      annotations: { 'k8s.io/initial-events-end': 'true' },
    });
  });

  it('ends a watch-list for a revision the cache does not reach within 3 s with a 504 ERROR event', async () => {
    const { sim, kc } = await cluster('team-a');
    const current = Number(sim.store.resourceVersion);
    const started = Date.now();
    const w = await watch(kc, LEASES('team-a'), {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
      resourceVersion: current + 100,
    });
    await w.end(6000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(w.events.map((e) => e.type)).toEqual(['ERROR']);
    expect(w.events[0]?.object).toMatchObject({
      code: 504,
      reason: 'Timeout',
      message: `Timeout: Too large resource version: ${current + 100}, current: ${current}`,
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
    });
  });

  it('refuses sendInitialEvents without resourceVersionMatch=NotOlderThan (422 on ListOptions)', async () => {
    const { sim } = await cluster('team-a');
    const res = await rawGet(sim, `${LEASES('team-a')}?watch=true&sendInitialEvents=true`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toMatchObject({
      reason: 'Invalid',
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      details: { group: 'meta.k8s.io', kind: 'ListOptions' },
    });
  });
});

describe('watch selectors and scope', () => {
  it('turns a MODIFIED that enters or leaves the label selector into ADDED or DELETED for the watcher', async () => {
    const { kc, coordination } = await cluster('team-a');
    const w = await watch(kc, LEASES('team-a'), { labelSelector: 'app=web' });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('other', { app: 'db' }) });
    const web = await coordination.createNamespacedLease({
      namespace: 'team-a',
      body: lease('web', { app: 'web' }),
    });
    const other = await coordination.readNamespacedLease({ name: 'other', namespace: 'team-a' });
    await coordination.replaceNamespacedLease({
      name: 'other',
      namespace: 'team-a',
      body: { ...other, metadata: { ...other.metadata, labels: { app: 'web' } } },
    });
    const left = await coordination.replaceNamespacedLease({
      name: 'web',
      namespace: 'team-a',
      body: { ...web, metadata: { ...web.metadata, labels: { app: 'api' } } },
    });
    const events = await w.count(3);
    await new Promise((r) => setTimeout(r, 200));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED web',
      'ADDED other',
      'DELETED web',
    ]);
    // cache_watcher.go: the previous state (still matching), at the revision of the update.
    expect(events[2]?.object.metadata.labels).toEqual({ app: 'web' });
    expect(events[2]?.object.metadata.resourceVersion).toBe(left.metadata?.resourceVersion);
  });

  it('filters by fieldSelector metadata.name and keeps to the namespace; the cluster-wide path sees all', async () => {
    const { kc, coordination } = await cluster('team-a', 'team-b');
    const one = await watch(kc, LEASES('team-a'), { fieldSelector: 'metadata.name=a' });
    const all = await watch(kc, '/apis/coordination.k8s.io/v1/leases', { resourceVersion: '0' });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('b') });
    await coordination.createNamespacedLease({ namespace: 'team-b', body: lease('a') });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    const events = await one.count(1);
    const everything = await all.count(3);
    await new Promise((r) => setTimeout(r, 200));
    one.stop();
    all.stop();
    expect(one.events).toHaveLength(1);
    expect(events[0]?.object.metadata).toMatchObject({ name: 'a', namespace: 'team-a' });
    expect(everything.map((e) => `${e.object.metadata.namespace}/${e.object.metadata.name}`)).toEqual([
      'team-a/b',
      'team-b/a',
      'team-a/a',
    ]);
  });

  it('answers a selector that does not parse with 400 before any stream starts', async () => {
    const { sim } = await cluster('team-a');
    const res = await rawGet(sim, `${LEASES('team-a')}?watch=true&fieldSelector=spec.holderIdentity%3Dx`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).reason).toBe('BadRequest');
  });
});

describe('watch on the wire', () => {
  it('serves watch=1 as a chunked application/json stream of newline-delimited events', async () => {
    const { sim, coordination } = await cluster('team-a');
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    const res = await rawGet(sim, `${LEASES('team-a')}?watch=1&timeoutSeconds=1`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body.endsWith('\n')).toBe(true);
    expect(eventsOf(res.body).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a']);

    // The parameter codec reads any value but "0" and "false" as true; "false" is a list.
    const yes = await rawGet(sim, `${LEASES('team-a')}?watch=yes&timeoutSeconds=1`);
    expect(eventsOf(yes.body).map((e) => e.type)).toEqual(['ADDED']);
    const no = await rawGet(sim, `${LEASES('team-a')}?watch=false`);
    expect(JSON.parse(no.body).kind).toBe('LeaseList');
  });

  it('serves the legacy /watch/ paths, for a collection, a single object and the core group', async () => {
    const { sim, coordination } = await cluster('team-a');
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('b') });
    const base = '/apis/coordination.k8s.io/v1/watch';

    const collection = await rawGet(sim, `${base}/namespaces/team-a/leases?timeoutSeconds=1`);
    expect(collection.status).toBe(200);
    expect(eventsOf(collection.body).map((e) => e.object.metadata.name)).toEqual(['a', 'b']);

    const single = await rawGet(sim, `${base}/namespaces/team-a/leases/b?timeoutSeconds=1`);
    expect(eventsOf(single.body).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b']);

    const everywhere = await rawGet(sim, `${base}/leases?timeoutSeconds=1`);
    expect(eventsOf(everywhere.body).map((e) => e.object.metadata.name)).toEqual(['a', 'b']);

    const core = await rawGet(sim, '/api/v1/watch/namespaces/team-a?timeoutSeconds=1');
    expect(eventsOf(core.body).map((e) => `${e.type} ${e.object.kind} ${e.object.metadata.name}`)).toEqual([
      'ADDED Namespace team-a',
    ]);

    // get.go: a field selector on a named watch must select that name.
    const mismatch = await rawGet(
      sim,
      `${base}/namespaces/team-a/leases/b?timeoutSeconds=1&fieldSelector=metadata.name%3Da`,
    );
    expect(mismatch.status).toBe(400);
    expect(JSON.parse(mismatch.body).message).toBe(
      "fieldSelector metadata.name doesn't match requested name",
    );
  });

  it('converts each event to a one-row Table for a Table watch, with column definitions on the first only', async () => {
    const { sim, coordination } = await cluster('team-a');
    const a = await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    const pending = rawGet(sim, `${LEASES('team-a')}?watch=true&timeoutSeconds=2`, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    await new Promise((r) => setTimeout(r, 300));
    await coordination.replaceNamespacedLease({
      name: 'a',
      namespace: 'team-a',
      body: { ...a, spec: { ...a.spec, holderIdentity: 'holder-b' } },
    });
    const res = await pending;
    expect(res.headers['content-type']).toBe('application/json');
    const [added, modified] = eventsOf(res.body);
    expect(added?.type).toBe('ADDED');
    expect(added?.object.kind).toBe('Table');
    expect(added?.object.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Holder',
      'Age',
    ]);
    expect(added?.object.rows).toHaveLength(1);
    expect(added?.object.rows[0].object.kind).toBe('PartialObjectMetadata');
    expect(modified?.type).toBe('MODIFIED');
    expect(modified?.object.columnDefinitions).toBeNull();
    expect(modified?.object.rows[0].cells.slice(0, 2)).toEqual(['a', 'holder-b']);
  });

  it('sends PartialObjectMetadata for a metadata watch', async () => {
    const { sim, coordination } = await cluster('team-a');
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('a') });
    const res = await rawGet(sim, `${LEASES('team-a')}?watch=true&timeoutSeconds=1`, {
      Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    });
    const [event] = eventsOf(res.body);
    expect(event?.object.kind).toBe('PartialObjectMetadata');
    expect(event?.object.apiVersion).toBe('meta.k8s.io/v1');
    expect(event?.object.spec).toBeUndefined();
  });

  it('answers a resourceVersion that is not a number with a 500 naming the parse error', async () => {
    const { sim } = await cluster('team-a');
    const res = await rawGet(sim, `${LEASES('team-a')}?watch=true&resourceVersion=cool`);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'resourceVersion: Invalid value: "cool": strconv.ParseUint: parsing "cool": invalid syntax',
      code: 500,
    });
  });
});

describe('kubectl get -w against the simulated cluster', () => {
  const kubectl = kubectlRunner();

  it('kubectl get leases -n ns -w prints a row for a lease created while it watches', async () => {
    const { sim, coordination } = await cluster('team-a');
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('first') });
    const watching = await kubectl.start(sim, ['get', 'leases', '-n', 'team-a', '-w']);
    await watching.waitForLine(/^first\s+holder-a\s/);
    await coordination.createNamespacedLease({
      namespace: 'team-a',
      body: lease('second', undefined, 'holder-new'),
    });
    await watching.waitForLine(/^second\s+holder-new\s/);
    const lines = watching.lines();
    expect(lines[0]).toMatch(/^NAME\s+HOLDER\s+AGE$/);
    expect(lines.filter((l) => l.startsWith('NAME'))).toHaveLength(1);
  }, 30_000);

  it('kubectl get lease x -n ns -w --output-watch-events prints the MODIFIED event of an update', async () => {
    const { sim, coordination } = await cluster('team-a');
    const x = await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('x') });
    await coordination.createNamespacedLease({ namespace: 'team-a', body: lease('y') });
    const watching = await kubectl.start(sim, [
      'get',
      'lease',
      'x',
      '-n',
      'team-a',
      '-w',
      '--output-watch-events',
    ]);
    await watching.waitForLine(/^ADDED\s+x\s+holder-a\s/);
    await coordination.replaceNamespacedLease({
      name: 'x',
      namespace: 'team-a',
      body: { ...x, spec: { ...x.spec, holderIdentity: 'holder-b' } },
    });
    await watching.waitForLine(/^MODIFIED\s+x\s+holder-b\s/);
    const lines = watching.lines();
    expect(lines[0]).toMatch(/^EVENT\s+NAME\s+HOLDER\s+AGE$/);
    expect(lines.some((l) => /\sy\s/.test(` ${l} `))).toBe(false);
  }, 30_000);
});

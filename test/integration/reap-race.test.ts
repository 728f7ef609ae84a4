import { setTimeout as sleep, setImmediate as yieldOnce } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readClusterSnapshot } from '../../shared/kube/cluster-snapshot.ts';
import { type DeleteOutcome, deleteLease, type LeaseIdentity } from '../../shared/kube/delete-lease.ts';
import type { KubeClient } from '../../shared/kube/kube-client.ts';
import type { LeaseRecord } from '../../shared/kube/records.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { leaderLease, namespaceObject } from '../../sim/objects.ts';
import { SeededRandom } from '../../sim/random.ts';
import { Renewer } from '../../sim/renewer.ts';
import { leases, namespaces } from '../../sim/resources.ts';
import type { RenewTarget } from '../../sim/scenario.ts';
import { clientFor, simClusters } from '../support/sim.ts';

/**
 * The reaper's race: a lease is listed as abandoned, then renewed (its holder came back, or a standby took
 * over) before the delete reaches the API server. Deleting it then would remove a live leader's lease.
 * Each trial is one listed lease; each run is 2,400 trials over real HTTPS (TLS verified) with the real
 * client, while a Renewer keeps renewing the leases it owns.
 */

const TRIALS = 2_400;
/** About half the trials are renewed before their delete; each run must see at least this many. */
const MIN_RENEWED_EARLY = 1_000;
/**
 * 2,400 HTTPS deletes with a renewer writing beside them take ~10 s alone, ~30 s while the rest of the
 * suite shares the 2 cores, and past 120 s was seen on a loaded CI machine: each run gets its own bound,
 * well above that (a hang still fails).
 */
const RACE_TIMEOUT_MS = 300_000;
const NAMESPACES = 6;
/** Concurrent deletes (the client's pool has 8 sockets). */
const WORKERS = 12;
const DAY = 86_400_000;

const clusters = simClusters();
const keyOf = (l: { namespace: string; name: string }) => `${l.namespace}/${l.name}`;
const leasePath = (l: LeaseIdentity) =>
  `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(l.namespace)}/leases/${encodeURIComponent(l.name)}`;

type Deleter = (client: KubeClient, lease: LeaseIdentity) => Promise<DeleteOutcome>;

/** The reaper's delete: preconditions {uid, resourceVersion} of the lease as listed. */
const safeDelete: Deleter = (client, lease) => deleteLease(client, lease, { dryRun: false });
const safeDryRun: Deleter = (client, lease) => deleteLease(client, lease, { dryRun: true });

/** What a reaper without preconditions sends: DELETE by name, no body. The harness must catch it. */
const unsafeDelete: Deleter = async (client, lease) => {
  const res = await client.request({
    method: 'DELETE',
    path: leasePath(lease),
    operation: `delete lease ${keyOf(lease)} without preconditions`,
    allowStatuses: [404, 409],
  });
  if (res.status === 404) return { result: 'alreadyGone' };
  if (res.status === 409) return { result: 'changed', message: res.text };
  return { result: 'deleted', dryRun: false };
};

/**
 * What happens to a listed lease between list and delete:
 * - `renewedBeforeDelete`: renewed at a random moment after the list, before its delete is sent
 *   (then kept renewing by the Renewer);
 * - `renewedInFlight`: renewed at a random moment after its delete was sent, racing it to the server;
 * - `untouched`: nobody renews it.
 */
type Fate = 'renewedBeforeDelete' | 'renewedInFlight' | 'untouched';

interface RaceRun {
  listed: LeaseRecord[];
  fate: Map<string, Fate>;
  outcomes: Map<string, DeleteOutcome>;
  /** Leases the store saw MODIFIED after the list. */
  modified: Set<string>;
  /** Leases the store saw DELETED. */
  deleted: Set<string>;
  /** Leases DELETED after a MODIFIED that followed the list: a renewed lease was deleted. */
  deletedAfterRenewal: Set<string>;
  /** Leases still in the store after the run. */
  remaining: Set<string>;
  /** Renewals the background Renewer made during the run. */
  backgroundRenewals: number;
}

/** Seeds leader leases that look abandoned: expired for days, holder gone (every third one released). */
function seedAbandonedLeases(sim: SimCluster, count: number, r: SeededRandom): void {
  const now = sim.store.clock();
  for (let n = 0; n < NAMESPACES; n++)
    sim.store.create(namespaces, namespaceObject(`race-${n}`, now - 90 * DAY));
  for (let i = 0; i < count; i++) {
    const released = i % 3 === 2;
    const renewMs = now - r.int(2 * DAY, 60 * DAY);
    sim.store.create(
      leases,
      leaderLease({
        namespace: `race-${i % NAMESPACES}`,
        name: `legacy-operator-${String(i).padStart(5, '0')}.example.com`,
        holder: released ? '' : `legacy-operator-${r.hex(10)}-${r.hex(5)}_${r.uuid()}`,
        durationSeconds: released ? 1 : 15,
        renewMs,
        acquireMs: renewMs - DAY,
        createdMs: renewMs - 2 * DAY,
        transitions: r.int(0, 20),
      }),
    );
  }
}

/** A pause of random length: mostly a turn of the event loop, sometimes a millisecond or two. */
async function randomPause(r: SeededRandom): Promise<void> {
  const roll = r.next();
  if (roll < 0.6) await yieldOnce();
  else if (roll < 0.9) await sleep(0);
  else await sleep(r.int(1, 3));
}

function shuffled<T>(items: readonly T[], r: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(0, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * One run of the race: list through the access layer, then delete every listed lease with `deleter`
 * (WORKERS at a time, in random order, with random pauses) while renewals land at random moments.
 * What happened is read from the store's own change events, not from what the harness meant to do.
 */
async function raceRun(
  sim: SimCluster,
  deleter: Deleter,
  options: { seed: number; inFlightShare: number },
): Promise<RaceRun> {
  const r = new SeededRandom(options.seed);
  const client = clientFor(sim);
  const run: RaceRun = {
    listed: [],
    fate: new Map(),
    outcomes: new Map(),
    modified: new Set(),
    deleted: new Set(),
    deletedAfterRenewal: new Set(),
    remaining: new Set(),
    backgroundRenewals: 0,
  };
  let renewer: Renewer | undefined;
  let stopWatching: (() => void) | undefined;
  try {
    // The list.
    run.listed = (await readClusterSnapshot(client, { includePods: false })).leases;

    stopWatching = sim.store.onChange((event, stored) => {
      if (stored.def !== leases) return;
      if (event === 'MODIFIED') run.modified.add(stored.key);
      if (event === 'DELETED') {
        run.deleted.add(stored.key);
        if (run.modified.has(stored.key)) run.deletedAfterRenewal.add(stored.key);
      }
    });

    const targetOf = new Map<string, RenewTarget>();
    for (const lease of run.listed) {
      const roll = r.next();
      const fate: Fate =
        roll < 0.5
          ? 'renewedBeforeDelete'
          : roll < 0.5 + options.inFlightShare
            ? 'renewedInFlight'
            : 'untouched';
      run.fate.set(keyOf(lease), fate);
      // Leader leases renew every 2 s in client-go; here every 50–300 ms, so renewals land throughout the run.
      targetOf.set(keyOf(lease), {
        namespace: lease.namespace,
        name: lease.name,
        periodMs: r.int(50, 300),
        kind: 'leader',
      });
    }
    const targets = (fate: Fate) =>
      run.listed
        .filter((l) => run.fate.get(keyOf(l)) === fate)
        .map((l) => targetOf.get(keyOf(l)) as RenewTarget);

    // The holders that came back keep renewing for the whole run.
    renewer = new Renewer(sim.store, targets('renewedBeforeDelete'), 5).start();

    // Each early renewal lands at a random moment, in an order unrelated to the deletes' order; a delete
    // of such a lease waits until its first renewal has landed.
    const renewed = new Map<string, () => void>();
    const renewedGate = new Map<string, Promise<void>>();
    for (const t of targets('renewedBeforeDelete')) {
      renewedGate.set(keyOf(t), new Promise<void>((resolve) => renewed.set(keyOf(t), resolve)));
    }
    const holders = renewer;
    const renewals = (async () => {
      for (const t of shuffled(targets('renewedBeforeDelete'), r)) {
        await randomPause(r);
        holders.renew(t);
        renewed.get(keyOf(t))?.();
      }
    })();

    const queue = shuffled(run.listed, r);
    const worker = async () => {
      for (let lease = queue.pop(); lease; lease = queue.pop()) {
        const key = keyOf(lease);
        await randomPause(r);
        const fate = run.fate.get(key);
        if (fate === 'renewedBeforeDelete') await renewedGate.get(key);
        const outcome = deleter(client, lease);
        if (fate === 'renewedInFlight') {
          await randomPause(r);
          // Renews only if the lease is still there (a leader's lease is not re-created once deleted).
          holders.renew(targetOf.get(key) as RenewTarget);
        }
        run.outcomes.set(key, await outcome);
      }
    };
    await Promise.all([renewals, ...Array.from({ length: WORKERS }, worker)]);
  } finally {
    renewer?.stop();
    stopWatching?.();
    await client.close();
  }
  run.backgroundRenewals = renewer?.renewals ?? 0;
  run.remaining = new Set(sim.store.list(leases).map((s) => s.key));
  return run;
}

/** Every way a run broke the reaper's promise that a lease renewed after the list is never deleted. */
function violations(run: RaceRun): string[] {
  const out: string[] = [];
  for (const lease of run.listed) {
    const key = keyOf(lease);
    const outcome = run.outcomes.get(key)?.result;
    if (run.deletedAfterRenewal.has(key)) out.push(`${key}: deleted after it was renewed`);
    if (run.modified.has(key) && outcome !== 'changed')
      out.push(`${key}: renewed, but its delete was ${outcome}`);
    if (run.modified.has(key) && !run.remaining.has(key)) out.push(`${key}: renewed, but it is gone`);
  }
  return out;
}

const keysWithFate = (run: RaceRun, fate: Fate) =>
  [...run.fate.entries()].filter(([, f]) => f === fate).map(([k]) => k);
const outcomesOf = (run: RaceRun, keys: readonly string[]) =>
  new Set(keys.map((k) => run.outcomes.get(k)?.result));

describe('deleting listed leases while their holders renew them', () => {
  it(
    'never deletes a lease renewed between list and delete: every renewed lease answers changed and stays',
    async () => {
      // Prepare
      const sim = await clusters.start();
      seedAbandonedLeases(sim, TRIALS, new SeededRandom(7));

      // Act
      const run = await raceRun(sim, safeDelete, { seed: 20_261_125, inFlightShare: 0.1 });

      // Assess
      const renewedEarly = keysWithFate(run, 'renewedBeforeDelete');
      const inFlight = keysWithFate(run, 'renewedInFlight');
      const untouched = keysWithFate(run, 'untouched');
      expect(run.listed).toHaveLength(TRIALS);
      expect(run.outcomes.size).toBe(TRIALS);
      expect(renewedEarly.length).toBeGreaterThanOrEqual(MIN_RENEWED_EARLY);
      expect(run.backgroundRenewals).toBeGreaterThan(0);

      expect(violations(run)).toEqual([]);
      expect(run.deletedAfterRenewal.size).toBe(0);

      // Renewed before the delete: all changed (409), all still there, none ever DELETED.
      expect(renewedEarly.filter((k) => !run.modified.has(k))).toEqual([]);
      expect(outcomesOf(run, renewedEarly)).toEqual(new Set(['changed']));
      expect(renewedEarly.filter((k) => !run.remaining.has(k) || run.deleted.has(k))).toEqual([]);

      // Nobody renewed these: all deleted.
      expect(outcomesOf(run, untouched)).toEqual(new Set(['deleted']));
      expect(untouched.filter((k) => run.remaining.has(k) || !run.deleted.has(k))).toEqual([]);

      // Renewed while the delete was in flight: whichever reached the store first decides, never both.
      expect(inFlight.filter((k) => run.modified.has(k)).length).toBeGreaterThan(0);
      for (const k of inFlight) {
        const outcome = run.outcomes.get(k)?.result;
        if (run.modified.has(k)) expect([k, outcome, run.remaining.has(k)]).toEqual([k, 'changed', true]);
        else expect([k, outcome, run.remaining.has(k)]).toEqual([k, 'deleted', false]);
      }

      // The store holds exactly the leases renewed after the list.
      expect([...run.remaining].sort()).toEqual([...run.modified].sort());
      expect(
        [...run.outcomes.entries()]
          .filter(([, o]) => o.result === 'deleted')
          .map(([k]) => k)
          .sort(),
      ).toEqual([...run.deleted].sort());
    },
    RACE_TIMEOUT_MS,
  );

  it(
    'fails without preconditions: the same harness catches a delete that removes renewed leases',
    async () => {
      // Prepare
      const sim = await clusters.start();
      seedAbandonedLeases(sim, TRIALS, new SeededRandom(7));

      // Act
      const run = await raceRun(sim, unsafeDelete, { seed: 20_261_125, inFlightShare: 0.1 });

      // Assess
      const renewedEarly = keysWithFate(run, 'renewedBeforeDelete');
      expect(run.deletedAfterRenewal.size).toBeGreaterThanOrEqual(1);
      expect(violations(run).length).toBeGreaterThanOrEqual(1);
      // Every lease renewed before its delete was deleted anyway: the 409 the preconditions give is what saves them.
      expect(renewedEarly.filter((k) => !run.deletedAfterRenewal.has(k))).toEqual([]);
      expect(outcomesOf(run, renewedEarly)).toEqual(new Set(['deleted']));
    },
    RACE_TIMEOUT_MS,
  );

  it(
    'deletes nothing in dry-run, and still answers changed for every renewed lease',
    async () => {
      // Prepare
      const sim = await clusters.start();
      seedAbandonedLeases(sim, TRIALS, new SeededRandom(7));
      const before = new Map(sim.store.list(leases).map((s) => [s.key, s.obj.metadata.uid]));

      // Act: no in-flight renewals here, as a dry-run leaves the lease in place for a late renewal to land on.
      const run = await raceRun(sim, safeDryRun, { seed: 20_261_125, inFlightShare: 0 });

      // Assess
      const renewedEarly = keysWithFate(run, 'renewedBeforeDelete');
      const untouched = keysWithFate(run, 'untouched');
      expect(run.outcomes.size).toBe(TRIALS);
      expect(renewedEarly.length).toBeGreaterThanOrEqual(MIN_RENEWED_EARLY);
      expect(run.deleted.size).toBe(0);
      expect(new Map(sim.store.list(leases).map((s) => [s.key, s.obj.metadata.uid]))).toEqual(before);
      expect(violations(run)).toEqual([]);
      expect(outcomesOf(run, renewedEarly)).toEqual(new Set(['changed']));
      // Each answered as deleted in dry run (its Status response aside: it names the lease).
      const answers = untouched.map((k) => run.outcomes.get(k));
      expect(new Set(answers.map((o) => JSON.stringify({ ...o, response: undefined })))).toEqual(
        new Set([JSON.stringify({ result: 'deleted', dryRun: true })]),
      );
      expect(
        answers.every(
          (o) => o?.result === 'deleted' && (o.response as { status?: string })?.status === 'Success',
        ),
      ).toBe(true);
      expect(untouched.filter((k) => run.modified.has(k))).toEqual([]);
    },
    RACE_TIMEOUT_MS,
  );
});

// Classification throughput: the audit's judgement of synthetic leases, in-process, no I/O.
//
//   classify.mjs <leases> <runs> <healthy|troubled> <streamed|whole>
//
// `streamed` is the audit as a run makes it (cluster-snapshot.ts `readJudged`): the lease list comes in
// pages of 500 and the Node list in pages of 200; each page is parsed and projected (not timed), then
// judged at once (timed): node leases meet their Nodes in the HeartbeatJudge, and the other leases are
// kept for `audit()`, which judges them at the end (timed). `whole` is `audit()` over the whole snapshot
// held in memory, as tests and callers without a stream use it: the same rules, but every lease is read
// from memory long after it was parsed, so the figure is the memory's as much as the rules'.
import { audit } from '../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { HeartbeatJudge } from '../../shared/audit/heartbeat-judge.ts';
import { type LeaseRecord, type NodeRecord, toLeaseRecord, toNodeRecord } from '../../shared/kube/records.ts';
import { microTime } from '../../sim/kube-object.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);
// `healthy`: about 1 lease in 140 is an anomaly (a fleet on a normal day); `troubled`: 1 in 14.
const mix = process.argv[4] === 'troubled' ? 1 : 10;
const path = process.argv[5] === 'whole' ? 'whole' : 'streamed';
const now = Date.parse('2026-11-25T12:00:00Z');
const policy = defaultAuditPolicy;
const LEASE_PAGE = 500;
const NODE_PAGE = 200;

interface ApiLease {
  metadata: {
    namespace: string;
    name: string;
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
  };
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
}
interface ApiNode {
  metadata: { name: string; uid: string };
}

// A fleet-shaped mix: mostly kubelet heartbeats, with blocks of 100 leases in which every rule fires —
// stale and orphaned heartbeats, Nodes without leases, expired and orphaned apiserver identities, live,
// expired, abandoned, released and malformed leader leases. Leases as the API serves them, Nodes as
// PartialObjectMetadata; each goes through JSON.parse and the real projection (`toLeaseRecord`,
// `toNodeRecord`) before it is judged, so strings are flat, as JSON.parse gives them, and repeated ones
// are shared as the projection shares them.
const leases: ApiLease[] = [];
const nodes: ApiNode[] = [];
for (let i = 0; i < count; i++) {
  // Every `mix`-th block of 100 leases carries the anomalies; the others are all healthy.
  const anomalous = Math.floor(i / 100) % mix === 0;
  const r = anomalous ? i % 100 : ((i % 100) % 88) + 1;
  // Zero-padded so the lists are in name order, as the API server returns them.
  const name = `ip-10-${String(i).padStart(7, '0')}.ec2.internal`;
  if (r < 90) {
    const uid = `uid-${i}`;
    if (r !== 89) nodes.push({ metadata: { name, uid } });
    const renew = now - (r === 0 ? 600_000 : 5_000);
    leases.push(
      lease('kube-node-lease', name, name, 40, renew, [{ apiVersion: 'v1', kind: 'Node', name, uid }]),
    );
  } else if (r < 92) {
    const identity = lease(
      'kube-system',
      `apiserver-${i}`,
      `apiserver-${i}_x`,
      3600,
      now - (r === 90 ? 9e6 : 5e3),
    );
    identity.metadata.labels = {
      'apiserver.kubernetes.io/identity': 'kube-apiserver',
      'kubernetes.io/hostname': `h${i}`,
    };
    leases.push(identity);
  } else {
    const renew = r < 96 ? now - 1_000 : r < 98 ? now - 600_000 : now - 3 * 86_400_000;
    leases.push(lease(`ns-${r}`, `leader-${i}`, r === 99 ? '' : `pod-${i}_uuid`, r === 97 ? -1 : 15, renew));
  }
}

function lease(
  namespace: string,
  name: string,
  holderIdentity: string,
  leaseDurationSeconds: number,
  renewMs: number,
  ownerReferences?: ApiLease['metadata']['ownerReferences'],
): ApiLease {
  return {
    metadata: {
      namespace,
      name,
      uid: `u-${name}`,
      resourceVersion: '1',
      ...(ownerReferences && { ownerReferences }),
    },
    spec: { holderIdentity, leaseDurationSeconds, renewTime: microTime(renewMs) },
  };
}

// In the order the API server lists them: by namespace, then name (node leases are one contiguous run).
const key = (l: ApiLease) => `${l.metadata.namespace}/${l.metadata.name}`;
leases.sort((a, b) => (key(a) < key(b) ? -1 : 1));

/** List pages as they come off the wire: `{"items":[…]}` texts of `size` items. */
function wirePages(items: unknown[], size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += size) out.push(JSON.stringify({ items: items.slice(i, i + size) }));
  return out;
}

function read<T>(page: string, project: (item: unknown) => T): T[] {
  return (JSON.parse(page) as { items: unknown[] }).items.map(project);
}

const leasePages = wirePages(leases, LEASE_PAGE);
const nodePages = wirePages(nodes, NODE_PAGE);
leases.length = 0;
nodes.length = 0;

/** What one timed run measured, and what it built (kept alive through the next run's collection). */
interface Run {
  ms: number;
  findings: number;
  state: unknown;
}

/** One audit as a run streams it; returns the time spent judging and the number of findings. */
function streamedAudit(): Run {
  const judge = new HeartbeatJudge(policy);
  const others: LeaseRecord[] = [];
  let ms = 0;
  let n = 0;
  const takeNodes = () => {
    const page = read(nodePages[n++] as string, toNodeRecord);
    const started = performance.now();
    judge.addNodes(page, now);
    ms += performance.now() - started;
  };
  for (const text of leasePages) {
    const page = read(text, toLeaseRecord);
    const started = performance.now();
    judge.takeLeasePage(page, now, others);
    ms += performance.now() - started;
    // The Node list keeps pace, as the reader lets it: its pages come while node leases wait for them.
    while (judge.backlog.leases > 0 && n < nodePages.length) takeNodes();
  }
  while (n < nodePages.length) takeNodes();
  const started = performance.now();
  judge.endLeases();
  judge.endNodes();
  const result = audit(
    { cluster: 'bench', leases: others, nodes: [], pods: [], heartbeats: judge.result() },
    now,
    policy,
  );
  ms += performance.now() - started;
  return { ms, findings: result.findings.length, state: [judge, result] };
}

// `whole`: the snapshot held in memory, projected page by page as a run reads it.
const whole =
  path === 'whole'
    ? {
        cluster: 'bench',
        leases: leasePages.flatMap((p) => read(p, toLeaseRecord)),
        nodes: nodePages.flatMap((p) => read<NodeRecord>(p, toNodeRecord)),
        pods: [],
      }
    : undefined;

function wholeAudit(): Run {
  const started = performance.now();
  const result = audit(whole as NonNullable<typeof whole>, now, policy);
  return { ms: performance.now() - started, findings: result.findings.length, state: result };
}

const once = path === 'whole' ? wholeAudit : streamedAudit;
let previous = once(); // warm-up (JIT)
// Started with --expose-gc: the garbage left by building the input (and by the previous run) is collected
// before each timed run. Otherwise V8's concurrent marking of it shares the two cores with some runs and
// not others. What the audit itself allocates is still timed.
// The previous run's judge and findings stay alive through that collection. A collection with no audit
// state alive at all is one a real run never sees (a process audits once; a warm Lambda's next run builds
// its judge before it allocates enough to collect), and it is costly: V8 holds the maps its objects were
// given (their class fields are transitions) only weakly, so they die with the last object, and every
// function optimized for them is thrown away (--trace-deopt: "weak objects") and warms up again mid-run.
const collect = (globalThis as { gc?: () => void }).gc;
const rates: number[] = [];
let findings = 0;
for (let i = 0; i < runs; i++) {
  collect?.();
  const r = once();
  previous = r;
  findings = r.findings;
  rates.push(count / (r.ms / 1000));
}
void previous;
rates.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ path, leases: count, findings, medianLeasesPerSecond: Math.round(rates[Math.floor(rates.length / 2)] ?? 0), runs, rates: rates.map(Math.round) })}\n`,
);

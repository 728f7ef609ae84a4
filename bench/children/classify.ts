// Classification throughput: audit() over synthetic leases, in-process, no I/O.
import { audit } from '../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { type LeaseRecord, type NodeRecord, toLeaseRecord, toNodeRecord } from '../../shared/kube/records.ts';
import { microTime } from '../../sim/kube-object.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);
// `healthy`: about 1 lease in 140 is an anomaly (a fleet on a normal day); `troubled`: 1 in 14.
const mix = process.argv[4] === 'troubled' ? 1 : 10;
const now = Date.parse('2026-11-25T12:00:00Z');
const empty = Object.freeze({}) as Record<string, string>;

// A fleet-shaped mix: mostly kubelet heartbeats, with blocks of 100 leases in which every rule fires —
// stale and orphaned heartbeats, Nodes without leases, expired and orphaned apiserver identities, live,
// expired, abandoned, released and malformed leader leases.
// Built as the audit gets them in a real run: pages of API objects (a Lease with metadata and spec, a Node
// as PartialObjectMetadata) that go through JSON.stringify and JSON.parse, then the real projection
// (`toLeaseRecord`, `toNodeRecord`). Strings are then flat, as JSON.parse gives them (strings built by
// concatenation are ropes, which compare and parse more slowly), repeated ones are shared as the
// projection shares them, and the heap holds one copy of the data, as a real run's would.
const leases: LeaseRecord[] = [];
const nodes: NodeRecord[] = [];
let chunkLeases: LeaseRecord[] = [];
let chunkNodes: NodeRecord[] = [];
const flush = () => {
  const leasePage = chunkLeases.map((l) => ({
    metadata: {
      namespace: l.namespace,
      name: l.name,
      uid: l.uid,
      resourceVersion: l.resourceVersion,
      labels: l.labels,
      ownerReferences: l.ownerReferences,
    },
    spec: {
      holderIdentity: l.holderIdentity,
      leaseDurationSeconds: l.leaseDurationSeconds,
      renewTime: l.renewTime,
    },
  }));
  const nodePage = chunkNodes.map((n) => ({ metadata: { name: n.name, uid: n.uid } }));
  for (const item of viaJson(leasePage)) leases.push(toLeaseRecord(item));
  for (const item of viaJson(nodePage)) nodes.push(toNodeRecord(item));
  chunkLeases = [];
  chunkNodes = [];
};
/** A list response's items, as the client reads them off the wire. */
function viaJson(items: unknown[]): unknown[] {
  return (JSON.parse(JSON.stringify({ items })) as { items: unknown[] }).items;
}
for (let i = 0; i < count; i++) {
  if (i % 10_000 === 0) flush();
  // Every `mix`-th block of 100 leases carries the anomalies; the others are all healthy.
  const anomalous = Math.floor(i / 100) % mix === 0;
  const r = anomalous ? i % 100 : ((i % 100) % 88) + 1;
  // Zero-padded so the lists are in name order, as the API server returns them.
  const name = `ip-10-${String(i).padStart(7, '0')}.ec2.internal`;
  if (r < 90) {
    const uid = `uid-${i}`;
    if (r !== 89) chunkNodes.push({ name, uid, creationTimestamp: undefined });
    chunkLeases.push(
      lease('kube-node-lease', name, name, 40, now - (r === 0 ? 600_000 : 5_000), [
        { apiVersion: 'v1', kind: 'Node', name, uid },
      ]),
    );
  } else if (r < 92) {
    chunkLeases.push({
      ...lease(
        'kube-system',
        `apiserver-${i}`,
        `apiserver-${i}_x`,
        3600,
        now - (r === 90 ? 9_000_000 : 5_000),
        [],
      ),
      labels: { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': `h${i}` },
    });
  } else {
    const renew = r < 96 ? now - 1_000 : r < 98 ? now - 600_000 : now - 3 * 86_400_000;
    chunkLeases.push(
      lease(`ns-${r}`, `leader-${i}`, r === 99 ? '' : `pod-${i}_uuid`, r === 97 ? -1 : 15, renew, []),
    );
  }
}

function lease(
  namespace: string,
  name: string,
  holder: string,
  duration: number,
  renewMs: number,
  ownerReferences: LeaseRecord['ownerReferences'],
): LeaseRecord {
  return {
    namespace,
    name,
    uid: `u-${name}`,
    resourceVersion: '1',
    creationTimestamp: undefined,
    labels: empty,
    annotations: empty,
    ownerReferences,
    holderIdentity: holder,
    leaseDurationSeconds: duration,
    renewTime: microTime(renewMs),
    acquireTime: undefined,
    leaseTransitions: undefined,
    strategy: undefined,
    preferredHolder: undefined,
  };
}

flush();
// In the order the API server lists them: by namespace, then name (node leases are one contiguous run).
leases.sort((a, b) =>
  a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
);
const input = { cluster: 'bench', leases, nodes, pods: [] };
const rates: number[] = [];
let findings = 0;
audit(input, now, defaultAuditPolicy); // warm-up (JIT)
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  findings = audit(input, now, defaultAuditPolicy).findings.length;
  rates.push(count / ((performance.now() - started) / 1000));
}
rates.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ leases: count, findings, medianLeasesPerSecond: Math.round(rates[Math.floor(rates.length / 2)] ?? 0), runs })}\n`,
);

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditInput, audit } from '../../../shared/audit/audit.ts';
import { type AuditPolicy, defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate, severityRank } from '../../../shared/audit/findings.ts';
import { type LeaseRecord, toLeaseRecord, toNodeRecord, toPodRecord } from '../../../shared/kube/records.ts';
import { planDeletions } from '../../../shared/reap/plan.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import { DAY, HOUR, microTime, NOW, SECOND } from './builders.ts';

const MAX = defaultAuditPolicy.maxLeaseDurationSeconds;
const nodeNames = ['node-a', 'node-b', 'node-c', 'node-d'];
const podNames = ['pod-a', 'pod-b', 'ctrl-7d9f8b6c4-x2x7k'];
const uids = ['uid-1', 'uid-2', 'uid-3', ''];

/** An RFC 3339 rendering of `ms`: MicroTime, whole seconds, an offset, or lowercase — all exact to the ms. */
function kubeTime(ms: number, style: number): string {
  const iso = new Date(ms).toISOString();
  switch (style) {
    case 0:
      return microTime(ms);
    case 1:
      return iso;
    case 2: {
      const local = new Date(ms + 150 * 60_000).toISOString();
      return `${local.slice(0, 23)}+02:30`;
    }
    default:
      return iso.replace('T', 't').replace('Z', 'z');
  }
}

const garbage = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.object({ maxDepth: 1 }),
  fc.array(fc.string(), { maxLength: 2 }),
);

/** Valid times near now (days ago to a minute ahead), as any of the renderings. */
const timeNearNow = fc
  .tuple(fc.integer({ min: -60 * SECOND, max: 40 * DAY }), fc.integer({ min: 0, max: 3 }))
  .map(([agoMs, style]) => kubeTime(NOW - agoMs, style));

const timeish = fc.oneof(
  { weight: 6, arbitrary: timeNearNow },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: garbage },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
      'now',
      '',
    ),
  },
);

const duration = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(1, 10, 15, 40, 60, 137, 3600) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: MAX }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      -1,
      -15,
      MAX,
      MAX + 1,
      2_147_483_647,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE,
      15.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: garbage },
);

const holder = fc.oneof(
  fc.constantFrom(...nodeNames),
  fc.constantFrom(...podNames).map((p) => `${p}_3f1c2b7e-0d4a-4c55-8a3e-2f9d6b1c4e70`),
  fc.constantFrom('', 'ip-10-0-0-10.ec2.internal_x', 'no-underscore', undefined),
  fc.string(),
  garbage,
);

const transitions = fc.oneof(
  fc.constant(undefined),
  fc.nat(),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, 2.5, Number.NaN),
  garbage,
);

const coordination = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('', 'OldestEmulationVersion', null) },
  { weight: 1, arbitrary: garbage },
);

const labelMap = fc.dictionary(
  fc.constantFrom('apiserver.kubernetes.io/identity', 'k8s.io/component', 'kubernetes.io/hostname', 'app'),
  fc.oneof(fc.constantFrom('kube-apiserver', 'cp-a', 'cp-b', ''), fc.string(), fc.integer()),
  { maxKeys: 3 },
);

const ownerRefs = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.record({
        apiVersion: fc.constantFrom('v1', 'apps/v1'),
        kind: fc.constantFrom('Node', 'Node', 'Pod', '', 'ConfigMap'),
        name: fc.constantFrom(...nodeNames),
        uid: fc.constantFrom(...uids),
      }),
      { maxLength: 2 },
    ),
  },
  { weight: 1, arbitrary: garbage },
);

const namespace = fc.constantFrom('kube-node-lease', 'kube-system', 'default', 'payments', '');
const leaseName = fc.oneof(
  fc.constantFrom(...nodeNames),
  fc.constantFrom('kube-apiserver-1', 'kube-apiserver-2', 'apiserver-x', 'apiserver-y'),
  fc.constantFrom('kube-controller-manager', 'kube-scheduler', 'my-operator'),
  fc.string({ maxLength: 12 }),
);

interface RawLease {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

/** A spec with every field arbitrary; `undefined` fields are dropped, as JSON would. */
const spec = fc
  .record({
    holderIdentity: holder,
    leaseDurationSeconds: duration,
    renewTime: timeish,
    acquireTime: timeish,
    leaseTransitions: transitions,
    strategy: coordination,
    preferredHolder: coordination,
  })
  .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)));

const arbitraryLease: fc.Arbitrary<RawLease> = fc
  .record({ namespace, name: leaseName, labels: labelMap, ownerReferences: ownerRefs, spec })
  .map(({ namespace, name, labels, ownerReferences, spec }) => ({
    metadata: {
      namespace,
      name,
      resourceVersion: '1',
      creationTimestamp: '2026-10-01T00:00:00Z',
      labels,
      ...(ownerReferences === undefined ? {} : { ownerReferences }),
    },
    spec,
  }));

/** Ages that reach every rule's thresholds: seconds, minutes, hours and days. */
const renewAge = fc.oneof(
  fc.integer({ min: -15 * SECOND, max: 2 * 60 * SECOND }),
  fc.integer({ min: 0, max: 3 * HOUR }),
  fc.integer({ min: 0, max: 40 * DAY }),
);

/** Mostly well-formed leases of every kind: node heartbeats held by their node, identities with hostnames. */
const plausibleLease: fc.Arbitrary<RawLease> = fc
  .record({
    namespace,
    name: leaseName,
    labels: fc.oneof(
      labelMap,
      fc.constantFrom(
        { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': 'cp-a' },
        { 'k8s.io/component': 'kube-apiserver', 'kubernetes.io/hostname': 'cp-a' },
        { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': 'cp-b' },
      ),
    ),
    ownerUid: fc.option(fc.constantFrom(...uids), { nil: undefined }),
    holder: fc.constantFrom('name', '', 'pod-a', 'ctrl-7d9f8b6c4-x2x7k', 'gone-pod'),
    duration: fc.oneof(fc.constantFrom(1, 15, 40, 3600), fc.integer({ min: 1, max: MAX })),
    renewAgo: renewAge,
    style: fc.integer({ min: 0, max: 3 }),
    acquireAgo: fc.option(fc.integer({ min: 0, max: 40 * DAY }), { nil: undefined }),
    transitions: fc.option(fc.nat(50), { nil: undefined }),
    strategy: coordination,
  })
  .map((p) => ({
    metadata: {
      namespace: p.namespace,
      name: p.name,
      resourceVersion: '7',
      creationTimestamp: '2026-10-01T00:00:00Z',
      labels: p.labels,
      ...(p.ownerUid === undefined
        ? {}
        : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: p.name, uid: p.ownerUid }] }),
    },
    spec: Object.fromEntries(
      Object.entries({
        holderIdentity:
          p.holder === 'name'
            ? p.name
            : p.holder === ''
              ? ''
              : `${p.holder}_3f1c2b7e-0d4a-4c55-8a3e-2f9d6b1c4e70`,
        leaseDurationSeconds: p.duration,
        renewTime: kubeTime(NOW - p.renewAgo, p.style),
        acquireTime: p.acquireAgo === undefined ? undefined : kubeTime(NOW - p.acquireAgo, 0),
        leaseTransitions: p.transitions,
        strategy: p.strategy,
      }).filter(([, v]) => v !== undefined),
    ),
  }));

/** Kubelet heartbeats of the generated Nodes (or of Nodes that are gone), of every age. */
const heartbeat: fc.Arbitrary<RawLease> = fc
  .record({
    name: fc.constantFrom(...nodeNames),
    ownerUid: fc.option(fc.constantFrom('uid-1', 'uid-1', 'uid-2'), { nil: undefined }),
    duration: fc.constantFrom(10, 40, 40, 90),
    renewAgo: renewAge,
  })
  .map((h) => ({
    metadata: {
      namespace: 'kube-node-lease',
      name: h.name,
      resourceVersion: '9',
      ...(h.ownerUid === undefined
        ? {}
        : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: h.name, uid: h.ownerUid }] }),
    },
    spec: {
      holderIdentity: h.name,
      leaseDurationSeconds: h.duration,
      renewTime: microTime(NOW - h.renewAgo),
    },
  }));

const rawLease = fc.oneof(arbitraryLease, plausibleLease, plausibleLease, heartbeat);

/** A well-formed lease renewed within its duration of now (not in the future); other fields arbitrary. */
interface FreshLease {
  raw: RawLease;
}
const freshLease: fc.Arbitrary<FreshLease> = fc
  .record({
    namespace: fc.oneof(fc.constant('kube-node-lease'), namespace),
    name: leaseName,
    labels: fc.oneof(labelMap, fc.constant({ 'apiserver.kubernetes.io/identity': 'kube-apiserver' })),
    durationSeconds: fc.oneof(
      fc.constantFrom(1, 15, 40, 3600),
      fc.integer({ min: 1, max: 600 }),
      fc.integer({ min: 1, max: MAX }),
    ),
    // Renewed this fraction of its duration ago: anywhere in it, and often at its very end.
    fraction: fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constant(1),
      fc.double({ min: 0.99, max: 1, noNaN: true }),
    ),
    style: fc.integer({ min: 0, max: 3 }),
    holderIdentity: fc.oneof(fc.constant('name'), fc.constant('name'), holder),
    ownerReferences: fc.oneof(fc.constant('node'), ownerRefs),
    strategy: coordination,
  })
  .map((f) => {
    const renewMs = NOW - Math.floor(f.fraction * f.durationSeconds * 1000);
    const owners =
      f.ownerReferences === 'node'
        ? [{ apiVersion: 'v1', kind: 'Node', name: f.name, uid: 'uid-1' }]
        : f.ownerReferences;
    return {
      raw: {
        metadata: {
          namespace: f.namespace,
          name: f.name,
          resourceVersion: '1',
          labels: f.labels,
          ...(owners === undefined ? {} : { ownerReferences: owners }),
        },
        spec: Object.fromEntries(
          Object.entries({
            holderIdentity: f.holderIdentity === 'name' ? f.name : f.holderIdentity,
            leaseDurationSeconds: f.durationSeconds,
            renewTime: kubeTime(renewMs, f.style),
            strategy: f.strategy,
          }).filter(([, v]) => v !== undefined),
        ),
      },
    };
  });

const rawNode = fc
  .record({ name: fc.constantFrom(...nodeNames), uid: fc.constantFrom('uid-1', 'uid-1', ...uids) })
  .map(({ name, uid }) => ({ metadata: { name, uid, creationTimestamp: '2026-10-01T00:00:00Z' } }));

const rawPods = fc.option(
  fc.uniqueArray(
    fc
      .record({ name: fc.constantFrom(...podNames), namespace: fc.constantFrom('payments', 'default') })
      .map(({ name, namespace }) => ({ metadata: { name, namespace, uid: `pod-${name}` } })),
    { selector: (p) => `${p.metadata.namespace}/${p.metadata.name}`, maxLength: 3 },
  ),
  { nil: undefined },
);

const auditPolicy: fc.Arbitrary<AuditPolicy> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ ...defaultAuditPolicy }) },
  {
    weight: 1,
    arbitrary: fc.record({
      nodeGracePeriodSeconds: fc.integer({ min: 0, max: 600 }),
      nodeCriticalAfterSeconds: fc.integer({ min: 0, max: 3600 }),
      clockSkewMarginSeconds: fc.integer({ min: 0, max: 120 }),
      apiServerGcGraceSeconds: fc.integer({ min: 0, max: 86_400 }),
      liveApiServerWindowSeconds: fc.integer({ min: 0, max: 7200 }),
      abandonedAfterSeconds: fc.integer({ min: 0, max: 30 * 86_400 }),
      maxLeaseDurationSeconds: fc.constant(MAX),
      controlPlaneLeaderLeases: fc.constantFrom(
        defaultAuditPolicy.controlPlaneLeaderLeases,
        [],
        ['my-operator'],
      ),
      leaderChurnMinTransitions: fc.integer({ min: 0, max: 20 }),
      leaderChurnTransitionsPerHour: fc.double({ min: 0, max: 100, noNaN: true }),
      leaderChurnRecentSeconds: fc.integer({ min: 0, max: 7200 }),
      leaseCandidateValidSeconds: fc.integer({ min: 0, max: 7200 }),
      leaseCandidatePingGraceSeconds: fc.integer({ min: 0, max: 600 }),
      leaseNamingAdvice: fc.boolean(),
      genericLeaseNames: fc.constantFrom(defaultAuditPolicy.genericLeaseNames, [], ['MY-OPERATOR']),
    }),
  },
);

const key = (l: { metadata: Record<string, unknown> }) =>
  `${String(l.metadata.namespace)}/${String(l.metadata.name)}`;

/**
 * A cluster: arbitrary leases (unique by namespace/name, each with its own uid), some fresh well-formed ones
 * among them, arbitrary Nodes (unique by name), and Pods or none.
 */
const cluster = fc
  .record({
    leases: fc.uniqueArray(rawLease, { selector: key, maxLength: 25 }),
    fresh: fc.uniqueArray(freshLease, { selector: (f) => key(f.raw), maxLength: 6 }),
    nodes: fc.uniqueArray(rawNode, { selector: (n) => n.metadata.name, maxLength: 4 }),
    pods: rawPods,
    nowOffset: fc.oneof(fc.constant(0), fc.integer({ min: -HOUR, max: HOUR })),
    policy: auditPolicy,
  })
  .map(({ leases, fresh, nodes, pods, nowOffset, policy }) => {
    const freshKeys = new Set(fresh.map((f) => key(f.raw)));
    const all = [...leases.filter((l) => !freshKeys.has(key(l))), ...fresh.map((f) => f.raw)].map((l, i) => ({
      ...l,
      metadata: { ...l.metadata, uid: `lease-uid-${i}` },
    }));
    const input: AuditInput = {
      cluster: 'prop',
      leases: all.map(toLeaseRecord),
      nodes: nodes.map(toNodeRecord),
      pods: pods?.map(toPodRecord),
    };
    return { input, freshKeys, nowOffset, policy };
  });

/**
 * The test's own judgement of a lease's shape, from its fields alone (the Lease API,
 * https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/lease-v1/, and /work/shared/LEASES.md):
 * renewTime and acquireTime are MicroTime, RFC 3339 as Go's time.Parse reads it (a real calendar date and
 * clock time, `T` and a zone, upper or lower case); renewTime must be there and not ahead of `nowMs` by more
 * than the policy's skew margin (a lease renewed in the future cannot be judged); leaseDurationSeconds is a
 * whole number of seconds, more than 0 (ValidateLeaseSpec) and at most the policy's sane maximum;
 * leaseTransitions, when set, a whole number ≥ 0 (ValidateLeaseSpec); holderIdentity, when set, a string.
 * Returns what is wrong, empty when nothing is. Independent of shared/audit: written from those rules.
 */
function malformedByFields(raw: RawLease, nowMs: number, policy: AuditPolicy): string[] {
  const wrong: string[] = [];
  const spec = raw.spec;
  const renew = rfc3339Ms(spec.renewTime);
  if (renew === undefined) wrong.push('renewTime');
  else if (renew > nowMs + policy.clockSkewMarginSeconds * 1000) wrong.push('renewTime in the future');
  const d = spec.leaseDurationSeconds;
  if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0 || d > policy.maxLeaseDurationSeconds)
    wrong.push('leaseDurationSeconds');
  if (
    spec.acquireTime !== undefined &&
    spec.acquireTime !== null &&
    rfc3339Ms(spec.acquireTime) === undefined
  )
    wrong.push('acquireTime');
  const t = spec.leaseTransitions;
  if (t !== undefined && t !== null && (typeof t !== 'number' || !Number.isInteger(t) || t < 0))
    wrong.push('leaseTransitions');
  const h = spec.holderIdentity;
  if (h !== undefined && h !== null && typeof h !== 'string') wrong.push('holderIdentity');
  return wrong;
}

/** An RFC 3339 date-time (RFC 3339 §5.6, as Go's time.Parse takes it) to epoch ms; undefined when it is not one. */
function rfc3339Ms(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(
      value,
    );
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const offsetMin = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const fractionMs = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, fractionMs);
  return utc.getTime() - offsetMin * 60_000;
}

/** One defect, each breaking a rule malformedByFields states; `fix` undoes it. */
const defect = fc.oneof(
  fc.constantFrom<[string, unknown]>(
    ['renewTime', undefined],
    ['renewTime', null],
    ['renewTime', 1_790_000_000],
    ['renewTime', true],
    ['renewTime', { seconds: 1 }],
    ['renewTime', ''],
    ['renewTime', 'now'],
    ['renewTime', '2026-02-30T00:00:00Z'],
    ['renewTime', '2025-02-29T00:00:00.000000Z'],
    ['renewTime', '2026-13-01T00:00:00Z'],
    ['renewTime', '2026-01-01T24:00:00Z'],
    ['renewTime', '2026-01-01T00:60:00Z'],
    ['renewTime', '2026-01-01T00:00:60Z'],
    ['renewTime', '2026-01-01 00:00:00Z'],
    ['renewTime', '2026-01-01T00:00:00'],
    ['renewTime', '2026-1-01T00:00:00Z'],
    ['renewTime', '2026-01-01T00:00:00.Z'],
    ['renewTime', '2026-01-01T00:00:00.1234567890Z'],
    // The same calendar and clock rules with an offset or in lower case, not only in the UTC form.
    ['renewTime', '2026-02-30T01:00:00+01:00'],
    ['renewTime', '2026-04-31T00:00:00.5-05:00'],
    ['renewTime', '2026-01-01t24:00:00z'],
    ['renewTime', '2026-06-15T12:00:00+0200'],
    ['leaseDurationSeconds', undefined],
    ['leaseDurationSeconds', null],
    ['leaseDurationSeconds', 0],
    ['leaseDurationSeconds', -0],
    ['leaseDurationSeconds', -1],
    ['leaseDurationSeconds', -15],
    ['leaseDurationSeconds', 15.5],
    ['leaseDurationSeconds', 0.5],
    ['leaseDurationSeconds', Number.NaN],
    ['leaseDurationSeconds', Number.POSITIVE_INFINITY],
    ['leaseDurationSeconds', '15'],
    ['leaseDurationSeconds', true],
    ['leaseDurationSeconds', MAX + 1],
    ['acquireTime', 'yesterday'],
    ['acquireTime', 1_790_000_000],
    ['acquireTime', '2026-02-30T00:00:00Z'],
    ['leaseTransitions', -1],
    ['leaseTransitions', 2.5],
    ['leaseTransitions', '3'],
    ['holderIdentity', 42],
    ['holderIdentity', { name: 'pod' }],
    ['holderIdentity', ['pod']],
  ),
  // Renewed beyond the skew margin (at most 120 s in these policies) ahead of now.
  fc
    .integer({ min: 121 * SECOND + HOUR, max: 30 * DAY })
    .map((aheadMs): [string, unknown] => ['renewTime', microTime(NOW + aheadMs)]),
);

/**
 * A leader lease in payments that any permissive policy would delete (renewed 2 to 40 days ago, its holder
 * Pod never listed), broken by one defect; `repaired` is the same lease without it.
 */
const defectiveLease = fc
  .record({
    n: fc.nat(1_000_000),
    renewAgo: fc.integer({ min: 2 * DAY, max: 40 * DAY }),
    duration: fc.constantFrom(1, 15, 60, 137),
    defect,
  })
  .map(({ n, renewAgo, duration, defect: [field, value] }) => {
    const repaired: RawLease = {
      metadata: {
        namespace: 'payments',
        name: `defective-${n}`,
        uid: `defective-uid-${n}`,
        resourceVersion: '11',
        creationTimestamp: '2026-10-01T00:00:00Z',
      },
      spec: {
        holderIdentity: `gone-controller-5c8d9f7b6-zz9xq_${n}`,
        leaseDurationSeconds: duration,
        renewTime: microTime(NOW - renewAgo),
        acquireTime: microTime(NOW - renewAgo - DAY),
        leaseTransitions: 3,
      },
    };
    const spec = { ...repaired.spec, [field]: value };
    if (value === undefined) delete spec[field];
    return { broken: { ...repaired, spec }, repaired };
  });

/** Arbitrary clusters as `cluster` makes them, with one to five defective leases among the leases. */
const clusterWithDefects = fc
  .record({
    leases: fc.uniqueArray(rawLease, { selector: key, maxLength: 20 }),
    defective: fc.uniqueArray(defectiveLease, { selector: (d) => key(d.broken), minLength: 1, maxLength: 5 }),
    nodes: fc.uniqueArray(rawNode, { selector: (n) => n.metadata.name, maxLength: 4 }),
    pods: rawPods,
    nowOffset: fc.oneof(fc.constant(0), fc.integer({ min: -HOUR, max: HOUR })),
    policy: auditPolicy,
  })
  .map(({ leases, defective, nodes, pods, nowOffset, policy }) => {
    const raws: RawLease[] = [
      ...leases.map((l, i) => ({ ...l, metadata: { ...l.metadata, uid: `lease-uid-${i}` } })),
      ...defective.map((d) => d.broken),
    ];
    const input: AuditInput = {
      cluster: 'prop',
      leases: raws.map(toLeaseRecord),
      nodes: nodes.map(toNodeRecord),
      pods: pods?.map(toPodRecord),
    };
    return { raws, input, nowOffset, policy };
  });

/**
 * The most a reap policy may allow, on these leases: every namespace, and every kube-system lease a policy can
 * name (a DNS subdomain, as the API server requires of a Lease's name).
 */
function anythingGoes(leases: readonly LeaseRecord[]) {
  const nameable = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
  return parseReapPolicy({
    namespaces: { include: ['*'] },
    minExpiredFor: '10m',
    reapOrphanedNodeLeases: true,
    allowSystemLeases: [
      ...new Set(
        leases
          .filter((l) => l.namespace === 'kube-system' && nameable.test(l.name))
          .map((l) => `kube-system/${l.name}`),
      ),
    ],
    maxDeletionsPerRun: 1000,
    maxDeletionsPerCluster: 1000,
  });
}

const RUNS = 1000;

describe('audit properties', () => {
  it('never throws, and its counts add up', () => {
    fc.assert(
      fc.property(cluster, ({ input, policy }) => {
        // Act
        const a = audit(input, NOW, policy);

        // Assess
        expect(Object.values(a.counts.byKind).reduce((x, y) => x + y, 0)).toBe(input.leases.length);
        expect(Object.values(a.counts.findings).reduce((x, y) => x + y, 0)).toBe(a.findings.length);
        expect(a.counts.liveApiServers).toBeLessThanOrEqual(a.counts.byKind.apiServerIdentity);
      }),
      { numRuns: RUNS },
    );
  });

  it('never plans, nor makes a candidate of, a lease whose own fields are malformed; reports each as MalformedLease', () => {
    let judgedMalformed = 0;
    fc.assert(
      fc.property(clusterWithDefects, ({ raws, input, nowOffset, policy }) => {
        // Prepare: the test's own verdict, from each lease's fields (malformedByFields), not the audit's
        const nowMs = NOW + nowOffset;
        const malformed = new Set(
          raws
            .filter((r) => malformedByFields(r, nowMs, policy).length > 0)
            .map((r) => String(r.metadata.uid)),
        );
        expect(malformed.size).toBeGreaterThan(0); // every cluster holds at least one defective lease
        judgedMalformed += malformed.size;

        // Act
        const a = audit(input, nowMs, policy);
        const plan = planDeletions(a, input.leases, anythingGoes(input.leases), undefined, input.pods);

        // Assess
        expect(
          plan.deletions.filter((d) => malformed.has(d.uid)).map((d) => `${d.namespace}/${d.name}`),
        ).toEqual([]);
        const about = a.findings.filter((f) => f.uid !== undefined && malformed.has(f.uid));
        expect(about.filter(isDeletionCandidate)).toEqual([]);
        expect(
          about.filter((f) => f.type !== 'MalformedLease' && f.type !== 'ControlPlaneLeaderMissing'),
        ).toEqual([]);
        expect(new Set(about.filter((f) => f.type === 'MalformedLease').map((f) => f.uid))).toEqual(
          malformed,
        );
      }),
      { numRuns: RUNS },
    );
    expect(judgedMalformed).toBeGreaterThanOrEqual(RUNS);
  });

  it('plans each defective lease once its defect is repaired: the defect alone keeps it out', () => {
    fc.assert(
      fc.property(defectiveLease, ({ broken, repaired }) => {
        // Prepare
        expect(malformedByFields(broken, NOW, defaultAuditPolicy).length).toBeGreaterThan(0);
        expect(malformedByFields(repaired, NOW, defaultAuditPolicy)).toEqual([]);
        const leases = [toLeaseRecord(repaired)];
        const policy = { ...defaultAuditPolicy, abandonedAfterSeconds: HOUR / SECOND };

        // Act
        const plan = planDeletions(
          audit({ cluster: 'prop', leases, nodes: [], pods: [] }, NOW, policy),
          leases,
          anythingGoes(leases),
          undefined,
          [],
        );

        // Assess
        expect(plan.deletions.map((d) => d.uid)).toEqual([repaired.metadata.uid]);
      }),
      { numRuns: RUNS },
    );
  });

  it('never calls a well-formed lease renewed within its duration expired, abandoned or stale', () => {
    const timeFindings = new Set([
      'ExpiredLease',
      'AbandonedLease',
      'ExpiredApiServerIdentity',
      'OrphanedApiServerIdentity',
      'StaleNodeHeartbeat',
    ]);
    fc.assert(
      fc.property(cluster, ({ input, freshKeys, policy }) => {
        // Act
        const a = audit(input, NOW, policy);

        // Assess
        for (const f of a.findings) {
          if (!freshKeys.has(`${f.namespace}/${f.name}`)) continue;
          expect(timeFindings.has(f.type), `${f.type} for ${f.namespace}/${f.name}: ${f.reason}`).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('only names leases and Nodes that are in the input, by their uid', () => {
    fc.assert(
      fc.property(cluster, ({ input, nowOffset, policy }) => {
        // Prepare
        const leases = new Map<string, LeaseRecord>(input.leases.map((l) => [`${l.namespace}/${l.name}`, l]));
        const nodes = new Map(input.nodes.map((n) => [n.name, n]));

        // Act
        const a = audit(input, NOW + nowOffset, policy);

        // Assess
        for (const f of a.findings) {
          if (f.type === 'NodeWithoutLease') {
            expect(f.namespace).toBe('');
            expect(nodes.get(f.name)?.uid).toBe(f.facts.nodeUid);
          } else {
            expect(leases.get(`${f.namespace}/${f.name}`)?.uid).toBe(f.uid);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('orders findings most severe first and gives one finding about a lease’s state, beside which only a leaderless control plane, a duplicate hostname or naming advice', () => {
    fc.assert(
      fc.property(cluster, ({ input, nowOffset, policy }) => {
        // Act
        const a = audit(input, NOW + nowOffset, policy);

        // Assess
        for (let i = 1; i < a.findings.length; i++) {
          const [prev, cur] = [a.findings[i - 1], a.findings[i]];
          if (prev && cur)
            expect(severityRank[prev.severity]).toBeGreaterThanOrEqual(severityRank[cur.severity]);
        }
        // One finding about a lease's state, and apart from it at most one LeaseNamingAdvice; a
        // ControlPlaneLeaderMissing only beside that lease's expiry finding (ExpiredLease or AbandonedLease).
        const perLease = new Map<string, number>();
        const advicePerLease = new Map<string, number>();
        const leaderless: string[] = [];
        const expired = new Set<string>();
        for (const f of a.findings) {
          if (f.type === 'DuplicateApiServerHostname' || f.type === 'NodeWithoutLease') continue;
          const k = `${f.namespace}/${f.name}`;
          if (f.type === 'ControlPlaneLeaderMissing') {
            leaderless.push(k);
            continue;
          }
          if (f.type === 'ExpiredLease' || f.type === 'AbandonedLease') expired.add(k);
          const counts = f.type === 'LeaseNamingAdvice' ? advicePerLease : perLease;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        expect([...perLease.values()].every((n) => n === 1)).toBe(true);
        expect([...advicePerLease.values()].every((n) => n === 1)).toBe(true);
        expect(new Set(leaderless).size).toBe(leaderless.length);
        expect(leaderless.filter((k) => !expired.has(k))).toEqual([]);
        expect(a.findings.every((f) => Number.isInteger(f.ageSeconds) && f.ageSeconds >= 0)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives raw items of any shape', () => {
    fc.assert(
      fc.property(
        fc.array(fc.anything(), { maxLength: 10 }),
        fc.array(fc.anything(), { maxLength: 5 }),
        fc.option(fc.array(fc.anything(), { maxLength: 5 }), { nil: undefined }),
        (leases, nodes, pods) => {
          // Prepare
          const input: AuditInput = {
            cluster: 'anything',
            leases: leases.map(toLeaseRecord),
            nodes: nodes.map(toNodeRecord),
            pods: pods?.map(toPodRecord),
          };

          // Act
          const a = audit(input, NOW, defaultAuditPolicy);

          // Assess
          expect(a.counts.leases).toBe(leases.length);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

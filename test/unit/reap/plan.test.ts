import { describe, expect, it } from 'vitest';
import type { ClusterAudit } from '../../../shared/audit/audit.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import { type LeaseRecord, toLeaseRecord } from '../../../shared/kube/records.ts';
import { PROTECT_ANNOTATION, planDeletions, type ReapPlan } from '../../../shared/reap/plan.ts';
import { parseReapPolicy, type ReapPolicy } from '../../../shared/reap/reap-policy.ts';
import {
  ago,
  auditOf,
  type Cluster,
  DAY,
  HOUR,
  holderPod,
  identityLease,
  leaderLease,
  lease,
  MINUTE,
  node,
  nodeLease,
  nodeUid,
  pod,
  policy,
  rawLeaderLease,
  rawNodeLease,
  SECOND,
  uuidFor,
} from '../audit/builders.ts';

/** A reap policy over every namespace, otherwise the defaults; `overrides` replace top-level keys. */
function reapPolicy(overrides: Record<string, unknown> = {}): ReapPolicy {
  return parseReapPolicy({ namespaces: { include: ['*'] }, ...overrides });
}

/** Audits the cluster (Pods listed: none running unless given) and plans on its leases. */
function planFor(c: Cluster, p: ReapPolicy, runBudget?: number): ReapPlan {
  const cluster = { ...c, pods: c.pods ?? [] };
  return planDeletions(auditOf(cluster), cluster.leases ?? [], p, runBudget);
}

const key = (x: { namespace: string; name: string }) => `${x.namespace}/${x.name}`;
const plannedKeys = (p: ReapPlan) => p.deletions.map(key);
const skipsOf = (p: ReapPlan) => p.skipped.map((s) => `${key(s)}: ${s.skip}`);

/** A raw object with metadata merged in (annotations, uid, resourceVersion…), projected as listed. */
function withMetadata(raw: Record<string, unknown>, metadata: Record<string, unknown>): LeaseRecord {
  return toLeaseRecord({ ...raw, metadata: { ...(raw.metadata as Record<string, unknown>), ...metadata } });
}

/** A leader lease in `payments` expired for about three days, its holder Pod gone: AbandonedLease. */
function abandonedRaw(o: { namespace?: string; name?: string; renewAgoMs?: number } = {}) {
  return rawLeaderLease({
    namespace: o.namespace ?? 'payments',
    name: o.name ?? 'gone.example.com',
    renewAgoMs: o.renewAgoMs ?? 3 * DAY,
  });
}

function abandoned(o: { namespace?: string; name?: string; renewAgoMs?: number } = {}): LeaseRecord {
  return toLeaseRecord(abandonedRaw(o));
}

/** A node lease of a deleted Node (no owner, no Node), unrenewed for three days: OrphanedNodeLease. */
function orphanRaw(name = 'ip-10-0-0-200.ec2.internal', renewAgoMs = 3 * DAY) {
  return rawNodeLease(name, { ownerUid: null, renewAgoMs });
}

const orphanName = 'ip-10-0-0-200.ec2.internal';

interface Scenario {
  cluster: Cluster;
  policy: ReapPolicy;
}

describe('planDeletions: each policy guard leaves the lease out, and only that guard', () => {
  it.each<{
    rule: string;
    target: string;
    guarded: Scenario;
    control: Scenario;
    skip: string;
    detail: string;
  }>([
    {
      rule: 'a leader lease annotated lease-reaper.io/protect: "true"',
      target: 'payments/gone.example.com',
      guarded: {
        cluster: {
          leases: [withMetadata(abandonedRaw(), { annotations: { [PROTECT_ANNOTATION]: 'true' } })],
        },
        policy: reapPolicy(),
      },
      control: {
        cluster: {
          leases: [withMetadata(abandonedRaw(), { annotations: { [PROTECT_ANNOTATION]: 'false' } })],
        },
        policy: reapPolicy(),
      },
      skip: 'protected',
      detail: 'annotated lease-reaper.io/protect: "true"',
    },
    {
      rule: 'an orphaned node lease annotated lease-reaper.io/protect: "true"',
      target: `kube-node-lease/${orphanName}`,
      guarded: {
        cluster: { leases: [withMetadata(orphanRaw(), { annotations: { [PROTECT_ANNOTATION]: 'true' } })] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true }),
      },
      control: {
        cluster: { leases: [toLeaseRecord(orphanRaw())] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true }),
      },
      skip: 'protected',
      detail: 'annotated lease-reaper.io/protect: "true"',
    },
    {
      rule: 'a kube-system leader lease not in allowSystemLeases',
      target: 'kube-system/old-cloud-controller',
      guarded: {
        cluster: { leases: [abandoned({ namespace: 'kube-system', name: 'old-cloud-controller' })] },
        policy: reapPolicy({ allowSystemLeases: ['kube-system/other-controller'] }),
      },
      control: {
        cluster: { leases: [abandoned({ namespace: 'kube-system', name: 'old-cloud-controller' })] },
        policy: reapPolicy({ allowSystemLeases: ['kube-system/old-cloud-controller'] }),
      },
      skip: 'systemLease',
      detail: 'a kube-system leader lease not named in allowSystemLeases',
    },
    {
      rule: 'an orphaned node lease while reapOrphanedNodeLeases is false',
      target: `kube-node-lease/${orphanName}`,
      guarded: {
        cluster: { leases: [toLeaseRecord(orphanRaw())] },
        policy: reapPolicy({ reapOrphanedNodeLeases: false }),
      },
      control: {
        cluster: { leases: [toLeaseRecord(orphanRaw())] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true }),
      },
      skip: 'nodeLeasesNotEnabled',
      detail: 'reapOrphanedNodeLeases is false',
    },
    {
      rule: 'a namespace both included and excluded (exclude wins)',
      target: 'team-platform/gone.example.com',
      guarded: {
        cluster: { leases: [abandoned({ namespace: 'team-platform' })] },
        policy: reapPolicy({ namespaces: { include: ['team-*'], exclude: ['team-platform'] } }),
      },
      control: {
        cluster: { leases: [abandoned({ namespace: 'team-platform' })] },
        policy: reapPolicy({ namespaces: { include: ['team-*'], exclude: ['team-platforms'] } }),
      },
      skip: 'namespaceExcluded',
      detail: 'namespace team-platform is in namespaces.exclude',
    },
    {
      rule: 'an orphaned node lease in an excluded kube-node-lease',
      target: `kube-node-lease/${orphanName}`,
      guarded: {
        cluster: { leases: [toLeaseRecord(orphanRaw())] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true, namespaces: { exclude: ['kube-node-*'] } }),
      },
      control: {
        cluster: { leases: [toLeaseRecord(orphanRaw())] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true, namespaces: { exclude: ['kube-system'] } }),
      },
      skip: 'namespaceExcluded',
      detail: 'namespace kube-node-lease is in namespaces.exclude',
    },
    {
      rule: 'a namespace no include glob matches (globs are anchored)',
      target: 'xteam-a/gone.example.com',
      guarded: {
        cluster: { leases: [abandoned({ namespace: 'xteam-a' })] },
        policy: reapPolicy({ namespaces: { include: ['team-*'] } }),
      },
      control: {
        cluster: { leases: [abandoned({ namespace: 'xteam-a' })] },
        policy: reapPolicy({ namespaces: { include: ['team-*', '*team-a'] } }),
      },
      skip: 'namespaceNotIncluded',
      detail: 'namespace xteam-a is not in namespaces.include',
    },
    {
      rule: 'an allowed kube-system lease whose namespace is not included',
      target: 'kube-system/old-cloud-controller',
      guarded: {
        cluster: { leases: [abandoned({ namespace: 'kube-system', name: 'old-cloud-controller' })] },
        policy: reapPolicy({
          namespaces: { include: ['payments'] },
          allowSystemLeases: ['kube-system/old-cloud-controller'],
        }),
      },
      control: {
        cluster: { leases: [abandoned({ namespace: 'kube-system', name: 'old-cloud-controller' })] },
        policy: reapPolicy({
          namespaces: { include: ['payments', 'kube-system'] },
          allowSystemLeases: ['kube-system/old-cloud-controller'],
        }),
      },
      skip: 'namespaceNotIncluded',
      detail: 'namespace kube-system is not in namespaces.include',
    },
    {
      rule: 'a lease name no names glob matches',
      target: 'payments/gone.example.org',
      guarded: {
        cluster: { leases: [abandoned({ name: 'gone.example.org' })] },
        policy: reapPolicy({ names: ['*.example.com'] }),
      },
      control: {
        cluster: { leases: [abandoned({ name: 'gone.example.org' })] },
        policy: reapPolicy({ names: ['*.example.com', 'gone.example.???'] }),
      },
      skip: 'nameNotIncluded',
      detail: 'the name matches none of names',
    },
    {
      rule: 'an orphaned node lease whose name no names glob matches',
      target: `kube-node-lease/${orphanName}`,
      guarded: {
        cluster: { leases: [toLeaseRecord(orphanRaw())] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true, names: ['*.example.com'] }),
      },
      control: {
        cluster: { leases: [toLeaseRecord(orphanRaw())] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true, names: ['ip-10-0-0-*.ec2.internal'] }),
      },
      skip: 'nameNotIncluded',
      detail: 'the name matches none of names',
    },
    {
      rule: 'labels the labelSelector does not select',
      target: 'payments/gone.example.com',
      guarded: {
        cluster: {
          leases: [withMetadata(abandonedRaw(), { labels: { 'app.kubernetes.io/managed-by': 'helm' } })],
        },
        policy: reapPolicy({ labelSelector: 'app.kubernetes.io/managed-by!=helm' }),
      },
      control: {
        cluster: {
          leases: [withMetadata(abandonedRaw(), { labels: { 'app.kubernetes.io/managed-by': 'kustomize' } })],
        },
        policy: reapPolicy({ labelSelector: 'app.kubernetes.io/managed-by!=helm' }),
      },
      skip: 'labelsNotSelected',
      detail: 'labels do not match app.kubernetes.io/managed-by!=helm',
    },
    {
      rule: 'a lease without labels and a selector that requires one',
      target: 'payments/gone.example.com',
      guarded: {
        cluster: { leases: [abandoned()] },
        policy: reapPolicy({ labelSelector: 'team in (payments,checkout)' }),
      },
      control: {
        cluster: { leases: [withMetadata(abandonedRaw(), { labels: { team: 'checkout' } })] },
        policy: reapPolicy({ labelSelector: 'team in (payments,checkout)' }),
      },
      skip: 'labelsNotSelected',
      detail: 'labels do not match team in (payments,checkout)',
    },
    {
      rule: 'a leader lease expired for less than minExpiredFor',
      target: 'payments/gone.example.com',
      guarded: { cluster: { leases: [abandoned()] }, policy: reapPolicy({ minExpiredFor: '4d' }) },
      control: { cluster: { leases: [abandoned()] }, policy: reapPolicy({ minExpiredFor: '2d' }) },
      skip: 'tooYoung',
      detail: 'expired for 259185 s, less than minExpiredFor 345600 s',
    },
    {
      rule: 'an orphaned node lease unrenewed for less than minExpiredFor',
      target: `kube-node-lease/${orphanName}`,
      guarded: {
        cluster: { leases: [toLeaseRecord(orphanRaw(orphanName, 2 * HOUR))] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true, minExpiredFor: '3h' }),
      },
      control: {
        cluster: { leases: [toLeaseRecord(orphanRaw(orphanName, 2 * HOUR))] },
        policy: reapPolicy({ reapOrphanedNodeLeases: true, minExpiredFor: '1h' }),
      },
      skip: 'tooYoung',
      detail: 'unrenewed for 7200 s, less than minExpiredFor 10800 s',
    },
  ])('leaves out $rule as $skip', ({ target, guarded, control, skip, detail }) => {
    // Act
    const left = planFor(guarded.cluster, guarded.policy);
    const taken = planFor(control.cluster, control.policy);

    // Assess
    expect(plannedKeys(left)).toEqual([]);
    expect(skipsOf(left)).toEqual([`${target}: ${skip}`]);
    // The detail is what an operator reads in the report: it names the rule and the value that decided.
    expect(left.skipped[0]?.detail).toBe(detail);
    expect(plannedKeys(taken)).toEqual([target]);
    expect(taken.skipped).toEqual([]);
  });
});

/** The most permissive policy there is: if any of these leases were plannable, this would plan it. */
function anythingGoes(allowSystem: string[] = []): ReapPolicy {
  return reapPolicy({
    minExpiredFor: '10m', // the floor
    reapOrphanedNodeLeases: true,
    maxDeletionsPerRun: 1000,
    maxDeletionsPerCluster: 1000,
    allowSystemLeases: allowSystem,
  });
}

describe('planDeletions: leases that are never candidates, whatever the policy', () => {
  it.each<{ rule: string; target: string; never: Cluster; control: Cluster; allow?: string[] }>([
    {
      rule: 'a leader lease whose holder Pod runs',
      target: 'payments/gone.example.com',
      never: { leases: [abandoned()], pods: [pod(holderPod('gone.example.com'))] },
      control: { leases: [abandoned()], pods: [pod('another-pod')] },
    },
    {
      rule: 'a coordinated lease (spec.strategy)',
      target: 'payments/coordinated.example.com',
      never: {
        leases: [
          leaderLease({
            name: 'coordinated.example.com',
            renewAgoMs: 30 * DAY,
            strategy: 'OldestEmulationVersion',
          }),
        ],
      },
      control: { leases: [leaderLease({ name: 'coordinated.example.com', renewAgoMs: 30 * DAY })] },
    },
    {
      rule: 'a coordinated lease (spec.preferredHolder)',
      target: 'payments/coordinated.example.com',
      never: {
        leases: [
          leaderLease({
            name: 'coordinated.example.com',
            renewAgoMs: 30 * DAY,
            preferredHolder: 'pod-a_123',
          }),
        ],
      },
      control: { leases: [leaderLease({ name: 'coordinated.example.com', renewAgoMs: 30 * DAY })] },
    },
    {
      rule: 'a coordinated kube-system lease, even when allowed',
      target: 'kube-system/cluster-autoscaler',
      never: {
        leases: [
          leaderLease({
            namespace: 'kube-system',
            name: 'cluster-autoscaler',
            renewAgoMs: 30 * DAY,
            strategy: 'OldestEmulationVersion',
          }),
        ],
      },
      control: {
        leases: [leaderLease({ namespace: 'kube-system', name: 'cluster-autoscaler', renewAgoMs: 30 * DAY })],
      },
      allow: ['kube-system/cluster-autoscaler'],
    },
    {
      rule: 'a 1.27+ apiserver identity lease expired for days, even when allowed',
      target: 'kube-system/apiserver-old',
      never: { leases: [identityLease('1.27', { name: 'apiserver-old', renewAgoMs: 10 * DAY })] },
      control: {
        leases: [identityLease('1.27', { name: 'apiserver-old', renewAgoMs: 10 * DAY, labels: {} })],
      },
      allow: ['kube-system/apiserver-old'],
    },
    {
      rule: 'a malformed leader lease (duration not a number)',
      target: 'payments/broken',
      never: {
        leases: [
          lease({
            namespace: 'payments',
            name: 'broken',
            leaseDurationSeconds: 'forever',
            renewTime: ago(3 * DAY),
          }),
        ],
      },
      control: {
        leases: [
          lease({ namespace: 'payments', name: 'broken', leaseDurationSeconds: 15, renewTime: ago(3 * DAY) }),
        ],
      },
    },
    {
      rule: 'a malformed leader lease (no renewTime)',
      target: 'payments/broken',
      never: { leases: [lease({ namespace: 'payments', name: 'broken', renewTime: undefined })] },
      control: {
        leases: [lease({ namespace: 'payments', name: 'broken', renewTime: ago(3 * DAY) })],
      },
    },
    {
      rule: 'a malformed orphaned node lease (holder is not its name)',
      target: `kube-node-lease/${orphanName}`,
      never: {
        leases: [nodeLease(orphanName, { ownerUid: null, renewAgoMs: 3 * DAY, holder: 'someone-else' })],
      },
      control: { leases: [nodeLease(orphanName, { ownerUid: null, renewAgoMs: 3 * DAY })] },
    },
    {
      rule: 'a node lease whose Node exists and owns it (stale for days)',
      target: `kube-node-lease/${orphanName}`,
      never: { leases: [nodeLease(orphanName, { renewAgoMs: 3 * DAY })], nodes: [node(orphanName)] },
      control: { leases: [nodeLease(orphanName, { renewAgoMs: 3 * DAY })], nodes: [] },
    },
    {
      rule: 'a node lease without owner whose Node exists',
      target: `kube-node-lease/${orphanName}`,
      never: {
        leases: [nodeLease(orphanName, { ownerUid: null, renewAgoMs: 3 * DAY })],
        nodes: [node(orphanName)],
      },
      control: { leases: [nodeLease(orphanName, { ownerUid: null, renewAgoMs: 3 * DAY })], nodes: [] },
    },
  ])('never plans $rule; the same lease without it is planned', ({ target, never, control, allow }) => {
    // Prepare
    const p = anythingGoes(allow);

    // Act
    const left = planFor(never, p);
    const taken = planFor(control, p);

    // Assess
    expect(plannedKeys(left)).toEqual([]);
    expect(left.skipped).toEqual([]);
    expect(plannedKeys(taken)).toEqual([target]);
  });

  it.each([
    { style: '1.20' as const, name: 'kube-apiserver-0b9c2d6e-6c1f-4d0a-9a55-3f1e2d4c5b6a' },
    { style: '1.26' as const, name: 'kube-apiserver-4xq7bz3l2m5n6p7r8s9t0u1v2w' },
    { style: '1.27' as const, name: 'apiserver-4xq7bz3l2m5n6p7r8s9t0u1v2w' },
  ])(
    'never plans a $style apiserver identity lease expired for days, even when allowed',
    ({ style, name }) => {
      // Prepare
      const leases = [identityLease(style, { name, renewAgoMs: 30 * DAY })];
      const p = anythingGoes([`kube-system/${name}`]);

      // Act
      const a = auditOf({ leases, pods: [] });
      const plan = planDeletions(a, leases, p);

      // Assess
      expect(a.findings.map((f) => f.type)).toEqual(['OrphanedApiServerIdentity']);
      expect(plan.deletions).toEqual([]);
      expect(plan.skipped).toEqual([]);
    },
  );

  it('leaves out a candidate whose holder Pod the audit found running, as holderRunning', () => {
    // Prepare: the planner's own guard, independent of the audit's rule that keeps such leases off the list
    const leases = [abandoned()];
    const a = auditOf({ leases, pods: [] });
    const running: ClusterAudit = {
      ...a,
      findings: a.findings.map((f) => ({ ...f, facts: { ...f.facts, holderPodRunning: true } })),
    };

    // Act
    const left = planDeletions(running, leases, anythingGoes());
    const taken = planDeletions(a, leases, anythingGoes());

    // Assess
    expect(skipsOf(left)).toEqual(['payments/gone.example.com: holderRunning']);
    expect(left.deletions).toEqual([]);
    expect(plannedKeys(taken)).toEqual(['payments/gone.example.com']);
  });

  it('never plans the findings that are not deletion candidates, nor lists them as skipped', () => {
    // Prepare: one finding of every kind but AbandonedLease and OrphanedNodeLease
    const c: Cluster = {
      leases: [
        nodeLease('node-stale', { renewAgoMs: 2 * DAY }),
        identityLease('1.27', { hostname: 'cp-a', name: 'apiserver-a' }),
        identityLease('1.27', { hostname: 'cp-a', name: 'apiserver-a2' }),
        identityLease('1.26', { hostname: 'cp-c', renewAgoMs: HOUR + 20 * MINUTE, name: 'kube-apiserver-c' }),
        identityLease('1.20', { hostname: 'cp-d', renewAgoMs: 3 * DAY, name: 'kube-apiserver-d' }),
        leaderLease({ namespace: 'kube-system', name: 'kube-controller-manager', renewAgoMs: 5 * MINUTE }),
        leaderLease({ name: 'held.example.com', renewAgoMs: 3 * DAY }),
        lease({ namespace: 'search', name: 'broken', leaseDurationSeconds: -15 }),
      ],
      nodes: [node('node-stale'), node('node-bare')],
      pods: [pod(holderPod('held.example.com'))],
    };
    const a = auditOf(c);

    // Act
    const plan = planDeletions(a, c.leases ?? [], anythingGoes(['kube-system/kube-controller-manager']));

    // Assess
    expect(new Set(a.findings.map((f) => f.type))).toEqual(
      new Set([
        'StaleNodeHeartbeat',
        'NodeWithoutLease',
        'ExpiredApiServerIdentity',
        'OrphanedApiServerIdentity',
        'DuplicateApiServerHostname',
        'ExpiredLease',
        'MalformedLease',
        'ControlPlaneLeaderMissing',
      ]),
    );
    expect(a.findings.some(isDeletionCandidate)).toBe(false);
    expect(plan).toEqual({ cluster: 'test-cluster', deletions: [], skipped: [] });
  });
});

describe('planDeletions: control-plane leader leases', () => {
  /** kube-system leader leases as client-go writes them for the control plane, unrenewed for 30 days. */
  const controlPlane = (name: string) =>
    leaderLease({
      namespace: 'kube-system',
      name,
      holder: `ip-10-0-0-10.ec2.internal_${uuidFor(name)}`,
      renewAgoMs: 30 * DAY,
    });

  it.each(['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager'])(
    'skips %s as a system lease, as for any kube-system lease, beside the audit’s ControlPlaneLeaderMissing',
    (name) => {
      // Prepare
      const leases = [controlPlane(name)];
      const a = auditOf({ leases, pods: [] });

      // Act
      const plan = planDeletions(a, leases, anythingGoes());

      // Assess
      expect(a.findings.map((f) => f.type)).toEqual(['ControlPlaneLeaderMissing', 'AbandonedLease']);
      expect(plan.deletions).toEqual([]);
      expect(plan.skipped).toEqual([
        {
          namespace: 'kube-system',
          name,
          finding: 'AbandonedLease',
          skip: 'systemLease',
          detail: 'a kube-system leader lease not named in allowSystemLeases',
        },
      ]);
    },
  );

  it.each(['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager'])(
    'never plans %s, even when allowSystemLeases names it; another kube-system lease so named is planned',
    (name) => {
      // Prepare
      const leases = [controlPlane(name), controlPlane('cluster-autoscaler')];
      const p = anythingGoes([`kube-system/${name}`, 'kube-system/cluster-autoscaler']);

      // Act
      const plan = planFor({ leases }, p);

      // Assess
      expect(plannedKeys(plan)).toEqual(['kube-system/cluster-autoscaler']);
      expect(skipsOf(plan)).toEqual([`kube-system/${name}: systemLease`]);
      expect(plan.skipped[0]?.detail).toContain('control-plane leader lease');
    },
  );

  it.each(['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager'])(
    'plans a user lease named %s outside kube-system: the name alone is not the control plane',
    (name) => {
      // Prepare
      const leases = [abandoned({ namespace: 'payments', name })];

      // Act
      const plan = planFor({ leases }, reapPolicy());

      // Assess
      expect(plannedKeys(plan)).toEqual([`payments/${name}`]);
    },
  );

  it('never plans a lease the audit found leaderless under its own list of components, even when allowed', () => {
    // Prepare: the guard also follows the audit's findings, for components beyond the default three
    const leases = [controlPlane('my-scheduler')];
    const p = anythingGoes(['kube-system/my-scheduler']);
    const auditPolicy = policy({ controlPlaneLeaderLeases: ['my-scheduler'] });

    // Act
    const guarded = planDeletions(auditOf({ leases, pods: [] }, { policy: auditPolicy }), leases, p);
    const control = planDeletions(auditOf({ leases, pods: [] }), leases, p);

    // Assess
    expect(skipsOf(guarded)).toEqual(['kube-system/my-scheduler: systemLease']);
    expect(guarded.deletions).toEqual([]);
    expect(plannedKeys(control)).toEqual(['kube-system/my-scheduler']);
  });
});

describe('planDeletions: orphaned node leases', () => {
  it.each([
    {
      orphan: 'an owner-less lease of a deleted Node',
      leases: [nodeLease(orphanName, { ownerUid: null, renewAgoMs: 3 * DAY })],
      nodes: [],
    },
    {
      orphan: 'a lease owned by a deleted Node the GC has not collected',
      leases: [nodeLease(orphanName, { renewAgoMs: 3 * DAY })],
      nodes: [],
    },
    {
      orphan: 'a lease owned by a previous incarnation of a live Node',
      leases: [nodeLease(orphanName, { ownerUid: uuidFor('old-incarnation'), renewAgoMs: 3 * DAY })],
      nodes: [node(orphanName, nodeUid(orphanName))],
    },
  ])('plans $orphan, without namespaces.include naming kube-node-lease', ({ leases, nodes }) => {
    // Prepare
    const p = parseReapPolicy({ reapOrphanedNodeLeases: true });

    // Act
    const plan = planFor({ leases, nodes }, p);

    // Assess
    expect(plan.deletions).toEqual([
      expect.objectContaining({
        namespace: 'kube-node-lease',
        name: orphanName,
        finding: 'OrphanedNodeLease',
        ageSeconds: (3 * DAY) / SECOND,
      }),
    ]);
    expect(plan.skipped).toEqual([]);
  });
});

describe('planDeletions: minimum age', () => {
  it.each([
    { unrenewedFor: '2 d', renewAgoMs: 2 * DAY, planned: true },
    { unrenewedFor: '2 d + 0.999 s', renewAgoMs: 2 * DAY + 999, planned: true },
    { unrenewedFor: '2 d - 1 ms', renewAgoMs: 2 * DAY - 1, planned: false },
    { unrenewedFor: '2 d - 1 s', renewAgoMs: 2 * DAY - SECOND, planned: false },
  ])(
    'an orphaned node lease unrenewed for $unrenewedFor with minExpiredFor 2d is planned: $planned',
    ({ renewAgoMs, planned }) => {
      // Prepare
      const leases = [toLeaseRecord(orphanRaw(orphanName, renewAgoMs))];

      // Act
      const plan = planFor({ leases }, reapPolicy({ reapOrphanedNodeLeases: true, minExpiredFor: '2d' }));

      // Assess
      expect(plannedKeys(plan)).toEqual(planned ? [`kube-node-lease/${orphanName}`] : []);
      expect(skipsOf(plan)).toEqual(planned ? [] : [`kube-node-lease/${orphanName}: tooYoung`]);
    },
  );

  it.each([
    { expiredFor: '2 d', expiredMs: 2 * DAY, planned: true },
    { expiredFor: '2 d - 1 s', expiredMs: 2 * DAY - SECOND, planned: false },
    { expiredFor: '3 d', expiredMs: 3 * DAY, planned: true },
  ])(
    'a leader lease expired for $expiredFor with minExpiredFor 172800 is planned: $planned',
    ({ expiredMs, planned }) => {
      // Prepare: expired = renewed + 15 s
      const leases = [abandoned({ renewAgoMs: expiredMs + 15 * SECOND })];

      // Act
      const plan = planFor({ leases }, reapPolicy({ minExpiredFor: 172_800 }));

      // Assess
      expect(plannedKeys(plan)).toEqual(planned ? ['payments/gone.example.com'] : []);
      expect(plan.skipped).toEqual(
        planned
          ? []
          : [
              expect.objectContaining({
                namespace: 'payments',
                name: 'gone.example.com',
                finding: 'AbandonedLease',
                skip: 'tooYoung',
                detail: expect.stringContaining('172800'),
              }),
            ],
      );
    },
  );
});

describe('planDeletions: caps and order', () => {
  /** Five abandoned leases, given youngest first, of 2 to 6 days. */
  const five = [2, 3, 4, 5, 6].map((days) => abandoned({ name: `lease-${days}d`, renewAgoMs: days * DAY }));
  const oldestFirst = ['lease-6d', 'lease-5d', 'lease-4d', 'lease-3d', 'lease-2d'].map(
    (n) => `payments/${n}`,
  );

  it.each([
    { perCluster: 10, runBudget: undefined, planned: 5 },
    { perCluster: 3, runBudget: undefined, planned: 3 },
    { perCluster: 3, runBudget: 10, planned: 3 },
    { perCluster: 10, runBudget: 2, planned: 2 },
    { perCluster: 4, runBudget: 4, planned: 4 },
    { perCluster: 10, runBudget: 0, planned: 0 },
    { perCluster: 10, runBudget: -3, planned: 0 },
  ])(
    'with maxDeletionsPerCluster $perCluster and a run budget of $runBudget plans the $planned oldest',
    ({ perCluster, runBudget, planned }) => {
      // Prepare
      const p = reapPolicy({ maxDeletionsPerRun: 10, maxDeletionsPerCluster: perCluster });

      // Act
      const plan = planFor({ leases: five }, p, runBudget);

      // Assess
      expect(plannedKeys(plan)).toEqual(oldestFirst.slice(0, planned));
      expect(skipsOf(plan)).toEqual(oldestFirst.slice(planned).map((k) => `${k}: capReached`));
    },
  );

  it('says what cap a capped lease was over', () => {
    // Act
    const plan = planFor({ leases: five }, reapPolicy({ maxDeletionsPerCluster: 4 }), 3);

    // Assess
    expect(plan.skipped.map((s) => s.detail)).toEqual([
      'over the cap of 3 deletions (maxDeletionsPerCluster 4, 3 left in this run)',
      'over the cap of 3 deletions (maxDeletionsPerCluster 4, 3 left in this run)',
    ]);
  });

  it('orders leases of the same age by namespace, then name, whatever order the findings come in', () => {
    // Prepare: one renewal time for all. The audit lists findings sorted already, so they are given here in
    // an order that is neither sorted nor reversed (a comparator that always answers the same keeps or
    // reverses its input).
    const leases = [
      abandoned({ namespace: 'a-team', name: 'a' }),
      abandoned({ namespace: 'a-team', name: 'b' }),
      abandoned({ namespace: 'b-team', name: 'a' }),
    ];
    const a = auditOf({ leases, pods: [] });
    const order = ['a-team/b', 'b-team/a', 'a-team/a'];
    const findings = [...a.findings].sort((x, y) => order.indexOf(key(x)) - order.indexOf(key(y)));
    expect(findings.map(key)).toEqual(order);

    // Act
    const plan = planDeletions({ ...a, findings }, leases, reapPolicy());

    // Assess
    expect(plannedKeys(plan)).toEqual(['a-team/a', 'a-team/b', 'b-team/a']);
  });

  it('defaults the run budget to maxDeletionsPerRun', () => {
    // Prepare
    const p = reapPolicy({ maxDeletionsPerRun: 2, maxDeletionsPerCluster: 2 });

    // Act
    const plan = planFor({ leases: five }, p);

    // Assess
    expect(plannedKeys(plan)).toEqual(oldestFirst.slice(0, 2));
  });

  it('orders leader and node leases together, oldest first, whatever the input order', () => {
    // Prepare
    const leases = [
      abandoned({ namespace: 'a-team', name: 'young', renewAgoMs: 2 * DAY }),
      toLeaseRecord(orphanRaw('node-b', 9 * DAY)),
      abandoned({ namespace: 'z-team', name: 'oldest', renewAgoMs: 30 * DAY }),
      toLeaseRecord(orphanRaw('node-a', 4 * DAY)),
    ];

    // Act
    const plan = planFor({ leases }, reapPolicy({ reapOrphanedNodeLeases: true }));

    // Assess
    expect(plannedKeys(plan)).toEqual([
      'z-team/oldest',
      'kube-node-lease/node-b',
      'kube-node-lease/node-a',
      'a-team/young',
    ]);
    const ages = plan.deletions.map((d) => d.ageSeconds);
    expect(ages).toEqual([...ages].sort((x, y) => y - x));
  });

  it('caps only the eligible leases: the skipped do not use the cap', () => {
    // Prepare
    const leases = [
      abandoned({ namespace: 'excluded', name: 'oldest', renewAgoMs: 30 * DAY }),
      abandoned({ name: 'old', renewAgoMs: 5 * DAY }),
      abandoned({ name: 'young', renewAgoMs: 2 * DAY }),
    ];
    const p = reapPolicy({
      namespaces: { include: ['*'], exclude: ['excluded'] },
      maxDeletionsPerCluster: 1,
    });

    // Act
    const plan = planFor({ leases }, p);

    // Assess
    expect(plannedKeys(plan)).toEqual(['payments/old']);
    expect(skipsOf(plan).sort()).toEqual([
      'excluded/oldest: namespaceExcluded',
      'payments/young: capReached',
    ]);
  });
});

describe('planDeletions: what a planned deletion carries', () => {
  it('carries the uid and resourceVersion of the lease as listed, the finding, its age and a reason', () => {
    // Prepare
    const leases = [
      withMetadata(abandonedRaw({ name: 'a.example.com', renewAgoMs: 4 * DAY }), {
        uid: 'uid-a',
        resourceVersion: '1001',
      }),
      withMetadata(orphanRaw(orphanName, 3 * DAY), { uid: 'uid-node', resourceVersion: '2002' }),
    ];

    // Act
    const plan = planFor({ leases }, reapPolicy({ reapOrphanedNodeLeases: true }));

    // Assess
    expect(plan.cluster).toBe('test-cluster');
    expect(plan.deletions).toEqual([
      {
        namespace: 'payments',
        name: 'a.example.com',
        uid: 'uid-a',
        resourceVersion: '1001',
        finding: 'AbandonedLease',
        ageSeconds: (4 * DAY - 15 * SECOND) / SECOND,
        reason: expect.stringContaining('payments/a.example.com'),
      },
      {
        namespace: 'kube-node-lease',
        name: orphanName,
        uid: 'uid-node',
        resourceVersion: '2002',
        finding: 'OrphanedNodeLease',
        ageSeconds: (3 * DAY) / SECOND,
        reason: expect.stringContaining(orphanName),
      },
    ]);
  });

  it.each([
    { case: 'missing from the leases given', listed: [] as LeaseRecord[] },
    { case: 'listed without a uid', listed: [withMetadata(abandonedRaw(), { uid: '' })] },
    {
      case: 'listed without a resourceVersion',
      listed: [withMetadata(abandonedRaw(), { resourceVersion: '' })],
    },
  ])('leaves out a candidate $case as notListed', ({ listed }) => {
    // Prepare
    const a = auditOf({ leases: [abandoned()], pods: [] });

    // Act
    const plan = planDeletions(a, listed, reapPolicy());

    // Assess
    expect(plan.deletions).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        namespace: 'payments',
        name: 'gone.example.com',
        finding: 'AbandonedLease',
        skip: 'notListed',
        detail: 'not in the snapshot with the uid and resourceVersion the audit judged',
      },
    ]);
  });

  it('leaves out a candidate listed twice with one identity when either copy is refused', () => {
    // Prepare: a sane list never holds two records of one uid and resourceVersion; if one did, the
    // protected copy must win whichever comes first.
    const plain = abandoned();
    const guarded = withMetadata(abandonedRaw(), { annotations: { [PROTECT_ANNOTATION]: 'yes' } });
    const a = auditOf({ leases: [plain], pods: [] });

    // Act
    const plans = [
      planDeletions(a, [plain, guarded], reapPolicy()),
      planDeletions(a, [guarded, plain], reapPolicy()),
    ];

    // Assess
    for (const plan of plans) {
      expect(plan.deletions).toEqual([]);
      expect(skipsOf(plan)).toEqual(['payments/gone.example.com: protected']);
    }
  });
});

describe('planner guards that do not rely on the audit alone', () => {
  const permissive = anythingGoes(['kube-system/old-ccm']);

  it('never plans an orphaned node lease that carries coordinated-leader-election fields', () => {
    const raw = rawNodeLease('ip-10-9-9-9.ec2.internal', { ownerUid: null, renewAgoMs: 3 * DAY });
    (raw.spec as Record<string, unknown>).strategy = 'OldestEmulationVersion';
    const lease = toLeaseRecord(raw);

    const plan = planDeletions(auditOf({ leases: [lease], nodes: [] }), [lease], permissive);

    expect(plan.deletions).toEqual([]);
    expect(plan.skipped).toMatchObject([
      {
        name: 'ip-10-9-9-9.ec2.internal',
        skip: 'coordinated',
        detail: 'managed by coordinated leader election',
      },
    ]);
  });

  it('never plans an allowed kube-system lease whose holder Pod is running', () => {
    const lease = leaderLease({
      namespace: 'kube-system',
      name: 'old-ccm',
      holder: 'old-ccm-abc_123',
      renewAgoMs: 3 * DAY,
    });
    const pods = [pod('old-ccm-abc', 'kube-system')];

    const running = planDeletions(auditOf({ leases: [lease], pods }), [lease], permissive, undefined, pods);
    const gone = planDeletions(auditOf({ leases: [lease], pods: [] }), [lease], permissive, undefined, []);

    expect(running.deletions).toEqual([]);
    expect(running.skipped).toMatchObject([
      { name: 'old-ccm', skip: 'holderRunning', detail: 'its holder Pod is running' },
    ]);
    expect(gone.deletions.map((d) => d.name)).toEqual(['old-ccm']);
  });
});

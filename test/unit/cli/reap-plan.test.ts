import { describe, expect, it } from 'vitest';
import { checkedPlan } from '../../../cli/apply-plan.ts';
import { liveRefusal } from '../../../cli/live-lease-guards.ts';
import {
  checkPlanAge,
  type PlannedCluster,
  type PlannedLease,
  type ReapPlanFile,
} from '../../../cli/plan-file.ts';
import { withReadableDurations } from '../../../cli/render-reap.ts';
import type { LeaseRecord } from '../../../shared/kube/records.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';

const policy = parseReapPolicy({
  namespaces: { include: ['team-*'], exclude: ['team-platform'] },
  maxDeletionsPerRun: 3,
  maxDeletionsPerCluster: 2,
});

const planned = (over: Partial<PlannedLease> = {}): PlannedLease => ({
  namespace: 'team-a',
  name: 'old-operator',
  uid: 'u-1',
  resourceVersion: '7',
  finding: 'AbandonedLease',
  ageSeconds: 90_000,
  reason: 'expired long ago',
  ...over,
});

const lease = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({
  namespace: 'team-a',
  name: 'old-operator',
  uid: 'u-1',
  resourceVersion: '7',
  creationTimestamp: undefined,
  labels: {},
  annotations: {},
  ownerReferences: [],
  holderIdentity: 'old-operator-abc',
  leaseDurationSeconds: 15,
  renewTime: '2026-01-01T00:00:00Z',
  acquireTime: undefined,
  leaseTransitions: 0,
  strategy: undefined,
  preferredHolder: undefined,
  ...over,
});

const planFile = (createdAt: string): ReapPlanFile => ({
  apiVersion: 'lease-reaper.io/v1',
  kind: 'ReapPlan',
  formatVersion: 1,
  leaseReaperVersion: '0.1.0',
  createdAt,
  policySource: 'policy.yaml',
  policy,
  clusters: [],
});

describe('a saved plan', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');

  it.each([
    { createdAt: '2026-11-25T11:30:00Z', maxAge: 3600, refused: undefined },
    { createdAt: '2026-11-25T10:59:59Z', maxAge: 3600, refused: /older than --max-plan-age 1h/ },
    { createdAt: '2026-11-25T09:00:00Z', maxAge: 4 * 3600, refused: undefined },
    { createdAt: '2026-11-25T12:04:00Z', maxAge: 3600, refused: undefined },
    { createdAt: '2026-11-25T12:06:00Z', maxAge: 3600, refused: /in the future .* maxClockSkew 5m/ },
  ])(
    'made at $createdAt, applied at 12:00 with a $maxAge s bound: refused $refused',
    ({ createdAt, maxAge, refused }) => {
      const check = () => checkPlanAge(planFile(createdAt), now, maxAge, '--plan p.json');
      if (refused) expect(check).toThrow(refused);
      else expect(check).not.toThrow();
    },
  );

  it.each([
    { what: 'the plain planned lease', live: lease(), expected: undefined },
    {
      what: 'a protect annotation',
      live: lease({ annotations: { 'lease-reaper.io/protect': 'yes' } }),
      expected: 'protected',
    },
    {
      what: 'coordinated leader election',
      live: lease({ strategy: 'OldestEmulationVersion' }),
      expected: 'coordinated',
    },
    {
      what: 'a namespace the policy does not include',
      planned: planned({ namespace: 'payments' }),
      live: lease({ namespace: 'payments' }),
      expected: 'namespaceNotIncluded',
    },
    {
      what: 'an excluded namespace',
      planned: planned({ namespace: 'team-platform' }),
      live: lease({ namespace: 'team-platform' }),
      expected: 'namespaceExcluded',
    },
    {
      what: 'a kube-system lease not allowed',
      planned: planned({ namespace: 'kube-system' }),
      live: lease({ namespace: 'kube-system' }),
      expected: 'systemLease',
    },
    {
      what: 'a node lease without reapOrphanedNodeLeases',
      planned: planned({ namespace: 'kube-node-lease', finding: 'OrphanedNodeLease' }),
      live: lease({ namespace: 'kube-node-lease' }),
      expected: 'nodeLeasesNotEnabled',
    },
  ])('re-checked on the live lease, $what is refused as $expected', ({ planned: p, live, expected }) => {
    expect(liveRefusal(p ?? planned(), live, policy)?.[0]).toBe(expected);
  });

  it('is executed with its own preconditions, the guards only on the unchanged object, and the caps', () => {
    const cluster: PlannedCluster = {
      cluster: 'prod',
      server: 'https://prod.example',
      judgedAt: '2026-11-25T11:30:00Z',
      skewMs: 0,
      deletions: [
        planned({ name: 'a' }),
        planned({ name: 'b', resourceVersion: '9' }),
        planned({ name: 'c' }),
        planned({ name: 'd' }),
      ],
    };
    const live = new Map([
      ['team-a/a', lease({ name: 'a' })],
      // Protected, but changed since the plan: its delete carries resourceVersion 9 and answers 409.
      [
        'team-a/b',
        lease({ name: 'b', resourceVersion: '12', annotations: { 'lease-reaper.io/protect': 'true' } }),
      ],
      // Protected and unchanged (a plan edited by hand): left out here.
      ['team-a/c', lease({ name: 'c', annotations: { 'lease-reaper.io/protect': 'true' } })],
    ]);

    const plan = checkedPlan(cluster, live, policy, 1);

    expect(plan.deletions.map((d) => [d.name, d.resourceVersion])).toEqual([['a', '7']]);
    expect(plan.skipped.map((s) => [s.name, s.skip])).toEqual([
      ['c', 'protected'],
      ['b', 'capReached'],
      ['d', 'capReached'],
    ]);
  });
});

describe('reap messages for people', () => {
  it.each([
    ['expired for 90000 s, less than minExpiredFor 86400 s', 'expired for 25h, less than minExpiredFor 24h'],
    ['unrenewed for 6 s, less than minExpiredFor 604800 s', 'unrenewed for 6s, less than minExpiredFor 7d'],
    ['more than maxClockSkew 300 s; no delete', 'more than maxClockSkew 5m; no delete'],
    ['expired for 93784 s', 'expired for 26h'],
    ['the 5 seconds rule and 12 sheep', 'the 5 seconds rule and 12 sheep'],
  ])('writes %j as %j', (message, readable) => {
    expect(withReadableDurations(message)).toBe(readable);
  });
});

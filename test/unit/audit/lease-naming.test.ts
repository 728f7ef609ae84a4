import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import { componentOf } from '../../../shared/audit/rules/lease-naming.ts';
import type { LeaseRecord } from '../../../shared/kube/records.ts';
import {
  DAY,
  findingsFor,
  identityLease,
  type LeaderLeaseOptions,
  leaderLease,
  lease,
  MINUTE,
  NOW,
  nodeLease,
} from './builders.ts';

/** The product's defaults with the advice asked for (`--naming-advice`): it is off by default. */
const ADVISING = { ...defaultAuditPolicy, leaseNamingAdvice: true };
const auditLeases = (leases: LeaseRecord[], policy = ADVISING) =>
  audit({ cluster: 'c', leases, nodes: [], pods: undefined }, NOW, policy);

const adviceFor = (leases: LeaseRecord[], namespace: string, name: string) =>
  findingsFor(auditLeases(leases), namespace, name)
    .filter((f) => f.type === 'LeaseNamingAdvice')
    .map((f) => f.facts.advice);

const APP = { 'app.kubernetes.io/name': 'payments-ledger' };
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  name: 'payments-ledger',
  uid: '6f1d2c3b-4a5e-4f6a-8b7c-9d0e1f2a3b4c',
};

describe('LeaseNamingAdvice', () => {
  it('is off by default: asked for, it is advice about nearly every unlabelled custom lease', () => {
    // Act
    const a = auditLeases([leaderLease({ name: 'lock' })], defaultAuditPolicy);

    // Assess
    expect(defaultAuditPolicy.leaseNamingAdvice).toBe(false);
    expect(a.findings).toEqual([]);
  });

  it.each<[string, LeaderLeaseOptions, string[][]]>([
    ['a generic name, labelled', { name: 'leader', labels: APP }, [['genericName']]],
    ['a generic name in capitals', { name: 'Leader-Election', labels: APP }, [['genericName']]],
    ['a generic name, unlabelled', { name: 'lock' }, [['genericName', 'noOwnerLink']]],
    [
      'a specific name, unlabelled and owner-less (most real ones)',
      { name: 'payments-ledger.example.com' },
      [['noOwnerLink']],
    ],
    [
      'a specific name with an app.kubernetes.io/name label',
      { name: 'payments-ledger.example.com', labels: APP },
      [],
    ],
    [
      'a specific name with an app.kubernetes.io/part-of label',
      { name: 'payments-ledger.example.com', labels: { 'app.kubernetes.io/part-of': 'payments' } },
      [],
    ],
    [
      'a specific name with ownerReferences',
      { name: 'payments-ledger.example.com', ownerReferences: [deployment] },
      [],
    ],
    [
      'a specific name with only an `app` label',
      { name: 'payments-ledger.example.com', labels: { app: 'payments-ledger' } },
      [['noOwnerLink']],
    ],
    [
      'a coordinated custom lease, unlabelled',
      { name: 'payments-ledger.example.com', strategy: 'OldestEmulationVersion' },
      [['noOwnerLink']],
    ],
    [
      'an unlabelled lease expired for days (advice as well as its state)',
      { name: 'payments-ledger.example.com', renewAgoMs: 3 * DAY },
      [['noOwnerLink']],
    ],
    ['a generic name in kube-system (not a custom lease)', { namespace: 'kube-system', name: 'leader' }, []],
  ])('advises on %s', (_what, o, expected) => {
    // Prepare
    const l = leaderLease({ namespace: 'payments', ...o });

    // Act
    const advice = adviceFor([l], o.namespace ?? 'payments', o.name ?? '');

    // Assess
    expect(advice).toEqual(expected);
  });

  it('gives an unlabelled expired lease its expiry finding and the advice, the advice last (info)', () => {
    const l = leaderLease({ name: 'lock', renewAgoMs: 3 * DAY });

    const a = auditLeases([l]);

    expect(a.findings.map((f) => `${f.type}/${f.severity}`)).toEqual([
      'AbandonedLease/warning',
      'LeaseNamingAdvice/info',
    ]);
  });

  it('says nothing of node leases, apiserver identities or a malformed custom lease', () => {
    // Prepare
    const leases = [
      nodeLease('leader'),
      identityLease('1.27'),
      lease({ namespace: 'payments', name: 'lock', leaseDurationSeconds: -15 }),
    ];

    // Act
    const a = auditLeases(leases);

    // Assess
    expect(a.findings.filter((f) => f.type === 'LeaseNamingAdvice')).toEqual([]);
    expect(findingsFor(a, 'payments', 'lock').map((f) => f.type)).toEqual(['MalformedLease']);
  });

  it('can be turned off again', () => {
    const a = auditLeases([leaderLease({ name: 'lock' })], { ...ADVISING, leaseNamingAdvice: false });

    expect(a.findings).toEqual([]);
  });

  it('reads the reason, the lease facts and the age since creation, and is never a deletion candidate', () => {
    // Prepare
    const l = leaderLease({ name: 'leader', createdAgoMs: 2 * DAY });

    // Act
    const [finding] = findingsFor(auditLeases([l]), 'payments', 'leader');

    // Assess
    expect(finding).toMatchObject({
      type: 'LeaseNamingAdvice',
      severity: 'info',
      leaseKind: 'leader',
      uid: l.uid,
      ageSeconds: 2 * 86_400,
      facts: { advice: ['genericName', 'noOwnerLink'], holderIdentity: l.holderIdentity },
    });
    expect(finding?.reason).toBe(
      'Lease payments/leader: its name says nothing of its component; it carries no link to its owner (no ownerReferences, no app.kubernetes.io/* label). The Leases docs advise a name obviously linked to the product or component.',
    );
    expect(finding && isDeletionCandidate(finding)).toBe(false);
  });
});

describe('LeaseNamingAdvice for a name shared across namespaces', () => {
  const shared = (namespace: string, o: LeaderLeaseOptions) =>
    leaderLease({ namespace, name: 'cluster-sync', ...o });

  it('advises every lease of one name held by components with different app.kubernetes.io/name labels', () => {
    // Prepare
    const leases = [
      shared('payments', { labels: { 'app.kubernetes.io/name': 'payments-ledger' } }),
      shared('checkout', { labels: { 'app.kubernetes.io/name': 'checkout-cart' } }),
      shared('search', { labels: { 'app.kubernetes.io/name': 'search-indexer' } }),
    ];

    // Act
    const a = auditLeases(leases);

    // Assess
    expect(a.findings.map((f) => [f.namespace, f.facts.advice, f.facts.sharedWith])).toEqual([
      ['checkout', ['sharedName'], ['payments', 'search']],
      ['payments', ['sharedName'], ['checkout', 'search']],
      ['search', ['sharedName'], ['checkout', 'payments']],
    ]);
    expect(a.findings[0]?.reason).toContain('other components use the same name in payments, search');
  });

  it('does not advise one component installed in several namespaces', () => {
    const leases = [shared('team-a', { labels: APP }), shared('team-b', { labels: APP })];

    expect(auditLeases(leases).findings).toEqual([]);
  });

  it('tells unlabelled components apart by their holder Pod’s Deployment or StatefulSet', () => {
    // Prepare
    const leases = [
      shared('payments', { holder: 'payments-ledger-6d8f7b9c5d-q2w7x_1b2c' }),
      shared('checkout', { holder: 'checkout-cart-0_3d4e' }),
      shared('search', { holder: 'payments-ledger-7f9c8d6b4-zz9kq_5f6a' }),
      // A bare hostname: its component cannot be told, so it is never called different.
      shared('ml', { holder: 'ip-10-0-3-17_7a8b' }),
    ];

    // Act
    const a = auditLeases(leases);

    // Assess: one finding each, the shared name with the missing owner link
    expect(a.findings.map((f) => [f.namespace, f.facts.advice, f.facts.sharedWith])).toEqual([
      ['checkout', ['sharedName', 'noOwnerLink'], ['payments', 'search']],
      ['ml', ['noOwnerLink'], undefined],
      ['payments', ['sharedName', 'noOwnerLink'], ['checkout']],
      ['search', ['sharedName', 'noOwnerLink'], ['checkout']],
    ]);
  });

  it.each<[string, string | undefined]>([
    ['payments-ledger-6d8f7b9c5d-q2w7x_1b2c', 'payments-ledger'],
    ['payments-ledger-7f9c8d6b4-zz9kq', 'payments-ledger'],
    ['etcd-backup-2_9f', 'etcd-backup'],
    ['ip-10-0-3-17.ec2.internal_6b1a', undefined],
    ['ip-10-0-3-17_6b1a', undefined],
    ['redis-v2-0_1', 'redis-v2'],
    ['', undefined],
  ])('reads the component of holder %j as %j', (holder, component) => {
    expect(componentOf(leaderLease({ holder }))).toBe(component);
  });

  it('gives any custom lease at most one advice, and never a deletion candidate', () => {
    const name = fc.constantFrom(
      'leader',
      'lock',
      'cluster-sync',
      'payments-ledger.example.com',
      'kube-scheduler',
    );
    const holder = fc.constantFrom(
      '',
      'payments-ledger-6d8f7b9c5d-q2w7x_1',
      'checkout-cart-0_2',
      'ip-10-0-3-17_3',
    );
    const labels = fc.constantFrom(
      undefined,
      APP,
      { 'app.kubernetes.io/name': 'checkout-cart' },
      { app: 'x' },
    );
    const one = fc.record({
      namespace: fc.constantFrom('payments', 'checkout', 'kube-system', 'kube-node-lease', 'default'),
      name,
      holder,
      labels,
      renewAgoMs: fc.integer({ min: 0, max: 3 * DAY }),
      strategy: fc.constantFrom(undefined, 'OldestEmulationVersion'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(one, { selector: (l) => `${l.namespace}/${l.name}`, maxLength: 10 }),
        (specs) => {
          // Prepare
          const leases = specs.map((s) =>
            leaderLease({
              namespace: s.namespace,
              name: s.name,
              holder: s.holder,
              renewAgoMs: s.renewAgoMs,
              ...(s.labels ? { labels: s.labels } : {}),
              ...(s.strategy ? { strategy: s.strategy } : {}),
            }),
          );

          // Act
          const advice = auditLeases(leases).findings.filter((f) => f.type === 'LeaseNamingAdvice');

          // Assess
          const keys = advice.map((f) => `${f.namespace}/${f.name}`);
          expect(new Set(keys).size).toBe(keys.length);
          for (const f of advice) {
            expect(isDeletionCandidate(f)).toBe(false);
            expect(['kube-system', 'kube-node-lease']).not.toContain(f.namespace);
            expect(f.facts.advice?.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('LeaseNamingAdvice at scale', () => {
  it('judges a cluster of 500 custom leases sharing 50 names without error', () => {
    const leases = Array.from({ length: 500 }, (_, i) =>
      leaderLease({
        namespace: `ns-${i % 10}`,
        name: `name-${i % 50}`,
        holder: `app-${i % 7}-0_${i}`,
        renewAgoMs: MINUTE,
      }),
    );

    const advice = auditLeases(leases).findings.filter((f) => f.type === 'LeaseNamingAdvice');

    expect(advice).toHaveLength(500);
  });
});

describe('componentOf on hostile holders', () => {
  it('reads no component from a holder longer than any Pod name', () => {
    expect(componentOf(leaderLease({ holder: `${'a'.repeat(300_000)}-0_1` }))).toBeUndefined();
  });
});

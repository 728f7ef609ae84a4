import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { componentOf, leaseNamingFindings } from '../../../shared/audit/rules/lease-naming.ts';
import type { LeaseRecord } from '../../../shared/kube/records.ts';
import { findingsFor, type LeaderLeaseOptions, leaderLease, NOW, uuidFor } from './builders.ts';

/** The product's defaults with the advice asked for (`--naming-advice`): it is off by default. */
const ADVISING = { ...defaultAuditPolicy, leaseNamingAdvice: true };
const auditLeases = (leases: LeaseRecord[]) =>
  audit({ cluster: 'c', leases, nodes: [], pods: undefined }, NOW, ADVISING);

describe('componentOf at the edges of a Pod name', () => {
  it.each<[string, string, string | undefined]>([
    ['a Deployment’s Pod', 'web-7d9f8b6c4-x2x7k', 'web'],
    ['a Deployment Pod’s name with more after its 5-character suffix', 'web-7d9f8b6c4-x2x7k-x', undefined],
    ['a Deployment Pod’s name with a domain after it', 'web-7d9f8b6c4-x2x7k.internal', undefined],
    ['a Deployment Pod’s name after a line break', 'note\nweb-7d9f8b6c4-x2x7k', undefined],
    ['a StatefulSet’s Pod with a two-digit ordinal', 'etcd-12', 'etcd'],
    ['a StatefulSet whose name ends in two digits after a letter', 'redis-v12-0', 'redis-v12'],
    ['digits only before the ordinal (a set’s name does not end in a number)', '10-0', undefined],
    ['a StatefulSet Pod’s name after a line break', 'note\nredis-cache-0', undefined],
  ])('reads %s (%j) as %j', (_what, pod, component) => {
    // Prepare: client-go's identity, `<pod name>_<uuid>`
    const lease = leaderLease({ holder: `${pod}_${uuidFor(pod)}` });

    // Act
    const read = componentOf(lease);

    // Assess
    expect(read).toBe(component);
  });

  it('reads a Pod name of 253 characters, the most a name may have, and none longer', () => {
    // Prepare: `${set}-0` is 251 + 2 = 253 characters; one more letter makes 254
    const set = 'a'.repeat(251);
    const longest = leaderLease({ holder: `${set}-0_1` });
    const tooLong = leaderLease({ holder: `${set}a-0_1` });

    // Act
    const read = [componentOf(longest), componentOf(tooLong)];

    // Assess
    expect(read).toEqual([set, undefined]);
  });
});

describe('LeaseNamingAdvice at its boundaries', () => {
  const shared = (namespace: string, o: LeaderLeaseOptions) =>
    leaderLease({ namespace, name: 'cluster-sync', ...o });

  it('advises both leases of a name that just two different components share', () => {
    // Prepare: labelled, specific name: the shared name is the only advice
    const leases = [
      shared('payments', { labels: { 'app.kubernetes.io/name': 'payments-ledger' } }),
      shared('checkout', { labels: { 'app.kubernetes.io/name': 'checkout-cart' } }),
    ];

    // Act
    const a = auditLeases(leases);

    // Assess
    expect(a.findings.map((f) => [f.namespace, f.facts.advice, f.facts.sharedWith])).toEqual([
      ['checkout', ['sharedName'], ['payments']],
      ['payments', ['sharedName'], ['checkout']],
    ]);
  });

  it('gives nothing when the policy turns the advice off, even for leases it would advise on', () => {
    // Prepare: a generic, unlabelled name (the audit does not even call the rule with the advice off)
    const leases = [{ lease: leaderLease({ name: 'lock' }), kind: 'leader' as const }];

    // Act
    const on = leaseNamingFindings(leases, NOW, ADVISING);
    const off = leaseNamingFindings(leases, NOW, { ...ADVISING, leaseNamingAdvice: false });
    const none = leaseNamingFindings([], NOW, ADVISING);

    // Assess
    expect(on.map((f) => f.facts.advice)).toEqual([['genericName', 'noOwnerLink']]);
    expect(off).toEqual([]);
    expect(none).toEqual([]);
  });

  it('states no holder for a released lease', () => {
    // Prepare: released (ReleaseOnCancel): holder "" and 1 s, renewed just now
    const released = leaderLease({ name: 'lock', holder: '', duration: 1, renewAgoMs: 0 });

    // Act
    const advice = findingsFor(auditLeases([released]), 'payments', 'lock').filter(
      (f) => f.type === 'LeaseNamingAdvice',
    );

    // Assess
    expect(advice.map((f) => f.facts)).toStrictEqual([{ advice: ['genericName', 'noOwnerLink'] }]);
  });
});

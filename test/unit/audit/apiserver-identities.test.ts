import { describe, expect, it } from 'vitest';
import type { AuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import type { LeaseRecord } from '../../../shared/kube/records.ts';
import {
  auditOf,
  DAY,
  findingsFor,
  HOUR,
  type IdentityStyle,
  identityLease,
  lease,
  MINUTE,
  policy,
  SECOND,
  verdicts,
} from './builders.ts';

const DURATION = 3600 * SECOND;
const styles: IdentityStyle[] = ['1.20', '1.26', '1.27'];

/** An identity lease expired for `expiredForMs` (renewed 3600 s + that long ago). */
function expiredIdentity(style: IdentityStyle, expiredForMs: number, hostname?: string): LeaseRecord {
  return identityLease(style, { renewAgoMs: DURATION + expiredForMs, ...(hostname ? { hostname } : {}) });
}

describe('ExpiredApiServerIdentity and OrphanedApiServerIdentity', () => {
  it.each<[string, number, Partial<AuditPolicy>, string[], number]>([
    ['renewed 4 s ago', -DURATION + 4 * SECOND, {}, [], 1],
    // Not expired, but renewed an hour ago: not counted live (liveApiServerWindowSeconds, 60 s).
    ['just at its expiry', 0, {}, [], 0],
    ['expired exactly the skew margin ago', 10 * SECOND, {}, [], 0],
    ['expired 1 ms more than the skew margin ago', 10 * SECOND + 1, {}, ['ExpiredApiServerIdentity/info'], 0],
    ['expired 30 min ago', 30 * MINUTE, {}, ['ExpiredApiServerIdentity/info'], 0],
    ['expired exactly apiServerGcGraceSeconds ago', 7200 * SECOND, {}, ['ExpiredApiServerIdentity/info'], 0],
    [
      'expired 1 ms past apiServerGcGraceSeconds',
      7200 * SECOND + 1,
      {},
      ['OrphanedApiServerIdentity/warning'],
      0,
    ],
    ['expired 30 days ago', 30 * DAY, {}, ['OrphanedApiServerIdentity/warning'], 0],
    [
      'expired exactly a 1 h GC grace ago',
      HOUR,
      { apiServerGcGraceSeconds: 3600 },
      ['ExpiredApiServerIdentity/info'],
      0,
    ],
    [
      'expired 1 ms past a 1 h GC grace',
      HOUR + 1,
      { apiServerGcGraceSeconds: 3600 },
      ['OrphanedApiServerIdentity/warning'],
      0,
    ],
    [
      'expired 15 s ago with no skew margin',
      15 * SECOND,
      { clockSkewMarginSeconds: 0 },
      ['ExpiredApiServerIdentity/info'],
      0,
    ],
  ])('judges an identity %s', (_what, expiredForMs, overrides, expected, live) => {
    for (const style of styles) {
      // Prepare
      const identity = expiredIdentity(style, expiredForMs);

      // Act
      const a = auditOf({ leases: [identity] }, { policy: policy(overrides) });

      // Assess
      expect(verdicts(a, 'kube-system', identity.name), style).toEqual(expected);
      expect(a.counts.liveApiServers, style).toBe(live);
    }
  });

  it('reports the hostname, the age since expiry, and is never a deletion candidate', () => {
    // Prepare
    const leases = [
      expiredIdentity('1.27', 3 * HOUR + 5 * SECOND, 'ip-10-0-1-10.ec2.internal'),
      expiredIdentity('1.26', 20 * MINUTE, 'ip-10-0-1-11.ec2.internal'),
    ];

    // Act
    const a = auditOf({ leases });

    // Assess
    const [orphaned, expired] = a.findings;
    expect(orphaned).toMatchObject({
      type: 'OrphanedApiServerIdentity',
      namespace: 'kube-system',
      name: leases[0]?.name,
      ageSeconds: 3 * 3600 + 5,
      leaseKind: 'apiServerIdentity',
      uid: leases[0]?.uid,
      facts: { hostname: 'ip-10-0-1-10.ec2.internal', leaseDurationSeconds: 3600 },
    });
    expect(orphaned?.reason).toMatch(/GC is not running/);
    expect(expired).toMatchObject({
      type: 'ExpiredApiServerIdentity',
      name: leases[1]?.name,
      ageSeconds: 20 * 60,
      facts: { hostname: 'ip-10-0-1-11.ec2.internal' },
    });
    expect(a.findings.some(isDeletionCandidate)).toBe(false);
  });

  it('leaves the hostname out for a 1.20 identity, which has no hostname label', () => {
    // Prepare
    const leases = [expiredIdentity('1.20', 3 * DAY)];

    // Act
    const [finding] = auditOf({ leases }).findings;

    // Assess
    expect(finding?.type).toBe('OrphanedApiServerIdentity');
    expect(finding?.facts).not.toHaveProperty('hostname');
    expect(finding?.facts.holderIdentity).toMatch(/^kube-apiserver-[0-9a-f-]+_[0-9a-f-]+$/);
  });
});

describe('live apiserver count', () => {
  it('counts identity leases of every generation renewed within the minute, and nothing else', () => {
    // Prepare
    const leases = [
      identityLease('1.27', { hostname: 'cp-a' }),
      identityLease('1.26', { hostname: 'cp-b' }),
      identityLease('1.20', { hostname: 'cp-c' }),
      expiredIdentity('1.27', 20 * MINUTE, 'cp-d'),
      expiredIdentity('1.20', 3 * DAY, 'cp-e'),
      identityLease('1.27', { hostname: 'cp-f', duration: 0 }),
      lease({ namespace: 'kube-system', name: 'kube-controller-manager' }),
    ];

    // Act
    const a = auditOf({ leases });

    // Assess
    expect(a.counts.liveApiServers).toBe(3);
    expect(a.counts.byKind.apiServerIdentity).toBe(6);
    expect(a.counts.findings).toMatchObject({
      ExpiredApiServerIdentity: 1,
      OrphanedApiServerIdentity: 1,
      MalformedLease: 1,
    });
  });

  it.each<[string, number, Partial<AuditPolicy>, number]>([
    ['renewed 10 s ago', 10 * SECOND, {}, 1],
    ['renewed exactly 60 s ago', 60 * SECOND, {}, 1],
    ['renewed 60 s and 1 ms ago, though valid for an hour', 60 * SECOND + 1, {}, 0],
    ['renewed 50 min ago', 50 * MINUTE, {}, 0],
    ['renewed 100 s ago, with a 120 s window', 100 * SECOND, { liveApiServerWindowSeconds: 120 }, 1],
  ])('counts an identity %s as live or not', (_what, renewAgoMs, overrides, live) => {
    // Prepare
    const identity = identityLease('1.27', { renewAgoMs });

    // Act
    const a = auditOf({ leases: [identity] }, { policy: policy(overrides) });

    // Assess
    expect(a.counts.liveApiServers).toBe(live);
    expect(a.findings).toEqual([]);
  });

  it('is 0 for a cluster without identity leases (a managed control plane)', () => {
    // Act
    const a = auditOf({ leases: [lease()] });

    // Assess
    expect(a.counts.liveApiServers).toBe(0);
  });
});

describe('DuplicateApiServerHostname', () => {
  const host = 'ip-10-0-0-10.ec2.internal';

  it('reports both of two live identities that claim one hostname, each naming the other', () => {
    // Prepare
    const first = identityLease('1.27', { hostname: host, name: 'apiserver-aaaaaaaaaaaaaaaaaaaaaaaaaa' });
    const second = identityLease('1.27', { hostname: host, name: 'apiserver-bbbbbbbbbbbbbbbbbbbbbbbbbb' });

    // Act
    const a = auditOf({ leases: [first, second] });

    // Assess
    expect(a.findings.map((f) => [f.type, f.severity, f.name, f.facts.hostname])).toEqual([
      ['DuplicateApiServerHostname', 'warning', first.name, host],
      ['DuplicateApiServerHostname', 'warning', second.name, host],
    ]);
    expect(findingsFor(a, 'kube-system', first.name)[0]?.reason).toContain(second.name);
    expect(findingsFor(a, 'kube-system', second.name)[0]?.reason).toContain(first.name);
    expect(a.counts.liveApiServers).toBe(2);
    expect(a.findings.some(isDeletionCandidate)).toBe(false);
  });

  it('reports a 1.26 and a 1.27 identity of one host (left over from an upgrade)', () => {
    // Prepare
    const leases = [identityLease('1.26', { hostname: host }), identityLease('1.27', { hostname: host })];

    // Act
    const a = auditOf({ leases });

    // Assess
    expect(a.counts.findings.DuplicateApiServerHostname).toBe(2);
  });

  it('reports all three of three live identities on one host', () => {
    // Prepare
    const leases = ['a', 'b', 'c'].map((x) =>
      identityLease('1.27', { hostname: host, name: `apiserver-${x}` }),
    );

    // Act
    const a = auditOf({ leases });

    // Assess
    expect(a.findings.map((f) => f.name)).toEqual(['apiserver-a', 'apiserver-b', 'apiserver-c']);
    expect(a.findings[0]?.reason).toContain('apiserver-b, apiserver-c');
  });

  it.each<[string, LeaseRecord[]]>([
    [
      'one of them is expired',
      [identityLease('1.27', { hostname: host }), expiredIdentity('1.26', 20 * MINUTE, host)],
    ],
    [
      'one of them is long expired',
      [identityLease('1.27', { hostname: host }), expiredIdentity('1.26', 3 * DAY, host)],
    ],
    [
      'one of them is malformed',
      [identityLease('1.27', { hostname: host }), identityLease('1.26', { hostname: host, duration: -1 })],
    ],
    [
      'their hostnames differ',
      [identityLease('1.27', { hostname: host }), identityLease('1.26', { hostname: 'cp-b' })],
    ],
    [
      'neither has a hostname label',
      [
        identityLease('1.20', { hostname: 'x', renewAgoMs: 1 }),
        identityLease('1.20', { hostname: 'x', renewAgoMs: 2 }),
      ],
    ],
  ])('is not reported when %s', (_what, leases) => {
    // Act
    const a = auditOf({ leases });

    // Assess
    expect(a.counts.findings.DuplicateApiServerHostname).toBe(0);
  });

  it('dates the finding from the lease creation', () => {
    // Prepare
    const leases = ['a', 'b'].map((x) => identityLease('1.27', { hostname: host, name: `apiserver-${x}` }));

    // Act
    const a = auditOf({ leases });

    // Assess
    expect(a.findings.map((f) => f.ageSeconds)).toEqual([30 * 86_400, 30 * 86_400]);
  });
});

describe('identity detection', () => {
  // Long expired, so an identity lease gets OrphanedApiServerIdentity and anything else a leader finding.
  const old = DURATION + 3 * DAY;

  it.each<[string, LeaseRecord, string]>([
    ['the 1.27 label', identityLease('1.27', { renewAgoMs: old }), 'OrphanedApiServerIdentity'],
    [
      'the 1.26 k8s.io/component label',
      identityLease('1.26', { renewAgoMs: old }),
      'OrphanedApiServerIdentity',
    ],
    [
      'the old kube-apiserver-<uuid> name without labels',
      identityLease('1.20', { renewAgoMs: old, labels: {} }),
      'OrphanedApiServerIdentity',
    ],
    [
      'the 1.27 label outside kube-system',
      identityLease('1.27', { renewAgoMs: old, namespace: 'default' }),
      'AbandonedLease',
    ],
    [
      'the 1.26 label outside kube-system',
      identityLease('1.26', { renewAgoMs: old, namespace: 'default' }),
      'AbandonedLease',
    ],
    [
      'the old name outside kube-system',
      identityLease('1.20', { renewAgoMs: old, namespace: 'default', labels: {} }),
      'AbandonedLease',
    ],
  ])('recognises an identity by %s (or not)', (_what, identity, expected) => {
    // Act
    const a = auditOf({ leases: [identity] });

    // Assess
    expect(findingsFor(a, identity.namespace, identity.name).map((f) => f.type)).toEqual([expected]);
  });
});

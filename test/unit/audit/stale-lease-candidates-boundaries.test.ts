/**
 * StaleLeaseCandidate where stale-lease-candidates.test.ts leaves it open: a renewTime that is absent, null
 * or not readable as a time (each with its own words), and a ping at the very instant of the renewal.
 * Candidates are built as kube-apiserver 1.33 serves them (coordination.k8s.io/v1beta1).
 */
import { describe, expect, it } from 'vitest';
import { auditOf, type LeaseCandidateOptions, leaseCandidate, MINUTE } from './builders.ts';

const NAME = 'ip-10-0-1-23.ec2.internal_6b1a7c1e-4d2f-4b8a-9e3c-7f1a2b3c4d5e';
const PREFIX = `LeaseCandidate kube-system/${NAME} (for lease kube-controller-manager) is stale:`;

describe('StaleLeaseCandidate: a candidate with no readable renewTime', () => {
  it.each<[string, LeaseCandidateOptions, string]>([
    // spec.renewTime is optional (validation checks only leaseName, binaryVersion, strategy): a client may
    // create a candidate without one, and the apiserver then serves no renewTime key.
    ['absent', { renewTime: undefined }, `${PREFIX} it was never renewed (no spec.renewTime).`],
    // A client that writes the zero time ("0001-01-01T00:00:00.000000Z") stores a zero MicroTime, which
    // apimachinery's MicroTime.MarshalJSON serves as JSON null.
    ['null', { renewTime: null }, `${PREFIX} it was never renewed (no spec.renewTime).`],
    // "9999-12-31T23:59:59.999999-01:00" is accepted (RFC3339Micro with an offset) and served in UTC, which
    // is in year 10000: Go formats the year with five digits, which no RFC 3339 reader accepts.
    [
      'a time past year 9999',
      { renewTime: '10000-01-01T00:59:59.999999Z' },
      `${PREFIX} its spec.renewTime "10000-01-01T00:59:59.999999Z" is not a time.`,
    ],
  ])('says why a candidate whose renewTime is %s is stale', (_what, o, reason) => {
    // Prepare
    const leaseCandidates = [leaseCandidate({ name: NAME, ...o })];

    // Act
    const findings = auditOf({ leaseCandidates }).findings;

    // Assess: no renewal to age from, so age 0.
    expect(findings.map((f) => [f.type, f.reason, f.ageSeconds])).toEqual([
      ['StaleLeaseCandidate', reason, 0],
    ]);
  });
});

describe('StaleLeaseCandidate: a ping answered at the same instant', () => {
  it('judges a candidate live when its pingTime equals its renewTime, however old the ping', () => {
    // Prepare: both 10 min ago, to the microsecond. Within the 30 min validity; the ping is well past the
    // 30 s grace (+ 10 s margin), but only a ping *after* the renewal is unanswered: kube-apiserver's
    // leader-election controller waits on a candidate only while renewTime.Before(pingTime).
    const leaseCandidates = [leaseCandidate({ name: NAME, renewAgoMs: 10 * MINUTE, pingAgoMs: 10 * MINUTE })];

    // Act
    const findings = auditOf({ leaseCandidates }).findings;

    // Assess
    expect(leaseCandidates[0]?.pingTime).toBe(leaseCandidates[0]?.renewTime);
    expect(findings).toEqual([]);
  });
});

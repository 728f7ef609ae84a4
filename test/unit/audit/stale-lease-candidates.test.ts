import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import { toLeaseCandidateRecord } from '../../../shared/kube/records.ts';
import {
  ago,
  auditOf,
  HOUR,
  type LeaseCandidateOptions,
  leaseCandidate,
  MINUTE,
  NOW,
  rawLeaseCandidate,
  SECOND,
} from './builders.ts';

const NAME = 'ip-10-0-1-23.ec2.internal_6b1a7c1e-4d2f-4b8a-9e3c-7f1a2b3c4d5e';
/** Valid 30 min after its renewal, plus the 10 s skew margin. */
const VALID = 30 * MINUTE + 10 * SECOND;
/** An unanswered ping: the 30 s grace plus the 10 s skew margin. */
const PING_GRACE = 40 * SECOND;

const verdictsOf = (o: LeaseCandidateOptions) =>
  auditOf({ leaseCandidates: [leaseCandidate({ name: NAME, ...o })] }).findings.map(
    (f) => `${f.type}/${f.severity} ${f.namespace}/${f.name}`,
  );

describe('StaleLeaseCandidate', () => {
  it.each<[string, LeaseCandidateOptions, boolean]>([
    ['renewed 2 min ago (client-go renews every 5)', { renewAgoMs: 2 * MINUTE }, false],
    ['renewed exactly 30 min and the skew margin ago', { renewAgoMs: VALID }, false],
    ['renewed 1 ms longer ago than that', { renewAgoMs: VALID + 1 }, true],
    ['renewed 6 h ago', { renewAgoMs: 6 * HOUR }, true],
    ['renewed 10 s in the future (a skewed clock)', { renewAgoMs: -10 * SECOND }, false],
    [
      'pinged after its renewal, exactly the grace ago',
      { renewAgoMs: 10 * MINUTE, pingAgoMs: PING_GRACE },
      false,
    ],
    [
      'pinged after its renewal, 1 ms longer ago',
      { renewAgoMs: 10 * MINUTE, pingAgoMs: PING_GRACE + 1 },
      true,
    ],
    ['pinged before its last renewal (it answered)', { renewAgoMs: MINUTE, pingAgoMs: 2 * MINUTE }, false],
    ['never renewed (no spec.renewTime)', { renewTime: undefined }, true],
    ['with a renewTime that is not a time', { renewTime: 'yesterday' }, true],
    [
      'served as v1alpha2 (1.32), renewed 6 h ago',
      { apiVersion: 'coordination.k8s.io/v1alpha2', renewAgoMs: 6 * HOUR },
      true,
    ],
  ])('judges a candidate %s', (_what, o, stale) => {
    // Act
    const verdicts = verdictsOf(o);

    // Assess
    expect(verdicts).toEqual(stale ? [`StaleLeaseCandidate/warning kube-system/${NAME}`] : []);
  });

  it('says why and since when, with the candidate facts, and is never a deletion candidate', () => {
    // Act
    const [expired] = auditOf({
      leaseCandidates: [leaseCandidate({ name: NAME, renewAgoMs: 6 * HOUR })],
    }).findings;
    const [silent] = auditOf({
      leaseCandidates: [leaseCandidate({ name: NAME, renewAgoMs: 10 * MINUTE, pingAgoMs: 5 * MINUTE })],
    }).findings;

    // Assess
    expect(expired).toMatchObject({
      type: 'StaleLeaseCandidate',
      uid: leaseCandidate({ name: NAME }).uid,
      resourceVersion: '48213377',
      ageSeconds: 5.5 * 3600,
      facts: { leaseName: 'kube-controller-manager', renewTime: ago(6 * HOUR) },
    });
    expect(expired?.leaseKind).toBeUndefined();
    expect(expired?.reason).toContain('last renewed 6 h ago, past the 30 min a candidate stays eligible');
    expect(silent).toMatchObject({ ageSeconds: 5 * 60 - 30, facts: { pingTime: ago(5 * MINUTE) } });
    expect(silent?.reason).toContain('pinged it 5 min ago and it has not renewed since');
    for (const f of [expired, silent]) expect(f && isDeletionCandidate(f)).toBe(false);
  });

  it('judges no candidate when they were not listed (the API not served)', () => {
    const a = auditOf({});

    expect(a.findings).toEqual([]);
    expect(a.counts).not.toHaveProperty('leaseCandidates');
  });

  it('counts the candidates it judged', () => {
    const a = auditOf({ leaseCandidates: [leaseCandidate(), leaseCandidate({ name: 'other_1' })] });

    expect(a.counts.leaseCandidates).toBe(2);
    expect(auditOf({ leaseCandidates: [] }).counts.leaseCandidates).toBe(0);
  });

  it('projects a LeaseCandidate as the apiserver serves it, spec values as sent', () => {
    // Act
    const record = toLeaseCandidateRecord(
      rawLeaseCandidate({ name: NAME, renewAgoMs: MINUTE, pingAgoMs: 2 * MINUTE }),
    );

    // Assess
    expect(record).toEqual({
      namespace: 'kube-system',
      name: NAME,
      uid: leaseCandidate({ name: NAME }).uid,
      resourceVersion: '48213377',
      leaseName: 'kube-controller-manager',
      renewTime: ago(MINUTE),
      pingTime: ago(2 * MINUTE),
      binaryVersion: '1.33.1',
      emulationVersion: '1.33.0',
      strategy: 'OldestEmulationVersion',
    });
  });

  it('never throws on candidates of any shape, and gives each at most one finding, never a deletion candidate', () => {
    const time = fc.oneof(
      fc.integer({ min: -HOUR, max: 10 * HOUR }).map((ms) => ago(ms)),
      fc.anything(),
    );
    const item = fc.oneof(
      fc.anything(),
      fc.record({
        metadata: fc.record({
          name: fc.string(),
          namespace: fc.constantFrom('kube-system', 'default'),
          uid: fc.uuid(),
        }),
        spec: fc.record(
          { leaseName: fc.oneof(fc.string(), fc.anything()), renewTime: time, pingTime: time },
          { requiredKeys: [] },
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), (items) => {
        // Prepare
        const leaseCandidates = items.map(toLeaseCandidateRecord);

        // Act
        const a = audit(
          { cluster: 'c', leases: [], nodes: [], pods: undefined, leaseCandidates },
          NOW,
          defaultAuditPolicy,
        );

        // Assess
        expect(a.findings.length).toBeLessThanOrEqual(leaseCandidates.length);
        for (const f of a.findings) {
          expect(f.type).toBe('StaleLeaseCandidate');
          expect(isDeletionCandidate(f)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

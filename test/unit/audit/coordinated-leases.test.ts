import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { isDeletionCandidate } from '../../../shared/audit/findings.ts';
import type { LeaseCandidateRecord } from '../../../shared/kube/records.ts';
import {
  auditOf,
  DAY,
  findingsFor,
  HOUR,
  type LeaderLeaseOptions,
  leaderLease,
  leaseCandidate,
  MINUTE,
  NOW,
  SECOND,
  verdicts,
} from './builders.ts';

const NS = 'kube-system';
const NAME = 'coordinated-controller-0';
const HOLDER = 'ip-10-0-0-11.ec2.internal_0b6f2c1e-9d3a-4e5b-8c7d-6e5f4a3b2c1d';

/** A lease the apiserver's leader-election controller hands out (spec.strategy), held and renewed. */
const coordinated = (o: LeaderLeaseOptions = {}) =>
  leaderLease({ namespace: NS, name: NAME, holder: HOLDER, strategy: 'OldestEmulationVersion', ...o });

const candidateOf = (leaseName: string, renewAgoMs = 2 * MINUTE, namespace = NS) =>
  leaseCandidate({ namespace, name: `${HOLDER}-${leaseName}-${renewAgoMs}`, leaseName, renewAgoMs });

describe('CoordinatedLeaseWithoutCandidate', () => {
  it.each<[string, LeaderLeaseOptions, LeaseCandidateRecord[] | undefined, string[]]>([
    ['a live candidate for it', {}, [candidateOf(NAME)], []],
    ['no candidate at all', {}, [], ['CoordinatedLeaseWithoutCandidate/warning']],
    [
      'only a stale candidate (renewed 6 h ago)',
      {},
      [candidateOf(NAME, 6 * HOUR)],
      ['CoordinatedLeaseWithoutCandidate/warning'],
    ],
    ['a live and a stale candidate', {}, [candidateOf(NAME, 6 * HOUR), candidateOf(NAME)], []],
    [
      'candidates for other leases only',
      {},
      [candidateOf('kube-scheduler')],
      ['CoordinatedLeaseWithoutCandidate/warning'],
    ],
    [
      'a candidate for its name in another namespace',
      {},
      [candidateOf(NAME, MINUTE, 'default')],
      ['CoordinatedLeaseWithoutCandidate/warning'],
    ],
    ['no candidate, and candidates not listed', {}, undefined, []],
    [
      'a preferred holder only (no strategy), no candidate',
      { strategy: undefined, preferredHolder: 'ip-10-0-0-11.ec2.internal' },
      [],
      ['CoordinatedLeaseWithoutCandidate/warning'],
    ],
    [
      'no candidate, expired 10 min ago (the expiry rule speaks)',
      { renewAgoMs: 10 * MINUTE },
      [],
      ['ExpiredLease/warning'],
    ],
    [
      'no candidate, expired exactly its duration and the skew margin ago',
      { renewAgoMs: 25 * SECOND },
      [],
      ['CoordinatedLeaseWithoutCandidate/warning'],
    ],
  ])('judges a live coordinated lease with %s', (_what, o, candidates, expected) => {
    // Act
    const a = auditOf({ leases: [coordinated(o)], ...(candidates ? { leaseCandidates: candidates } : {}) });

    // Assess
    expect(verdicts(a, NS, NAME)).toEqual(expected);
  });

  it('does not ask a lease outside coordinated election for candidates', () => {
    const plain = leaderLease({ namespace: NS, name: 'cluster-autoscaler' });

    const a = auditOf({ leases: [plain], leaseCandidates: [] });

    expect(a.findings).toEqual([]);
  });

  it('names the stale candidates it has, on the lease facts, never a deletion candidate', () => {
    // Act
    const [finding] = findingsFor(
      auditOf({ leases: [coordinated()], leaseCandidates: [candidateOf(NAME, 6 * HOUR)] }),
      NS,
      NAME,
    );

    // Assess
    expect(finding).toMatchObject({
      type: 'CoordinatedLeaseWithoutCandidate',
      leaseKind: 'coordinated',
      uid: coordinated().uid,
      facts: { holderIdentity: HOLDER, leaseDurationSeconds: 15 },
    });
    expect(finding?.reason).toContain('has no live LeaseCandidate (1 stale)');
    expect(finding && isDeletionCandidate(finding)).toBe(false);
  });

  it('gives a coordinated lease one finding about its state whatever its candidates, never a deletion candidate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10 * SECOND, max: 3 * DAY }),
        fc.array(fc.tuple(fc.constantFrom(NAME, 'other'), fc.integer({ min: -MINUTE, max: 2 * HOUR })), {
          maxLength: 4,
        }),
        fc.boolean(),
        (renewAgoMs, candidates, listed) => {
          // Prepare
          const leaseCandidates = candidates.map(([leaseName, ago], i) =>
            leaseCandidate({ name: `c-${i}`, leaseName, renewAgoMs: ago }),
          );
          const input = {
            cluster: 'c',
            leases: [coordinated({ renewAgoMs })],
            nodes: [],
            pods: undefined,
            ...(listed ? { leaseCandidates } : {}),
          };

          // Act
          const a = audit(input, NOW, defaultAuditPolicy);

          // Assess
          const about = a.findings.filter((f) => f.namespace === NS && f.name === NAME);
          expect(about.length).toBeLessThanOrEqual(1);
          for (const f of a.findings) expect(isDeletionCandidate(f)).toBe(false);
          if (!listed)
            expect(a.findings.some((f) => f.type === 'CoordinatedLeaseWithoutCandidate')).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

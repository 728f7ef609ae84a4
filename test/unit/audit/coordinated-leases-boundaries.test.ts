/**
 * CoordinatedLeaseWithoutCandidate where coordinated-leases.test.ts leaves it open: the words of its reason,
 * which counts the lease's stale candidates only when it has some (none, one, two), with a candidate at the
 * edge of eligibility on either side.
 */
import { describe, expect, it } from 'vitest';
import type { LeaseCandidateRecord } from '../../../shared/kube/records.ts';
import { auditOf, findingsFor, leaderLease, leaseCandidate, MINUTE, SECOND, uuidFor } from './builders.ts';

const NS = 'kube-system';
const NAME = 'kube-scheduler';

/**
 * kube-scheduler's lease as kube-apiserver 1.33's leader-election controller hands it out under coordinated
 * leader election: spec.strategy OldestEmulationVersion, held by the instance on a control-plane node,
 * renewed 1 s ago for 15 s (live).
 */
const scheduler = () =>
  leaderLease({
    namespace: NS,
    name: NAME,
    holder: `ip-10-0-1-23.ec2.internal_${uuidFor('kube-scheduler/ip-10-0-1-23')}`,
    strategy: 'OldestEmulationVersion',
  });

/** A kube-scheduler instance's LeaseCandidate on one control-plane node, renewed this long ago. */
const candidate = (node: string, renewAgoMs: number, leaseName = NAME) =>
  leaseCandidate({ name: `${node}_${uuidFor(`candidate/${node}`)}`, leaseName, renewAgoMs });

/** A candidate stays eligible 1800 s after its renewal, plus the 10 s skew margin. */
const ELIGIBLE_MS = (1800 + 10) * SECOND;

const WITHOUT = `Coordinated lease ${NS}/${NAME} has no live LeaseCandidate`;
const CONSEQUENCE = 'if its holder stops, the apiserver can elect no successor.';

describe('the reason of CoordinatedLeaseWithoutCandidate, word for word', () => {
  it.each<[string, LeaseCandidateRecord[], string[]]>([
    [
      // 0 stale: nothing counted in the reason.
      'only a live candidate for kube-controller-manager',
      [candidate('ip-10-0-1-23.ec2.internal', 2 * MINUTE, 'kube-controller-manager')],
      [`${WITHOUT}: ${CONSEQUENCE}`],
    ],
    [
      'a candidate renewed exactly as long ago as it stays eligible',
      [candidate('ip-10-0-1-23.ec2.internal', ELIGIBLE_MS)],
      [],
    ],
    [
      'a candidate renewed 1 ms longer ago than it stays eligible',
      [candidate('ip-10-0-1-23.ec2.internal', ELIGIBLE_MS + 1)],
      [`${WITHOUT} (1 stale): ${CONSEQUENCE}`],
    ],
    [
      'two stale candidates',
      [
        candidate('ip-10-0-1-23.ec2.internal', ELIGIBLE_MS + 1),
        candidate('ip-10-0-2-41.ec2.internal', 6 * 60 * MINUTE),
      ],
      [`${WITHOUT} (2 stale): ${CONSEQUENCE}`],
    ],
  ])('judges a live coordinated kube-scheduler lease with %s', (_what, leaseCandidates, reasons) => {
    // Act
    const a = auditOf({ leases: [scheduler()], leaseCandidates });

    // Assess
    expect(findingsFor(a, NS, NAME).map((f) => f.reason)).toEqual(reasons);
  });
});

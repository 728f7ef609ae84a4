import { describe, expect, it } from 'vitest';
import type { PodRecord } from '../../../shared/kube/records.ts';
import { planDeletions } from '../../../shared/reap/plan.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import { auditOf, DAY, leaderLease, pod } from '../audit/builders.ts';

/**
 * The planner's own holder-Pod guard, at its boundary. client-go's leader-election identity is
 * `<hostname>_<uuid>` and in a Pod the hostname is the Pod's name
 * (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-hostname), so the holder's Pod
 * is the identity up to its first `_` — or the whole identity when it has none. kube-system leader leases
 * are the case the audit does not look Pods up for (their holders are usually control-plane hosts): only
 * this guard keeps an allowed one whose holder does run as a Pod. The Pods given are the unfinished ones
 * (the snapshot lists `status.phase!=Succeeded,status.phase!=Failed`; the phases themselves are exercised
 * end to end in test/integration/reap-guards-cli.test.ts).
 */

const policy = parseReapPolicy({
  namespaces: { include: ['*'] },
  allowSystemLeases: ['kube-system/old-ccm'],
});

function planWithPods(holder: string, podNames: readonly string[]) {
  const lease = leaderLease({ namespace: 'kube-system', name: 'old-ccm', holder, renewAgoMs: 3 * DAY });
  const pods: PodRecord[] = podNames.map((n) => pod(n, 'kube-system'));
  return planDeletions(auditOf({ leases: [lease], pods }), [lease], policy, undefined, pods);
}

const outcome = (plan: ReturnType<typeof planWithPods>) =>
  plan.deletions.length === 1 ? 'planned' : plan.skipped.map((s) => s.skip).join(',');

describe('planDeletions: the holder Pod guard, by the holder identity and the listed Pods', () => {
  it.each([
    { holder: 'old-ccm-6f9c8d7b5-q2w3e_2b7e1c9a', pods: ['old-ccm-6f9c8d7b5-q2w3e'], want: 'holderRunning' },
    { holder: 'old-ccm-6f9c8d7b5-q2w3e', pods: ['old-ccm-6f9c8d7b5-q2w3e'], want: 'holderRunning' },
    // Only the first `_` separates: the rest of the identity is the uuid.
    { holder: 'old-ccm-6f9c8d7b5-q2w3e_a_b', pods: ['old-ccm-6f9c8d7b5-q2w3e'], want: 'holderRunning' },
    {
      holder: 'old-ccm-6f9c8d7b5-q2w3e_2b7e1c9a',
      pods: ['other', 'old-ccm-6f9c8d7b5-q2w3e'],
      want: 'holderRunning',
    },
    // Exact names: a Pod whose name only starts or ends like the holder's is another Pod.
    { holder: 'old-ccm-6f9c8d7b5-q2w3e_2b7e1c9a', pods: ['old-ccm-6f9c8d7b5-q2w3'], want: 'planned' },
    { holder: 'old-ccm-6f9c8d7b5-q2w3e_2b7e1c9a', pods: ['old-ccm-6f9c8d7b5-q2w3e-x'], want: 'planned' },
    {
      holder: 'old-ccm-6f9c8d7b5-q2w3e_2b7e1c9a',
      pods: ['old-ccm-6f9c8d7b5-q2w3e_2b7e1c9a-x'],
      want: 'planned',
    },
    { holder: 'old-ccm-6f9c8d7b5-q2w3e_2b7e1c9a', pods: [], want: 'planned' },
    // Released (empty holder): nobody holds it, whatever runs.
    { holder: '', pods: ['old-ccm-6f9c8d7b5-q2w3e'], want: 'planned' },
  ])('holder $holder with Pods $pods: $want', ({ holder, pods, want }) => {
    expect(outcome(planWithPods(holder, pods))).toBe(want);
  });
});

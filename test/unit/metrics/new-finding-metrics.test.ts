import { describe, expect, it } from 'vitest';
import { audit } from '../../../shared/audit/audit.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import type { ClusterResult } from '../../../shared/fleet/audit-clusters.ts';
import { fleetMetrics } from '../../../shared/metrics/fleet-metrics.ts';
import {
  DEFAULT_FLEET_METRICS,
  DEFAULT_PER_CLUSTER_METRICS,
  MetricName,
} from '../../../shared/metrics/metric-names.ts';
import { DAY, leaderLease, MINUTE, NOW } from '../audit/builders.ts';

/**
 * A cluster whose kube-scheduler has no leader, with two unlabelled custom leases, audited with the naming
 * advice asked for (it is off by default): the metric must still be asked for on its own.
 */
function cluster(name: string): ClusterResult {
  const a = audit(
    {
      cluster: name,
      leases: [
        leaderLease({ namespace: 'kube-system', name: 'kube-scheduler', renewAgoMs: 10 * MINUTE }),
        leaderLease({ namespace: 'payments', name: 'lock' }),
        leaderLease({ namespace: 'payments', name: 'gone.example.com', renewAgoMs: 3 * DAY }),
      ],
      nodes: [],
      pods: undefined,
    },
    NOW,
    { ...defaultAuditPolicy, leaseNamingAdvice: true },
  );
  return {
    status: 'ok',
    cluster: name,
    clock: { source: 'server', nowMs: NOW },
    audit: a,
    stats: { requests: 1, retries: 0, pages: 1, restarts: 0, durationMs: 10 },
  };
}
const value = (points: ReturnType<typeof fleetMetrics>, name: string, cluster?: string) =>
  points.filter((p) => p.name === name && p.cluster === cluster).map((p) => p.value);

describe('metrics of the issue 17 findings', () => {
  it('counts control planes without a leader, churn and candidates per cluster and fleet-wide', () => {
    const points = fleetMetrics([cluster('a'), cluster('b')]);

    expect(value(points, MetricName.ControlPlaneLeadersMissing, 'a')).toEqual([1]);
    expect(value(points, MetricName.ControlPlaneLeadersMissing)).toEqual([2]);
    expect(value(points, MetricName.ChurningLeaderLeases)).toEqual([0]);
    expect(value(points, MetricName.StaleLeaseCandidates)).toEqual([0]);
    expect(value(points, MetricName.CoordinatedLeasesWithoutCandidate)).toEqual([0]);
  });

  it('leaves LeaseNamingAdvice out of a run without a selection, and of the default selection', () => {
    const all = fleetMetrics([cluster('a')]);
    const defaults = fleetMetrics([cluster('a')], [], {
      selection: { perCluster: DEFAULT_PER_CLUSTER_METRICS, fleet: DEFAULT_FLEET_METRICS },
    });

    const one = cluster('a');
    expect(one.status === 'ok' && one.audit.counts.findings.LeaseNamingAdvice).toBe(2);
    for (const points of [all, defaults])
      expect(points.some((p) => p.name === MetricName.LeaseNamingAdvice)).toBe(false);
  });

  it('publishes LeaseNamingAdvice where a registry names it, and ControlPlaneLeadersMissing as a default fleet total', () => {
    const points = fleetMetrics([cluster('a'), cluster('b')], [], {
      selection: { perCluster: [MetricName.LeaseNamingAdvice], fleet: DEFAULT_FLEET_METRICS },
    });

    expect(value(points, MetricName.LeaseNamingAdvice, 'a')).toEqual([2]);
    expect(value(points, MetricName.LeaseNamingAdvice)).toEqual([]);
    expect(value(points, MetricName.ControlPlaneLeadersMissing)).toEqual([2]);
  });
});

import { describe, expect, it } from 'vitest';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import { reapAuditPolicy } from '../../../shared/reap/reap-clusters.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import { buildReapReport } from '../../../shared/report/reap-report.ts';

describe('the threshold that judges "abandoned" in a reap run', () => {
  it('is the policy’s abandonedAfter, given to the audit the run makes; every other audit default is kept', () => {
    // Prepare
    const policy = parseReapPolicy({
      namespaces: { include: ['a'] },
      minExpiredFor: '1h',
      abandonedAfter: '3h',
    });

    // Act
    const audit = reapAuditPolicy(policy);

    // Assess
    expect(audit).toEqual({ ...defaultAuditPolicy, abandonedAfterSeconds: 10_800 });
  });

  it('follows minExpiredFor when the policy does not set abandonedAfter', () => {
    const policy = parseReapPolicy({ namespaces: { include: ['a'] }, minExpiredFor: '1h' });

    expect(reapAuditPolicy(policy).abandonedAfterSeconds).toBe(3_600);
  });
});

describe('buildReapReport', () => {
  it('is a versioned ReapReport that names the run’s mode, policy and thresholds', () => {
    // Prepare
    const policy = parseReapPolicy({
      namespaces: { include: ['a'] },
      abandonedAfter: '2d',
      maxClockSkew: '2m',
    });

    // Act
    const report = buildReapReport([], policy, true, Date.parse('2026-03-01T10:00:00Z'));

    // Assess
    expect(report).toEqual({
      apiVersion: 'lease-reaper.io/v1',
      kind: 'ReapReport',
      generatedAt: '2026-03-01T10:00:00.000Z',
      dryRun: true,
      policy,
      abandonedAfterSeconds: 172_800,
      maxClockSkewSeconds: 120,
      clusters: [],
    });
  });
});

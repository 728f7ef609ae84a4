import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { clockRefusal, formatSkew } from '../../../shared/reap/clock-guard.ts';
import { executePlan, type LeaseDeleter } from '../../../shared/reap/execute-plan.ts';
import type { ReapPlan } from '../../../shared/reap/plan.ts';
import { reapClusters } from '../../../shared/reap/reap-clusters.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';

const NOW = Date.parse('2026-11-25T03:05:11.302Z');
const DAY = 86_400_000;

describe('clockRefusal', () => {
  it.each([
    { clock: { source: 'server' as const, nowMs: NOW, skewMs: 500 }, refused: undefined },
    { clock: { source: 'server' as const, nowMs: NOW, skewMs: 300_000 }, refused: undefined },
    { clock: { source: 'server' as const, nowMs: NOW, skewMs: -300_000 }, refused: undefined },
    { clock: { source: 'server' as const, nowMs: NOW, skewMs: 300_001 }, refused: 'clockSkew' },
    { clock: { source: 'server' as const, nowMs: NOW, skewMs: -300_001 }, refused: 'clockSkew' },
    { clock: { source: 'server' as const, nowMs: NOW, skewMs: 40 * DAY }, refused: 'clockSkew' },
    { clock: { source: 'local' as const, nowMs: NOW }, refused: 'clockUnmeasured' },
    // A time given for a dry run judges by neither clock: only reported.
    { clock: { source: 'override' as const, nowMs: NOW, skewMs: 40 * DAY }, refused: undefined },
  ])('with a limit of 300 s, $clock.source skew $clock.skewMs → $refused', ({ clock, refused }) => {
    // Act
    const refusal = clockRefusal(clock, 300);

    // Assess
    expect(refusal?.reason).toBe(refused);
    if (refusal) {
      expect(refusal.maxClockSkewSeconds).toBe(300);
      expect(refusal.message).toMatch(/^refused: .*maxClockSkew 300 s.*no delete was sent$/);
    }
  });

  it('says how far and which way the clock is off', () => {
    // Act
    const ahead = clockRefusal({ source: 'server', nowMs: NOW, skewMs: 40 * DAY + 500 }, 300);
    const behind = clockRefusal({ source: 'server', nowMs: NOW, skewMs: -900_000 }, 300);

    // Assess
    expect(ahead?.message).toContain("the API server's clock is 40.0d ahead of this machine's (skew +40.0d)");
    expect(ahead?.skewMs).toBe(40 * DAY + 500);
    expect(behind?.message).toContain('is 900.0s behind');
  });

  it.each([
    [500, '+0.5s'],
    // No skew is not negative; each unit starts at its own size.
    [0, '+0.0s'],
    [3_600_000, '+1.0h'],
    [DAY, '+1.0d'],
    [-12_000, '-12.0s'],
    [9_000_000, '+2.5h'],
    [-40 * DAY, '-40.0d'],
  ])('formats a skew of %d ms as %s', (ms, text) => {
    expect(formatSkew(ms)).toBe(text);
  });
});

describe('executePlan with a refusal', () => {
  it('sends nothing and records every planned deletion notAttempted with the refusal and the clock', async () => {
    // Prepare
    const plan: ReapPlan = {
      cluster: 'skewed',
      skipped: [],
      deletions: ['a', 'b'].map((name, i) => ({
        namespace: 'payments',
        name,
        uid: `uid-${name}`,
        resourceVersion: String(10 + i),
        finding: 'AbandonedLease' as const,
        ageSeconds: 40 * 86_400,
        reason: 'expired',
      })),
    };
    let calls = 0;
    const deleter = (async () => {
      calls++;
      return { result: 'deleted', dryRun: false } as const;
    }) satisfies LeaseDeleter;
    const clock = { source: 'server' as const, now: new Date(NOW).toISOString(), skewMs: 40 * DAY };

    // Act
    const summary = await executePlan(plan, deleter, { dryRun: false, refusal: 'refused: clock', clock });

    // Assess
    expect(calls).toBe(0);
    expect(summary).toMatchObject({ planned: 2, deleted: 0, notAttempted: 2 });
    expect(summary.actions.map((a) => [a.outcome, a.detail, a.clock])).toEqual([
      ['notAttempted', 'refused: clock', clock],
      ['notAttempted', 'refused: clock', clock],
    ]);
  });
});

describe('reapClusters', () => {
  it('refuses a fixed time when deleting, before reading any cluster', async () => {
    // Prepare
    const policy = parseReapPolicy({ namespaces: { include: ['payments'] } });

    // Act
    const run = reapClusters([], { policy, dryRun: false, nowMs: Date.parse('2099-01-01T00:00:00Z') });

    // Assess
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(/only be used for a dry run/);
  });
});

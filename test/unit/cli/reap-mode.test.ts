import { describe, expect, it } from 'vitest';
import { reapMode } from '../../../cli/reap-mode.ts';
import { renderReap } from '../../../cli/render-reap.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';

describe('reapMode: --apply and the policy’s dryRun, the safer wins', () => {
  it.each([
    { apply: false, policyDryRun: true, dryRun: true, held: false },
    { apply: false, policyDryRun: false, dryRun: true, held: false },
    { apply: true, policyDryRun: true, dryRun: true, held: true },
    { apply: true, policyDryRun: false, dryRun: false, held: false },
  ])(
    'with --apply $apply and dryRun: $policyDryRun in the policy, the run is a dry run: $dryRun',
    ({ apply, policyDryRun, dryRun, held }) => {
      // Act
      const mode = reapMode(apply, { dryRun: policyDryRun }, 'policy p.yaml');

      // Assess
      expect(mode.dryRun).toBe(dryRun);
      expect(mode.heldByPolicy !== undefined).toBe(held);
    },
  );

  it('keeps an --apply run dry under a policy that leaves dryRun at its default, and says how to delete', () => {
    // Act
    const mode = reapMode(true, parseReapPolicy({ namespaces: { include: ['a'] } }), 'policy p.yaml');

    // Assess
    expect(mode.dryRun).toBe(true);
    expect(mode.heldByPolicy).toMatch(/^--apply is overridden by policy p\.yaml: it says dryRun: true/);
    expect(mode.heldByPolicy).toContain('set dryRun: false in the policy');
  });
});

describe('renderReap shows the thresholds the run judged by', () => {
  it('names abandonedAfter and maxClockSkew in the units a policy writes', () => {
    // Prepare
    const policy = parseReapPolicy({
      namespaces: { include: ['a'] },
      minExpiredFor: '2h',
      maxClockSkew: '90s',
    });

    // Act
    const text = renderReap([], true, policy);

    // Assess
    expect(text).toContain(
      'Abandoned: a leader lease expired for more than 2h (abandonedAfter) with no live holder.',
    );
    expect(text).toContain('off by more than 90s (maxClockSkew)');
  });
});

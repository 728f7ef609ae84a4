import { describe, expect, it } from 'vitest';
import type { CurrentFinding } from '../../../shared/alerting/finding-diff.ts';
import { findingLogLines } from '../../../shared/alerting/finding-log.ts';
import type { OpenFinding } from '../../../shared/alerting/open-findings.ts';
import type { Severity } from '../../../shared/audit/findings.ts';

const finding = (name: string, severity: Severity, since: string): OpenFinding => ({
  type: 'StaleNodeHeartbeat',
  severity,
  namespace: 'kube-node-lease',
  name,
  since,
  reason: `Node ${name} stopped`,
  node: name,
});
const current = (state: 'open' | 'opened', f: OpenFinding): CurrentFinding => ({ state, finding: f });

describe('findingLogLines', () => {
  const open = [
    current('open', finding('warn-old', 'warning', '2026-11-25T03:00:00.000Z')),
    current('opened', finding('crit-new', 'critical', '2026-11-25T03:04:00.000Z')),
    current('opened', finding('warn-new', 'warning', '2026-11-25T03:04:30.000Z')),
    current('open', finding('crit-old', 'critical', '2026-11-25T02:00:00.000Z')),
  ];
  const resolved = [finding('gone', 'warning', '2026-11-25T02:30:00.000Z')];

  it('writes one line per finding, critical first, then the oldest, resolved ones included', () => {
    const { lines, notLogged } = findingLogLines('prod-eu', open, resolved, 50);

    expect(lines.map((l) => [l.name, l.state])).toEqual([
      ['crit-old', 'open'],
      ['crit-new', 'opened'],
      ['gone', 'resolved'],
      ['warn-old', 'open'],
      ['warn-new', 'opened'],
    ]);
    expect(lines[0]).toEqual({
      cluster: 'prod-eu',
      type: 'StaleNodeHeartbeat',
      severity: 'critical',
      namespace: 'kube-node-lease',
      name: 'crit-old',
      since: '2026-11-25T02:00:00.000Z',
      state: 'open',
      reason: 'Node crit-old stopped',
      node: 'crit-old',
    });
    expect(notLogged).toBe(0);
  });

  it('stops at the limit and counts the rest', () => {
    const { lines, notLogged } = findingLogLines('prod-eu', open, resolved, 2);

    expect(lines.map((l) => l.name)).toEqual(['crit-old', 'crit-new']);
    expect(notLogged).toBe(3);
  });

  it('logs none with a limit of 0, and leaves node out of cluster-scoped findings', () => {
    const withoutNode = { ...finding('n', 'warning', '2026-11-25T03:00:00.000Z'), node: undefined };
    delete withoutNode.node;

    expect(findingLogLines('prod-eu', open, [], 0)).toEqual({ lines: [], notLogged: 4 });
    expect(findingLogLines('prod-eu', [current('open', withoutNode)], [], 1).lines[0]).not.toHaveProperty(
      'node',
    );
  });
});

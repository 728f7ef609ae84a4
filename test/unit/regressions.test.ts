// Behaviours found missing by review and fixed: each case here failed before its fix.
import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, parseRetryAfter, retryDelayMs } from '../../shared/kube/retry-policy.ts';
import { ServerClock } from '../../shared/kube/server-clock.ts';
import { matchesLabels, parseLabelSelector, SelectorParseError } from '../../shared/selectors.ts';
import { humanDuration } from '../../sim/human-duration.ts';
import { nodes } from '../../sim/resources.ts';
import { buildScenario, emptyScenario } from '../../sim/scenario.ts';
import { SimStore } from '../../sim/store.ts';

describe('selectors vs k8s.io/apimachinery/pkg/labels', () => {
  it.each(['a,', ',a', 'a,,b', 'app=web,'])('rejects the empty term in %j', (s) => {
    expect(() => parseLabelSelector(s)).toThrow(SelectorParseError);
  });
  it('rejects a key whose name part is longer than 63 characters', () => {
    expect(() => parseLabelSelector('x'.repeat(64))).toThrow(SelectorParseError);
    expect(() => parseLabelSelector(`example.com/${'x'.repeat(64)}=v`)).toThrow(SelectorParseError);
  });
  it('rejects a key prefix that is not a DNS subdomain', () => {
    expect(() => parseLabelSelector('a..b/c')).toThrow(SelectorParseError);
    expect(() => parseLabelSelector('a.-b/c')).toThrow(SelectorParseError);
  });
  it('reads "in ()" and a trailing comma as the empty value', () => {
    expect(matchesLabels(parseLabelSelector('a in ()'), { a: '' })).toBe(true);
    expect(matchesLabels(parseLabelSelector('a in (x,)'), { a: '' })).toBe(true);
    expect(matchesLabels(parseLabelSelector('a notin ()'), { a: '' })).toBe(false);
  });
});

describe('parseRetryAfter vs RFC 9110 (delta-seconds or HTTP-date)', () => {
  it.each(['1.5', '-1', 'foo 1', 'abc 12', '  2.5'])('ignores %j', (v) => {
    expect(parseRetryAfter(v, Date.parse('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(retryDelayMs(defaultRetryPolicy, 3, v, () => 0.5)).toBe(400);
  });
});

describe('ServerClock with a garbage Date header', () => {
  it.each(['0', '1', 'foo 1'])('ignores %j', (h) => {
    const c = new ServerClock();
    c.observe(h, 1_700_000_000_000);
    expect(c.latest).toBeUndefined();
  });
});

describe('humanDuration vs apimachinery (int(d.Seconds()) truncates toward zero)', () => {
  it.each([-1_001, -1_500, -1_999])('formats %i ms as 0s', (ms) => {
    expect(humanDuration(ms)).toBe('0s');
  });
});

describe('SimStore with a cluster-scoped object that carries a namespace', () => {
  it('stores a Node under its name, dropping the namespace, and refuses a duplicate', () => {
    const store = new SimStore(() => 0);
    store.create(nodes, { metadata: { name: 'n1', namespace: 'stray' } });
    expect(store.get(nodes, undefined, 'n1')?.obj.metadata.namespace).toBeUndefined();
    expect(() => store.create(nodes, { metadata: { name: 'n1' } })).toThrow(/already exists/);
  });
});

describe('buildScenario systemLeaderLeases', () => {
  it('refuses more system leader leases than there are system controllers', () => {
    expect(() => buildScenario({ ...emptyScenario, systemLeaderLeases: 5 }, 1, 0)).toThrow(/at most 3/);
    expect(
      buildScenario({ ...emptyScenario, systemLeaderLeases: 3 }, 1, 0).seeded.leaderLeases.system,
    ).toHaveLength(3);
  });
});

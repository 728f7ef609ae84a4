import { describe, expect, it } from 'vitest';
import {
  expiresAtFor,
  type LoadedFindingState,
  needsWrite,
  STATE_TTL_SECONDS,
} from '../../../shared/alerting/finding-state.ts';
import { emptyFindingState } from '../../../shared/alerting/open-findings.ts';

const now = Date.parse('2026-11-25T03:05:11.302Z');
const loaded = (o: Partial<LoadedFindingState>): LoadedFindingState => ({
  state: emptyFindingState,
  revision: 7,
  ...o,
});

describe('needsWrite', () => {
  it.each([
    ['the state changed', true, loaded({ expiresAt: expiresAtFor(now) }), true],
    ['the cluster has no item yet', false, loaded({ revision: 0 }), true],
    ['the item has no TTL', false, loaded({}), true],
    [
      'nothing changed and it was written an hour ago',
      false,
      loaded({ expiresAt: expiresAtFor(now - 3_600_000) }),
      false,
    ],
    [
      'nothing changed but it was last written over a day ago',
      false,
      loaded({ expiresAt: expiresAtFor(now - 86_401_000) }),
      true,
    ],
  ])('writes when %s: %s', (_what, changed, state, expected) => {
    expect(needsWrite({ changed }, state, now)).toBe(expected);
  });

  it('expires an item 30 days after its write, in epoch seconds', () => {
    expect(expiresAtFor(now)).toBe(Math.floor(now / 1000) + STATE_TTL_SECONDS);
    expect(STATE_TTL_SECONDS).toBe(30 * 86_400);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch, globMatcher } from '../../../shared/reap/glob.ts';

/**
 * The definition, as a dynamic program over (pattern prefix, value prefix): obviously right, too slow for
 * production (it always does |pattern| × |value| work) — the oracle the fast matcher is checked against.
 */
function referenceMatch(pattern: string, value: string): boolean {
  let row = [true, ...Array.from({ length: value.length }, () => false)];
  for (const c of pattern) {
    const next = [c === '*' && row[0] === true];
    for (let j = 1; j <= value.length; j++) {
      if (c === '*') next[j] = row[j] === true || next[j - 1] === true;
      else next[j] = row[j - 1] === true && (c === '?' || c === value[j - 1]);
    }
    row = next;
  }
  return row[value.length] === true;
}

/** The longest Kubernetes object name. */
const NAME_MAX = 253;

describe('globMatch', () => {
  it.each([
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['?', '', false],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['*ab*ab*', 'xabyab', true],
    ['*ab*ab*', 'xaby', false],
    ['*aab', 'aaab', true],
    ['a?*?b', 'axyb', true],
    ['a?*?b', 'axb', false],
    ['.', 'x', false],
  ])('%j against %j: %s', (pattern, value, matched) => {
    expect(globMatch(pattern, value).matched).toBe(matched);
    expect(referenceMatch(pattern, value)).toBe(matched);
  });

  it('agrees with the definition on random patterns and values over a small alphabet', () => {
    // A two-letter alphabet makes near-misses and repeated prefixes (the hard cases for a greedy matcher) common.
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?'), maxLength: 12 });
    const value = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 16 });
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(globMatch(p, v).matched).toBe(referenceMatch(p, v));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    { case: 'stars between single letters', pattern: `${'*a'.repeat(40)}*b` },
    { case: 'stars between repeated runs', pattern: `*${'aaaa*'.repeat(30)}b` },
    { case: 'stars and question marks', pattern: `${'*?'.repeat(60)}*b` },
    { case: 'a long literal tail after a star', pattern: `*${'a'.repeat(200)}b` },
  ])('stays within (value + 1) × (pattern + 1) steps on a near-miss: $case', ({ pattern }) => {
    // A 253-character name that nearly matches: every star has many places to try, and the last letter fails.
    // The RegExp these globs used to become took seconds on such input.
    const value = 'a'.repeat(NAME_MAX);

    const result = globMatch(pattern, value);

    expect(result.matched).toBe(false);
    expect(result.steps).toBeLessThanOrEqual((value.length + 1) * (pattern.length + 1));
  });

  it.each([
    // One step per value character; then one per trailing star the used-up value leaves.
    ['abc', 'abc', 3],
    ['a**', 'a', 3],
    // 'a'; the star; 'b' fails against 'x', then 'y' (the star swallowing each); then 'b': 5 steps.
    ['a*b', 'axyb', 5],
  ])('counts its steps: %j against %j takes %d', (pattern, value, steps) => {
    expect(globMatch(pattern, value)).toEqual({ matched: true, steps });
  });

  it('grows linearly in the value for a fixed pattern', () => {
    const pattern = `${'*a'.repeat(20)}*b`;
    const steps = (n: number) => globMatch(pattern, 'a'.repeat(n)).steps;

    // Doubling the value at most doubles the work (plus a pattern-sized constant): no polynomial blow-up.
    expect(steps(2 * NAME_MAX)).toBeLessThanOrEqual(2 * steps(NAME_MAX) + 2 * (pattern.length + 1));
    expect(steps(4 * NAME_MAX)).toBeLessThanOrEqual(2 * steps(2 * NAME_MAX) + 2 * (pattern.length + 1));
  });
});

describe('globMatcher', () => {
  it.each([
    ['a***b**', 'a*b*'],
    ['**', '*'],
    ['a*b', 'a*b'],
    ['?**?', '?*?'],
  ])('compiles %j to %j', (pattern, compiled) => {
    expect(compileGlob(pattern)).toBe(compiled);
  });

  it('treats runs of stars as one and matches the same values', () => {
    const matcher = globMatcher(['a***b**']);
    expect(matcher('ab')).toBe(true);
    expect(matcher('axxbyy')).toBe(true);
    expect(matcher('ba')).toBe(false);
  });

  it('matches a value against any of several globs, and none when there are none', () => {
    expect(globMatcher(['team-*', '*-prod'])('payments-prod')).toBe(true);
    expect(globMatcher(['team-*', '*-prod'])('payments')).toBe(false);
    expect(globMatcher([])('payments')).toBe(false);
  });

  it('builds no RegExp from a pattern', () => {
    const original = globalThis.RegExp;
    const built: unknown[] = [];
    // Every RegExp made while compiling and matching is recorded: a pattern turned into one would show here.
    globalThis.RegExp = new Proxy(original, {
      construct(target, args) {
        built.push(args[0]);
        return Reflect.construct(target, args);
      },
      apply(target, thisArg, args) {
        built.push(args[0]);
        return Reflect.apply(target, thisArg, args);
      },
    });
    try {
      globMatcher(['*distinctive-pattern*?'])('a-distinctive-pattern-b');
    } finally {
      globalThis.RegExp = original;
    }
    expect(built.filter((source) => String(source).includes('distinctive'))).toEqual([]);
  });
});

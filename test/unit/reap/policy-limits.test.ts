import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ConfigError } from '../../../shared/errors.ts';
import {
  durationSeconds,
  MAX_DURATION_SECONDS,
  MAX_GLOB_LENGTH,
  MAX_LIST_ENTRIES,
  parseReapPolicy,
} from '../../../shared/reap/reap-policy.ts';
import { parseConfig } from '../../../shared/validation.ts';

const duration = (input: unknown) =>
  parseConfig(z.strictObject({ d: durationSeconds }), { d: input }, 'test').d;

/** The message of the ConfigError `fn` throws. */
function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('durationSeconds', () => {
  it.each([
    [0, 0],
    [90, 90],
    ['0s', 0],
    ['90s', 90],
    ['30m', 1800],
    ['24h', 86_400],
    ['7d', 604_800],
    ['365d', MAX_DURATION_SECONDS],
    [MAX_DURATION_SECONDS, MAX_DURATION_SECONDS],
    ['8760h', MAX_DURATION_SECONDS],
    ['007m', 420],
  ])('reads %j as %d seconds', (input, seconds) => {
    expect(duration(input)).toBe(seconds);
  });

  it.each([
    ['366d'],
    ['31536001s'],
    [MAX_DURATION_SECONDS + 1],
    ['9999999999d'], // more digits than any duration in range
    [Number.MAX_SAFE_INTEGER],
  ])('refuses %j as over 365 days', (input) => {
    expect(configMessage(() => duration(input))).toMatch(
      /^test is invalid: d: (must be at most 31536000 s|expected)/,
    );
  });

  it.each([
    [-1],
    [1.5],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['90'],
    ['1.5h'],
    ['-5m'],
    ['+5m'],
    [' 5m'],
    ['5m '],
    ['5 m'],
    ['5M'],
    ['1h30m'],
    ['5w'],
    ['1e3s'],
    ['0x10s'],
    ['s'],
    [''],
    [true],
    [null],
  ])('refuses %j with one message naming the field', (input) => {
    const message = configMessage(() => duration(input));
    expect(message).toMatch(/^test is invalid: d: /);
    expect(message).not.toContain('\n');
  });
});

describe('reap policy limits', () => {
  const minimal = { namespaces: { include: ['payments'] } };

  it('refuses minExpiredFor past 365 days, naming the field', () => {
    expect(configMessage(() => parseReapPolicy({ ...minimal, minExpiredFor: '400d' }))).toMatch(
      /^policy is invalid: minExpiredFor: must be at most 31536000 s \("365d"\)$/,
    );
  });

  it(`accepts a glob of ${MAX_GLOB_LENGTH} characters and refuses a longer one`, () => {
    const at = '*'.repeat(MAX_GLOB_LENGTH);
    expect(parseReapPolicy({ ...minimal, names: [at] }).names).toEqual([at]);
    expect(configMessage(() => parseReapPolicy({ ...minimal, names: [`${at}a`] }))).toMatch(
      /names\.0: expected at most 253 characters/,
    );
  });

  it(`accepts ${MAX_LIST_ENTRIES} globs in a list and refuses more`, () => {
    const globs = Array.from({ length: MAX_LIST_ENTRIES }, (_, i) => `team-${i}`);
    expect(parseReapPolicy({ namespaces: { include: globs } }).namespaces.include).toHaveLength(
      MAX_LIST_ENTRIES,
    );
    for (const policy of [
      { namespaces: { include: [...globs, 'one-more'] } },
      { ...minimal, namespaces: { include: ['a'], exclude: [...globs, 'one-more'] } },
      { ...minimal, names: [...globs, 'one-more'] },
      { ...minimal, allowSystemLeases: [...globs, 'one-more'].map((g) => `kube-system/${g}`) },
    ]) {
      expect(configMessage(() => parseReapPolicy(policy))).toMatch(/: expected at most 256 entries/);
    }
  });
});

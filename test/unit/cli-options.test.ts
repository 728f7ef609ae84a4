import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  concurrency,
  count,
  isoTime,
  MAX_THRESHOLD_SECONDS,
  MAX_TIMEOUT_SECONDS,
  port,
  thresholdSeconds,
  timeoutSeconds,
} from '../../cli/options.ts';
import { MAX_DURATION_SECONDS } from '../../shared/reap/reap-policy.ts';

/** The message the parser rejects `value` with. */
function rejection(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

/** Shapes no numeric flag takes, whatever its range: Number() would read most of them as a number. */
const notWholeNumbers = [
  '',
  ' ',
  ' 5',
  '5 ',
  '+5',
  '-5',
  '-0',
  '5.0',
  '1.5',
  '1e3',
  '0x10',
  '0b1',
  '0o7',
  '5s',
  'NaN',
  'Infinity',
  '٣',
];

describe('numeric flags', () => {
  it.each([
    {
      parse: count,
      name: 'count',
      ok: [
        ['0', 0],
        ['7', 7],
        ['007', 7],
        ['9007199254740991', 9_007_199_254_740_991],
      ],
      bad: ['9007199254740992', '99999999999999999'],
    },
    {
      parse: port,
      name: 'port',
      ok: [
        ['0', 0],
        ['65535', 65_535],
      ],
      bad: ['65536'],
    },
    {
      parse: concurrency,
      name: 'concurrency',
      ok: [
        ['1', 1],
        ['256', 256],
      ],
      bad: ['0', '257'],
    },
    {
      parse: timeoutSeconds,
      name: 'timeoutSeconds',
      ok: [
        ['1', 1],
        ['300', 300],
        ['2147483', 2_147_483],
      ],
      // 2147484 s is past the 2^31 − 1 ms a Node timer holds; 4294968 s made AbortSignal.timeout throw.
      bad: ['0', '2147484', '4294968', '9999999999'],
    },
    {
      parse: thresholdSeconds,
      name: 'thresholdSeconds',
      ok: [
        ['0', 0],
        ['50', 50],
        ['31536000', 31_536_000],
      ],
      bad: ['31536001'],
    },
  ] as const)('$name: takes its range and refuses the rest', ({ parse, ok, bad }) => {
    for (const [value, n] of ok) expect(parse(value)).toBe(n);
    for (const value of [...bad, ...notWholeNumbers]) expect(rejection(parse, value)).toMatch(/^expected /);
  });

  it('holds --timeout to what a Node.js timer can hold', () => {
    expect(MAX_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
    expect((MAX_TIMEOUT_SECONDS + 1) * 1000).toBeGreaterThan(2 ** 31 - 1);
    expect(() => AbortSignal.timeout(MAX_TIMEOUT_SECONDS * 1000)).not.toThrow();
  });

  it('takes thresholds up to the longest duration a reap policy may set', () => {
    expect(MAX_THRESHOLD_SECONDS).toBe(MAX_DURATION_SECONDS);
  });
});

describe('isoTime', () => {
  it.each([
    ['2026-11-25T10:00:00Z', Date.UTC(2026, 10, 25, 10)],
    ['2026-11-25T10:00:00.5Z', Date.UTC(2026, 10, 25, 10, 0, 0, 500)],
    ['2026-11-25T10:00:00.123456789Z', Date.UTC(2026, 10, 25, 10, 0, 0, 123)],
    ['2026-11-25T11:00:00+01:00', Date.UTC(2026, 10, 25, 10)],
    ['2026-11-25T05:30:00-04:30', Date.UTC(2026, 10, 25, 10)],
    ['2026-11-25t10:00:00z', Date.UTC(2026, 10, 25, 10)],
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
    ['2000-02-29T23:59:59Z', Date.UTC(2000, 1, 29, 23, 59, 59)],
  ])('reads %s', (value, ms) => {
    expect(isoTime(value)).toBe(ms);
  });

  it.each([
    ['2026-02-30T00:00:00Z', 'a day February does not have'],
    ['2026-02-29T00:00:00Z', 'not a leap year'],
    ['2100-02-29T00:00:00Z', 'a century that is not a leap year'],
    ['2026-04-31T00:00:00Z', 'April has 30 days'],
    ['2026-13-01T00:00:00Z', 'month 13'],
    ['2026-00-10T00:00:00Z', 'month 0'],
    ['2026-01-00T00:00:00Z', 'day 0'],
    ['2026-11-25T24:00:00Z', '24:00'],
    ['2026-11-25T10:60:00Z', 'minute 60'],
    ['2026-11-25T23:59:60Z', 'a leap second'],
    ['2026-11-25T10:00:00', 'no offset: would be read as local time'],
    ['2026-11-25T10:00:00.000', 'no offset, with a fraction'],
    ['2026-11-25', 'a date only'],
    ['2026-11-25 10:00:00Z', 'a space for T'],
    ['2026-11-25T10:00Z', 'no seconds'],
    ['2026-11-25T10:00:00+0100', 'an offset without a colon'],
    ['2026-11-25T10:00:00+24:00', 'an offset of 24 hours'],
    ['2026-11-25T10:00:00+01:60', 'an offset minute of 60'],
    ['2026-11-25T10:00:00.Z', 'an empty fraction'],
    ['+002026-11-25T10:00:00Z', 'an expanded year'],
    ['yesterday', 'words'],
    ['1764064800000', 'epoch milliseconds'],
    ['', 'nothing'],
  ])('refuses %s (%s)', (value) => {
    expect(rejection(isoTime, value)).toMatch(/^expected an RFC 3339 time with a real date and an offset/);
  });
});

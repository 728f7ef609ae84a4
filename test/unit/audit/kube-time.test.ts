import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKubeTime } from '../../../shared/audit/kube-time.ts';

const BASE = Date.UTC(2026, 10, 25, 3, 5, 11);

describe('parseKubeTime', () => {
  it.each([
    ['2026-11-25T03:05:11Z', BASE],
    ['2026-11-25T03:05:11.3Z', BASE + 300],
    ['2026-11-25T03:05:11.30Z', BASE + 300],
    ['2026-11-25T03:05:11.302Z', BASE + 302],
    ['2026-11-25T03:05:11.3021Z', BASE + 302],
    ['2026-11-25T03:05:11.30219Z', BASE + 302],
    ['2026-11-25T03:05:11.302000Z', BASE + 302],
    ['2026-11-25T03:05:11.3029999Z', BASE + 302],
    ['2026-11-25T03:05:11.30299999Z', BASE + 302],
    ['2026-11-25T03:05:11.999999999Z', BASE + 999],
    ['2026-11-25T03:05:11.000000001Z', BASE],
    ['2026-11-25T03:05:11.05Z', BASE + 50],
    ['2026-11-25T03:05:11.007Z', BASE + 7],
  ])('reads %s to the millisecond, truncating finer digits', (text, expected) => {
    // Act
    const ms = parseKubeTime(text);

    // Assess
    expect(ms).toBe(expected);
  });

  it.each([
    ['2026-11-25T05:05:11+02:00', BASE],
    ['2026-11-25T05:05:11.302000+02:00', BASE + 302],
    ['2026-11-25T00:35:11-02:30', BASE],
    ['2026-11-25T03:05:11+00:00', BASE],
    ['2026-11-25T03:05:11.302-00:00', BASE + 302],
    ['2026-11-25t03:05:11Z', BASE],
    ['2026-11-25T03:05:11z', BASE],
    ['2026-11-25t03:05:11.302000z', BASE + 302],
  ])('reads the offset or lowercase form %s', (text, expected) => {
    // Act
    const ms = parseKubeTime(text);

    // Assess
    expect(ms).toBe(expected);
  });

  it.each([
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2026-12-31T23:59:59.999999Z', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ['2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1)],
    ['1970-01-01T00:00:00Z', 0],
    ['9999-12-31T23:59:59Z', Date.UTC(9999, 11, 31, 23, 59, 59)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0001-01-01T00:00:00Z', -62_135_596_800_000],
    ['0099-12-31T23:59:59Z', -59_011_459_201_000],
  ])('reads the calendar edge %s', (text, expected) => {
    // Act
    const ms = parseKubeTime(text);

    // Assess
    expect(ms).toBe(expected);
  });

  it.each([
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-02-32T00:00:00Z',
    '2026-02-00T00:00:00Z',
    '2026-13-01T00:00:00+02:00',
    '2026-11-25T24:30:00Z',
    '2026-11-25T23:60:00Z',
    '2026-11-25T03:05:61Z',
    '2026-11-25T25:00:00+02:00',
    '2026-11-25T03:05:11+24:00',
    '2026-11-25T03:05:11+02:60',
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-02-31T12:00:00.302000Z',
    '2026-04-31T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2026-02-30T00:00:00+02:00',
    '2026-04-31T00:00:00.5-05:00',
    '2026-02-29t00:00:00z',
  ])('rejects the out-of-range %s', (text) => {
    // Act
    const ms = parseKubeTime(text);

    // Assess
    expect(ms).toBeUndefined();
  });

  it.each([
    '',
    'now',
    'garbage',
    '2026-11-25',
    '03:05:11Z',
    '2026-11-25T03:05:11',
    '2026-11-25T03:05:11.302000',
    '2026-11-25 03:05:11Z',
    '2026-11-25T03:05Z',
    '2026-11-25T03:05:11.Z',
    '2026-11-25T03:05:11.30a000Z',
    '2026-11-25T03:05:11ZZ',
    ' 2026-11-25T03:05:11Z',
    '2026-11-25T03:05:11Z ',
    '2026-11-25T03:05:11+0200',
    '2026-11-25T03:05:11+02',
    '2026/11/25T03:05:11Z',
    '26-11-25T03:05:11Z',
    '+02026-11-25T03:05:11Z',
    '2026-1-25T03:05:11Z',
    'Wed, 25 Nov 2026 03:05:11 GMT',
    '1795575911302',
  ])('rejects the non-RFC 3339 string %j', (text) => {
    // Act
    const ms = parseKubeTime(text);

    // Assess
    expect(ms).toBeUndefined();
  });

  it.each([
    ['a number', BASE],
    ['null', null],
    ['undefined', undefined],
    ['an object', { time: '2026-11-25T03:05:11Z' }],
    ['an array', ['2026-11-25T03:05:11Z']],
    ['a boolean', true],
    ['a Date', new Date(BASE)],
  ])('rejects %s', (_what, value) => {
    // Act
    const ms = parseKubeTime(value);

    // Assess
    expect(ms).toBeUndefined();
  });
});

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** An RFC 3339 string for `ms` shown at `offsetMinutes`, with `digits` fraction digits (0: none). */
function format(ms: number, offsetMinutes: number, digits: number, extraDigits: string): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
  const time = `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}`;
  const fraction =
    digits === 0 ? '' : `.${(pad(local.getUTCMilliseconds(), 3) + extraDigits).slice(0, digits)}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const zone = offsetMinutes === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  return `${date}T${time}${fraction}${zone}`;
}

/** `ms` with its fraction cut to `digits` digits (towards the past, as the fraction is written). */
function keptMs(ms: number, digits: number): number {
  if (digits >= 3) return ms;
  const unit = 10 ** (3 - digits);
  return ms - (((ms % unit) + unit) % unit);
}

describe('parseKubeTime on valid times (property)', () => {
  const instant = fc.integer({ min: Date.parse('0001-01-02T00:00:00Z'), max: Date.UTC(9999, 11, 30) });

  it('equals Date.parse to the millisecond for UTC times with 0 to 9 fraction digits', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 0, max: 9 }),
        fc.stringMatching(/^\d{6}$/),
        (ms, digits, extra) => {
          // Prepare
          const text = format(ms, 0, digits, extra);
          const kept = keptMs(ms, digits);

          // Act
          const parsed = parseKubeTime(text);

          // Assess
          expect(parsed).toBe(kept);
          if (digits <= 3) expect(parsed).toBe(Date.parse(text));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('equals Date.parse to the millisecond for times with offsets', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        fc.integer({ min: 0, max: 3 }),
        (ms, offset, digits) => {
          // Prepare
          const text = format(ms, offset, digits, '');

          // Act
          const parsed = parseKubeTime(text);

          // Assess
          expect(parsed).toBe(Date.parse(text));
          expect(parsed).toBe(keptMs(ms, digits));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws and returns a finite number or undefined for any value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (value) => {
        // Act
        const parsed = parseKubeTime(value);

        // Assess
        expect(parsed === undefined || Number.isFinite(parsed)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseKubeTime rejects what Go time.Parse rejects', () => {
  it.each([
    '2026-11-25T24:00:00Z',
    '2026-01-01T24:00:00+02:00',
    '2026-11-25T03:05:60Z',
    '2026-12-31T23:59:60Z',
  ])('rejects %s', (t) => {
    expect(parseKubeTime(t)).toBeUndefined();
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  defaultRetryPolicy,
  parseRetryAfter,
  type RetryPolicy,
  retryableStatuses,
  retryDelayMs,
} from '../../shared/kube/retry-policy.ts';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 32_000 };
const always = (value: number) => () => value;
const ALMOST_ONE = 1 - 2 ** -40;

describe('retryDelayMs with a Retry-After header', () => {
  it.each([
    { header: '0', expected: 0 },
    { header: '1', expected: 1_000 },
    { header: '7', expected: 7_000 },
    { header: ' 3 ', expected: 3_000 },
    { header: '32', expected: 32_000 },
    { header: '33', expected: 32_000 },
    { header: '3600', expected: 32_000 },
  ])('waits $expected ms for "$header", whatever the random source says', ({ header, expected }) => {
    for (const random of [0, 0.5, ALMOST_ONE]) {
      for (const attempt of [1, 3, 10]) {
        expect(retryDelayMs(policy, attempt, header, always(random))).toBe(expected);
      }
    }
  });

  it('caps Retry-After at the policy maxRetryAfterMs', () => {
    const tight = { ...policy, maxRetryAfterMs: 2_500 };
    expect(retryDelayMs(tight, 1, '2', always(0))).toBe(2_000);
    expect(retryDelayMs(tight, 1, '3', always(0))).toBe(2_500);
  });

  describe('as an HTTP date', () => {
    const now = Date.parse('2026-03-04T05:06:07Z');

    afterEach(() => {
      vi.useRealTimers();
    });

    it.each([
      { header: 'Wed, 04 Mar 2026 05:06:17 GMT', expected: 10_000 },
      { header: 'Wed, 04 Mar 2026 05:06:07 GMT', expected: 0 },
      { header: 'Wed, 04 Mar 2026 05:05:00 GMT', expected: 0 },
      { header: 'Wed, 04 Mar 2026 06:00:00 GMT', expected: 32_000 },
    ])('waits $expected ms for "$header"', ({ header, expected }) => {
      vi.useFakeTimers({ now });
      expect(retryDelayMs(policy, 2, header, always(0.5))).toBe(expected);
    });
  });
});

describe('retryDelayMs without a usable Retry-After (full jitter)', () => {
  it.each([
    { attempt: 1, ceiling: 200 },
    { attempt: 2, ceiling: 400 },
    { attempt: 3, ceiling: 800 },
    { attempt: 4, ceiling: 1_600 },
    { attempt: 5, ceiling: 3_200 },
    { attempt: 6, ceiling: 5_000 },
    { attempt: 7, ceiling: 5_000 },
    { attempt: 30, ceiling: 5_000 },
    { attempt: 2_000, ceiling: 5_000 },
  ])('spreads attempt $attempt over [0, $ceiling)', ({ attempt, ceiling }) => {
    expect(retryDelayMs(policy, attempt, undefined, always(0))).toBe(0);
    expect(retryDelayMs(policy, attempt, undefined, always(0.5))).toBe(ceiling / 2);
    expect(retryDelayMs(policy, attempt, undefined, always(ALMOST_ONE))).toBe(ceiling - 1);
  });

  it.each([undefined, '', '   ', 'soon', 'in 5 seconds', '5s', '1e3', '0x10', 'NaN'])(
    'falls back to backoff for Retry-After %j',
    (header) => {
      expect(retryDelayMs(policy, 3, header, always(0.25))).toBe(200);
    },
  );

  it.each([0, 0.1, 0.3333, 0.5, 0.75, 0.9, 0.999, ALMOST_ONE])(
    'stays an integer within [0, min(maxDelayMs, base·2^(attempt-1))) for random %f',
    (r) => {
      for (let attempt = 1; attempt <= 12; attempt++) {
        const delay = retryDelayMs(policy, attempt, undefined, always(r));
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    },
  );

  it('asks the random source once per delay', () => {
    const random = vi.fn(always(0.5));
    retryDelayMs(policy, 2, undefined, random);
    expect(random).toHaveBeenCalledTimes(1);
  });

  it('follows the policy base and cap', () => {
    const slow = { ...policy, baseDelayMs: 1_000, maxDelayMs: 3_000 };
    expect(retryDelayMs(slow, 1, undefined, always(0.5))).toBe(500);
    expect(retryDelayMs(slow, 2, undefined, always(0.5))).toBe(1_000);
    expect(retryDelayMs(slow, 3, undefined, always(0.5))).toBe(1_500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2015-10-21T07:28:00Z');

  it.each<{ value: string | undefined; expected: number | undefined }>([
    { value: '0', expected: 0 },
    { value: '5', expected: 5_000 },
    { value: '120', expected: 120_000 },
    { value: '  8\t', expected: 8_000 },
    { value: '007', expected: 7_000 },
    { value: 'Wed, 21 Oct 2015 07:28:00 GMT', expected: 0 },
    { value: 'Wed, 21 Oct 2015 07:28:30 GMT', expected: 30_000 },
    { value: 'Wed, 21 Oct 2015 08:28:00 GMT', expected: 3_600_000 },
    { value: 'Wed, 21 Oct 2015 07:27:00 GMT', expected: 0 },
    { value: 'Tue, 20 Oct 2015 07:28:00 GMT', expected: 0 },
    { value: undefined, expected: undefined },
    { value: '', expected: undefined },
    { value: '   ', expected: undefined },
    { value: 'soon', expected: undefined },
    { value: 'tomorrow', expected: undefined },
    { value: 'in 5 seconds', expected: undefined },
    { value: '5s', expected: undefined },
    { value: '2.0', expected: undefined },
    { value: '1e3', expected: undefined },
    { value: '0x10', expected: undefined },
    { value: 'NaN', expected: undefined },
  ])('reads $value as $expected ms', ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('defaultRetryPolicy', () => {
  it('retries a few times with sub-second first backoff and honours APF Retry-After up to 32 s', () => {
    expect(defaultRetryPolicy.maxAttempts).toBeGreaterThan(1);
    expect(defaultRetryPolicy.baseDelayMs).toBeLessThan(1_000);
    expect(defaultRetryPolicy.maxDelayMs).toBeGreaterThanOrEqual(defaultRetryPolicy.baseDelayMs);
    expect(defaultRetryPolicy.maxRetryAfterMs).toBe(32_000);
  });
});

describe('retryableStatuses', () => {
  it.each([
    { status: 429, retryable: true },
    { status: 500, retryable: true },
    { status: 502, retryable: true },
    { status: 503, retryable: true },
    { status: 504, retryable: true },
    { status: 400, retryable: false },
    { status: 401, retryable: false },
    { status: 403, retryable: false },
    { status: 404, retryable: false },
    { status: 409, retryable: false },
    { status: 410, retryable: false },
    { status: 422, retryable: false },
    { status: 501, retryable: false },
  ])('says $status is retryable: $retryable', ({ status, retryable }) => {
    expect(retryableStatuses.has(status)).toBe(retryable);
  });
});

describe('parseRetryAfter reads only what RFC 9110 allows (delta-seconds or an HTTP-date)', () => {
  it.each(['1.5', '-1', 'foo 1', 'abc 12', '  2.5'])('ignores %j', (v) => {
    expect(parseRetryAfter(v, Date.parse('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(retryDelayMs(defaultRetryPolicy, 3, v, () => 0.5)).toBe(400);
  });
});

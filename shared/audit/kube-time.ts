/**
 * Parses Kubernetes Time / MicroTime strings (RFC 3339: `2026-11-25T03:05:11Z`,
 * `2026-11-25T03:05:11.302000Z`, offsets like `+02:00`) to epoch ms; undefined when it is not one.
 * The common UTC form is parsed by position — the audit reads one per lease, millions per second —
 * and anything else goes through a strict pattern and Date.parse.
 */
export function parseKubeTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const fast = parseUtc(value);
  if (fast !== undefined) return fast;
  return parseRfc3339(value);
}

/** Any RFC 3339 time Go's time.Parse accepts, through a strict pattern and Date.parse: the general path. */
export function parseRfc3339(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.exec(
    value,
  );
  if (!m) return undefined;
  // Date.parse would roll these over; Go's time.Parse (the apiserver's) rejects them.
  if (Number(m[3]) > daysIn(Number(m[1]), Number(m[2])) || Number(m[4]) > 23 || Number(m[6]) > 59)
    return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The value of the decimal digit at `i`, or a number above 9 for any other character (as unsigned values,
 * the codes below '0' wrap around). Only for `i` inside the string: past its end, NaN would read as 0.
 */
function digitAt(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) >>> 0;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, by position and integer arithmetic; undefined for any other shape
 * (which `parseRfc3339` then reads). The audit reads one per lease, millions per second, so this is split
 * in parts small enough for V8 to inline, and each part returns a small integer: a time in ms (beyond
 * 2^30) returned from a call that is not inlined is a heap allocation.
 */
function parseUtc(s: string): number | undefined {
  if (!hasUtcShape(s)) return undefined;
  const days = utcDays(s);
  if (days === undefined) return undefined;
  const msOfDay = utcMsOfDay(s);
  return msOfDay < 0 ? undefined : days * 86_400_000 + msOfDay;
}

/** 20 to 30 characters with `-`, `-`, `T`, `:`, `:` and a final `Z` where the UTC form has them. */
function hasUtcShape(s: string): boolean {
  const len = s.length;
  return (
    len >= 20 &&
    len <= 30 &&
    s.charCodeAt(len - 1) === 90 /* Z */ &&
    s.charCodeAt(4) === 45 /* - */ &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(10) === 84 /* T */ &&
    s.charCodeAt(13) === 58 /* : */ &&
    s.charCodeAt(16) === 58
  );
}

/** Days since 1970-01-01 of the `YYYY-MM-DD` that starts `s`; undefined when that is not a date. */
function utcDays(s: string): number | undefined {
  const y0 = digitAt(s, 0);
  const y1 = digitAt(s, 1);
  const y2 = digitAt(s, 2);
  const y3 = digitAt(s, 3);
  const m0 = digitAt(s, 5);
  const m1 = digitAt(s, 6);
  const d0 = digitAt(s, 8);
  const d1 = digitAt(s, 9);
  // Every one a digit: none above 9 (non-digits are, as unsigned values).
  if (Math.max(y0, y1, y2, y3, m0, m1, d0, d1) > 9) return undefined;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1) return undefined;
  return daysSinceEpoch(y0 * 1000 + y1 * 100 + y2 * 10 + y3, month, day);
}

/** Milliseconds since midnight of the `HH:MM:SS[.fraction]` at index 11 of `s`; -1 when not a time. */
function utcMsOfDay(s: string): number {
  const h0 = digitAt(s, 11);
  const h1 = digitAt(s, 12);
  const mi0 = digitAt(s, 14);
  const mi1 = digitAt(s, 15);
  const s0 = digitAt(s, 17);
  const s1 = digitAt(s, 18);
  if (Math.max(h0, h1, mi0, mi1, s0, s1) > 9) return -1;
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (hour > 23 || minute > 59 || second > 59) return -1;
  const ms = fractionMs(s);
  return ms < 0 ? -1 : ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** The milliseconds of the optional `.fraction` (one to nine digits) before the final `Z`; -1 when bad. */
function fractionMs(s: string): number {
  const len = s.length;
  if (len === 20) return 0;
  if (s.charCodeAt(19) !== 46 /* . */ || len < 22) return -1;
  let ms = 0;
  for (let i = 20; i < len - 1; i++) {
    const d = digitAt(s, i);
    if (d > 9) return -1;
    // Milliseconds are the first three digits; finer ones are checked, then dropped.
    if (i < 23) ms = ms * 10 + d;
  }
  return len === 22 ? ms * 100 : len === 23 ? ms * 10 : ms;
}

// The last date `daysSinceEpoch` computed. A snapshot's times nearly all fall on one or two days, so this
// one-entry memo saves the calendar arithmetic for nearly every lease; it holds only what a pure function
// returned for its key, so it never changes a result.
let memoDate = -1;
let memoDays = 0;

/** Days since 1970-01-01 of a date that exists; undefined for one that does not (31 February). */
function daysSinceEpoch(year: number, month: number, day: number): number | undefined {
  const key = (year * 100 + month) * 100 + day;
  if (key === memoDate) return memoDays;
  // Reject dates that do not exist (Date.UTC would roll 31 February over into March).
  if (day > daysIn(year, month)) return undefined;
  memoDate = key;
  memoDays = daysFromCivil(year, month, day);
  return memoDays;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return monthDays[month - 1] ?? 31;
}

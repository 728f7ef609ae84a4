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

/**
 * A span of time, [fromMs, toMs] in whole epoch ms, as the two MicroTimes in the canonical layout that
 * bound it: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the fixed-width UTC form the apiserver writes every MicroTime
 * in (metav1.MicroTime marshals with RFC3339Micro in UTC). Strings of that layout order as the times they
 * say, so a renewTime can be placed in the span with two string comparisons — done natively, where
 * reading it digit by digit costs a few ns per character — and then only the positions the bounds leave
 * open are checked (`isCanonicalMicroTimeIn`).
 */
export interface MicroTimeSpan {
  readonly fromMs: number;
  readonly toMs: number;
  /** fromMs to the millisecond, then `000Z`: every canonical time of that millisecond or later is >= it. */
  readonly low: string;
  /** toMs to the millisecond, then `999Z`: every canonical time of that millisecond or earlier is <= it. */
  readonly high: string;
  /**
   * The first position after the first one where `low` and `high` differ. A string between them shares
   * their common prefix, and its character where they first differ lies between theirs, so it is a valid
   * one; from `open` on, anything could be there.
   */
  readonly open: number;
}

/** The length of the canonical MicroTime layout. */
const CANONICAL_LENGTH = 27;

/**
 * The span's bounds; undefined when the fast check cannot serve it: bounds that are not whole ms, that
 * fall outside years 0000–9999 or on two different days (only a span crossing midnight: then the date
 * itself would be open, and such spans are left to the parser), or an empty span.
 */
export function microTimeSpan(fromMs: number, toMs: number): MicroTimeSpan | undefined {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs > toMs) return undefined;
  const from = isoMs(fromMs);
  const to = isoMs(toMs);
  if (from === undefined || to === undefined || from.slice(0, 11) !== to.slice(0, 11)) return undefined;
  const low = flat(`${from}000Z`);
  const high = flat(`${to}999Z`);
  let differ = 11;
  while (low.charCodeAt(differ) === high.charCodeAt(differ)) differ++;
  return { fromMs, toMs, low, high, open: differ + 1 };
}

/**
 * The same text as one flat string. Concatenation builds a rope, and V8 compares a rope through a slower
 * path on every comparison: flat bounds make each comparison with them a few times cheaper.
 */
function flat(text: string): string {
  return String.fromCharCode(...Array.from(text, (c) => c.charCodeAt(0)));
}

/** `YYYY-MM-DDTHH:MM:SS.sss` of a time in years 0000–9999; undefined outside them. */
function isoMs(ms: number): string | undefined {
  const iso = new Date(ms).toISOString();
  return iso.length === 24 ? iso.slice(0, 23) : undefined;
}

/**
 * True when `value` is a MicroTime in the canonical layout and `parseKubeTime` reads it to a time in
 * `span`; false otherwise — including for every other layout parseKubeTime reads, which the caller then
 * parses. As strict as the parser: a string between the bounds has their valid date (both bounds fall on
 * one day) and is checked at every position they leave open, so `…T23:60:…` or a letter in the fraction
 * is never taken for a time.
 */
export function isCanonicalMicroTimeIn(value: unknown, span: MicroTimeSpan): boolean {
  return (
    typeof value === 'string' &&
    value.length === CANONICAL_LENGTH &&
    value >= span.low &&
    value <= span.high &&
    hasCanonicalTail(value, span.open)
  );
}

/**
 * Whether `s` (27 characters) has the canonical layout's characters from position `open` on: digits, the
 * tens of minutes and seconds up to 5, the separators and a final `Z`. (An hour past 23 cannot lie between
 * two valid bounds: with a first digit 2 the second is at most the upper bound's.) Read character by
 * character (about 20 machine instructions each in V8), without a branch on each: every term below is
 * negative exactly when its character is not allowed, so `bad` ends negative when any is.
 */
function hasCanonicalTail(s: string, open: number): boolean {
  let bad = 0;
  if (open <= 12) bad |= within(s.charCodeAt(12), 48, 57);
  if (open <= 13) bad |= within(s.charCodeAt(13), 58 /* : */, 58);
  if (open <= 14) bad |= within(s.charCodeAt(14), 48 /* 0 */, 53 /* 5 */);
  if (open <= 15) bad |= within(s.charCodeAt(15), 48, 57 /* 9 */);
  if (open <= 16) bad |= within(s.charCodeAt(16), 58, 58);
  if (open <= 17) bad |= within(s.charCodeAt(17), 48, 53);
  if (open <= 18) bad |= within(s.charCodeAt(18), 48, 57);
  if (open <= 19) bad |= within(s.charCodeAt(19), 46 /* . */, 46);
  if (open <= 20) bad |= within(s.charCodeAt(20), 48, 57);
  if (open <= 21) bad |= within(s.charCodeAt(21), 48, 57);
  if (open <= 22) bad |= within(s.charCodeAt(22), 48, 57);
  if (open <= 23) bad |= within(s.charCodeAt(23), 48, 57);
  // The bounds differ by position 23 at the latest (their microseconds are 000 and 999): these are open.
  bad |= within(s.charCodeAt(24), 48, 57) | within(s.charCodeAt(25), 48, 57);
  return (bad | within(s.charCodeAt(26), 90 /* Z */, 90)) >= 0;
}

/** Non-negative when the character code `c` is in [lowest, highest]; negative otherwise. */
function within(c: number, lowest: number, highest: number): number {
  return (c - lowest) | (highest - c);
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

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

/** The digit at `i` (0–9), or a negative or > 9 value for anything else. */
function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

function two(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, by position and integer arithmetic; undefined for any other shape. */
function parseUtc(s: string): number | undefined {
  const len = s.length;
  if (len < 20 || s.charCodeAt(len - 1) !== 90 /* Z */) return undefined;
  if (
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const century = two(s, 0);
  const yy = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (
    century < 0 ||
    yy < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return undefined;
  }
  const year = century * 100 + yy;
  // Reject dates that do not exist (Date.UTC would roll 31 February over into March).
  if (day > daysIn(year, month)) return undefined;
  let ms = 0;
  if (len > 20) {
    // One to nine fraction digits; milliseconds are the first three.
    if (s.charCodeAt(19) !== 46 /* . */ || len < 22 || len > 30) return undefined;
    for (let i = 20; i < len - 1; i++) {
      const d = digit(s, i);
      if (d < 0 || d > 9) return undefined;
      if (i < 23) ms += d * (i === 20 ? 100 : i === 21 ? 10 : 1);
    }
  }
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
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

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
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

const ZERO = 48;

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, by position; undefined for any other shape. */
function parseUtc(s: string): number | undefined {
  const len = s.length;
  if (len < 20 || s.charCodeAt(len - 1) !== 90 /* Z */) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60
  ) {
    return undefined;
  }
  let ms = 0;
  if (len > 20) {
    if (s[19] !== '.' || len < 22 || len > 30) return undefined; // 1 to 9 fraction digits
    const fraction = digits(s, 20, len - 21);
    if (fraction < 0) return undefined;
    ms = Math.floor(fraction / 10 ** (len - 21 - 3));
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March: reject dates that do not exist.
  return new Date(t).getUTCDate() === day ? t : undefined;
}

import { InvalidArgumentError } from 'commander';

/** Parses a non-negative integer option, with commander's error naming the option on failure. */
export function count(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

export function port(value: string): number {
  const n = count(value);
  if (n > 65_535) throw new InvalidArgumentError('expected a port number, 0 to 65535');
  return n;
}

/** An RFC 3339 time, as epoch ms. */
export function isoTime(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms))
    throw new InvalidArgumentError('expected an RFC 3339 time, e.g. 2026-11-25T10:00:00Z');
  return ms;
}

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

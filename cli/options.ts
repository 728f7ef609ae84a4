import { type Command, InvalidArgumentError } from 'commander';
import { parseKubeTime } from '../shared/audit/kube-time.ts';
import type { ReadLimits } from '../shared/kube/read-limits.ts';

// Each parser throws commander's InvalidArgumentError, which commander turns into one line naming the flag
// (`option '--timeout <seconds>' argument '0' is invalid. expected …`) and main.ts into exit 64.

/**
 * The longest --timeout: Node's timers hold at most 2^31 − 1 ms. Past that AbortSignal.timeout fires at
 * once (every cluster "times out") or throws.
 */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The longest threshold flag: 365 days, the longest duration a reap policy may set (MAX_DURATION_SECONDS
 * of shared/reap/reap-policy.ts; test/unit/cli-options.test.ts keeps the two equal). Not imported from
 * there: that module builds the policy schemas (zod) when loaded, which `audit` would pay for at start-up.
 */
export const MAX_THRESHOLD_SECONDS = 365 * 86_400;

/** The most clusters read at once (the registry's `concurrency` has the same limit). */
export const MAX_CONCURRENCY = 256;

/**
 * A whole number written in decimal digits only, from `min` to `max`. Number() alone would take "", " ",
 * "0x10", "1e3", "1.0" and "-0"; those are typos here, not numbers.
 */
function wholeNumber(value: string, min: number, max: number, expected: string): number {
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
  return n;
}

/** A non-negative integer (`--nodes`, `--seed`…). */
export function count(value: string): number {
  return wholeNumber(value, 0, Number.MAX_SAFE_INTEGER, 'a whole number, 0 or more');
}

export function port(value: string): number {
  return wholeNumber(value, 0, 65_535, 'a port number, 0 to 65535');
}

/** `--timeout`: whole seconds, 1 to MAX_TIMEOUT_SECONDS. */
export function timeoutSeconds(value: string): number {
  return wholeNumber(
    value,
    1,
    MAX_TIMEOUT_SECONDS,
    `whole seconds from 1 to ${MAX_TIMEOUT_SECONDS} (the longest a Node.js timer holds)`,
  );
}

/** `--connect-timeout`: whole seconds, 1 to 300 (past a few minutes it is no longer a connect timeout). */
export function connectTimeoutSeconds(value: string): number {
  return wholeNumber(value, 1, 300, 'whole seconds from 1 to 300');
}

/** `--concurrency`: 1 to MAX_CONCURRENCY clusters. */
export function concurrency(value: string): number {
  return wholeNumber(value, 1, MAX_CONCURRENCY, `a whole number from 1 to ${MAX_CONCURRENCY}`);
}

/** A threshold in whole seconds (`--grace-period`…): 0 to 365 days, the longest duration a policy may set. */
export function thresholdSeconds(value: string): number {
  return wholeNumber(
    value,
    0,
    MAX_THRESHOLD_SECONDS,
    `whole seconds from 0 to ${MAX_THRESHOLD_SECONDS} (365 days)`,
  );
}

/**
 * An RFC 3339 time, as epoch ms: a real calendar date and time (no 2026-02-30, no 24:00, no leap second)
 * with an offset, `Z` or ±hh:mm. Without one, Date.parse would read the time in this machine's zone.
 */
export function isoTime(value: string): number {
  const ms = parseKubeTime(value);
  if (ms === undefined)
    throw new InvalidArgumentError(
      'expected an RFC 3339 time with a real date and an offset, e.g. 2026-11-25T10:00:00Z or 2026-11-25T11:00:00+01:00',
    );
  return ms;
}

/** The read-limit flags of audit and reap, as commander hands them over. */
export interface ReadLimitFlags {
  maxResponseMib?: number;
  maxListItems?: number;
  maxListPages?: number;
}

/**
 * Adds the flags that cap what one cluster may make a run read (shared/kube/read-limits.ts): past a cap
 * that cluster fails with a limit error and the others complete.
 */
export function withReadLimitOptions(command: Command): Command {
  return command
    .option(
      '--max-response-mib <n>',
      'largest response one request may receive, and decompress to, in MiB (1 to 1024; default 64)',
      (v: string) => wholeNumber(v, 1, 1024, 'a whole number of MiB from 1 to 1024'),
    )
    .option('--max-list-items <n>', 'most objects one list may return (default 400000)', (v: string) =>
      wholeNumber(v, 1, 100_000_000, 'a whole number from 1 to 100000000'),
    )
    .option('--max-list-pages <n>', 'most pages one list may take (default 1000)', (v: string) =>
      wholeNumber(v, 1, 1_000_000, 'a whole number from 1 to 1000000'),
    );
}

/** The limits the flags set, or undefined when none was given (the defaults apply). */
export function readLimitsFrom(flags: ReadLimitFlags): Partial<ReadLimits> | undefined {
  const limits: Partial<ReadLimits> = {
    ...(flags.maxResponseMib !== undefined
      ? {
          maxResponseBytes: flags.maxResponseMib * 1024 * 1024,
          maxDecodedBytes: flags.maxResponseMib * 1024 * 1024,
        }
      : {}),
    ...(flags.maxListItems !== undefined ? { maxListItems: flags.maxListItems } : {}),
    ...(flags.maxListPages !== undefined ? { maxListPages: flags.maxListPages } : {}),
  };
  return Object.keys(limits).length > 0 ? limits : undefined;
}

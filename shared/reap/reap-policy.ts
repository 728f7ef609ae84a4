// zod/mini: the same validation as zod, at a twentieth of the bundle (this code runs in Lambda cold starts).
import * as z from 'zod/mini';
import { parseLabelSelector, SelectorParseError } from '../selectors.ts';
import { parseConfig } from '../validation.ts';

/** The least minExpiredFor a policy may set, in seconds. */
export const MIN_EXPIRED_FOR_FLOOR = 600;

/** The default maxClockSkew, in seconds. */
export const DEFAULT_MAX_CLOCK_SKEW = 300;

/** The longest duration a configuration may set: 365 days, in seconds. */
export const MAX_DURATION_SECONDS = 365 * 86_400;

const unitSeconds = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * `90`, `"90s"`, `"30m"`, `"24h"`, `"7d"` → seconds: a whole number of one unit, 0 to 365 days. Nothing
 * else: no fractions, signs, spaces, exponents or combined units ("1h30m").
 */
export const durationSeconds = z.pipe(
  z.union(
    [
      z.int(),
      z.pipe(
        // At most 9 digits: any more is out of range anyway, and Number() stays exact.
        z.string().check(z.regex(/^\d{1,9}[smhd]$/)),
        z.transform(
          (v: string) => Number(v.slice(0, -1)) * unitSeconds[v.slice(-1) as keyof typeof unitSeconds],
        ),
      ),
    ],
    { error: 'expected whole seconds or a duration like "90s", "30m", "24h", "7d"' },
  ),
  z
    .number()
    .check(
      z.gte(0, 'must not be negative'),
      z.lte(MAX_DURATION_SECONDS, `must be at most ${MAX_DURATION_SECONDS} s ("365d")`),
    ),
);

/** Longest glob: a Kubernetes object name has at most 253 characters, so a longer pattern matches nothing. */
export const MAX_GLOB_LENGTH = 253;
/** Most entries in one list of globs or names: each lease is matched against all of them. */
export const MAX_LIST_ENTRIES = 256;

const glob = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(MAX_GLOB_LENGTH, `expected at most ${MAX_GLOB_LENGTH} characters`),
    z.regex(/^[A-Za-z0-9.*?-]+$/, 'expected a name or a glob of letters, digits, ".", "-", "*", "?"'),
  );
const globList = z
  .array(glob)
  .check(z.maxLength(MAX_LIST_ENTRIES, `expected at most ${MAX_LIST_ENTRIES} entries`));

/**
 * The reaper's policy. Strict: unknown keys are errors (a typo must not silently widen or narrow what is
 * deleted), and every problem is reported with its path.
 */
export const reapPolicySchema = z
  .strictObject({
    /**
     * Send deletes with dryRun=All: the server checks RBAC and preconditions, nothing is deleted. The
     * Lambda deletes only when this is false; the CLI only when this is false and --apply is given.
     */
    dryRun: z._default(z.boolean(), true),
    namespaces: z._default(
      z.strictObject({
        /** Namespaces (globs) whose abandoned leader leases may be deleted. Nothing is included by default. */
        include: z._default(globList, []),
        /** Namespaces (globs) never touched, even if included. */
        exclude: z._default(globList, []),
      }),
      { include: [], exclude: [] },
    ),
    /** Lease names (globs) that may be deleted. */
    names: z._default(globList.check(z.minLength(1)), ['*']),
    /** Only leases whose labels match this selector. */
    labelSelector: z.optional(z.string()),
    /**
     * How long a lease must have been expired (abandoned) or unrenewed (orphaned node lease). At least
     * 10 minutes: a lease expired only briefly may be in the middle of a failover.
     */
    minExpiredFor: z
      ._default(durationSeconds, 86_400)
      .check(
        z.refine(
          (s: number) => s >= MIN_EXPIRED_FOR_FLOOR,
          `must be at least ${MIN_EXPIRED_FOR_FLOOR} s ("10m"): a lease expired only briefly may be in a failover`,
        ),
      ),
    /**
     * The threshold that judges a leader lease abandoned in a reap run: expired for longer than this, with
     * no live holder (the audit's abandonedAfterSeconds, `lease-reaper audit --abandoned-after`). Defaults
     * to minExpiredFor; set it to the audit's 24h to make reap and audit call the same leases abandoned.
     * At least 10 minutes, for the same reason as minExpiredFor.
     */
    abandonedAfter: z.optional(
      durationSeconds.check(
        z.refine(
          (s: number) => s >= MIN_EXPIRED_FOR_FLOOR,
          `must be at least ${MIN_EXPIRED_FOR_FLOOR} s ("10m"): a lease expired only briefly may be in a failover`,
        ),
      ),
    ),
    /**
     * The most the API server's clock (its Date header) may differ from this machine's before a cluster's
     * deletes are refused: lease ages are only as right as the clock they are judged by. Default 5 minutes.
     */
    maxClockSkew: z
      ._default(durationSeconds, DEFAULT_MAX_CLOCK_SKEW)
      .check(
        z.refine((s: number) => s >= 1, 'must be at least 1 s: the Date header has one-second resolution'),
      ),
    maxDeletionsPerRun: z._default(z.int().check(z.gt(0)), 10),
    /** Defaults to 10, or maxDeletionsPerRun when that is smaller. */
    maxDeletionsPerCluster: z.optional(z.int().check(z.gt(0))),
    /**
     * Record a Kubernetes Event (reason LeaseReaped) in the lease's namespace for each real deletion, so
     * `kubectl get events` shows who removed what and why. Best effort: a failed Event never fails a delete.
     */
    recordEvents: z._default(z.boolean(), true),
    /** Delete orphaned node leases (Node gone, or owned by a previous incarnation). */
    reapOrphanedNodeLeases: z._default(z.boolean(), false),
    /** kube-system leader leases that may be deleted, as `kube-system/<name>`; none by default. */
    allowSystemLeases: z._default(
      z
        .array(
          z
            .string()
            .check(z.regex(/^kube-system\/[a-z0-9.-]{1,253}$/, 'expected "kube-system/<lease name>"')),
        )
        .check(z.maxLength(MAX_LIST_ENTRIES, `expected at most ${MAX_LIST_ENTRIES} entries`)),
      [],
    ),
  })
  .check(
    z.superRefine((p, ctx) => {
      if (p.labelSelector !== undefined) {
        try {
          parseLabelSelector(p.labelSelector);
        } catch (err) {
          if (err instanceof SelectorParseError)
            ctx.addIssue({
              code: 'custom',
              path: ['labelSelector'],
              message: err.message,
              input: p.labelSelector,
            });
          else throw err;
        }
      }
      if (p.namespaces.include.length === 0 && !p.reapOrphanedNodeLeases) {
        ctx.addIssue({
          code: 'custom',
          path: ['namespaces', 'include'],
          message:
            'the policy could delete nothing: name at least one namespace, or set reapOrphanedNodeLeases: true',
          input: p.namespaces.include,
        });
      }
      if (p.maxClockSkew >= p.minExpiredFor) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxClockSkew'],
          message: `must be less than minExpiredFor (${p.minExpiredFor} s): a clock off by that much could make a lease renewed just now look abandoned`,
          input: p.maxClockSkew,
        });
      }
      if (p.maxDeletionsPerCluster !== undefined && p.maxDeletionsPerCluster > p.maxDeletionsPerRun) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxDeletionsPerCluster'],
          message: 'cannot exceed maxDeletionsPerRun',
          input: p.maxDeletionsPerCluster,
        });
      }
    }),
  );

/** A validated policy, every default filled in: what a run and its report show as the policy. */
export type ReapPolicy = Readonly<
  Omit<z.output<typeof reapPolicySchema>, 'maxDeletionsPerCluster' | 'abandonedAfter'> & {
    maxDeletionsPerCluster: number;
    abandonedAfter: number;
  }
>;

/** Validates a policy document; throws one ConfigError listing every problem with its path. */
export function parseReapPolicy(input: unknown, source = 'policy'): ReapPolicy {
  const p = parseConfig(reapPolicySchema, input ?? {}, source);
  return Object.freeze({
    ...p,
    abandonedAfter: p.abandonedAfter ?? p.minExpiredFor,
    maxDeletionsPerCluster: p.maxDeletionsPerCluster ?? Math.min(10, p.maxDeletionsPerRun),
  });
}

/** Globs are matched in linear steps, without a RegExp (see glob.ts). */
export { globMatcher } from './glob.ts';

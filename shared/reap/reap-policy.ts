// zod/mini: the same validation as zod, at a twentieth of the bundle (this code runs in Lambda cold starts).
import * as z from 'zod/mini';
import { parseLabelSelector, SelectorParseError } from '../selectors.ts';
import { parseConfig } from '../validation.ts';

/** The least minExpiredFor a policy may set, in seconds. */
export const MIN_EXPIRED_FOR_FLOOR = 600;

/** `90`, `"90s"`, `"30m"`, `"24h"`, `"7d"` → seconds. */
export const durationSeconds = z.union(
  [
    z.int().check(z.gte(0)),
    z.pipe(
      z.string().check(z.regex(/^\d+(s|m|h|d)$/)),
      z.transform(
        (v: string) =>
          Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86_400 }[v.slice(-1) as 's' | 'm' | 'h' | 'd'],
      ),
    ),
  ],
  { error: 'expected whole seconds or a duration like "90s", "30m", "24h", "7d"' },
);

const glob = z
  .string()
  .check(
    z.minLength(1),
    z.regex(/^[A-Za-z0-9.*?-]+$/, 'expected a name or a glob of letters, digits, ".", "-", "*", "?"'),
  );

/**
 * The reaper's policy. Strict: unknown keys are errors (a typo must not silently widen or narrow what is
 * deleted), and every problem is reported with its path.
 */
export const reapPolicySchema = z
  .strictObject({
    /** Send deletes with dryRun=All: the server checks RBAC and preconditions, nothing is deleted. */
    dryRun: z._default(z.boolean(), true),
    namespaces: z._default(
      z.strictObject({
        /** Namespaces (globs) whose abandoned leader leases may be deleted. Nothing is included by default. */
        include: z._default(z.array(glob), []),
        /** Namespaces (globs) never touched, even if included. */
        exclude: z._default(z.array(glob), []),
      }),
      { include: [], exclude: [] },
    ),
    /** Lease names (globs) that may be deleted. */
    names: z._default(z.array(glob).check(z.minLength(1)), ['*']),
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
    maxDeletionsPerRun: z._default(z.int().check(z.gt(0)), 10),
    /** Defaults to 10, or maxDeletionsPerRun when that is smaller. */
    maxDeletionsPerCluster: z.optional(z.int().check(z.gt(0))),
    /** Delete orphaned node leases (Node gone, or owned by a previous incarnation). */
    reapOrphanedNodeLeases: z._default(z.boolean(), false),
    /** kube-system leader leases that may be deleted, as `kube-system/<name>`; none by default. */
    allowSystemLeases: z._default(
      z.array(z.string().check(z.regex(/^kube-system\/[a-z0-9.-]+$/, 'expected "kube-system/<lease name>"'))),
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

export type ReapPolicy = Readonly<
  Omit<z.output<typeof reapPolicySchema>, 'maxDeletionsPerCluster'> & { maxDeletionsPerCluster: number }
>;

/** Validates a policy document; throws one ConfigError listing every problem with its path. */
export function parseReapPolicy(input: unknown, source = 'policy'): ReapPolicy {
  const p = parseConfig(reapPolicySchema, input ?? {}, source);
  return Object.freeze({
    ...p,
    maxDeletionsPerCluster: p.maxDeletionsPerCluster ?? Math.min(10, p.maxDeletionsPerRun),
  });
}

/** A glob of `*` and `?` as an anchored pattern. */
export function globMatcher(patterns: readonly string[]): (value: string) => boolean {
  const res = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replaceAll('*', '.*')
          .replaceAll('?', '.')}$`,
      ),
  );
  return (value) => res.some((re) => re.test(value));
}

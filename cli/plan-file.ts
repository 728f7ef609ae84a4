import { writeFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { parseKubeTime } from '../shared/audit/kube-time.ts';
import { readConfigDocument } from '../shared/config-file.ts';
import { ConfigError } from '../shared/errors.ts';
import { type ClusterTarget, serverOf } from '../shared/fleet/cluster-target.ts';
import type { ClusterReap } from '../shared/reap/reap-clusters.ts';
import {
  durationSeconds,
  parseReapPolicy,
  type ReapPolicy,
  reapPolicySchema,
} from '../shared/reap/reap-policy.ts';
import { safeJson } from '../shared/report/escape.ts';
import { parseConfig } from '../shared/validation.ts';
import { VERSION } from '../shared/version.ts';
import { formatSeconds, humanDuration } from './durations.ts';
import { findingFitsNamespace } from './live-lease-guards.ts';

/**
 * A reviewable reap plan (`reap --plan-out`), applied as is by `reap --apply --plan`: exactly these
 * leases, each deleted with the uid and resourceVersion the dry run saw, so a lease changed since is a
 * 409 no-op. `formatVersion` changes whenever a field changes meaning; a reader refuses other versions.
 */
export const PLAN_FORMAT_VERSION = 1;

/** How old a plan may be by default when applied (`--max-plan-age`), in seconds: one hour. */
export const DEFAULT_MAX_PLAN_AGE = 3600;

const rfc3339 = z
  .string()
  .check(
    z.refine(
      (v: string) => parseKubeTime(v) !== undefined,
      'expected an RFC 3339 time, e.g. 2026-11-25T10:00:00Z',
    ),
  );

const plannedLease = z.strictObject({
  // DNS-1123 names, as the API server enforces: anything else in a plan was not listed from a cluster.
  namespace: z
    .string()
    .check(z.regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a namespace name (DNS-1123 label)')),
  name: z
    .string()
    .check(
      z.maxLength(253),
      z.regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a lease name (DNS-1123 subdomain)'),
    ),
  uid: z.string().check(z.minLength(1), z.maxLength(128)),
  resourceVersion: z.string().check(z.minLength(1), z.maxLength(128)),
  finding: z.enum(['AbandonedLease', 'OrphanedNodeLease']),
  /** Expired (or unrenewed) for this long when the cluster was judged (`judgedAt`). */
  ageSeconds: z.int().check(z.gte(0)),
  reason: z.string().check(z.maxLength(4096)),
});

const plannedCluster = z.strictObject({
  /** The context (or registry) name the cluster was planned under. */
  cluster: z.string().check(z.minLength(1), z.maxLength(1024)),
  /** Its API server URL: a context renamed or re-pointed since is refused before anything is sent. */
  server: z.string().check(z.regex(/^https?:\/\/\S{1,2040}$/, 'expected the API server URL')),
  /** The API server's time the leases were judged at. */
  judgedAt: rfc3339,
  /** Server minus local clock then, in ms (only clusters that passed the clock guard are planned). */
  skewMs: z.int(),
  deletions: z.array(plannedLease).check(z.maxLength(10_000)),
});

export const reapPlanFileSchema = z
  .strictObject({
    apiVersion: z.literal('lease-reaper.io/v1'),
    kind: z.literal('ReapPlan'),
    formatVersion: z.literal(PLAN_FORMAT_VERSION),
    leaseReaperVersion: z.string().check(z.maxLength(64)),
    /** When the plan was written, by the planning machine's clock. */
    createdAt: rfc3339,
    /** Where the policy came from (`--policy` path, or the default). */
    policySource: z.string().check(z.maxLength(4096)),
    /** The policy that chose these leases, its durations in seconds. Its caps and filters bind the apply. */
    policy: reapPolicySchema,
    clusters: z.array(plannedCluster).check(z.maxLength(10_000)),
  })
  .check(
    z.superRefine((plan, ctx) => {
      // Not parseReapPolicy: it throws when the policy itself is invalid, which its own issues already say.
      const policy = {
        ...plan.policy,
        maxDeletionsPerCluster:
          plan.policy.maxDeletionsPerCluster ?? Math.min(10, plan.policy.maxDeletionsPerRun),
      };
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: 'custom', path, message, input: undefined });
      const seenClusters = new Set<string>();
      let total = 0;
      for (const [i, c] of plan.clusters.entries()) {
        if (seenClusters.has(c.cluster)) issue(['clusters', i, 'cluster'], `"${c.cluster}" appears twice`);
        seenClusters.add(c.cluster);
        total += c.deletions.length;
        if (c.deletions.length > policy.maxDeletionsPerCluster)
          issue(
            ['clusters', i, 'deletions'],
            `${c.deletions.length} deletions, over the policy's maxDeletionsPerCluster ${policy.maxDeletionsPerCluster}`,
          );
        const seenLeases = new Set<string>();
        for (const [j, d] of c.deletions.entries()) {
          const key = `${d.namespace}/${d.name}`;
          if (seenLeases.has(key)) issue(['clusters', i, 'deletions', j], `${key} appears twice`);
          seenLeases.add(key);
          if (!findingFitsNamespace(d))
            issue(
              ['clusters', i, 'deletions', j, 'finding'],
              `${d.finding} does not fit namespace ${d.namespace} (orphaned node leases are the ones in kube-node-lease)`,
            );
          // The planner never plans these: such an entry was edited in.
          if (d.ageSeconds < policy.minExpiredFor)
            issue(
              ['clusters', i, 'deletions', j, 'ageSeconds'],
              `${d.ageSeconds} s is under the policy's minExpiredFor (${formatSeconds(policy.minExpiredFor)})`,
            );
        }
      }
      if (total > policy.maxDeletionsPerRun)
        issue(
          ['clusters'],
          `${total} deletions, over the policy's maxDeletionsPerRun ${policy.maxDeletionsPerRun}`,
        );
    }),
  );

type PlanFileDocument = z.output<typeof reapPlanFileSchema>;

/** A validated plan: its policy with the defaults filled in as parseReapPolicy does. */
export type ReapPlanFile = Readonly<Omit<PlanFileDocument, 'policy'> & { policy: ReapPolicy }>;
export type PlannedCluster = ReapPlanFile['clusters'][number];
export type PlannedLease = PlannedCluster['deletions'][number];

/**
 * The plan a dry run made, for review: per cluster that passed (not refused by the clock guard, not
 * failed), the deletions the API server confirmed it would perform (dryRun=All answered 200) — what the
 * table shows as "would delete". Pure.
 */
export function planFileFrom(
  results: readonly ClusterReap[],
  context: {
    policy: ReapPolicy;
    policySource: string;
    servers: ReadonlyMap<string, string>;
    createdAtMs: number;
  },
): ReapPlanFile {
  const clusters: PlannedCluster[] = [];
  for (const r of results) {
    if (r.status !== 'ok' || r.clock.skewMs === undefined) continue;
    const confirmed = r.execution.actions.filter((a) => a.outcome === 'deleted');
    clusters.push({
      cluster: r.cluster,
      server: context.servers.get(r.cluster) ?? '',
      judgedAt: r.clock.now,
      skewMs: Math.round(r.clock.skewMs),
      deletions: confirmed.map((a) => ({
        namespace: a.namespace,
        name: a.name,
        uid: a.uid,
        resourceVersion: a.resourceVersion,
        finding: a.finding as PlannedLease['finding'],
        ageSeconds:
          r.plan.deletions.find((d) => d.uid === a.uid && d.resourceVersion === a.resourceVersion)
            ?.ageSeconds ?? 0,
        reason: a.reason,
      })),
    });
  }
  return {
    apiVersion: 'lease-reaper.io/v1',
    kind: 'ReapPlan',
    formatVersion: PLAN_FORMAT_VERSION,
    leaseReaperVersion: VERSION,
    createdAt: new Date(context.createdAtMs).toISOString(),
    policySource: context.policySource,
    policy: context.policy,
    clusters,
  };
}

/** Writes a plan as JSON, readable only by its owner (it names the fleet's leases and servers). */
export function writePlanFile(path: string, plan: ReapPlanFile): void {
  try {
    writeFileSync(path, `${safeJson(plan, 2)}\n`, { mode: 0o600 });
  } catch (cause) {
    throw new ConfigError(`--plan-out ${path} cannot be written: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Reads and validates a plan file (JSON, at most the configuration size cap). Any problem — a syntax
 * error, a missing or unknown field, an edited entry the planner could not have made — is one
 * ConfigError naming the field, before any cluster is contacted.
 */
export function readPlanFile(path: string): ReapPlanFile {
  const source = `--plan ${path}`;
  const plan = parseConfig(reapPlanFileSchema, readConfigDocument(path, source, { syntax: 'json' }), source);
  return Object.freeze({ ...plan, policy: parseReapPolicy(plan.policy, `${source} policy`) });
}

/** `--max-plan-age`: a duration as a policy writes one (`30m`, `2h`, `7d`, or whole seconds), at least 1 s. */
export function maxPlanAge(value: string): number {
  const parsed = z
    .pipe(durationSeconds, z.number().check(z.gte(1, 'must be at least 1 s')))
    .safeParse(/^\d+$/.test(value) ? Number(value) : value);
  if (!parsed.success) {
    throw new ConfigError(
      `--max-plan-age ${value} is invalid: ${parsed.error.issues[0]?.message ?? 'expected a duration'}`,
    );
  }
  return parsed.data;
}

/**
 * Refuses a plan that is too old to apply, or dated in the future. Preconditions keep a lease that
 * changed since the plan safe, but not one that stayed the same while its world moved on (a holder
 * redeployed under another name, an incident, a policy tightened): a plan is a review of a moment, and
 * is applied close to it. Pure.
 */
export function checkPlanAge(plan: ReapPlanFile, nowMs: number, maxAgeSeconds: number, source: string): void {
  const createdMs = parseKubeTime(plan.createdAt) ?? Number.NaN;
  const ageMs = nowMs - createdMs;
  // The planning machine may be another one: its clock is allowed the policy's own skew limit.
  if (ageMs < -plan.policy.maxClockSkew * 1000) {
    throw new ConfigError(
      `${source} was made at ${plan.createdAt}, in the future by this machine's clock (more than maxClockSkew ${formatSeconds(plan.policy.maxClockSkew)}): check this machine's clock, or make a new plan`,
    );
  }
  if (ageMs > maxAgeSeconds * 1000) {
    throw new ConfigError(
      `${source} was made at ${plan.createdAt}, ${humanDuration(ageMs)} ago, older than --max-plan-age ${formatSeconds(maxAgeSeconds)}: a stale plan may delete leases that became wanted again; make a new one with --plan-out (or pass a longer --max-plan-age)`,
    );
  }
}

/**
 * Refuses a plan for clusters this run does not address, or whose context now points at another API
 * server: a plan applies to the clusters it was made for, and to nothing else. `failed` are targets
 * that could not be connected (a registry entry): they are addressed, and reported as errors.
 */
export function checkPlanTargets(
  plan: ReapPlanFile,
  targets: readonly ClusterTarget[],
  failed: readonly string[],
  source: string,
): void {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const addressed = [...byName.keys(), ...failed];
  for (const c of plan.clusters) {
    const target = byName.get(c.cluster);
    if (!target) {
      if (failed.includes(c.cluster)) continue;
      throw new ConfigError(
        `${source} is for cluster "${c.cluster}", which this run does not address (it addresses: ${addressed.join(', ') || 'none'}); pass --context ${c.cluster}, --all-contexts or the --clusters file the plan was made with`,
      );
    }
    const server = serverOf(target);
    if (server !== c.server) {
      throw new ConfigError(
        `${source} planned cluster "${c.cluster}" at ${c.server}, but that context now points at ${server || 'no server'}: make a new plan`,
      );
    }
  }
}

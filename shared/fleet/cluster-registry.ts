import * as z from 'zod/mini';
import { isAwsRegion } from '../aws/partitions.ts';
import { parseConfigInput } from '../config-file.ts';
import {
  DEFAULT_FLEET_METRICS,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_PER_CLUSTER_METRICS,
  MetricName,
} from '../metrics/metric-names.ts';

const clusterName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected letters, digits, ".", "_", "-" (1–100)'));

/**
 * How many kube-apiservers the cluster runs: fewer live identity leases than this is an alarm (the count
 * of identity leases is how the Leases API tells how many apiservers run). Unset: no such alarm.
 */
const expectedApiServers = z.optional(z.int().check(z.gte(1), z.lte(100)));

const metricName = z.enum(Object.values(MetricName) as [MetricName, ...MetricName[]]);

const eksCluster = z.strictObject({
  name: clusterName,
  type: z.literal('eks'),
  /** The EKS cluster's name (what DescribeCluster takes and x-k8s-aws-id carries). */
  clusterName: z.string().check(z.minLength(1)),
  /** Any partition's (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc): the one table in aws/partitions.ts. */
  region: z.string().check(z.refine(isAwsRegion, 'expected an AWS region such as eu-west-1')),
  /** Assume this role before talking to the cluster (cross-account). */
  roleArn: z.optional(
    z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN')),
  ),
  expectedApiServers,
});

const kubeconfigCluster = z.strictObject({
  name: clusterName,
  type: z.literal('kubeconfig'),
  /** A Secrets Manager secret whose value is the kubeconfig (token or client certificate; no exec). */
  secretArn: z
    .string()
    .check(
      z.regex(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
        'expected a Secrets Manager secret ARN',
      ),
    ),
  context: z.optional(z.string().check(z.minLength(1))),
  allowInsecureTLS: z._default(z.boolean(), false),
  expectedApiServers,
});

/**
 * The cluster registry: one document (from an SSM parameter, an environment variable or a file — the same
 * schema everywhere) naming the clusters of a fleet and how to reach them, plus run settings. The reap
 * policy, when present, is validated by its own schema (`parseReapPolicy`).
 */
export const clusterRegistrySchema = z
  .strictObject({
    clusters: z
      .array(z.discriminatedUnion('type', [eksCluster, kubeconfigCluster]))
      .check(z.minLength(1, 'name at least one cluster')),
    metricsNamespace: z._default(
      z.string().check(z.minLength(1), z.maxLength(255)),
      DEFAULT_METRICS_NAMESPACE,
    ),
    metricsSink: z._default(z.enum(['cloudwatch', 'emf']), 'cloudwatch'),
    /**
     * Which metrics each cluster publishes (dimension `Cluster`) and which only as fleet totals (`Stack`
     * only): CloudWatch bills per metric, so per cluster only what alarms watch (metric-names.ts).
     */
    metrics: z._default(
      z.strictObject({
        perCluster: z._default(z.array(metricName), [...DEFAULT_PER_CLUSTER_METRICS]),
        fleet: z._default(z.array(metricName), [...DEFAULT_FLEET_METRICS]),
      }),
      { perCluster: [...DEFAULT_PER_CLUSTER_METRICS], fleet: [...DEFAULT_FLEET_METRICS] },
    ),
    /** Findings logged one line each per cluster and run; the rest are counted in one line. */
    findingLogLimit: z._default(z.int().check(z.gte(0), z.lte(10_000)), 50),
    /** Clusters read at once. */
    concurrency: z._default(z.int().check(z.gte(1), z.lte(256)), 8),
    /** Caps on what one cluster may make a run read (defaults: shared/kube/read-limits.ts). */
    readLimits: z.optional(
      z.strictObject({
        maxResponseBytes: z.optional(z.int().check(z.gte(1024), z.lte(1024 * 1024 * 1024))),
        maxDecodedBytes: z.optional(z.int().check(z.gte(1024), z.lte(1024 * 1024 * 1024))),
        maxListPages: z.optional(z.int().check(z.gte(1), z.lte(1_000_000))),
        maxListItems: z.optional(z.int().check(z.gte(1), z.lte(100_000_000))),
      }),
    ),
    policy: z.optional(z.unknown()),
  })
  .check(
    z.superRefine((r, ctx) => {
      const seen = new Set<string>();
      r.clusters.forEach((c, i) => {
        if (seen.has(c.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['clusters', i, 'name'],
            message: `duplicate cluster name "${c.name}"`,
            input: c.name,
          });
        }
        seen.add(c.name);
      });
    }),
  );

export type ClusterRegistry = Readonly<z.output<typeof clusterRegistrySchema>>;
export type RegistryCluster = ClusterRegistry['clusters'][number];

/** Parses a registry document (YAML or JSON text, or an already parsed object); one error lists every problem. */
export function parseClusterRegistry(input: string | unknown, source = 'cluster registry'): ClusterRegistry {
  return Object.freeze(parseConfigInput(clusterRegistrySchema, input, source));
}

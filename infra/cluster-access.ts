import { Annotations, Aws, CfnCondition, Fn, Stack, Token } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { RegistryClusterInput } from './stack-props.ts';

type EksCluster = Extract<RegistryClusterInput, { type: 'eks' }>;
type KubeconfigCluster = Extract<RegistryClusterInput, { type: 'kubeconfig' }>;

const eksClusters = (clusters: readonly RegistryClusterInput[]) =>
  clusters.filter((c): c is EksCluster => c.type === 'eks');
const unique = <T>(values: T[]) => [...new Set(values)];

/**
 * Up to this many EKS clusters (or kubeconfig secrets), a statement names each one. Past it, the list
 * would grow the functions' policies toward IAM's quotas (10,240 characters of inline policy per role,
 * 6,144 per managed policy), so it names each region's clusters (`cluster/*` in this account) and each
 * secret folder (the common `path/` of the secrets' names) instead.
 */
export const NAMED_RESOURCE_LIMIT = 20;

/** The longest common prefix of the names, cut after its last `/` (a folder), or '' if none. */
function commonFolder(names: readonly string[]): string {
  let prefix = names[0] ?? '';
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1);
}

/** Secret ARNs as policy resources: each named, or past the limit one `folder/*` per account and region. */
function secretResources(secretArns: readonly string[]): string[] {
  const named = unique(secretArns.map(secretResource));
  if (named.length <= NAMED_RESOURCE_LIMIT) return named;
  const byLocation = new Map<string, string[]>();
  for (const arn of unique([...secretArns])) {
    const at = arn.indexOf(':secret:') + ':secret:'.length;
    const names = byLocation.get(arn.slice(0, at)) ?? [];
    names.push(arn.slice(at));
    byLocation.set(arn.slice(0, at), names);
  }
  return [...byLocation].flatMap(([location, names]) => {
    const folder = commonFolder(names);
    // Secrets with no common folder stay named: a wildcard over every secret is never granted.
    return folder ? [`${location}${folder}*`] : names.map((n) => secretResource(`${location}${n}`));
  });
}

/** DescribeCluster resources: each cluster of this account, or past the limit each region's clusters. */
function describeClusterResources(local: readonly EksCluster[]): string[] {
  if (local.length <= NAMED_RESOURCE_LIMIT)
    return unique(
      local.map((c) => `arn:${Aws.PARTITION}:eks:${c.region}:${Aws.ACCOUNT_ID}:cluster/${c.clusterName}`),
    );
  return unique(local.map((c) => `arn:${Aws.PARTITION}:eks:${c.region}:${Aws.ACCOUNT_ID}:cluster/*`));
}

/**
 * The wildcard resources of `clusterCredentialStatements`, as cdk-nag writes them in a finding's id
 * (`AwsSolutions-IAM5[Resource::…]`), so the stack can acknowledge exactly these.
 */
export function clusterCredentialWildcards(clusters: readonly RegistryClusterInput[]): string[] {
  const local = eksClusters(clusters).filter((c) => !c.roleArn);
  const eks =
    local.length > NAMED_RESOURCE_LIMIT
      ? unique(local.map((c) => `arn:<AWS::Partition>:eks:${c.region}:<AWS::AccountId>:cluster/*`))
      : [];
  const secrets = secretResources(
    clusters.filter((c): c is KubeconfigCluster => c.type === 'kubeconfig').map((c) => c.secretArn),
  ).filter((r) => r.endsWith('/*'));
  return [...eks, ...secrets];
}

/**
 * A secret ARN as a policy resource. Secrets Manager appends six random characters to a secret's ARN; a
 * registry may name the secret without them (a "partial ARN"), which only matches with `-??????`.
 */
export function secretResource(secretArn: string): string {
  return /-[A-Za-z0-9]{6}$/.test(secretArn) ? secretArn : `${secretArn}-??????`;
}

/**
 * The AWS permissions reaching the clusters takes, each on the named resources only:
 * - DescribeCluster on the fleet's EKS clusters in this account (a cluster in another account is described
 *   by the role assumed there, which that account grants); past NAMED_RESOURCE_LIMIT, on the clusters of
 *   the fleet's regions in this account;
 * - AssumeRole on the roles the registry names;
 * - GetSecretValue on the kubeconfig secrets (past the limit, on their common folder), and Decrypt through
 *   Secrets Manager with the keys named.
 */
export function clusterCredentialStatements(
  clusters: readonly RegistryClusterInput[],
  secretsKmsKeyArns: readonly string[] = [],
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const local = eksClusters(clusters).filter((c) => !c.roleArn);
  if (local.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'DescribeFleetEksClusters',
        actions: ['eks:DescribeCluster'],
        resources: describeClusterResources(local),
      }),
    );
  }
  const roles = unique(eksClusters(clusters).flatMap((c) => (c.roleArn ? [c.roleArn] : [])));
  if (roles.length > 0) {
    statements.push(
      new PolicyStatement({ sid: 'AssumeClusterAccessRoles', actions: ['sts:AssumeRole'], resources: roles }),
    );
  }
  const secrets = clusters.filter((c): c is KubeconfigCluster => c.type === 'kubeconfig');
  if (secrets.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'ReadKubeconfigSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: secretResources(secrets.map((c) => c.secretArn)),
      }),
    );
  }
  if (secretsKmsKeyArns.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'DecryptKubeconfigSecrets',
        actions: ['kms:Decrypt'],
        resources: unique([...secretsKmsKeyArns]),
        // Only on Secrets Manager's behalf: the keys cannot decrypt anything else for these roles. The
        // service's name ends in the partition's DNS suffix (amazonaws.com.cn in China).
        conditions: { StringLike: { 'kms:ViaService': `secretsmanager.*.${Aws.URL_SUFFIX}` } },
      }),
    );
  }
  return statements;
}

export interface EksAccessEntriesProps {
  clusters: readonly RegistryClusterInput[];
  /** Each principal with the Kubernetes group it is given (see `lease-reaper rbac`). */
  principals: readonly { role: IRole; group: string; id: string }[];
}

/**
 * EKS access entries for the functions' roles, on the fleet's clusters in this account and region (an
 * access entry is created where its cluster lives). Authorization stays in Kubernetes RBAC: the entries
 * only map each role to a group, which the ClusterRoles of `lease-reaper rbac` bind. When the stack's
 * region is only known at deploy time, each entry carries a condition on it.
 */
export class EksAccessEntries extends Construct {
  readonly entries: CfnAccessEntry[] = [];

  constructor(scope: Construct, id: string, props: EksAccessEntriesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const conditions = new Map<string, CfnCondition>();
    for (const cluster of eksClusters(props.clusters)) {
      if (cluster.roleArn) {
        Annotations.of(this).addInfo(
          `${cluster.name}: in another account (roleArn); grant ${cluster.roleArn} access there`,
        );
        continue;
      }
      let condition: CfnCondition | undefined;
      if (Token.isUnresolved(stack.region)) {
        condition = conditions.get(cluster.region);
        if (!condition) {
          condition = new CfnCondition(this, `In-${cluster.region}`, {
            expression: Fn.conditionEquals(Aws.REGION, cluster.region),
          });
          conditions.set(cluster.region, condition);
        }
      } else if (stack.region !== cluster.region) {
        Annotations.of(this).addInfo(
          `${cluster.name}: in ${cluster.region}, not ${stack.region}; create its access entry there`,
        );
        continue;
      }
      for (const principal of props.principals) {
        const entry = new CfnAccessEntry(this, `${cluster.name}-${principal.id}`, {
          clusterName: cluster.clusterName,
          principalArn: principal.role.roleArn,
          kubernetesGroups: [principal.group],
          type: 'STANDARD',
        });
        if (condition) entry.cfnOptions.condition = condition;
        this.entries.push(entry);
      }
    }
  }
}

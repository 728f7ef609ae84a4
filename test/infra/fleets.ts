import type { RegistryClusterInput } from '../../infra/stack-props.ts';

/** Where the mixed fleet's clusters live: the stack's region first. */
export const FLEET_REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-1'] as const;
/** The accounts of the clusters reached through a role there. */
export const OTHER_ACCOUNTS = Array.from({ length: 12 }, (_, i) => `2100000000${String(i).padStart(2, '0')}`);

/**
 * A fleet of n clusters as a large organization has it (the deployment file's `clusters`): per ten
 * clusters, seven EKS clusters in this account across four regions, two EKS clusters in twelve other
 * accounts reached through one role per account, and one kubeconfig secret (under `lease-reaper/`).
 */
export function mixedFleet(n: number): RegistryClusterInput[] {
  return Array.from({ length: n }, (_, i): RegistryClusterInput => {
    const name = `c${String(i).padStart(4, '0')}`;
    const region = FLEET_REGIONS[i % FLEET_REGIONS.length] as string;
    const kind = i % 10;
    if (kind === 9)
      return {
        name,
        type: 'kubeconfig',
        secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:lease-reaper/${name}`,
      };
    if (kind >= 7)
      return {
        name,
        type: 'eks',
        clusterName: name,
        region,
        roleArn: `arn:aws:iam::${OTHER_ACCOUNTS[i % OTHER_ACCOUNTS.length]}:role/lease-reaper-access`,
      };
    return { name, type: 'eks', clusterName: name, region };
  });
}

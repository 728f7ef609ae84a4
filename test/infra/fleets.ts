import type { RegistryClusterInput } from '../../infra/stack-props.ts';

/** Where the mixed fleet's clusters live: the stack's region first. */
export const FLEET_REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-1'] as const;
/** The accounts of the clusters reached through a role there. */
export const OTHER_ACCOUNTS = Array.from({ length: 12 }, (_, i) => `2100000000${String(i).padStart(2, '0')}`);

/** A partition and its regions, the stack's region first (secrets live there). */
export interface FleetLocation {
  partition: string;
  regions: readonly string[];
}
export const AWS_FLEET: FleetLocation = { partition: 'aws', regions: FLEET_REGIONS };
/** China: Beijing and Ningxia. */
export const CN_FLEET: FleetLocation = { partition: 'aws-cn', regions: ['cn-north-1', 'cn-northwest-1'] };
/** AWS GovCloud (US): West and East. */
export const GOV_FLEET: FleetLocation = {
  partition: 'aws-us-gov',
  regions: ['us-gov-west-1', 'us-gov-east-1'],
};

/**
 * A fleet of n clusters as a large organization has it (the deployment file's `clusters`): per ten
 * clusters, seven EKS clusters in this account across four regions, two EKS clusters in twelve other
 * accounts reached through one role per account, and one kubeconfig secret (under `lease-reaper/`). By
 * default in the `aws` partition; `where` puts it in another partition's regions, its ARNs in that partition.
 */
export function mixedFleet(n: number, where: FleetLocation = AWS_FLEET): RegistryClusterInput[] {
  const { partition, regions } = where;
  return Array.from({ length: n }, (_, i): RegistryClusterInput => {
    const name = `c${String(i).padStart(4, '0')}`;
    const region = regions[i % regions.length] as string;
    const kind = i % 10;
    if (kind === 9)
      return {
        name,
        type: 'kubeconfig',
        secretArn: `arn:${partition}:secretsmanager:${regions[0]}:123456789012:secret:lease-reaper/${name}`,
      };
    if (kind >= 7)
      return {
        name,
        type: 'eks',
        clusterName: name,
        region,
        roleArn: `arn:${partition}:iam::${OTHER_ACCOUNTS[i % OTHER_ACCOUNTS.length]}:role/lease-reaper-access`,
      };
    return { name, type: 'eks', clusterName: name, region };
  });
}

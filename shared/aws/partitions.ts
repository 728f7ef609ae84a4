/**
 * The AWS partitions, in one table: which regions each holds (by region-name prefix) and the DNS suffix of
 * its regional endpoints. Everything partition-dependent — the STS host an EKS token is presigned for, the
 * registry's region check — reads this table, so a partition is added in one place.
 *
 * The suffixes are the ones aws-iam-authenticator accepts per partition (`pkg/endpoints/partitions.go`,
 * `GetSTSPartitionDomain`); the prefixes are the region patterns of the SDKs' partitions.json.
 */
export const AWS_PARTITIONS = [
  {
    partition: 'aws',
    regionPrefixes: ['us-', 'eu-', 'ap-', 'sa-', 'ca-', 'me-', 'af-', 'il-', 'mx-'],
    dnsSuffix: 'amazonaws.com',
  },
  { partition: 'aws-cn', regionPrefixes: ['cn-'], dnsSuffix: 'amazonaws.com.cn' },
  { partition: 'aws-us-gov', regionPrefixes: ['us-gov-'], dnsSuffix: 'amazonaws.com' },
  { partition: 'aws-iso', regionPrefixes: ['us-iso-'], dnsSuffix: 'c2s.ic.gov' },
  { partition: 'aws-iso-b', regionPrefixes: ['us-isob-'], dnsSuffix: 'sc2s.sgov.gov' },
  { partition: 'aws-iso-e', regionPrefixes: ['eu-isoe-'], dnsSuffix: 'cloud.adc-e.uk' },
  { partition: 'aws-iso-f', regionPrefixes: ['us-isof-'], dnsSuffix: 'csp.hci.ic.gov' },
  { partition: 'aws-eusc', regionPrefixes: ['eusc-de-'], dnsSuffix: 'amazonaws.eu' },
] as const;

export type AwsPartition = (typeof AWS_PARTITIONS)[number];

/**
 * After its partition's prefix a region name is one word and a number (`west-1`, `northwest-1`), so
 * `us-gov-west-1` is GovCloud and never the `us-` of the commercial partition: at most one row matches.
 */
const REGION_REST = /^[a-z]+-\d+$/;

/** The partition a region is in, or undefined for a string that is no AWS region name. */
export function partitionOf(region: string): AwsPartition | undefined {
  return AWS_PARTITIONS.find((p) =>
    p.regionPrefixes.some(
      (prefix) => region.startsWith(prefix) && REGION_REST.test(region.slice(prefix.length)),
    ),
  );
}

export function isAwsRegion(region: string): boolean {
  return partitionOf(region) !== undefined;
}

/** The regional STS host of a region's partition: `sts.cn-north-1.amazonaws.com.cn`, `sts.eu-west-1.amazonaws.com`… */
export function stsHostname(region: string): string {
  const partition = partitionOf(region);
  if (!partition) throw new Error(`"${region}" is not a region of a known AWS partition`);
  return `sts.${region}.${partition.dnsSuffix}`;
}

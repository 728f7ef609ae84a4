import { describe, expect, it } from 'vitest';
import { eksToken } from '../../shared/aws/eks-token.ts';
import { parseClusterRegistry } from '../../shared/fleet/cluster-registry.ts';
import { verifyEksToken, verifyStsHost } from '../support/iam-authenticator.ts';

/**
 * Regions and the partition AWS documents each in (written by hand: the product's table is what is under
 * test). The oracle is aws-iam-authenticator's host rule (test/support/iam-authenticator.ts).
 */
const REGIONS: readonly { region: string; partition: string }[] = [
  { region: 'us-east-1', partition: 'aws' },
  { region: 'eu-west-1', partition: 'aws' },
  { region: 'ap-southeast-7', partition: 'aws' },
  { region: 'mx-central-1', partition: 'aws' },
  { region: 'il-central-1', partition: 'aws' },
  { region: 'cn-north-1', partition: 'aws-cn' },
  { region: 'cn-northwest-1', partition: 'aws-cn' },
  { region: 'us-gov-west-1', partition: 'aws-us-gov' },
  { region: 'us-gov-east-1', partition: 'aws-us-gov' },
  { region: 'us-iso-east-1', partition: 'aws-iso' },
  { region: 'us-iso-west-1', partition: 'aws-iso' },
  { region: 'us-isob-east-1', partition: 'aws-iso-b' },
  { region: 'eu-isoe-west-1', partition: 'aws-iso-e' },
  { region: 'us-isof-south-1', partition: 'aws-iso-f' },
  { region: 'us-isof-east-1', partition: 'aws-iso-f' },
  { region: 'eusc-de-east-1', partition: 'aws-eusc' },
];

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-key-example' };
const signedAt = Date.parse('2026-11-25T12:00:00Z');
const hostOf = (token: string) =>
  new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString()).host;

describe('EKS tokens in every partition', () => {
  it.each(REGIONS)(
    'in $region are accepted by an aws-iam-authenticator of $partition',
    async ({ region, partition }) => {
      const token = await eksToken('prod', region, credentials, new Date(signedAt));

      expect(verifyStsHost(hostOf(token), partition, region)).toBeUndefined();
      const verdict = verifyEksToken(token, signedAt + 60_000, {
        clusterId: 'prod',
        partition,
        region,
        credentials: (id) => (id === credentials.accessKeyId ? credentials : undefined),
      });
      expect(verdict).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
    },
  );

  it.each(REGIONS)(
    'in $region are refused by the authenticator of any other partition',
    async ({ region, partition }) => {
      const token = await eksToken('prod', region, credentials, new Date(signedAt));
      const others = [...new Set(REGIONS.map((r) => r.partition))].filter(
        // GovCloud and the commercial partition share amazonaws.com: the authenticator cannot tell them apart.
        (p) =>
          p !== partition &&
          !(['aws', 'aws-us-gov'].includes(p) && ['aws', 'aws-us-gov'].includes(partition)),
      );
      for (const other of others)
        expect(verifyStsHost(hostOf(token), other, 'x-other-1'), `${region} under ${other}`).toBeDefined();
    },
  );

  it('the host of the old tokens in China is the refused one the issue reports', () => {
    expect(verifyStsHost('sts.cn-north-1.amazonaws.com', 'aws-cn', 'cn-north-1')).toMatch(
      /unexpected hostname|does not support/,
    );
    expect(verifyStsHost('sts.cn-north-1.amazonaws.com.cn', 'aws-cn', 'cn-north-1')).toBeUndefined();
  });

  it('the registry takes every partition’s regions and still refuses what is no region', () => {
    const registry = parseClusterRegistry({
      clusters: REGIONS.map(({ region }, i) => ({ name: `c${i}`, type: 'eks', clusterName: 'prod', region })),
    });
    expect(registry.clusters).toHaveLength(REGIONS.length);
    for (const region of ['europe', 'eu-west', 'moon-base-1', 'EU-WEST-1', 'eusc-fr-east-1', 'cn-north'])
      expect(() =>
        parseClusterRegistry({ clusters: [{ name: 'c', type: 'eks', clusterName: 'p', region }] }),
      ).toThrow(/clusters\.0\.region/);
  });
});

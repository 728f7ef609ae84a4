import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it, vi } from 'vitest';
import { mixedFleet } from './fleets.ts';
import { eksFleet, synth } from './support.ts';

// The first synthesis of a file (asset staging of the project) can take a minute on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

/** cdk-nag 3 reports through CDK's validation: an unacknowledged AwsSolutions finding fails app.synth(). */
describe('cdk-nag AwsSolutions', () => {
  it('passes the sample deployment of cdk.json', () => {
    expect(() => synth({}, { nag: true })).not.toThrow();
  });

  it('passes every optional part: fan-out, VPC, enabled reaper, access entries for both roles, KMS keys', () => {
    expect(() =>
      synth(
        {
          clusters: eksFleet(60),
          network: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
          reap: { enabled: true, policy: { dryRun: false, namespaces: { include: ['team-*'] } } },
          secretsKmsKeyArns: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
        },
        { nag: true },
      ),
    ).not.toThrow();
  });

  it('passes with an existing topic and EMF metrics (no PutMetricData grant to acknowledge)', () => {
    expect(() =>
      synth(
        { metricsSink: 'emf', notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' } },
        { nag: true },
      ),
    ).not.toThrow();
  });

  it('passes a large mixed fleet: the region and secret-folder wildcards past 20 clusters are acknowledged', () => {
    // 250 clusters: 175 EKS of this account over four regions, 25 kubeconfig secrets under lease-reaper/.
    expect(() => synth({ clusters: mixedFleet(250) }, { nag: true })).not.toThrow();
  });

  it('is really checking: one unjustified wildcard fails the synth', () => {
    const attempt = () => {
      const { app, stack } = synth({}, { nag: true, deferSynth: true });
      stack.auditFunction.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
      );
      app.synth();
    };
    expect(attempt).toThrow(/AwsSolutions-IAM5/);
  });
});

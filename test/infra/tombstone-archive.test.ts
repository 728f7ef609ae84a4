import { Duration } from 'aws-cdk-lib';
import { describe, expect, it, vi } from 'vitest';
import { type Decision, evaluate, type Statement } from './iam-policy.ts';
import { only, resources, synth } from './support.ts';

/**
 * The tombstone archive in the template: an S3 bucket the reaper writes a tombstone to before each delete.
 * Expected values follow the CloudFormation registry schema of AWS::S3::Bucket (BucketEncryption,
 * PublicAccessBlockConfiguration, OwnershipControls, LifecycleConfiguration) and the S3 User Guide
 * ("Enforce encryption in transit": a Deny on aws:SecureTransport false).
 */

vi.setConfig({ testTimeout: 120_000 });

const reaping = { enabled: true, policy: { dryRun: false, namespaces: { include: ['team-*'] } } };
type Synth = ReturnType<typeof synth>;

const bucketOf = (template: Synth['template']) =>
  only(template, 'AWS::S3::Bucket', (id) => id.startsWith('ArchiveBucket'));
const statementsOf = (template: Synth['template'], role: 'Audit' | 'Reap') =>
  (
    only(template, 'AWS::IAM::Policy', (id) => id.startsWith(`${role}RoleDefaultPolicy`)).Properties
      .PolicyDocument as { Statement: Record<string, unknown>[] }
  ).Statement;

describe('the tombstone archive', () => {
  it('is a bucket encrypted at rest, closed to the public, with ACLs off, kept when the stack goes', () => {
    const { template } = synth({ reap: reaping });

    const bucket = bucketOf(template);
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect((bucket as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe('Retain');
    expect((bucket as unknown as { UpdateReplacePolicy: string }).UpdateReplacePolicy).toBe('Retain');
  });

  it('expires tombstones after 90 days by default, or the configured whole days', () => {
    const rules = (t: Synth['template']) =>
      (bucketOf(t).Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;

    expect(rules(synth({ reap: reaping }).template)).toEqual([
      {
        Id: 'ExpireTombstones',
        Prefix: 'tombstones/',
        ExpirationInDays: 90,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
    ]);
    expect(
      rules(synth({ reap: { ...reaping, tombstoneRetention: Duration.days(400) } }).template)[0],
    ).toMatchObject({ ExpirationInDays: 400 });
  });

  it.each([
    [Duration.hours(36), 'reap.tombstoneRetention must be whole days from 1 to 3650 (got 1 day 12 hours)'],
    [Duration.days(3651), 'reap.tombstoneRetention must be whole days from 1 to 3650 (got 3651 days)'],
  ])('refuses a retention of %s at synth, naming the field', (retention, message) => {
    expect(() => synth({ reap: { ...reaping, tombstoneRetention: retention } })).toThrow(message);
  });

  it('refuses every request that is not over TLS 1.2 or later, whoever sends it', () => {
    const { template, stack } = synth({ reap: reaping });
    const bucketId = stack.getLogicalId(stack.archive?.bucket.node.defaultChild as never);
    const policy = only(template, 'AWS::S3::BucketPolicy', (id) => id.startsWith('ArchiveBucketPolicy'));
    expect(policy.Properties.Bucket).toEqual({ Ref: bucketId });
    // The policy's ARNs with the bucket's name filled in, as IAM would see them.
    const arn = 'arn:aws:s3:::the-archive';
    const statements = JSON.parse(
      JSON.stringify((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).replaceAll(
        JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] }),
        JSON.stringify(arn),
      ),
    ) as Statement[];
    // Fn::Join of the bucket ARN and "/*" becomes the objects' ARN.
    const resolved = statements.map((s) => ({
      ...s,
      Resource: (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) =>
        typeof r === 'string' ? r : `${arn}/*`,
      ),
    }));
    expect(resolved.length).toBeGreaterThan(0);
    const decide = (secure: boolean, tls: string, resource: string): Decision =>
      evaluate(
        { Statement: resolved },
        {
          principal: { aws: 'arn:aws:iam::123456789012:role/anyone' },
          action: 's3:PutObject',
          resource,
          context: { 'aws:SecureTransport': secure, 's3:TlsVersion': tls },
        },
      );
    expect(decide(false, '1.2', `${arn}/tombstones/prod.jsonl`)).toBe('explicit-deny');
    expect(decide(false, '1.3', arn)).toBe('explicit-deny');
    // TLS older than 1.2 is refused too.
    expect(decide(true, '1.1', `${arn}/tombstones/prod.jsonl`)).toBe('explicit-deny');
    // Over TLS 1.2 or 1.3 the bucket policy grants nothing itself: the reap role's own policy does.
    expect(decide(true, '1.2', `${arn}/tombstones/prod.jsonl`)).toBe('implicit-deny');
    expect(decide(true, '1.3', arn)).toBe('implicit-deny');
  });

  it('lets the reaper write tombstones and nothing else; the audit gets nothing of it', () => {
    const { template, stack } = synth({ reap: reaping });
    const bucketId = stack.getLogicalId(stack.archive?.bucket.node.defaultChild as never);

    const archive = statementsOf(template, 'Reap').filter((s) => JSON.stringify(s).includes(bucketId));
    expect(archive).toEqual([
      {
        Sid: 'WriteTombstones',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/tombstones/*']] },
      },
    ]);
    expect(JSON.stringify(statementsOf(template, 'Audit'))).not.toMatch(/s3:|ArchiveBucket/);
    const reap = only(template, 'AWS::Lambda::Function', (id) => id.startsWith('ReapFunction'));
    expect(
      (reap.Properties.Environment as { Variables: Record<string, unknown> }).Variables
        .LEASE_REAPER_ARCHIVE_BUCKET,
    ).toEqual({ Ref: bucketId });
  });

  it('exists only when the reaper can delete: reaping enabled, or a policy that deletes', () => {
    const count = (props: Parameters<typeof synth>[0]) =>
      resources(synth(props).template, 'AWS::S3::Bucket').length;

    expect(count({})).toBe(0);
    expect(count({ reap: { policy: { namespaces: { include: ['a'] } } } })).toBe(0);
    expect(count({ reap: { policy: { dryRun: false, namespaces: { include: ['a'] } } } })).toBe(1);
    expect(count({ reap: { enabled: true, policy: { namespaces: { include: ['a'] } } } })).toBe(1);
  });

  it('in compliance mode, is encrypted with a rotated customer-managed key the reaper may encrypt with', () => {
    const { template, stack } = synth({
      reap: reaping,
      compliance: { controlTower: true },
      logRetention: undefined,
    });
    const keyId = stack.getLogicalId(stack.node.findChild('ArchiveKey').node.defaultChild as never);

    expect(bucketOf(template).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
          BucketKeyEnabled: true,
        },
      ],
    });
    expect(only(template, 'AWS::KMS::Key', (id) => id === keyId).Properties.EnableKeyRotation).toBe(true);
    expect(statementsOf(template, 'Reap')).toContainEqual({
      Sid: 'EncryptTombstones',
      Effect: 'Allow',
      Action: 'kms:GenerateDataKey',
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });
});

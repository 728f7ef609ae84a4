import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { ARCHIVE_BUCKET_ENV } from '../shared/archive/archive-config.ts';
import { TOMBSTONE_PREFIX } from '../shared/archive/s3-archive.ts';
import { ConfigError } from '../shared/errors.ts';
import { restrictGrantsToAwsServices } from './compliance.ts';

/** Tombstones are kept 90 days unless the deployment says otherwise. */
export const DEFAULT_TOMBSTONE_RETENTION = Duration.days(90);

/** `reap.tombstoneRetention`: whole days from 1 to 3650 (an S3 lifecycle expiration counts in days). */
export function tombstoneRetention(configured: Duration | undefined): Duration {
  if (configured === undefined) return DEFAULT_TOMBSTONE_RETENTION;
  const seconds = configured.toSeconds();
  if (seconds % 86_400 !== 0 || seconds < 86_400 || seconds > 3650 * 86_400)
    throw new ConfigError(
      `reap.tombstoneRetention must be whole days from 1 to 3650 (got ${configured.toHumanString()})`,
    );
  return configured;
}

/**
 * The archive's customer-managed key in compliance mode (CT.S3.PR.10 asks for SSE-KMS with one): rotated
 * yearly (CT.KMS.PR.1), grants only for AWS services (CT.KMS.PR.3). Its default policy leaves use to IAM:
 * the reap role's statement is the only one naming it.
 */
export function archiveKey(scope: Stack): Key {
  const key = new Key(scope, 'ArchiveKey', {
    description: 'lease-reaper tombstones',
    enableKeyRotation: true,
  });
  restrictGrantsToAwsServices(key);
  return key;
}

export interface TombstoneArchiveProps {
  /** Tombstones are deleted this long after they are written (S3 lifecycle expiration). */
  expireAfter: Duration;
  /** Encrypt with this customer-managed key (compliance mode) instead of S3-managed keys. */
  encryptionKey?: IKey;
  /**
   * Compliance mode's S3 controls: versioning (CT.S3.PR.11), Object Lock (PR.9, no default retention: the
   * lifecycle still expires), server access logs (PR.2, into the bucket itself below `access-logs/`),
   * events to EventBridge (PR.4).
   */
  controlTower?: boolean;
}

/** Where compliance mode's server access logs go, in the archive bucket itself. */
export const ACCESS_LOG_PREFIX = 'access-logs/';

/**
 * Where the reaper keeps a tombstone of each lease before deleting it (shared/archive): one JSON Lines object
 * per cluster and run below `tombstones/`. Encrypted at rest, TLS-only (a policy denies any request without
 * `aws:SecureTransport`), every public access blocked, ACLs off (the bucket owner owns every object), objects
 * expired after `expireAfter`. Kept when the stack is deleted: it is the only record of what was removed.
 * The reap role may write tombstones and nothing else: no read, no list, no delete.
 */
export class TombstoneArchive extends Construct {
  readonly bucket: Bucket;
  private readonly key: IKey | undefined;

  constructor(scope: Construct, id: string, props: TombstoneArchiveProps) {
    super(scope, id);
    this.key = props.encryptionKey;
    const expire = (id: string, prefix: string) => ({
      id,
      prefix,
      expiration: props.expireAfter,
      abortIncompleteMultipartUploadAfter: Duration.days(1),
      // Each line rewrites its object: an older version is a prefix of the current one, kept a day only.
      ...(props.controlTower ? { noncurrentVersionExpiration: Duration.days(1) } : {}),
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...(props.encryptionKey
        ? { encryption: BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        expire('ExpireTombstones', TOMBSTONE_PREFIX),
        ...(props.controlTower ? [expire('ExpireAccessLogs', ACCESS_LOG_PREFIX)] : []),
      ],
      ...(props.controlTower ? { versioned: true, objectLockEnabled: true } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.controlTower) {
      const cfn = this.bucket.node.defaultChild as CfnBucket;
      // Set on the template directly: the construct's eventBridgeEnabled would add a custom resource and its
      // Lambda function, for what CloudFormation's own NotificationConfiguration does.
      cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
      // Access logs into the bucket itself (no DestinationBucketName: "logs are stored in the bucket where
      // the LoggingConfiguration property is defined"), delivered by the logging service as a bucket policy
      // allows, for this bucket and account only (S3 User Guide, "Permissions for log delivery"); ACLs stay
      // off, so the construct's serverAccessLogsPrefix (an ACL grant without a feature flag) is not used.
      cfn.loggingConfiguration = { logFilePrefix: ACCESS_LOG_PREFIX };
      const stack = Stack.of(this);
      this.bucket.addToResourcePolicy(
        new PolicyStatement({
          sid: 'S3ServerAccessLogsPolicy',
          principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
          actions: ['s3:PutObject'],
          resources: [this.bucket.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
          conditions: {
            ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
            StringEquals: { 'aws:SourceAccount': stack.account },
          },
        }),
      );
    } else {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Server access logs would record the reaper writing its own tombstones; the reap function logs each delete and its archive outcome, and CloudTrail data events can be enabled by the account (compliance mode turns the logs on).',
      });
    }
  }

  /** Exactly what the reaper needs: write objects below `tombstones/` (and use the key to encrypt them). */
  statements(): PolicyStatement[] {
    return [
      new PolicyStatement({
        sid: 'WriteTombstones',
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${TOMBSTONE_PREFIX}*`)],
      }),
      ...(this.key
        ? [
            new PolicyStatement({
              sid: 'EncryptTombstones',
              actions: ['kms:GenerateDataKey'],
              resources: [this.key.keyArn],
            }),
          ]
        : []),
    ];
  }

  /** The objects' wildcard in the reap role's policy, as cdk-nag names it, acknowledged with why. */
  acknowledgeWildcard(role: IConstruct): void {
    const bucket = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/${TOMBSTONE_PREFIX}*]`,
      reason:
        'One object per cluster and run below tombstones/, named at run time; the role may only write them (s3:PutObject: no read, list or delete).',
    });
  }

  /** The reap function's environment: where its tombstones go. */
  environment(): Record<string, string> {
    return { [ARCHIVE_BUCKET_ENV]: this.bucket.bucketName };
  }
}

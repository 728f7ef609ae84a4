import type { Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigError } from '../shared/errors.ts';
import type { ComplianceProps } from './stack-props.ts';

/** CT.CLOUDWATCH.PR.2: a log group is kept at least a year (or never expires). */
export const CONTROL_TOWER_MIN_RETENTION = RetentionDays.ONE_YEAR;

/**
 * The log groups' retention: the deployment's, or one month. Under Control Tower, one year unless the
 * deployment keeps them longer; a shorter retention fails the synth rather than the deployment (a proactive
 * control refuses the stack at CloudFormation's hook).
 */
export function logRetentionFor(configured: RetentionDays | undefined, controlTower: boolean): RetentionDays {
  if (!controlTower) return configured ?? RetentionDays.ONE_MONTH;
  if (configured === undefined) return CONTROL_TOWER_MIN_RETENTION;
  if (configured < CONTROL_TOWER_MIN_RETENTION)
    throw new ConfigError(
      `logRetentionDays: ${configured} is under the ${CONTROL_TOWER_MIN_RETENTION} days compliance.controlTower requires (CT.CLOUDWATCH.PR.2); raise it or leave it unset`,
    );
  return configured;
}

/** The names of the stack's log groups, fixed so a key policy can name them before they exist. */
export function logGroupNames(stackName: string) {
  return {
    audit: `/lease-reaper/${stackName}/audit`,
    reap: `/lease-reaper/${stackName}/reap`,
    // The prefix AWS recommends for vended logs: it keeps CloudWatch Logs' resource policy from growing.
    fanOut: `/aws/vendedlogs/states/${stackName}-audit-fan-out`,
    reapFanOut: `/aws/vendedlogs/states/${stackName}-reap-fan-out`,
  };
}

export interface LogEncryption {
  key: IKey;
  groupNames: ReturnType<typeof logGroupNames>;
}

/**
 * How the stack's log groups are encrypted (CT.CLOUDWATCH.PR.3): not at all by default; with the
 * deployment's key when one is given (its policy must let CloudWatch Logs use it for these groups); under
 * Control Tower without one, with a key this stack creates.
 */
export function logEncryption(
  scope: Stack,
  compliance: ComplianceProps | undefined,
): LogEncryption | undefined {
  if (!compliance?.controlTower && compliance?.logsKmsKeyArn === undefined) return undefined;
  const groupNames = logGroupNames(scope.stackName);
  const key =
    compliance.logsKmsKeyArn !== undefined
      ? Key.fromKeyArn(scope, 'LogsKey', compliance.logsKmsKeyArn)
      : logsKey(scope, Object.values(groupNames));
  return { key, groupNames };
}

/**
 * A customer-managed key for the log groups: rotated yearly (CT.KMS.PR.1), usable by CloudWatch Logs in
 * this region for these log groups only (the encryption-context condition of "Encrypt log data in
 * CloudWatch Logs using AWS KMS", CloudWatch Logs User Guide), grants for AWS services only (CT.KMS.PR.3).
 * The policy names the groups by ARN from their names: referencing the groups themselves would be a cycle.
 */
function logsKey(scope: Stack, names: string[]): Key {
  const key = new Key(scope, 'LogsKey', {
    description: `lease-reaper ${scope.stackName} log groups`,
    enableKeyRotation: true,
  });
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchLogsEncryptLogGroups',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal(`logs.${scope.region}.${scope.urlSuffix}`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': names.map(
            (name) => `arn:${scope.partition}:logs:${scope.region}:${scope.account}:log-group:${name}`,
          ),
        },
      },
    }),
  );
  restrictGrantsToAwsServices(key);
  return key;
}

/**
 * CT.KMS.PR.3: nobody but an AWS service, for an AWS resource, may create grants on the key (the
 * statement the control's rule looks for: Deny kms:CreateGrant to "*" unless either condition holds).
 */
export function restrictGrantsToAwsServices(key: Key): void {
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'GrantsForAwsServicesOnly',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
}

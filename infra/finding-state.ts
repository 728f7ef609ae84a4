import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FINDING_EVENT_BUS_ENV, FINDING_EVENT_SOURCE } from '../shared/alerting/finding-event.ts';
import {
  STATE_TABLE_ENV,
  STATE_TABLE_PARTITION_KEY,
  STATE_TABLE_TTL_ATTRIBUTE,
} from '../shared/alerting/state-table.ts';

/** The bus the finding events go to: the account's default one, where AWS services' events go too. */
export const FINDING_EVENT_BUS = 'default';

/**
 * What the audit keeps between runs to tell new findings from resolved ones (shared/alerting/state-table.ts):
 * one item per cluster in a DynamoDB table, on demand (a few small writes a minute), encrypted with the AWS
 * managed key (`aws/dynamodb`: CT.DYNAMODB.PR.2 asks for a KMS key, and this one needs no key policy nor any
 * kms: permission in the audit role), with point-in-time recovery (CT.DYNAMODB.PR.1) and a TTL attribute so
 * a cluster that leaves the registry expires. Plus the audit role's exact grants and its environment.
 */
export class FindingState extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: STATE_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: STATE_TABLE_TTL_ATTRIBUTE,
      // Derived state, rebuilt by the next run: losing it re-announces the open findings once (as "opened"),
      // nothing more. Deleting the stack should not leave a table behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /**
   * Exactly what the audit needs: read and conditionally write its clusters' items (no Query, no Scan, no
   * delete), and put events on the default bus only as `lease-reaper` (events:source), so the role cannot
   * impersonate another source's events.
   */
  statements(): PolicyStatement[] {
    const stack = Stack.of(this);
    return [
      new PolicyStatement({
        sid: 'FindingStateReadWrite',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [this.table.tableArn],
      }),
      new PolicyStatement({
        sid: 'PutFindingEvents',
        actions: ['events:PutEvents'],
        resources: [
          `arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/${FINDING_EVENT_BUS}`,
        ],
        conditions: { StringEquals: { 'events:source': FINDING_EVENT_SOURCE } },
      }),
    ];
  }

  /** The audit function's environment: where the state is, and where the events go. */
  environment(): Record<string, string> {
    return { [STATE_TABLE_ENV]: this.table.tableName, [FINDING_EVENT_BUS_ENV]: FINDING_EVENT_BUS };
  }
}

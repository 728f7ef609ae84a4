import type { Stack } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/**
 * What a resolved value counts toward IAM's policy quotas, tokens taken at their longest: IAM counts a
 * policy's characters without white space (IAM and AWS STS quotas, IAM User Guide), and the template's
 * pseudo parameters and references only become text at deploy time.
 */
const WORST_CASE: Record<string, string> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
  'AWS::StackName': 'x'.repeat(128),
};
/** A resource's ARN or name, as long as ARNs this stack references get. */
const REFERENCE = 'x'.repeat(160);

function concrete(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(concrete);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') return WORST_CASE[o.Ref] ?? REFERENCE;
  if ('Fn::GetAtt' in o || 'Fn::ImportValue' in o) return REFERENCE;
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return (parts.map(concrete) as string[]).join(sep);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, concrete(v)]));
}

/** The characters IAM counts for these statements inside a policy document (white space excluded). */
export function policyChars(stack: Stack, statements: readonly PolicyStatement[]): number {
  const document = { Version: '2012-10-17', Statement: statements.map((s) => s.toStatementJson()) };
  return JSON.stringify(concrete(stack.resolve(document))).length;
}

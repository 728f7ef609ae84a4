/**
 * us-east-1 list prices the alerting benchmark bills with, and the always-free tier. Read 2026-11-30 from
 * the stored copies of the pages named in `source`; `confirmed: false` marks a figure this benchmark could
 * not confirm from an AWS page (it is AWS's published price as commonly quoted; check it before relying on it).
 */

export interface Price {
  usd: number;
  unit: string;
  source: string;
  confirmed: boolean;
}

export const PRICE_LIST_DATE = '2026-11-30';

const CW = 'https://aws.amazon.com/cloudwatch/pricing/';

/** CloudWatch custom metrics, per metric-month, tiered (first 10k, next 240k, next 750k, over 1M). */
export const CUSTOM_METRIC_TIERS: readonly { upTo: number; usd: number }[] = [
  { upTo: 10_000, usd: 0.3 },
  { upTo: 250_000, usd: 0.1 },
  { upTo: 1_000_000, usd: 0.05 },
  { upTo: Number.POSITIVE_INFINITY, usd: 0.02 },
];

export const PRICES = {
  customMetric: {
    usd: 0.3,
    unit: 'metric-month (first 10,000; then $0.10, $0.05, $0.02)',
    source: `${CW} (tiers as quoted by signoz.io/guides/cloudwatch-pricing, Feb 2026)`,
    confirmed: false,
  },
  standardAlarmMetric: {
    usd: 0.1,
    unit: 'alarm metric-month, standard resolution (60 s)',
    source: `${CW} (as quoted by c3x.dev)`,
    confirmed: false,
  },
  highResolutionAlarmMetric: {
    usd: 0.3,
    unit: 'alarm metric-month, high resolution (10/30 s)',
    source: `${CW} (as quoted by c3x.dev)`,
    confirmed: false,
  },
  insightsAlarmMetric: {
    usd: 0.1,
    unit: 'metric analyzed by a Metrics Insights query alarm, per month',
    source: CW,
    confirmed: false,
  },
  dashboard: {
    usd: 3,
    unit: 'dashboard-month',
    source: `${CW} (as quoted by factualminds.com, Jun 2026)`,
    confirmed: false,
  },
  apiRequests: { usd: 0.01, unit: '1,000 PutMetricData requests', source: CW, confirmed: false },
  logIngestion: {
    usd: 0.5,
    unit: 'GB ingested (standard log class)',
    source: `${CW} (as quoted by factualminds.com, Jun 2026)`,
    confirmed: false,
  },
  logStorage: { usd: 0.03, unit: 'GB-month stored', source: CW, confirmed: false },
  kmsKey: {
    usd: 1,
    unit: 'customer-managed key-month',
    source: 'https://aws.amazon.com/kms/pricing/',
    confirmed: false,
  },
  lambdaRequests: {
    usd: 0.2,
    unit: '1M requests',
    source: 'https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html',
    confirmed: true,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second, arm64 (first 7.5 billion)',
    source: 'https://aws.amazon.com/lambda/pricing/ (as quoted by cloudchipr.com, us-east-1)',
    confirmed: false,
  },
  schedulerInvocations: {
    usd: 1,
    unit: '1M EventBridge Scheduler invocations',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    confirmed: false,
  },
  stepFunctionsTransitions: {
    usd: 0.025,
    unit: '1,000 Standard state transitions',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    confirmed: false,
  },
  dynamoWrites: {
    usd: 0.625,
    unit: '1M on-demand write request units',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (as quoted by airbyte.com, Jul 2025)',
    confirmed: false,
  },
  dynamoReads: {
    usd: 0.125,
    unit: '1M on-demand read request units',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (as quoted by airbyte.com, Jul 2025)',
    confirmed: false,
  },
  customEvents: {
    usd: 1,
    unit: '1M EventBridge PutEvents entries (64 KB chunks)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    confirmed: false,
  },
  snsEmail: {
    usd: 2,
    unit: '100,000 email notifications',
    source: 'https://aws.amazon.com/sns/pricing/',
    confirmed: false,
  },
  secretsManagerApi: {
    usd: 0.05,
    unit: '10,000 GetSecretValue calls',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
    confirmed: false,
  },
} satisfies Record<string, Price>;

/**
 * The always-free tier ("after AWS's always-free tier" column), assuming this stack is the only user of it in
 * the account. CloudWatch's from the stored copy of aws.amazon.com/cloudwatch/pricing (confirmed); Lambda's
 * from the AWS whitepaper (confirmed); the others as AWS publishes them (not confirmed here).
 */
export const FREE_TIER = {
  customMetrics: 10,
  /** Standard-resolution alarm metrics that list metrics directly (no Metrics Insights query). */
  standardAlarmMetrics: 10,
  apiRequests: 1_000_000,
  dashboards: 3,
  logGb: 5,
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  schedulerInvocations: 14_000_000,
  stepFunctionsTransitions: 4_000,
  snsEmails: 1_000,
} as const;

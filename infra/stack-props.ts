import type { Duration, StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as z from 'zod/mini';
import type { clusterRegistrySchema } from '../shared/fleet/cluster-registry.ts';
import type { reapPolicySchema } from '../shared/reap/reap-policy.ts';

/** A cluster as the functions' registry takes it (the same schema validates both). */
export type RegistryClusterInput = z.input<typeof clusterRegistrySchema>['clusters'][number];
/** The reap policy as the functions take it. */
export type ReapPolicyInput = z.input<typeof reapPolicySchema>;

/** When an alarm fires: the metric at or above `threshold` for `evaluationPeriods` audit periods in a row. */
export interface AlarmThreshold {
  threshold?: number;
  evaluationPeriods?: number;
}

/**
 * The stack's props mirror the functions' runtime configuration (the cluster registry and the reap policy,
 * which the stack writes to one SSM parameter), plus what only a deployment decides: schedules, alarms,
 * notifications, network, fan-out and access.
 */
export interface LeaseReaperStackProps extends StackProps {
  /** The fleet. EKS clusters (optionally through a role in another account) and kubeconfig secrets. */
  clusters: RegistryClusterInput[];
  /** CloudWatch namespace of the metrics (default `LeaseReaper`). */
  metricsNamespace?: string;
  /** `cloudwatch` (PutMetricData) or `emf` (log lines; no API call, for VPCs without a monitoring endpoint). */
  metricsSink?: 'cloudwatch' | 'emf';
  /** Clusters one invocation reads at once (default 8). */
  concurrency?: number;

  audit?: {
    /** How often the fleet is audited (default 5 minutes); also the alarms' period. */
    every?: Duration;
    memorySize?: number;
  };
  reap?: {
    /** Deploys the reap schedule enabled. Default false: the function exists, its schedule is disabled. */
    enabled?: boolean;
    /** Default 1 hour. */
    every?: Duration;
    /** The reap policy; `dryRun` defaults to true, so enabling the schedule alone deletes nothing. */
    policy?: ReapPolicyInput;
    memorySize?: number;
  };

  alarms?: {
    staleNodeHeartbeats?: AlarmThreshold;
    clusterScanErrors?: AlarmThreshold;
    orphanedApiServerIdentities?: AlarmThreshold;
    /** Evaluated over the reap period. */
    deleteFailures?: AlarmThreshold;
    /** No audit metrics for this long is an alarm (default 3 audit periods). */
    silentAfter?: Duration;
    /** An alarm per cluster too (default: when the fleet has at most 10 clusters). */
    perCluster?: boolean;
  };
  notifications?: {
    /** An existing topic; otherwise the stack creates an encrypted one. */
    topicArn?: string;
    emails?: string[];
  };

  /**
   * Private EKS endpoints: run the functions in these subnets with these security groups. The subnets
   * need a route to the AWS APIs (NAT, or interface endpoints for EKS, Secrets Manager, SSM, STS and —
   * unless metricsSink is emf — CloudWatch); the clusters' security groups must allow 443 from these.
   */
  network?: {
    subnetIds: string[];
    securityGroupIds: string[];
  };

  /** Past `threshold` clusters, a Step Functions Map audits shards of `shardSize` in parallel. */
  fanOut?: {
    threshold?: number;
    shardSize?: number;
    maxConcurrency?: number;
  };

  eksAccess?: {
    /** Create EKS access entries mapping the roles to the groups below (default true). */
    createAccessEntries?: boolean;
    auditGroup?: string;
    reapGroup?: string;
  };

  /** Customer-managed KMS keys of the kubeconfig secrets, if any. */
  secretsKmsKeyArns?: string[];
  /** Log retention of the functions and the state machine (default one month; one year under Control Tower). */
  logRetention?: RetentionDays;
  /** Accounts with AWS Control Tower proactive controls (README: Compliance mode). Default off. */
  compliance?: ComplianceProps;
}

export interface ComplianceProps {
  /**
   * Meet the Control Tower proactive controls the stack's resources are subject to: log groups kept a
   * year and encrypted with a KMS key, X-Ray tracing on the fan-out state machine, KMS grants for AWS
   * services only. (CT.LAMBDA.PR.3, functions in a VPC, is met by setting `network`.)
   */
  controlTower?: boolean;
  /**
   * Encrypt the log groups with this key instead of one the stack creates; its policy must let
   * CloudWatch Logs use it for the stack's log groups. Encrypts them with or without `controlTower`.
   */
  logsKmsKeyArn?: string;
}

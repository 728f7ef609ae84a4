import type { Duration, StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as z from 'zod/mini';
import type { clusterRegistrySchema } from '../shared/fleet/cluster-registry.ts';
import type { reapPolicySchema } from '../shared/reap/reap-policy.ts';

type RegistryInput = z.input<typeof clusterRegistrySchema>;
/** A cluster as the functions' registry takes it (the same schema validates both). */
export type RegistryClusterInput = RegistryInput['clusters'][number];
/** The reap policy as the functions take it. */
export type ReapPolicyInput = z.input<typeof reapPolicySchema>;

/**
 * How an alarm evaluates its metric (PutMetricAlarm's fields): it fires when `datapointsToAlarm` of the last
 * `evaluationPeriods` periods of `period` breach `threshold` ("M of N"). Every field is validated at synth,
 * each error naming the field (infra/alarm-settings.ts).
 */
export interface AlarmSettings {
  /** 10, 20 or 30 seconds (high-resolution metrics only), or whole minutes. */
  period?: Duration;
  evaluationPeriods?: number;
  /** M of the N `evaluationPeriods` (default: every one of them unless stated). */
  datapointsToAlarm?: number;
  threshold?: number;
}
/** An alarm whose threshold is fixed by what it means (no samples at all; fewer apiservers than expected). */
export type AlarmTiming = Omit<AlarmSettings, 'threshold'>;

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
  /**
   * Which metrics each cluster publishes and which only as fleet totals (the registry's `metrics`; default:
   * per cluster what the per-cluster alarms watch). A metric an alarm watches must be published.
   */
  metrics?: RegistryInput['metrics'];
  /** Findings logged one line each per cluster and run (the registry's `findingLogLimit`, default 50). */
  findingLogLimit?: number;

  audit?: {
    /** How often the fleet is audited (default 1 minute, the detection-latency budget's first term). */
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
    /**
     * How long the archive bucket keeps each tombstone (default 90 days; whole days, 1 to 3650). The bucket
     * exists when the reaper can delete: reaping enabled, or a policy that says `dryRun: false`.
     */
    tombstoneRetention?: Duration;
  };

  /**
   * The alarms' evaluation (README "Alarms"). Defaults, for a 1-minute audit: stale heartbeats 30 s periods
   * (high resolution), 1 of 2; scan errors 3 of 5 and orphaned identities 2 of 3 at 60 s; leaderless control
   * planes 2 of 2 at 60 s; auditor silent 4 of 4 at 30 s; apiservers below expected 2 of 3 at 60 s. The
   * 60-second periods follow a slower `audit.every`. Missing finding data never changes an alarm's state (a
   * failed scan is not a recovery).
   */
  alarms?: {
    staleNodeHeartbeats?: AlarmSettings;
    clusterScanErrors?: AlarmSettings;
    orphanedApiServerIdentities?: AlarmSettings;
    /**
     * `ControlPlaneLeadersMissing` (kube-system leader leases of kube-controller-manager, kube-scheduler,
     * cloud-controller-manager not renewed past their duration): per cluster when each cluster publishes it
     * and `perCluster` is on, else on its fleet total. Default: 2 of 2 audit periods.
     */
    controlPlaneLeadersMissing?: AlarmSettings;
    /** No `ClusterScanErrors` sample in `datapointsToAlarm` of `evaluationPeriods` periods. */
    auditorSilent?: AlarmTiming;
    /** A cluster's `LiveApiServers` below its `expectedApiServers` (clusters that set it). */
    apiServersBelowExpected?: AlarmTiming;
    /** Only when reaping; evaluated over the reap period by default. */
    deleteFailures?: AlarmSettings;
    /**
     * The audit's `RunFailed` (a run that failed outright, setup included; default 2 of 2 audit periods).
     * The reaper's, when reaping, fires on one failed run over the reap period.
     */
    runFailed?: AlarmSettings;
    /**
     * Stale heartbeats and scan errors alarmed per cluster instead of fleet-wide (default: when the fleet has
     * at most 10 clusters); never both for one metric.
     */
    perCluster?: boolean;
  };
  notifications?: {
    /** An existing topic; otherwise the stack creates an encrypted one. */
    topicArn?: string;
    emails?: string[];
    /**
     * An EventBridge rule sending each critical "Lease finding opened" event of this stack to the topic as a
     * readable message (default: true when the stack creates the topic; with `topicArn`, that topic's
     * policies must let EventBridge publish for the rule `<stack>-critical-findings`).
     */
    criticalFindings?: boolean;
    /** AWS Chatbot: the alarm topic in a Slack channel (the workspace authorized in the Chatbot console). */
    slack?: { workspaceId: string; channelId: string };
    /** AWS Chatbot: the alarm topic in a Microsoft Teams channel (the team authorized in the Chatbot console). */
    teams?: { teamId: string; channelId: string; tenantId: string };
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

import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionJob, functionCode } from './function-code.ts';

export interface FleetFunctionProps {
  job: FunctionJob;
  description: string;
  timeout: Duration;
  memorySize: number;
  /** Async events older than this are dropped: a later schedule replaces them. */
  maxEventAge: Duration;
  reservedConcurrentExecutions?: number;
  environment: Record<string, string>;
  statements: PolicyStatement[];
  /** Grant PutMetricData in this CloudWatch namespace (none when metrics go out as EMF log lines). */
  metricsNamespace?: string;
  logRetention: RetentionDays;
  /** Encrypt the log group with this key, under this name (compliance mode: the key's policy names it). */
  logEncryption?: { key: IKey; logGroupName: string };
  network?: { subnetIds: string[]; securityGroupIds: string[] };
}

/**
 * One of the two functions: its own role (no managed policy unless in a VPC), its own log group with
 * retention, bundled locally by esbuild exactly as the cold-start benchmark measures it. Never retried
 * by Lambda: a failed run is reported, and the next schedule runs again, rather than doubling a run.
 */
export class FleetFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: FleetFunctionProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `lease-reaper ${props.job} function`,
    });
    for (const statement of props.statements) this.role.addToPrincipalPolicy(statement);
    if (props.metricsNamespace !== undefined) {
      // A policy of its own, so the acknowledgement of its "*" covers this statement and nothing else.
      const publish = new Policy(this, 'PublishMetrics', {
        statements: [
          new PolicyStatement({
            sid: 'PublishLeaseMetrics',
            actions: ['cloudwatch:PutMetricData'],
            resources: ['*'],
            conditions: { StringEquals: { 'cloudwatch:namespace': props.metricsNamespace } },
          }),
        ],
      });
      publish.attachToRole(this.role);
      Validations.of(publish).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:PutMetricData has no resource-level permissions; the statement is conditioned on cloudwatch:namespace.',
      });
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
      ...(props.logEncryption
        ? { encryptionKey: props.logEncryption.key, logGroupName: props.logEncryption.logGroupName }
        : {}),
    });
    this.logGroup.grantWrite(this.role);

    if (props.network) {
      // Creating and deleting the ENIs of a VPC function: AWS's managed policy is the documented grant,
      // and these EC2 actions have no resource-level scoping to narrow it to.
      this.role.addManagedPolicy(
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'A VPC function must manage its ENIs; ec2:CreateNetworkInterface and friends support no resource scoping.',
      });
    }

    this.function = new LambdaFunction(this, 'Function', {
      code: functionCode(props.job),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      retryAttempts: 0,
      maxEventAge: props.maxEventAge,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      environment: {
        // A 4 MB young generation, as the CLI runs: ~45 MB less peak memory on large clusters (README).
        NODE_OPTIONS: '--max-semi-space-size=4',
        ...props.environment,
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs24.x is the runtime lease-reaper is built and tested for (bundle target node24, and test/infra/lambda-runtime.test.ts runs both bundles on Node 24); moving runtimes is a tested change.',
    });
    if (props.network) {
      // Subnets and groups by id: the L2 \`vpc\` prop would need the whole VPC's layout (a lookup at synth);
      // Lambda itself takes only these two lists.
      (this.function.node.defaultChild as CfnFunction).vpcConfig = {
        subnetIds: props.network.subnetIds,
        securityGroupIds: props.network.securityGroupIds,
      };
    }
  }
}

/** A Lambda timeout that ends before the next scheduled run starts, and within Lambda's 15 minutes. */
export function timeoutFor(every: Duration, margin = Duration.seconds(30)): Duration {
  return Duration.seconds(Math.min(900, Math.max(60, every.toSeconds() - margin.toSeconds())));
}

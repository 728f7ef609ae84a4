import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { deploymentFromContext, stackPropsFor } from './deployment-config.ts';
import { LeaseReaperStack } from './lease-reaper-stack.ts';

/**
 * The CDK app: one LeaseReaperStack from the deployment in cdk.json (`leaseReaper`) or a file
 * (`-c leaseReaperConfig=FILE`), checked by cdk-nag's AwsSolutions rules (a violation fails the synth).
 */
const app = new App();
const config = deploymentFromContext((key) => app.node.tryGetContext(key));
new LeaseReaperStack(app, config.stackName, stackPropsFor(config));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

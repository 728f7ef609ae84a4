import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../shared/errors.ts';
import { deploymentFromContext, stackPropsFor } from './deployment-config.ts';
import { LeaseReaperStack } from './lease-reaper-stack.ts';

/**
 * The CDK app: one LeaseReaperStack from the deployment in cdk.json (`leaseReaper`) or a file
 * (`-c leaseReaperConfig=FILE`), checked by cdk-nag's AwsSolutions rules (a violation fails the synth).
 * The RBAC manifest for the deployment's groups is written beside the template:
 * `cdk.out/<stack>.rbac.yaml`.
 */
const app = new App();
try {
  const config = deploymentFromContext((key) => app.node.tryGetContext(key));
  const stack = new LeaseReaperStack(app, config.stackName, stackPropsFor(config));
  mkdirSync(app.outdir, { recursive: true });
  writeFileSync(join(app.outdir, `${config.stackName}.rbac.yaml`), stack.rbacManifest);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (err) {
  // A configuration mistake is one line naming the field, not a stack trace.
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`lease-reaper: ${err.message}\n`);
  process.exit(1);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseDeploymentConfig, stackPropsFor } from '../../infra/deployment-config.ts';
import { LeaseReaperStack, type LeaseReaperStackProps } from '../../infra/lease-reaper-stack.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The deployment cdk.json ships (what `npx cdk synth` builds on a clean clone). */
export function sampleProps(): LeaseReaperStackProps {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context: { leaseReaper: unknown };
  };
  return stackPropsFor(parseDeploymentConfig(cdkJson.context.leaseReaper, 'cdk.json'));
}

export interface Synthesized {
  app: App;
  stack: LeaseReaperStack;
  template: Template;
}

/**
 * A stack in its own app. Bundling is skipped (`aws:cdk:bundling-stacks: []`): these tests are about the
 * template; test/infra/bundling.test.ts bundles for real. With `nag`, cdk-nag's AwsSolutions checks run
 * at synth and any unacknowledged finding throws.
 */
export function synth(
  props: Partial<LeaseReaperStackProps> = {},
  options: { nag?: boolean; id?: string; deferSynth?: boolean } = {},
): Synthesized {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LeaseReaperStack(app, options.id ?? 'LeaseReaper', {
    ...sampleProps(),
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (options.deferSynth) return { app, stack, template: undefined as never };
  const template = options.nag ? Template.fromJSON(readTemplate(app, stack)) : Template.fromStack(stack);
  return { app, stack, template };
}

function readTemplate(app: App, stack: LeaseReaperStack): object {
  const assembly = app.synth();
  return assembly.getStackArtifact(stack.artifactId).template as object;
}

/** n EKS clusters in eu-west-1 named c000, c001, … */
export function eksFleet(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const name = `c${String(i).padStart(3, '0')}`;
    return { name, type: 'eks' as const, clusterName: name, region: 'eu-west-1' };
  });
}

type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string };

export function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

export function only(template: Template, type: string, match: (id: string) => boolean): Resource {
  const found = resources(template, type).filter(([id]) => match(id));
  if (found.length !== 1) throw new Error(`expected one ${type} matching, found ${found.length}`);
  return (found[0] as [string, Resource])[1];
}

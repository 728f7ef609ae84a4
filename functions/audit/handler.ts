import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { ClusterConnector } from '../../shared/fleet/cluster-connector.ts';
import { loadRegistry } from '../../shared/fleet/registry-source.ts';
import { cloudWatchClient } from '../../shared/metrics/cloudwatch-sink.ts';
import { type FleetAuditDeps, type FleetAuditSummary, runFleetAudit } from '../commons/fleet-audit.ts';
import { jsonLogger } from '../commons/logger.ts';
import { runDeadline } from '../commons/run-deadline.ts';

/**
 * The event of the audit schedule (EventBridge Scheduler passes its input verbatim): optionally the
 * clusters to audit, e.g. a shard from the fan-out state machine. Unknown keys are ignored, so an
 * EventBridge envelope also works.
 */
export const auditEventSchema = z.looseObject({
  clusters: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
});

/** The audit run as plain, testable code; the handler below only wires it to Lambda. */
export function auditFunction(deps: FleetAuditDeps) {
  return async (
    event: unknown,
    context: Context,
    { signal }: { signal: AbortSignal },
  ): Promise<FleetAuditSummary> => {
    const parsed = auditEventSchema.safeParse(event ?? {});
    if (!parsed.success) {
      deps.log.log('error', 'invalid event', {
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      throw new Error(
        `invalid event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const deadline = runDeadline(signal, context);
    const summary = await runFleetAudit(deps, {
      ...(parsed.data.clusters ? { subset: parsed.data.clusters } : {}),
      signal: deadline,
    });
    deps.log.log('info', 'fleet audited', { ...summary, perCluster: undefined });
    return summary;
  };
}

/** The middy handler around the audit run, for given dependencies (tests pass mocked AWS clients). */
export function makeAuditHandler(deps: FleetAuditDeps) {
  return middy({ timeoutEarlyInMillis: 2_000 }).handler(auditFunction(deps));
}

let deps: FleetAuditDeps | undefined;

/** The deployed entry point. Configuration is read at a container's first invocation and kept. */
export const handler = middy({ timeoutEarlyInMillis: 2_000 }).handler(
  async (event: unknown, context: Context, opts: { signal: AbortSignal }) => {
    deps ??= {
      registry: await loadRegistry(),
      connector: new ClusterConnector(),
      cloudWatch: await cloudWatchClient(),
      log: jsonLogger(),
    };
    return auditFunction(deps)(event, context, opts);
  },
);

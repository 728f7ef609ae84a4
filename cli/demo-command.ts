import { Command } from 'commander';
import { defaultAuditPolicy } from '../shared/audit/audit-policy.ts';
import { kubeConfigFromEndpoint } from '../shared/kube/connect.ts';
import { startSimCluster } from '../sim/cluster.ts';
import { defaultScenario } from '../sim/scenario.ts';
import { runAudit } from './audit-command.ts';

/**
 * `lease-reaper demo` (`npm run demo`): starts a simulated cluster in-process with a little of every
 * anomaly and runs the audit against it over verified HTTPS — the main job, with no cluster needed.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('start a simulated cluster in-process and audit it, exactly as a real cluster is audited')
    .option('--output <format>', 'table or json', 'table')
    .action(async (flags: { output: 'table' | 'json' }) => {
      const sim = await startSimCluster({ name: 'demo', scenario: defaultScenario, renew: true });
      try {
        const kubeConfig = kubeConfigFromEndpoint({
          name: 'demo',
          server: sim.url,
          caData: Buffer.from(sim.caCertPem ?? '').toString('base64'),
          token: sim.tokens.readOnly,
        });
        if (flags.output !== 'json') {
          process.stdout.write(
            `Simulated cluster "demo" at ${sim.url} (its own CA, read-only token). Auditing…\n\n`,
          );
        }
        await runAudit({
          targets: [{ name: 'demo', kubeConfig }],
          policy: defaultAuditPolicy,
          output: flags.output === 'json' ? 'json' : 'table',
          failOn: undefined,
          nowMs: undefined,
          includePods: true,
          concurrency: 1,
          timeoutSeconds: 60,
        });
      } finally {
        await sim.close();
      }
    });
}

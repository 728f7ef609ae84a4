import { Command, Option } from 'commander';
import { defaultAuditPolicy } from '../shared/audit/audit-policy.ts';
import { kubeConfigFromEndpoint } from '../shared/kube/connect.ts';
import { defaultScenario } from '../sim/scenario.ts';
import { runAudit } from './audit-command.ts';
import { OUTPUT_FORMATS, type OutputFormat, outputFormat } from './audit-output.ts';

/**
 * `lease-reaper demo` (`npm run demo`): starts a simulated cluster in-process with a little of every
 * anomaly and runs the audit against it over verified HTTPS — the main job, with no cluster needed.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('start a simulated cluster in-process and audit it, exactly as a real cluster is audited')
    .addOption(
      new Option('-o, --output <format>', `output format, as for audit: ${OUTPUT_FORMATS.join(', ')}`)
        .argParser(outputFormat)
        .default({ kind: 'table' }, 'table'),
    )
    .addHelpText(
      'after',
      `
Examples:
  lease-reaper demo                # the audit table of a simulated cluster with every kind of anomaly
  lease-reaper demo -o wide        # with the reasons in full
  lease-reaper demo -o json        # the AuditReport

Exit codes:
  0   audited (findings are expected: the cluster is seeded with them)
  2   the simulated cluster could not be audited
  64  bad flags
`,
    )
    .action(async (flags: { output: OutputFormat }) => {
      // Loaded when run, as for `sim`: no other command pays for the server's start-up.
      const { startSimCluster } = await import('../sim/cluster.ts');
      const sim = await startSimCluster({ name: 'demo', scenario: defaultScenario, renew: true });
      try {
        const kubeConfig = kubeConfigFromEndpoint({
          name: 'demo',
          server: sim.url,
          caData: Buffer.from(sim.caCertPem ?? '').toString('base64'),
          token: sim.tokens.readOnly,
        });
        if (flags.output.kind === 'table' || flags.output.kind === 'wide') {
          process.stdout.write(
            `Simulated cluster "demo" at ${sim.url} (its own CA, read-only token). Auditing…\n\n`,
          );
        }
        process.exitCode = await runAudit({
          targets: [{ name: 'demo', kubeConfig }],
          policy: defaultAuditPolicy,
          output: flags.output,
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

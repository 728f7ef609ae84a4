#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { LeaseReaperError } from '../shared/errors.ts';
import { ExitCode } from '../shared/report/audit-report.ts';
import { auditCommand } from './audit-command.ts';
import { demoCommand } from './demo-command.ts';
import { rbacCommand } from './rbac-command.ts';
import { reapCommand } from './reap-command.ts';
import { simCommand } from './sim-command.ts';

const program = new Command('lease-reaper')
  .description('Audit and reap Kubernetes Leases across clusters; includes a simulated cluster to try it on.')
  .showHelpAfterError()
  .exitOverride();
program.addCommand(auditCommand().exitOverride());
program.addCommand(reapCommand().exitOverride());
program.addCommand(simCommand().exitOverride());
program.addCommand(demoCommand().exitOverride());
program.addCommand(rbacCommand().exitOverride());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and --version exit 0; anything else commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? 0 : ExitCode.usage;
  } else if (err instanceof LeaseReaperError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = ExitCode.usage;
  } else {
    throw err;
  }
}

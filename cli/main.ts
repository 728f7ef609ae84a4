#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { LeaseReaperError } from '../shared/errors.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import { VERSION } from '../shared/version.ts';
import { auditCommand } from './audit-command.ts';
import { demoCommand } from './demo-command.ts';
import { ExitCode } from './exit-codes.ts';
import { rbacCommand } from './rbac-command.ts';
import { reapCommand } from './reap-command.ts';
import { describeUnexpected, redactWrites } from './redacted-output.ts';
import { simCommand } from './sim-command.ts';

redactWrites(process.stdout);
redactWrites(process.stderr);
// A reader that stops early (`lease-reaper … | head`) closes the pipe: that ends the output, quietly, as
// for any Unix tool — not the process with an unhandled EPIPE and a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });

const program = new Command('lease-reaper')
  .description('Audit and reap Kubernetes Leases across clusters; includes a simulated cluster to try it on.')
  .version(VERSION, '-V, --version', 'print the version and exit')
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
    // Messages can quote a file or a server's answer: escaped like every other line for a terminal.
    process.stderr.write(`error: ${escapeTerminal(err.message)}\n`);
    process.exitCode = ExitCode.usage;
  } else {
    // Not rethrown: Node would print the stack and the cause (a server's reply, a URL) unredacted.
    process.stderr.write(`${describeUnexpected(err)}\n`);
    process.exitCode = 1;
  }
}

#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { LeaseReaperError } from '../shared/errors.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import { VERSION } from '../shared/version.ts';
import { ExitCode } from './exit-codes.ts';
import { describeUnexpected, redactWrites } from './redacted-output.ts';

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

/**
 * Each command's module, loaded when needed. Every command is a chunk of its own in the bundle (see
 * scripts/bundle.mjs), so `lease-reaper audit` starts without evaluating the reap planner, the simulated
 * cluster or the registry's schemas. In help order.
 */
const commands: Record<string, () => Promise<Command>> = {
  audit: async () => (await import('./audit-command.ts')).auditCommand(),
  reap: async () => (await import('./reap-command.ts')).reapCommand(),
  restore: async () => (await import('./restore-command.ts')).restoreCommand(),
  sim: async () => (await import('./sim-command.ts')).simCommand(),
  demo: async () => (await import('./demo-command.ts')).demoCommand(),
  rbac: async () => (await import('./rbac-command.ts')).rbacCommand(),
};

try {
  // A run naming its command (`lease-reaper audit …`) loads that command alone: its parsing, help and
  // errors are the command's own. Anything else (`--help`, `help audit`, a typo to suggest a command for)
  // needs them all.
  const named = process.argv[2];
  const wanted = named !== undefined && Object.hasOwn(commands, named) ? [named] : Object.keys(commands);
  for (const command of await Promise.all(wanted.map((name) => commands[name]?.())))
    if (command) program.addCommand(command.exitOverride());
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

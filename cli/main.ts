#!/usr/bin/env node
import { Command } from 'commander';
import { demoCommand } from './demo-command.ts';
import { simCommand } from './sim-command.ts';

const program = new Command('lease-reaper')
  .description('Audit and reap Kubernetes Leases across clusters; includes a simulated cluster to try it on.')
  .showHelpAfterError();
program.addCommand(simCommand());
program.addCommand(demoCommand());

await program.parseAsync(process.argv);

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Vitest global setup: builds dist/cli.mjs once, from the sources under test, before any test runs. The CLI
 * tests run the installed entry point (bin/lease-reaper.mjs → dist/cli.mjs) as a user's shell does, not
 * the TypeScript sources; building here means they never run a stale bundle.
 */
export default function buildCli(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], {
    cwd: join(import.meta.dirname, '..', '..'),
    stdio: 'inherit',
  });
}

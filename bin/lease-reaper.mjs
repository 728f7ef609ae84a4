#!/usr/bin/env -S node --max-semi-space-size=4
// A small young generation: the CLI keeps compact records of every lease and Node, and a 4 MB semi-space
// keeps a 100,000-node audit well under 200 MB RSS for a few percent more GC time (see bench/README.md).
// The CLI is bundled by `npm run build` (run automatically by `npm ci` / `npm install` / `npm pack` via
// `prepare`).

// The oldest Node.js the CLI runs on: AbortSignal.any (per-request deadlines) arrived in 20.3.0. On an
// older Node the bundle would load and then fail mid-run ("AbortSignal.any is not a function"), so it is
// checked before the bundle loads. Keep in step with "engines" in package.json: the refusal must name
// that version (test/integration/package-install.test.ts). Plain old syntax, no top-level await, so an
// old Node gets this far (checked with Node 16.20 and 18.20).
const required = [20, 3, 0];
const running = process.versions.node.split('.').map(Number);
const order = running[0] - required[0] || running[1] - required[1] || running[2] - required[2];
if (order < 0) {
  process.stderr.write(
    `error: lease-reaper needs Node.js ${required.join('.')} or later; this is Node.js ${process.versions.node}.\n`,
  );
  // 64 like every other problem with how the CLI was run: exit 1 would read as a finding under --fail-on.
  process.exit(64);
}
import('../dist/cli.mjs');

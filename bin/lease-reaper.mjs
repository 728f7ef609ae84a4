#!/usr/bin/env -S node --max-semi-space-size=4
// A small young generation: the CLI keeps compact records of every lease and Node, and a 4 MB semi-space
// keeps a 100,000-node audit well under 200 MB RSS for a few percent more GC time (see bench/README.md).
// The CLI is bundled by `npm run build` (run automatically by `npm ci` / `npm install` via `prepare`).
import '../dist/cli.mjs';

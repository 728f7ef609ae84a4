#!/usr/bin/env node
// The CLI is bundled by `npm run build` (run automatically by `npm ci` / `npm install` via `prepare`).
import '../dist/cli.mjs';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start HTTPS servers; a generous timeout keeps slow CI machines honest
    // without hiding hangs (each test still bounds its own waits).
    testTimeout: 60_000,
    // Most integration time is waiting on child processes and sockets, so one worker more than the
    // 2-core CI machine's cores shortens the run (2m37s -> 2m01s there) without starving any test.
    maxWorkers: 3,
    hookTimeout: 30_000,
    // The CLI tests run the built bin (bin/lease-reaper.mjs → dist/cli.mjs): built once, here.
    globalSetup: ['test/support/build-cli.ts'],
  },
});

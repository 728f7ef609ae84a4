import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start HTTPS servers; a generous timeout keeps slow CI machines honest
    // without hiding hangs (each test still bounds its own waits).
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

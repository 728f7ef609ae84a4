import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { currentGroup } from './groups.mjs';

/**
 * The tests Stryker runs against each mutant: the unit tests of the group being mutated (mutate/groups.mjs),
 * the delete path's included, against the simulated cluster over HTTPS. Every safety guard has a unit test that catches it; the integration
 * tests, which catch each one end to end as well, start whole fleets and would make a run take hours.
 * (The CLI tests run the bundled CLI in a child process, which no mutant reaches.)
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: currentGroup().tests,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // One module graph for all the test files of a mutant's run: a run took ~3× longer isolated. Safe here:
    // Stryker switches mutants by a global it sets per run, not by reloading modules.
    isolate: false,
  },
});

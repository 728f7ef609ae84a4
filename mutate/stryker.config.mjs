// Mutation testing of the safety-critical modules: `npm run mutate` (from the repository root).
// Scores per file are in README.md ("Mutation testing"); survivors left, with why each is equivalent, in
// mutate/SURVIVORS.md.
import { currentGroup } from './groups.mjs';

// One group of files at a time (mutate/run.mjs sets MUTATE_GROUP): see mutate/groups.mjs.
const group = currentGroup();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: group.mutate,
  testRunner: 'vitest',
  vitest: { configFile: 'mutate/vitest.config.ts' },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'mutate/tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Only what changed since the last run is tested again. The files are committed: they are also the report
  // mutate/scores.mjs reads (mutation-<group>.html / .json, written beside them, are not).
  incremental: true,
  incrementalFile: `mutate/reports/${group.name}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `mutate/reports/mutation-${group.name}.html` },
  jsonReporter: { fileName: `mutate/reports/mutation-${group.name}.json` },
  thresholds: { high: 95, low: 90, break: null },
  // 1 TypeScript checker + 1 test runner; more on 2 cores made slow mutants time out falsely.
  concurrency: 2,
  // Beyond the unmutated run's own time: a mutant that loops forever is a timeout (counted as killed).
  timeoutMS: group.timeoutMS ?? 10_000,
  tempDirName: '.stryker-tmp',
  ignorePatterns: [
    'dist',
    'cdk.out',
    '.scratch',
    '.stryker-tmp*',
    'mutate/node_modules',
    'mutate/reports',
    'bench/results',
  ],
  cleanTempDir: 'always',
};

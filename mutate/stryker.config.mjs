// Mutation testing of the safety-critical modules: `npm run mutate` (from the repository root).
// Scores per file are in README.md ("Mutation testing"); survivors left, with why each is equivalent, in
// mutate/SURVIVORS.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // What deletes, what decides to delete, what reports, and what keeps secrets out of output.
  mutate: [
    'shared/reap/*.ts',
    'shared/kube/delete-lease.ts',
    'shared/audit/rules/*.ts',
    'shared/audit/lease-shape.ts',
    'shared/audit/heartbeat-judge.ts',
    'shared/redaction.ts',
    'shared/errors.ts',
    'shared/metrics/cloudwatch-sink.ts',
    'shared/fleet/kubeconfig-secret.ts',
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'mutate/vitest.config.ts' },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'mutate/tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Only what changed since the last run is tested again. The file is committed: it is also the report
  // mutate/scores.mjs reads (mutation.html / .json, written beside it, are not).
  incremental: true,
  incrementalFile: 'mutate/reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'mutate/reports/mutation.html' },
  jsonReporter: { fileName: 'mutate/reports/mutation.json' },
  thresholds: { high: 95, low: 90, break: null },
  concurrency: 2,
  // Beyond the unmutated run's own time: a mutant that loops forever is a timeout (counted as killed).
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'cdk.out', '.scratch', 'mutate/node_modules', 'mutate/reports', 'bench/results'],
  cleanTempDir: 'always',
};

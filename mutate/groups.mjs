// The safety-critical files, in groups that Stryker runs one at a time (`npm run mutate`, or
// `npm run mutate -- audit secrets` for some). Each group names the tests its mutants are run against:
// all the unit tests, or where its files are reached by nearly every test (redaction is called from every
// error) the tests written for them. Fewer tests can only kill fewer mutants, so a score measured with a
// group's tests is a floor of the whole suite's. (The integration tests start whole fleets; a run of them
// per mutant would take hours. Every guard has a unit test that catches it and an end-to-end one too.)
const ALL_UNIT_TESTS = ['test/unit/**/*.test.ts'];

/** @type {Record<string, { mutate: string[]; tests: string[]; timeoutMS?: number }>} */
export const groups = {
  // What decides to delete, and the run that does it.
  reap: { mutate: ['shared/reap/*.ts'], tests: ALL_UNIT_TESTS },
  // What deletes, the errors it raises, and what reports.
  delete: {
    mutate: ['shared/kube/delete-lease.ts', 'shared/errors.ts', 'shared/metrics/cloudwatch-sink.ts'],
    tests: ALL_UNIT_TESTS,
  },
  // The rules that file the findings the planner acts on, in two groups of about 400 mutants (half an hour
  // each). The audit tests run in well under a second: 3 s beyond it is ample for a mutant that loops.
  audit: {
    mutate: [
      'shared/audit/rules/apiserver-identities.ts',
      'shared/audit/rules/control-plane-leaders.ts',
      'shared/audit/rules/coordinated-leases.ts',
      'shared/audit/rules/facts.ts',
      'shared/audit/rules/leader-leases.ts',
      'shared/audit/rules/stale-lease-candidates.ts',
    ],
    tests: ['test/unit/audit/**/*.test.ts'],
    timeoutMS: 3_000,
  },
  heartbeats: {
    mutate: [
      'shared/audit/rules/node-heartbeats.ts',
      'shared/audit/rules/leader-churn.ts',
      'shared/audit/rules/lease-naming.ts',
    ],
    tests: ['test/unit/audit/**/*.test.ts'],
    timeoutMS: 3_000,
  },
  // What makes a lease malformed or stale. A mutant of the streamed merge often loops forever, and each
  // waits out the timeout.
  judge: {
    mutate: ['shared/audit/lease-shape.ts', 'shared/audit/heartbeat-judge.ts'],
    tests: ['test/unit/audit/**/*.test.ts'],
    timeoutMS: 3_000,
  },
  // What keeps credentials out of every message and log line.
  redaction: {
    mutate: ['shared/redaction.ts'],
    tests: [
      'test/unit/redaction.test.ts',
      'test/unit/redaction-boundaries.test.ts',
      'test/unit/redaction-shapes.test.ts',
      'test/unit/redaction-users.test.ts',
      'test/unit/errors.test.ts',
      'test/unit/failure-hints.test.ts',
    ],
  },
  // The checks on a kubeconfig kept in Secrets Manager.
  secrets: {
    mutate: ['shared/fleet/kubeconfig-secret.ts'],
    tests: [
      'test/unit/redaction.test.ts',
      'test/unit/redaction-boundaries.test.ts',
      'test/unit/kubeconfig-secret.test.ts',
      'test/unit/kubeconfig-secret-checks.test.ts',
      'test/unit/errors.test.ts',
      'test/unit/failure-hints.test.ts',
    ],
  },
};

/** The group named by MUTATE_GROUP (set by mutate/run.mjs for Stryker and the vitest it starts). */
export function currentGroup() {
  const name = process.env.MUTATE_GROUP ?? '';
  const group = groups[name];
  if (!group)
    throw new Error(
      `MUTATE_GROUP must name a group (${Object.keys(groups).join(', ')}); got "${name}". Run npm run mutate.`,
    );
  return { name, ...group };
}

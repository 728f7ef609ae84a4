import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { globMatcher, parseReapPolicy } from '../../../shared/reap/reap-policy.ts';

/** The smallest policy that can delete something. */
const minimal = { namespaces: { include: ['payments'] } };

/** The problems of a rejected policy, one per entry (`path: message`), or [] when it is accepted. */
function problemsOf(input: unknown, source?: string): string[] {
  try {
    parseReapPolicy(input, source);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    const marker = ' is invalid: ';
    expect(message).toContain(marker);
    return message.slice(message.indexOf(marker) + marker.length).split('; ');
  }
}

describe('parseReapPolicy defaults', () => {
  it('fills every key it is not given with the safe default', () => {
    // Act
    const policy = parseReapPolicy(minimal);

    // Assess
    expect(policy).toEqual({
      dryRun: true,
      namespaces: { include: ['payments'], exclude: [] },
      names: ['*'],
      minExpiredFor: 86_400,
      abandonedAfter: 86_400,
      maxClockSkew: 300,
      maxDeletionsPerRun: 10,
      maxDeletionsPerCluster: 10,
      recordEvents: true,
      reapOrphanedNodeLeases: false,
      allowSystemLeases: [],
    });
    expect(policy.labelSelector).toBeUndefined();
  });

  it('keeps every key it is given', () => {
    // Prepare
    const input = {
      dryRun: false,
      namespaces: { include: ['team-*'], exclude: ['team-platform'] },
      names: ['*.example.com'],
      labelSelector: 'app.kubernetes.io/managed-by!=helm',
      minExpiredFor: '2d',
      maxClockSkew: '2m',
      maxDeletionsPerRun: 20,
      maxDeletionsPerCluster: 5,
      recordEvents: false,
      reapOrphanedNodeLeases: true,
      allowSystemLeases: ['kube-system/old-cloud-controller'],
    };

    // Act
    const policy = parseReapPolicy(input);

    // Assess
    expect(policy).toEqual({ ...input, minExpiredFor: 172_800, abandonedAfter: 172_800, maxClockSkew: 120 });
  });

  it('returns a frozen policy', () => {
    // Act
    const policy = parseReapPolicy(minimal);

    // Assess
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('accepts a policy that reaps only orphaned node leases', () => {
    // Act
    const policy = parseReapPolicy({ reapOrphanedNodeLeases: true });

    // Assess
    expect(policy.namespaces).toEqual({ include: [], exclude: [] });
    expect(policy.reapOrphanedNodeLeases).toBe(true);
  });
});

describe('parseReapPolicy durations', () => {
  it.each([
    { minExpiredFor: '600s', seconds: 600 },
    { minExpiredFor: '30m', seconds: 1_800 },
    { minExpiredFor: '24h', seconds: 86_400 },
    { minExpiredFor: '7d', seconds: 604_800 },
    { minExpiredFor: '10m', seconds: 600 },
    { minExpiredFor: 3_600, seconds: 3_600 },
    { minExpiredFor: 600, seconds: 600 },
  ])('reads minExpiredFor $minExpiredFor as $seconds s', ({ minExpiredFor, seconds }) => {
    // Act
    const policy = parseReapPolicy({ ...minimal, minExpiredFor });

    // Assess
    expect(policy.minExpiredFor).toBe(seconds);
  });
});

describe('parseReapPolicy abandonedAfter (the threshold that judges a leader lease abandoned)', () => {
  it('follows minExpiredFor when the policy does not set it', () => {
    expect(parseReapPolicy({ ...minimal, minExpiredFor: '2h' }).abandonedAfter).toBe(7_200);
  });

  it('takes its own value when set, apart from minExpiredFor', () => {
    // Act
    const policy = parseReapPolicy({ ...minimal, minExpiredFor: '2h', abandonedAfter: '24h' });

    // Assess
    expect(policy).toMatchObject({ minExpiredFor: 7_200, abandonedAfter: 86_400 });
  });

  it.each([
    { value: '5m', message: 'abandonedAfter: must be at least 600 s ("10m")' },
    { value: 'soon', message: 'abandonedAfter: expected whole seconds or a duration' },
    { value: '400d', message: 'abandonedAfter: must be at most 31536000 s ("365d")' },
  ])('refuses abandonedAfter $value, naming the field', ({ value, message }) => {
    expect(problemsOf({ ...minimal, abandonedAfter: value }, 'policy.yaml')).toEqual([
      expect.stringContaining(message),
    ]);
  });
});

describe('parseReapPolicy rejects invalid fields, naming their path', () => {
  it.each([
    { field: 'dryRun', value: { dryRun: 'yes' }, path: 'dryRun' },
    { field: 'namespaces', value: { namespaces: 'payments' }, path: 'namespaces' },
    {
      field: 'namespaces.include',
      value: { namespaces: { include: 'payments' } },
      path: 'namespaces.include',
    },
    {
      field: 'a namespace with a space',
      value: { namespaces: { include: ['pay ments'] } },
      path: 'namespaces.include.0',
    },
    {
      field: 'an empty namespace glob',
      value: { namespaces: { include: ['payments', ''] } },
      path: 'namespaces.include.1',
    },
    {
      field: 'namespaces.exclude',
      value: { namespaces: { include: ['payments'], exclude: ['team/a'] } },
      path: 'namespaces.exclude.0',
    },
    { field: 'an empty names list', value: { names: [] }, path: 'names' },
    { field: 'a name glob with "_"', value: { names: ['my_lease'] }, path: 'names.0' },
    { field: 'a regex as a name glob', value: { names: ['^lease$'] }, path: 'names.0' },
    { field: 'an unparseable labelSelector', value: { labelSelector: 'app in (' }, path: 'labelSelector' },
    { field: 'a labelSelector that is not a string', value: { labelSelector: 5 }, path: 'labelSelector' },
    { field: 'a fractional duration', value: { minExpiredFor: '1.5h' }, path: 'minExpiredFor' },
    { field: 'a duration without unit', value: { minExpiredFor: '24' }, path: 'minExpiredFor' },
    { field: 'a duration in weeks', value: { minExpiredFor: '1w' }, path: 'minExpiredFor' },
    { field: 'a negative duration string', value: { minExpiredFor: '-5m' }, path: 'minExpiredFor' },
    { field: 'a negative number of seconds', value: { minExpiredFor: -1 }, path: 'minExpiredFor' },
    { field: 'a duration under the 10-minute floor', value: { minExpiredFor: '9m' }, path: 'minExpiredFor' },
    { field: 'zero seconds', value: { minExpiredFor: 0 }, path: 'minExpiredFor' },
    { field: 'fractional seconds', value: { minExpiredFor: 1.5 }, path: 'minExpiredFor' },
    { field: 'maxClockSkew 0', value: { maxClockSkew: 0 }, path: 'maxClockSkew' },
    { field: 'maxClockSkew "soon"', value: { maxClockSkew: 'soon' }, path: 'maxClockSkew' },
    {
      field: 'maxClockSkew not under minExpiredFor',
      value: { minExpiredFor: '10m', maxClockSkew: '10m' },
      path: 'maxClockSkew',
    },
    { field: 'maxDeletionsPerRun 0', value: { maxDeletionsPerRun: 0 }, path: 'maxDeletionsPerRun' },
    { field: 'maxDeletionsPerRun 2.5', value: { maxDeletionsPerRun: 2.5 }, path: 'maxDeletionsPerRun' },
    { field: 'maxDeletionsPerRun "10"', value: { maxDeletionsPerRun: '10' }, path: 'maxDeletionsPerRun' },
    {
      field: 'maxDeletionsPerCluster -1',
      value: { maxDeletionsPerCluster: -1 },
      path: 'maxDeletionsPerCluster',
    },
    {
      field: 'reapOrphanedNodeLeases "true"',
      value: { reapOrphanedNodeLeases: 'true' },
      path: 'reapOrphanedNodeLeases',
    },
    {
      field: 'a system lease outside kube-system',
      value: { allowSystemLeases: ['default/my-lease'] },
      path: 'allowSystemLeases.0',
    },
    {
      field: 'a system lease without a name',
      value: { allowSystemLeases: ['kube-system/'] },
      path: 'allowSystemLeases.0',
    },
    {
      field: 'a system lease glob',
      value: { allowSystemLeases: ['kube-system/*'] },
      path: 'allowSystemLeases.0',
    },
    {
      field: 'allowSystemLeases as a string',
      value: { allowSystemLeases: 'kube-system/old' },
      path: 'allowSystemLeases',
    },
  ])('rejects $field as a ConfigError naming $path', ({ value, path }) => {
    // Act
    const problems = problemsOf({ ...minimal, ...value });

    // Assess
    expect(problems[0]).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}: \\S`));
  });

  it('names the policy source in the message', () => {
    // Act
    const act = () => parseReapPolicy({ ...minimal, maxDeletionsPerRun: 0 }, 'policy.yaml');

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/^policy\.yaml is invalid: maxDeletionsPerRun: /);
  });

  it.each([
    { where: 'at the top level', input: { ...minimal, dryrun: false }, key: 'dryrun' },
    { where: 'at the top level', input: { ...minimal, maxDeletions: 3 }, key: 'maxDeletions' },
    {
      where: 'in namespaces',
      input: { namespaces: { include: ['payments'], inclde: ['x'] } },
      key: 'inclde',
    },
    {
      where: 'in namespaces',
      input: { namespaces: { include: ['payments'], excludes: ['team-a'] } },
      key: 'excludes',
    },
  ])('rejects the unknown key $key $where, naming it', ({ input, key }) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`"${key}"`);
  });

  it('names the namespaces path for an unknown key inside namespaces', () => {
    // Act
    const problems = problemsOf({ namespaces: { include: ['payments'], inclde: ['x'] } });

    // Assess
    expect(problems[0]).toMatch(/^namespaces: /);
  });

  it.each([
    { case: 'an empty document', input: {} },
    { case: 'no document at all', input: undefined },
    { case: 'null', input: null },
    { case: 'an empty include', input: { namespaces: { include: [] } } },
    { case: 'only excludes', input: { namespaces: { exclude: ['team-*'] } } },
    { case: 'node leases explicitly off', input: { reapOrphanedNodeLeases: false } },
  ])('rejects a policy that could delete nothing: $case', ({ input }) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^namespaces\.include: .*could delete nothing/);
  });

  it.each([
    { maxDeletionsPerRun: 5, maxDeletionsPerCluster: 6, rejected: true },
    { maxDeletionsPerRun: 5, maxDeletionsPerCluster: 5, rejected: false },
    { maxDeletionsPerRun: 5, maxDeletionsPerCluster: 1, rejected: false },
    { maxDeletionsPerRun: 20, maxDeletionsPerCluster: 10, rejected: false },
  ])(
    'with maxDeletionsPerRun $maxDeletionsPerRun and maxDeletionsPerCluster $maxDeletionsPerCluster rejects: $rejected',
    ({ maxDeletionsPerRun, maxDeletionsPerCluster, rejected }) => {
      // Act
      const problems = problemsOf({ ...minimal, maxDeletionsPerRun, maxDeletionsPerCluster });

      // Assess
      expect(problems).toEqual(rejected ? [expect.stringMatching(/^maxDeletionsPerCluster: /)] : []);
    },
  );

  it('reports every problem in one message', () => {
    // Prepare
    const input = {
      dryRun: 'no',
      namespaces: { include: ['bad ns'], exclude: [7] },
      names: ['ok', 'not_ok'],
      labelSelector: 'app in (',
      minExpiredFor: '1.5h',
      maxDeletionsPerRun: 0,
      reapOrphanedNodeLeases: 'yes',
      allowSystemLeases: ['default/x'],
      extra: true,
    };

    // Act
    const problems = problemsOf(input);

    // Assess
    const paths = problems.map((p) => p.slice(0, p.indexOf(': ')));
    expect(paths).toEqual(
      expect.arrayContaining([
        'dryRun',
        'namespaces.include.0',
        'namespaces.exclude.0',
        'names.1',
        'minExpiredFor',
        'maxDeletionsPerRun',
        'reapOrphanedNodeLeases',
        'allowSystemLeases.0',
        '(top level)',
      ]),
    );
    expect(problems.find((p) => p.startsWith('(top level)'))).toContain('"extra"');
  });

  it('reports the cross-field problems together with a field problem', () => {
    // Act
    const problems = problemsOf({
      namespaces: { include: [] },
      labelSelector: 'app in (',
      maxDeletionsPerRun: 2,
      maxDeletionsPerCluster: 3,
    });

    // Assess
    expect(problems.map((p) => p.slice(0, p.indexOf(': '))).sort()).toEqual([
      'labelSelector',
      'maxDeletionsPerCluster',
      'namespaces.include',
    ]);
  });

  it.each([
    { case: 'an array', input: [] },
    { case: 'a string', input: 'namespaces: [payments]' },
    { case: 'a number', input: 42 },
  ])('rejects $case as the whole document', ({ input }) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^\(top level\): /)]);
  });
});

describe('globMatcher', () => {
  it.each([
    { patterns: ['team-*'], value: 'team-a', matches: true },
    { patterns: ['team-*'], value: 'team-', matches: true },
    { patterns: ['team-*'], value: 'team-a.b-c', matches: true },
    { patterns: ['team-*'], value: 'xteam-a', matches: false },
    { patterns: ['team-*'], value: 'team', matches: false },
    { patterns: ['*-prod'], value: 'payments-prod', matches: true },
    { patterns: ['*-prod'], value: 'payments-prod-2', matches: false },
    { patterns: ['*'], value: 'anything.at-all', matches: true },
    { patterns: ['a?c'], value: 'abc', matches: true },
    { patterns: ['a?c'], value: 'a.c', matches: true },
    { patterns: ['a?c'], value: 'ac', matches: false },
    { patterns: ['a?c'], value: 'abbc', matches: false },
    { patterns: ['a.b'], value: 'a.b', matches: true },
    { patterns: ['a.b'], value: 'axb', matches: false },
    { patterns: ['*.example.com'], value: 'op.example.com', matches: true },
    { patterns: ['*.example.com'], value: 'opxexamplexcom', matches: false },
    { patterns: ['*.example.com'], value: 'op.example.com.evil', matches: false },
    { patterns: ['payments'], value: 'payments', matches: true },
    { patterns: ['payments'], value: 'my-payments', matches: false },
    { patterns: ['payments'], value: 'payments-2', matches: false },
    { patterns: ['payments'], value: 'PAYMENTS', matches: false },
    { patterns: ['payments', 'team-*'], value: 'team-b', matches: true },
    { patterns: ['payments', 'team-*'], value: 'checkout', matches: false },
    { patterns: [], value: 'payments', matches: false },
  ])('$patterns matches $value: $matches', ({ patterns, value, matches }) => {
    // Act
    const matcher = globMatcher(patterns);

    // Assess
    expect(matcher(value)).toBe(matches);
  });
});

describe('parseReapPolicy defaults that follow what the user set', () => {
  it('caps each cluster at maxDeletionsPerRun when only that is set lower than 10', () => {
    const policy = parseReapPolicy({ namespaces: { include: ['a'] }, maxDeletionsPerRun: 5 });
    expect(policy.maxDeletionsPerCluster).toBe(5);
  });

  it('refuses a minExpiredFor under ten minutes', () => {
    expect(() => parseReapPolicy({ namespaces: { include: ['a'] }, minExpiredFor: '30s' })).toThrow(
      /minExpiredFor: must be at least 600 s/,
    );
  });
});

describe('parseReapPolicy says what each field expects', () => {
  const durationHint = 'expected whole seconds or a duration like "90s", "30m", "24h", "7d"';
  it.each([
    // A unit must end the duration: "24hx" is not "24h".
    { value: { minExpiredFor: '24hx' }, problem: `minExpiredFor: ${durationHint}` },
    // (-1 also fails the 10-minute floor and the clock-skew rule, which say so too: checked below.)
    { value: { minExpiredFor: -1 }, problem: 'minExpiredFor: must not be negative', more: 2 },
    {
      value: { names: ['my_lease'] },
      problem: 'names.0: expected a name or a glob of letters, digits, ".", "-", "*", "?"',
    },
    {
      value: { maxClockSkew: 0 },
      problem: 'maxClockSkew: must be at least 1 s: the Date header has one-second resolution',
    },
    // Anchored at both ends: a prefix or a suffix around the name is not a kube-system lease.
    {
      value: { allowSystemLeases: ['not-kube-system/old'] },
      problem: 'allowSystemLeases.0: expected "kube-system/<lease name>"',
    },
    {
      value: { allowSystemLeases: ['kube-system/old_ccm'] },
      problem: 'allowSystemLeases.0: expected "kube-system/<lease name>"',
    },
    {
      value: { minExpiredFor: '10m', maxClockSkew: '10m' },
      problem:
        'maxClockSkew: must be less than minExpiredFor (600 s): a clock off by that much could make a lease renewed just now look abandoned',
    },
    {
      value: { maxDeletionsPerRun: 3, maxDeletionsPerCluster: 4 },
      problem: 'maxDeletionsPerCluster: cannot exceed maxDeletionsPerRun',
    },
  ])(
    'rejects $value with: $problem',
    ({ value, problem, more = 0 }: { value: object; problem: string; more?: number }) => {
      const problems = problemsOf({ ...minimal, ...value });
      expect(problems[0]).toBe(problem);
      expect(problems).toHaveLength(1 + more);
    },
  );

  it('reports every rule a negative minExpiredFor breaks', () => {
    expect(problemsOf({ ...minimal, minExpiredFor: -1 })).toEqual([
      'minExpiredFor: must not be negative',
      'minExpiredFor: must be at least 600 s ("10m"): a lease expired only briefly may be in a failover',
      'maxClockSkew: must be less than minExpiredFor (-1 s): a clock off by that much could make a lease renewed just now look abandoned',
    ]);
  });

  it.each([
    { value: { abandonedAfter: '10m' }, field: 'abandonedAfter', seconds: 600 },
    { value: { minExpiredFor: 600 }, field: 'minExpiredFor', seconds: 600 },
    { value: { maxClockSkew: 1 }, field: 'maxClockSkew', seconds: 1 },
    { value: { maxClockSkew: '1s' }, field: 'maxClockSkew', seconds: 1 },
  ])('accepts $field at its floor ($value)', ({ value, field, seconds }) => {
    const policy = parseReapPolicy({ ...minimal, ...value });
    expect(policy[field as 'abandonedAfter' | 'minExpiredFor' | 'maxClockSkew']).toBe(seconds);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type ExecutionOptions,
  execute,
  type RetryEvent,
  StatesError,
  UnsupportedDefinition,
} from '../support/asl-interpreter.ts';

/**
 * The test interpreter of the Amazon States Language, checked against the spec's own examples
 * (https://states-language.net/spec.html) and Step Functions' documented behaviour
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html,
 * .../concepts-input-output-filtering.html). Every expectation here comes from those texts.
 */
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:f';

/** A task that fails with these errors, in order, then returns `result`; it records each call. */
function scripted(errors: string[], result: unknown = { ok: true }) {
  const calls: unknown[] = [];
  const handler = async (parameters: unknown) => {
    calls.push(parameters);
    const error = errors[calls.length - 1];
    if (error !== undefined) throw new StatesError(error, `attempt ${calls.length}`);
    return result;
  };
  return { calls, handler };
}

/** One Task state, with its Retry/Catch and other fields; a Pass `Caught` for catchers to go to. */
function oneTask(fields: Record<string, unknown>) {
  return {
    StartAt: 'T',
    States: {
      T: { Type: 'Task', Resource: FN, End: true, ...fields },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

async function run(
  definition: unknown,
  input: unknown,
  options: Partial<ExecutionOptions> & { task?: ExecutionOptions['tasks'][string] },
) {
  const retries: RetryEvent[] = [];
  const { task, ...rest } = options;
  const result = execute(definition, input, {
    tasks: task ? { [FN]: task } : {},
    onRetry: (e) => retries.push(e),
    ...rest,
  });
  return { result, retries };
}

describe('Retry (spec "Retrying after error")', () => {
  // The spec's example: States.Timeout retried twice after 3 s and 4.5 s; anything else (States.ALL,
  // defaults IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0) three times after 1, 2 and 4 s.
  const specExample = [
    { ErrorEquals: ['States.Timeout'], IntervalSeconds: 3, MaxAttempts: 2, BackoffRate: 1.5 },
    { ErrorEquals: ['States.ALL'] },
  ];

  it('the spec example: States.Timeout is tried 1 + 2 times, after 3 s and 4.5 s, then fails', async () => {
    const { calls, handler } = scripted(Array(10).fill('States.Timeout'));
    const { result, retries } = await run(oneTask({ Retry: specExample }), {}, { task: handler });
    await expect(result).rejects.toMatchObject({ error: 'States.Timeout' });
    expect(calls).toHaveLength(3);
    expect(retries.map((r) => r.seconds)).toEqual([3, 4.5]);
  });

  it('the spec example: any other error falls to States.ALL with the defaults: 1 + 3 tries after 1, 2, 4 s', async () => {
    const { calls, handler } = scripted(Array(10).fill('Custom'));
    const { result, retries } = await run(oneTask({ Retry: specExample }), {}, { task: handler });
    await expect(result).rejects.toMatchObject({ error: 'Custom' });
    expect(calls).toHaveLength(4);
    expect(retries.map((r) => [r.retrier, r.seconds])).toEqual([
      [1, 1],
      [1, 2],
      [1, 4],
    ]);
  });

  it('a transient error that clears on a retry gives the normal result', async () => {
    const { calls, handler } = scripted(['Custom', 'Custom'], { value: 7 });
    const { result } = await run(oneTask({ Retry: specExample }), { a: 1 }, { task: handler });
    await expect(result).resolves.toMatchObject({ output: { value: 7 }, seconds: 3 });
    expect(calls).toEqual([{ a: 1 }, { a: 1 }, { a: 1 }]);
  });

  it('MaxAttempts 0 never retries, and the first matching retrier decides: no fall-through to States.ALL', async () => {
    const { calls, handler } = scripted(Array(10).fill('NoRetry'));
    const retry = [{ ErrorEquals: ['NoRetry'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'] }];
    const { result, retries } = await run(oneTask({ Retry: retry }), {}, { task: handler });
    await expect(result).rejects.toMatchObject({ error: 'NoRetry' });
    expect(calls).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('each retrier counts its own attempts within one visit of the state', async () => {
    // A (retry 1 of A), B (retry 1 of B), A (A spent: fails) — 3 calls.
    const { calls, handler } = scripted(['A', 'B', 'A', 'B']);
    const retry = [
      { ErrorEquals: ['A'], MaxAttempts: 1 },
      { ErrorEquals: ['B'], MaxAttempts: 1 },
    ];
    const { result } = await run(oneTask({ Retry: retry }), {}, { task: handler });
    await expect(result).rejects.toMatchObject({ error: 'A' });
    expect(calls).toHaveLength(3);
  });

  it('BackoffRate grows the wait, MaxDelaySeconds caps it, JitterStrategy FULL takes a random share', async () => {
    const capped = scripted(Array(10).fill('E'));
    const retry = [
      { ErrorEquals: ['E'], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 5 },
    ];
    const a = await run(oneTask({ Retry: retry }), {}, { task: capped.handler });
    await expect(a.result).rejects.toMatchObject({ error: 'E' });
    expect(a.retries.map((r) => r.seconds)).toEqual([2, 4, 5, 5, 5]);
    expect(capped.calls).toHaveLength(6);

    const jittered = scripted(Array(10).fill('E'));
    const full = [{ ErrorEquals: ['E'], IntervalSeconds: 2, MaxAttempts: 3, JitterStrategy: 'FULL' }];
    const b = await run(oneTask({ Retry: full }), {}, { task: jittered.handler, random: () => 0.25 });
    await expect(b.result).rejects.toMatchObject({ error: 'E' });
    expect(b.retries.map((r) => r.seconds)).toEqual([0.5, 1, 2]);
  });

  it('States.TaskFailed matches any task error but States.Timeout', async () => {
    const retry = [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1 }];
    const other = scripted(['Lambda.Unknown']);
    await expect(
      (await run(oneTask({ Retry: retry }), {}, { task: other.handler })).result,
    ).resolves.toBeDefined();
    expect(other.calls).toHaveLength(2);
    const timeout = scripted(['States.Timeout']);
    await expect(
      (await run(oneTask({ Retry: retry }), {}, { task: timeout.handler })).result,
    ).rejects.toMatchObject({
      error: 'States.Timeout',
    });
    expect(timeout.calls).toHaveLength(1);
  });

  it('States.Runtime (a Parameters path that selects nothing) is neither retried nor caught by States.ALL', async () => {
    const { calls, handler } = scripted([]);
    const definition = oneTask({
      Parameters: { 'x.$': '$.missing' },
      Retry: [{ ErrorEquals: ['States.ALL'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
    });
    await expect((await run(definition, {}, { task: handler })).result).rejects.toMatchObject({
      error: 'States.Runtime',
    });
    expect(calls).toHaveLength(0);
  });
});

describe('Catch (spec "Fallback states")', () => {
  it('ResultPath merges the error output {Error, Cause} into the raw input', async () => {
    const { handler } = scripted(['Boom']);
    const definition = oneTask({
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
    });
    await expect((await run(definition, { keep: 1 }, { task: handler })).result).resolves.toMatchObject({
      output: { keep: 1, error: { Error: 'Boom', Cause: 'attempt 1' } },
    });
  });

  it('without ResultPath the error output replaces the input; with ResultPath null the input passes on', async () => {
    const replaced = oneTask({ Catch: [{ ErrorEquals: ['Boom'], Next: 'Caught' }] });
    await expect(
      (await run(replaced, { keep: 1 }, { task: scripted(['Boom']).handler })).result,
    ).resolves.toMatchObject({
      output: { Error: 'Boom', Cause: 'attempt 1' },
    });
    const discarded = oneTask({ Catch: [{ ErrorEquals: ['Boom'], ResultPath: null, Next: 'Caught' }] });
    await expect(
      (await run(discarded, { keep: 1 }, { task: scripted(['Boom']).handler })).result,
    ).resolves.toEqual({
      output: { keep: 1 },
      seconds: 0,
    });
  });

  it('catchers are scanned in order; an error no catcher names fails the execution; retries come first', async () => {
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: FN,
          Retry: [{ ErrorEquals: ['A'], MaxAttempts: 2 }],
          Catch: [
            { ErrorEquals: ['A'], ResultPath: '$.first', Next: 'First' },
            { ErrorEquals: ['States.ALL'], ResultPath: '$.second', Next: 'Second' },
          ],
          End: true,
        },
        First: { Type: 'Pass', Result: 'first', End: true },
        Second: { Type: 'Pass', Result: 'second', End: true },
      },
    };
    const a = scripted(['A', 'A', 'A']);
    await expect((await run(definition, {}, { task: a.handler })).result).resolves.toMatchObject({
      output: 'first',
    });
    expect(a.calls).toHaveLength(3);
    await expect(
      (await run(definition, {}, { task: scripted(['B']).handler })).result,
    ).resolves.toMatchObject({
      output: 'second',
    });
    const uncaught = oneTask({ Catch: [{ ErrorEquals: ['A'], Next: 'Caught' }] });
    await expect((await run(uncaught, {}, { task: scripted(['B']).handler })).result).rejects.toMatchObject({
      error: 'B',
    });
  });
});

describe('input and output processing (Step Functions "Processing input and output")', () => {
  it('InputPath → Parameters → task → ResultSelector → ResultPath (into the raw input) → OutputPath', async () => {
    const seen: unknown[] = [];
    const definition = oneTask({
      InputPath: '$.order',
      Parameters: { 'id.$': '$.id', fixed: 'v', nested: [{ 'qty.$': '$.qty' }] },
      ResultSelector: { 'total.$': '$.sum', 'first.$': '$.items[0]' },
      ResultPath: '$.result.priced',
      OutputPath: '$.result',
    });
    const task = async (p: unknown) => {
      seen.push(p);
      return { sum: 12, items: ['x', 'y'], noise: true };
    };
    const { result } = await run(definition, { order: { id: 'o1', qty: 3 }, other: 1 }, { task });
    expect(seen).toEqual([{ id: 'o1', fixed: 'v', nested: [{ qty: 3 }] }]);
    await expect(result).resolves.toMatchObject({ output: { priced: { total: 12, first: 'x' } } });
  });

  it('ResultPath null discards the result; InputPath null gives {}; a Pass Result goes through ResultPath', async () => {
    const discard = oneTask({ ResultPath: null, InputPath: null });
    const seen: unknown[] = [];
    const task = async (p: unknown) => {
      seen.push(p);
      return 'result';
    };
    await expect((await run(discard, { a: 1 }, { task })).result).resolves.toMatchObject({
      output: { a: 1 },
    });
    expect(seen).toEqual([{}]);
    const pass = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Result: { r: 1 }, ResultPath: '$.out', End: true } },
    };
    await expect((await run(pass, { a: 1 }, {})).result).resolves.toMatchObject({
      output: { a: 1, out: { r: 1 } },
    });
  });

  it('a ResultPath through a non-object is States.ResultPathMatchFailure, which a catcher can catch', async () => {
    const definition = oneTask({
      ResultPath: '$.a.b',
      Catch: [{ ErrorEquals: ['States.ResultPathMatchFailure'], ResultPath: '$.why', Next: 'Caught' }],
    });
    await expect((await run(definition, { a: 5 }, { task: async () => 1 })).result).resolves.toMatchObject({
      output: { a: 5, why: { Error: 'States.ResultPathMatchFailure' } },
    });
  });
});

describe('Map (inline)', () => {
  const mapOf = (fields: Record<string, unknown>, inner: Record<string, unknown> = {}) => ({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'tag.$': '$.tag' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: FN, End: true, ...inner } },
        },
        End: true,
        ...fields,
      },
      Caught: { Type: 'Pass', End: true },
    },
  });

  it('each item through ItemSelector ($ is the Map’s input, $$ the item), results in item order', async () => {
    const task = async (p: unknown) => {
      const { value, index, tag } = p as { value: number; index: number; tag: string };
      await new Promise((r) => setTimeout(r, (3 - index) * 5));
      return `${tag}${value}@${index}`;
    };
    await expect(
      (await run(mapOf({}), { items: [10, 20, 30], tag: 't' }, { task })).result,
    ).resolves.toMatchObject({
      output: ['t10@0', 't20@1', 't30@2'],
    });
  });

  it('never runs more than MaxConcurrency iterations at once', async () => {
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return 0;
    };
    const items = Array.from({ length: 7 }, (_, i) => i);
    await (await run(mapOf({ MaxConcurrency: 2 }), { items, tag: '' }, { task })).result;
    expect(most).toBe(2);
    await (await run(mapOf({ MaxConcurrency: 0 }), { items, tag: '' }, { task })).result;
    expect(most).toBe(7);
  });

  it('an iteration’s error is the Map’s error: its Catch places it into the Map’s raw input', async () => {
    const task = async (p: unknown) => {
      if ((p as { value: number }).value === 2) throw new StatesError('Bad', 'two');
      return 1;
    };
    const definition = mapOf({
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Caught' }],
    });
    await expect(
      (await run(definition, { items: [1, 2, 3], tag: '' }, { task })).result,
    ).resolves.toMatchObject({
      output: { items: [1, 2, 3], failure: { Error: 'Bad', Cause: 'two' } },
    });
  });

  it('the virtual clock: iterations’ retry waits overlap up to MaxConcurrency, and TimeoutSeconds fails the run', async () => {
    const retry = { Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 10, MaxAttempts: 1 }] };
    const flaky = () => {
      const seen = new Set<number>();
      return async (p: unknown) => {
        const { value } = p as { value: number };
        if (!seen.has(value)) {
          seen.add(value);
          throw new StatesError('E');
        }
        return value;
      };
    };
    const items = [1, 2, 3, 4];
    // 4 iterations of 10 s each, 2 at a time: 20 s.
    await expect(
      (await run(mapOf({ MaxConcurrency: 2 }, retry), { items, tag: '' }, { task: flaky() })).result,
    ).resolves.toMatchObject({
      seconds: 20,
    });
    const bounded = { ...mapOf({ MaxConcurrency: 1 }, retry), TimeoutSeconds: 30 };
    await expect((await run(bounded, { items, tag: '' }, { task: flaky() })).result).rejects.toMatchObject({
      error: 'States.Timeout',
    });
  });
});

describe('definitions the interpreter refuses rather than ignore', () => {
  const refuse = async (definition: unknown) =>
    expect((await run(definition, {}, { task: async () => 1 })).result).rejects.toBeInstanceOf(
      UnsupportedDefinition,
    );

  it('States.ALL not alone or not in the last retrier or catcher', async () => {
    await refuse(oneTask({ Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X'] }] }));
    await refuse(oneTask({ Retry: [{ ErrorEquals: ['States.ALL', 'X'] }] }));
    await refuse(
      oneTask({
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'Caught' },
          { ErrorEquals: ['X'], Next: 'Caught' },
        ],
      }),
    );
  });

  it('retrier fields out of range or unknown', async () => {
    await refuse(oneTask({ Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }] }));
    await refuse(oneTask({ Retry: [{ ErrorEquals: ['X'], MaxAttempts: -1 }] }));
    await refuse(oneTask({ Retry: [{ ErrorEquals: ['X'], JitterStrategy: 'HALF' }] }));
    await refuse(oneTask({ Retry: [{ ErrorEquals: ['X'], MaxDelaySeconds: 0 }] }));
    await refuse(oneTask({ Retry: [{ ErrorEquals: ['X'], Interval: 1 }] }));
  });

  it('state types, fields, paths and intrinsics it does not implement', async () => {
    await refuse({ StartAt: 'C', States: { C: { Type: 'Choice', Choices: [], Default: 'C' } } });
    await refuse(oneTask({ TimeoutSeconds: 5 }));
    await refuse(oneTask({ Parameters: { 'x.$': "States.Format('{}', $.a)" } }));
    await refuse(oneTask({ Parameters: { 'x.$': '$..a' } }));
    await refuse({ ...oneTask({}), QueryLanguage: 'JSONata' });
    await refuse(oneTask({ Next: 'Nowhere', End: undefined }));
  });
});

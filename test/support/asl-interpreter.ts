/**
 * A judge's interpreter of the Amazon States Language (JSONPath query language), for running a synthesized
 * state machine definition in tests as Step Functions would run it. It never imports product code.
 *
 * Sources (cited per rule below):
 * - [spec] The Amazon States Language, https://states-language.net/spec.html
 * - [errors] Step Functions, "Handling errors in Step Functions workflows",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 * - [io] Step Functions, "Processing input and output in Step Functions",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html
 * - [map] Step Functions, "Map state", https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html
 *
 * It implements a subset, and refuses everything else: a definition with a state type, a field, a path
 * syntax or an intrinsic function it does not implement is rejected before it runs (never ignored), so a
 * test cannot pass because the interpreter skipped what Step Functions would have done.
 *
 * Time is virtual: a retry's wait is computed exactly (interval, backoff, cap, jitter) and added to the
 * execution's clock, and `sleep` (a no-op unless given) is the only real wait. TimeoutSeconds is checked
 * against that clock.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

/** An error as Step Functions names it: the Error and Cause of an error output ([spec] "Error Names"). */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    override readonly cause = '',
  ) {
    super(`${error}: ${cause}`);
    this.name = error;
  }
}

/** A definition this interpreter cannot run faithfully: the test must not go on. */
export class UnsupportedDefinition extends Error {}

/** One task resource's behaviour in the test: its effective parameters in, its result out (or a throw). */
export type TaskHandler = (parameters: Json, call: { state: string; attempt: number }) => Promise<Json>;

export interface RetryEvent {
  state: string;
  /** Index of the retrier that matched, in the state's Retry array. */
  retrier: number;
  error: string;
  /** 1 for the first retry by this retrier. */
  attempt: number;
  /** The wait before this retry, after MaxDelaySeconds and jitter. */
  seconds: number;
}

export interface ExecutionOptions {
  /** Handlers by Resource ARN; a Task whose Resource has none fails the run (UnsupportedDefinition). */
  tasks: Record<string, TaskHandler>;
  /** Random draw in [0, 1) for JitterStrategy FULL. Default Math.random. */
  random?: () => number;
  /** A real wait for a retry (seconds); default none: timing is scaled to zero, counts are exact. */
  sleep?: (seconds: number) => Promise<void>;
  /** Virtual seconds one invocation of a resource takes (default 0). */
  taskSeconds?: (resource: string) => number;
  onRetry?: (event: RetryEvent) => void;
}

export interface ExecutionResult {
  output: Json;
  /** Virtual seconds the execution took. */
  seconds: number;
}

const MACHINE_FIELDS = new Set(['StartAt', 'States', 'Comment', 'TimeoutSeconds', 'Version']);
const PROCESSOR_FIELDS = new Set(['StartAt', 'States', 'Comment', 'ProcessorConfig']);
const COMMON = ['Type', 'Comment'];
const FLOW = ['Next', 'End'];
/** Fields per state type ([spec] "Required & Optional Fields" table), of the types implemented. */
const STATE_FIELDS: Record<string, Set<string>> = {
  Pass: new Set([...COMMON, ...FLOW, 'InputPath', 'OutputPath', 'Parameters', 'Result', 'ResultPath']),
  Task: new Set([
    ...COMMON,
    ...FLOW,
    'Resource',
    'InputPath',
    'OutputPath',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
  ]),
  Map: new Set([
    ...COMMON,
    ...FLOW,
    'InputPath',
    'OutputPath',
    'ItemsPath',
    'ItemSelector',
    'ItemProcessor',
    'MaxConcurrency',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
  ]),
  Succeed: new Set([...COMMON, 'InputPath', 'OutputPath']),
  Fail: new Set([...COMMON, 'Error', 'Cause']),
};
/** The fields of a retrier the ASL spec defines ("Retrying after error"). */
export const RETRIER_FIELDS: ReadonlySet<string> = new Set([
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
]);
const CATCHER_FIELDS = new Set(['ErrorEquals', 'Next', 'ResultPath', 'Comment']);

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}
type State = JsonObject & { Type: string; Next?: string; End?: boolean };
interface Machine {
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
}

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unsupported(where: string, what: string): never {
  throw new UnsupportedDefinition(`${where}: ${what} is not implemented by the test interpreter`);
}

// ---------------------------------------------------------------------------------------------------------
// Validation, of the whole definition before it runs.

function checkErrorEquals(where: string, list: Json, last: boolean): void {
  if (!Array.isArray(list) || list.length === 0 || !list.every((e) => typeof e === 'string'))
    throw new UnsupportedDefinition(`${where}: ErrorEquals must be a non-empty array of strings`);
  // [spec] "Retrying after error" / "Fallback states": States.ALL "MUST appear alone in the ErrorEquals
  // array and MUST appear in the last Retrier [Catcher]".
  if (list.includes('States.ALL') && (list.length !== 1 || !last))
    throw new UnsupportedDefinition(`${where}: States.ALL must appear alone, in the last retrier or catcher`);
}

function checkRetrier(where: string, r: JsonObject, last: boolean): void {
  for (const f of Object.keys(r)) if (!RETRIER_FIELDS.has(f)) unsupported(where, `retrier field ${f}`);
  checkErrorEquals(where, r.ErrorEquals, last);
  const positiveInt = (v: Json) => Number.isInteger(v) && (v as number) > 0;
  // [spec] "Retrying after error": IntervalSeconds a positive integer, MaxAttempts a non-negative
  // integer, BackoffRate a number >= 1.0; [errors] "Retrier fields": MaxDelaySeconds a positive
  // integer, JitterStrategy FULL or NONE.
  if (r.IntervalSeconds !== undefined && !positiveInt(r.IntervalSeconds))
    throw new UnsupportedDefinition(`${where}: IntervalSeconds must be a positive integer`);
  if (r.MaxAttempts !== undefined && !(Number.isInteger(r.MaxAttempts) && (r.MaxAttempts as number) >= 0))
    throw new UnsupportedDefinition(`${where}: MaxAttempts must be a non-negative integer`);
  if (r.BackoffRate !== undefined && !(typeof r.BackoffRate === 'number' && r.BackoffRate >= 1))
    throw new UnsupportedDefinition(`${where}: BackoffRate must be a number >= 1.0`);
  if (r.MaxDelaySeconds !== undefined && !positiveInt(r.MaxDelaySeconds))
    throw new UnsupportedDefinition(`${where}: MaxDelaySeconds must be a positive integer`);
  if (r.JitterStrategy !== undefined && r.JitterStrategy !== 'FULL' && r.JitterStrategy !== 'NONE')
    throw new UnsupportedDefinition(`${where}: JitterStrategy must be FULL or NONE`);
}

function checkMachine(where: string, machine: JsonObject, allowed: Set<string>): void {
  for (const f of Object.keys(machine)) if (!allowed.has(f)) unsupported(where, `field ${f}`);
  const states = machine.States;
  if (!isObject(states) || typeof machine.StartAt !== 'string' || !(machine.StartAt in states))
    throw new UnsupportedDefinition(`${where}: StartAt must name one of States`);
  const target = (at: string, next: Json) => {
    if (typeof next !== 'string' || !(next in states))
      throw new UnsupportedDefinition(`${at}: Next ${String(next)} names no state`);
  };
  for (const [name, raw] of Object.entries(states)) {
    const at = `${where}.${name}`;
    if (!isObject(raw)) throw new UnsupportedDefinition(`${at}: not an object`);
    const fields = STATE_FIELDS[raw.Type as string];
    if (!fields) unsupported(at, `state type ${String(raw.Type)}`);
    for (const f of Object.keys(raw)) if (!fields.has(f)) unsupported(at, `${String(raw.Type)} field ${f}`);
    if (fields.has('Next')) {
      // [spec] "Transitions": exactly one of Next and End (End: true).
      if ((raw.Next === undefined) === (raw.End !== true))
        throw new UnsupportedDefinition(`${at}: needs exactly one of Next and End: true`);
      if (raw.Next !== undefined) target(at, raw.Next);
    }
    for (const [i, r] of ((raw.Retry as Json[] | undefined) ?? []).entries())
      checkRetrier(`${at}.Retry[${i}]`, r as JsonObject, i === (raw.Retry as Json[]).length - 1);
    for (const [i, c] of ((raw.Catch as Json[] | undefined) ?? []).entries()) {
      const catcher = c as JsonObject;
      for (const f of Object.keys(catcher))
        if (!CATCHER_FIELDS.has(f)) unsupported(`${at}.Catch[${i}]`, `catcher field ${f}`);
      checkErrorEquals(`${at}.Catch[${i}]`, catcher.ErrorEquals, i === (raw.Catch as Json[]).length - 1);
      target(`${at}.Catch[${i}]`, catcher.Next);
    }
    if (raw.Type === 'Map') {
      const processor = raw.ItemProcessor;
      if (!isObject(processor)) throw new UnsupportedDefinition(`${at}: Map needs an ItemProcessor`);
      const config = processor.ProcessorConfig;
      // [map] Inline mode only: a Distributed Map runs child executions (ItemReader, ResultWriter…).
      if (
        config !== undefined &&
        !(isObject(config) && config.Mode === 'INLINE' && Object.keys(config).length === 1)
      )
        unsupported(at, `ProcessorConfig ${JSON.stringify(config)}`);
      checkMachine(`${at}.ItemProcessor`, processor, PROCESSOR_FIELDS);
      const max = raw.MaxConcurrency;
      if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 0))
        throw new UnsupportedDefinition(`${at}: MaxConcurrency must be a non-negative integer`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Paths ([spec] "Paths", "Reference Paths"): `$`, then `.field` or `[index]` steps; `$$` is the context
// object. Anything else (filters, wildcards, slices, quoted names) is refused.

const STEP = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\])/;

function steps(path: string): (string | number)[] {
  let rest = path.startsWith('$$')
    ? path.slice(2)
    : path.startsWith('$')
      ? path.slice(1)
      : unsupported(path, 'a path not starting with $');
  const out: (string | number)[] = [];
  while (rest.length > 0) {
    const m = STEP.exec(rest);
    if (!m) unsupported(path, 'this path syntax');
    out.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  return out;
}

/**
 * The value a path selects. A path that selects nothing is a States.Runtime error: Step Functions fails
 * the execution when InputPath, Parameters, ItemsPath, ResultSelector or OutputPath name a missing field
 * ([errors] "States.Runtime": e.g. applying InputPath or OutputPath to a payload without the field).
 */
function select(path: string, input: Json, context: JsonObject): Json {
  const root = path.startsWith('$$') ? context : input;
  let v: Json = root;
  for (const step of steps(path)) {
    if (typeof step === 'number' ? !Array.isArray(v) || step >= v.length : !isObject(v) || !(step in v))
      throw new StatesError('States.Runtime', `The JSONPath ${path} could not be found in the input`);
    v = (v as Record<string | number, Json>)[step];
  }
  return v;
}

/**
 * A payload template (Parameters, ItemSelector, ResultSelector; [spec] "Payload Template"): a field whose
 * name ends in `.$` takes the value its path selects, under the name without `.$`; nested objects (and
 * objects inside arrays) are processed the same way; other values are copied.
 */
function fill(template: Json, input: Json, context: JsonObject): Json {
  if (Array.isArray(template)) return template.map((t) => fill(t, input, context));
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(template)) {
    if (k.endsWith('.$')) {
      if (typeof v !== 'string') unsupported(k, 'a non-string path');
      // Intrinsic functions ([spec] "Intrinsic Functions") are not implemented.
      if (!v.startsWith('$')) unsupported(k, `the value ${v}`);
      out[k.slice(0, -2)] = select(v, input, context);
    } else out[k] = fill(v, input, context);
  }
  return out;
}

/** InputPath / OutputPath: absent is `$`; null gives `{}` ([spec] "InputPath, OutputPath"). */
function filter(path: Json, value: Json, context: JsonObject): Json {
  if (path === undefined) return value;
  if (path === null) return {};
  return select(path as string, value, context);
}

/**
 * ResultPath ([spec] "ResultPath", [io] "ResultPath"): absent or `$` — the result is the output; null —
 * the result is discarded and the raw input passes through; a reference path — the result is placed there
 * in a copy of the raw input, objects created on the way; a path that cannot be applied (through a
 * non-object) is States.ResultPathMatchFailure ([errors]).
 */
function place(resultPath: Json, rawInput: Json, result: Json): Json {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return rawInput;
  const path = steps(resultPath as string);
  if (path.some((s) => typeof s === 'number'))
    unsupported(String(resultPath), 'an array index in ResultPath');
  const out = structuredClone(rawInput);
  let at: Json = out;
  for (const [i, step] of path.entries()) {
    if (!isObject(at))
      throw new StatesError(
        'States.ResultPathMatchFailure',
        `${String(resultPath)} cannot be applied to the input`,
      );
    if (i === path.length - 1) at[step as string] = result;
    else {
      if (!(step in at)) at[step as string] = {};
      at = at[step as string];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Errors: which retrier or catcher matches.

/**
 * Does ErrorEquals name this error? [errors] "Error names": States.ALL matches any error name, but not
 * States.Runtime nor States.DataLimitExceeded (terminal); States.TaskFailed matches any error name except
 * States.Timeout (and those terminal ones), and only makes sense on a Task.
 */
function matches(errorEquals: string[], error: string, stateType: string): boolean {
  if (error === 'States.Runtime' || error === 'States.DataLimitExceeded') return false;
  return errorEquals.some((name) => {
    if (name === 'States.ALL') return true;
    if (name === 'States.TaskFailed') {
      if (stateType !== 'Task') unsupported(stateType, 'States.TaskFailed outside a Task');
      return error !== 'States.Timeout';
    }
    return name === error;
  });
}

function asStatesError(err: unknown): StatesError {
  if (err instanceof UnsupportedDefinition) throw err;
  if (err instanceof StatesError) return err;
  if (err instanceof Error) return new StatesError(err.name, err.message);
  return new StatesError('Error', String(err));
}

// ---------------------------------------------------------------------------------------------------------
// Execution.

/** A line of execution (the run, or one Map iteration) and its virtual clock. */
interface Thread {
  seconds: number;
}

class Interpreter {
  private readonly random: () => number;

  constructor(private readonly options: ExecutionOptions) {
    this.random = options.random ?? Math.random;
  }

  async run(machine: Machine, input: Json, context: JsonObject, thread: Thread): Promise<Json> {
    let name: string | undefined = machine.StartAt;
    let data = input;
    while (name !== undefined) {
      const state = machine.States[name] as State;
      const { output, next } = await this.state(name, state, data, context, thread);
      data = output;
      name = next;
    }
    return data;
  }

  /** One visit of a state: its work with Retry, then Catch, then the transition. */
  private async state(
    name: string,
    state: State,
    rawInput: Json,
    context: JsonObject,
    thread: Thread,
  ): Promise<{ output: Json; next: string | undefined }> {
    // [spec] "Succeed State": InputPath, then OutputPath, and the execution (or iteration) ends.
    if (state.Type === 'Succeed') {
      const effective = filter(state.InputPath, rawInput, context);
      return { output: filter(state.OutputPath, effective, context), next: undefined };
    }
    // [spec] "Fail State": the execution (or iteration) fails with its Error and Cause.
    if (state.Type === 'Fail') {
      if (typeof state.Error !== 'string') unsupported(name, 'a Fail state without Error');
      throw new StatesError(state.Error, String(state.Cause ?? ''));
    }
    const retriers = (state.Retry as Retrier[] | undefined) ?? [];
    // [errors] "Retry behavior": each retrier keeps its own count for this visit of the state.
    const counts = retriers.map(() => 0);
    for (;;) {
      try {
        const output = await this.work(
          name,
          state,
          rawInput,
          context,
          thread,
          counts.reduce((a, b) => a + b, 1),
        );
        return { output, next: state.Next };
      } catch (err) {
        const error = asStatesError(err);
        // [spec] "Retrying after error": the first retrier whose ErrorEquals names the error decides;
        // once its MaxAttempts are spent, no later retrier is tried — the error goes to the catchers.
        const index = retriers.findIndex((r) => matches(r.ErrorEquals, error.error, state.Type));
        const retrier = retriers[index];
        if (retrier && (counts[index] as number) < (retrier.MaxAttempts ?? 3)) {
          const seconds = this.delay(retrier, counts[index] as number);
          counts[index] = (counts[index] as number) + 1;
          this.options.onRetry?.({
            state: name,
            retrier: index,
            error: error.error,
            attempt: counts[index] as number,
            seconds,
          });
          thread.seconds += seconds;
          await this.options.sleep?.(seconds);
          continue;
        }
        // [spec] "Fallback states": catchers in order; the first whose ErrorEquals names the error
        // transitions to its Next, with the error output {Error, Cause} placed by the catcher's ResultPath
        // (default `$`) into the state's raw input. The state's own ResultPath/OutputPath do not apply.
        const catcher = ((state.Catch as Catcher[] | undefined) ?? []).find((c) =>
          matches(c.ErrorEquals, error.error, state.Type),
        );
        if (!catcher) throw error;
        return {
          output: place(catcher.ResultPath, rawInput, { Error: error.error, Cause: error.cause }),
          next: catcher.Next,
        };
      }
    }
  }

  /**
   * The wait before retry number count+1: IntervalSeconds × BackoffRate^count ([spec] defaults 1 s, 2.0),
   * at most MaxDelaySeconds, then with JitterStrategy FULL a random share of it ([errors] "Retrier fields").
   */
  private delay(r: Retrier, count: number): number {
    const base = Math.min(
      (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** count,
      r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
    );
    return r.JitterStrategy === 'FULL' ? this.random() * base : base;
  }

  /**
   * A state's work, in the order of [io]: InputPath → Parameters/ItemSelector → the work → ResultSelector
   * → ResultPath (into the raw input) → OutputPath.
   */
  private async work(
    name: string,
    state: State,
    rawInput: Json,
    context: JsonObject,
    thread: Thread,
    attempt: number,
  ): Promise<Json> {
    const effective = filter(state.InputPath, rawInput, context);
    let result: Json;
    switch (state.Type) {
      case 'Pass':
        // [spec] "Pass State": Result if present, else the (Parameters-processed) effective input.
        result =
          'Result' in state
            ? state.Result
            : 'Parameters' in state
              ? fill(state.Parameters, effective, context)
              : effective;
        break;
      case 'Task': {
        const parameters = 'Parameters' in state ? fill(state.Parameters, effective, context) : effective;
        const resource = state.Resource as string;
        const handler = this.options.tasks[resource];
        if (!handler) unsupported(name, `Resource ${resource} (no handler given)`);
        thread.seconds += this.options.taskSeconds?.(resource) ?? 0;
        result = await handler(structuredClone(parameters), { state: name, attempt });
        break;
      }
      case 'Map':
        result = await this.map(state, effective, context, thread);
        break;
      default:
        unsupported(name, `state type ${state.Type}`);
    }
    if ('ResultSelector' in state) result = fill(state.ResultSelector, result, context);
    return filter(state.OutputPath, place(state.ResultPath, rawInput, result), context);
  }

  /**
   * [map] Inline Map: ItemsPath (default `$`) selects an array of the effective input; each item's input is
   * ItemSelector evaluated against the effective input with `$$.Map.Item.Index`/`.Value` in the context (or
   * the item itself); at most MaxConcurrency iterations run at once (0 or absent: no limit); the result is
   * the array of the iterations' outputs, in item order. An iteration's error is the Map's error.
   */
  private async map(state: State, effective: Json, context: JsonObject, thread: Thread): Promise<Json> {
    const items = select((state.ItemsPath as string | undefined) ?? '$', effective, context);
    if (!Array.isArray(items)) throw new StatesError('States.Runtime', 'ItemsPath does not select an array');
    const processor = state.ItemProcessor as unknown as Machine;
    const limit = (state.MaxConcurrency as number | undefined) || items.length;
    const results: Json[] = new Array(items.length);
    const durations: number[] = [];
    let next = 0;
    let failure: StatesError | undefined;
    const worker = async () => {
      while (failure === undefined && next < items.length) {
        const index = next++;
        const itemContext = { ...context, Map: { Item: { Index: index, Value: items[index] } } };
        const input =
          'ItemSelector' in state ? fill(state.ItemSelector, effective, itemContext) : items[index];
        const own: Thread = { seconds: 0 };
        try {
          results[index] = await this.run(processor, input, itemContext, own);
        } catch (err) {
          failure ??= asStatesError(err);
        }
        durations[index] = own.seconds;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    // The Map's virtual duration: iterations started in item order, each on the first free slot.
    const slots = new Array<number>(Math.max(1, Math.min(limit, items.length))).fill(0);
    for (const d of durations) {
      if (d === undefined) continue;
      const free = slots.indexOf(Math.min(...slots));
      slots[free] = (slots[free] as number) + d;
    }
    thread.seconds += Math.max(...slots);
    if (failure) throw failure;
    return results;
  }
}

/**
 * Runs a definition to its end. Resolves with the output, or rejects with the StatesError the execution
 * failed with (States.Timeout when the virtual clock passes the definition's TimeoutSeconds), or with
 * UnsupportedDefinition before anything runs when the definition uses what is not implemented.
 */
export async function execute(
  definition: Json,
  input: Json,
  options: ExecutionOptions,
): Promise<ExecutionResult> {
  if (!isObject(definition)) throw new UnsupportedDefinition('the definition is not an object');
  checkMachine('$', definition, MACHINE_FIELDS);
  const machine = definition as unknown as Machine;
  const thread: Thread = { seconds: 0 };
  let outcome: { output: Json } | { failure: unknown };
  try {
    outcome = { output: await new Interpreter(options).run(machine, input, {}, thread) };
  } catch (failure) {
    if (failure instanceof UnsupportedDefinition) throw failure;
    outcome = { failure };
  }
  // [spec] "Top-level fields": TimeoutSeconds, the most an execution may run; it then fails with
  // States.Timeout, whatever came after. Checked at the end: the clock is virtual, so the work past the
  // deadline did run here (its side effects are the test's to disregard).
  if (machine.TimeoutSeconds !== undefined && thread.seconds > machine.TimeoutSeconds)
    throw new StatesError(
      'States.Timeout',
      `the execution ran ${thread.seconds}s, past TimeoutSeconds ${machine.TimeoutSeconds}`,
    );
  if ('failure' in outcome) throw outcome.failure;
  return { output: outcome.output, seconds: thread.seconds };
}

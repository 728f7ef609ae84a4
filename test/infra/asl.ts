import { createRequire } from 'node:module';
import { RETRIER_FIELDS } from '../support/asl-interpreter.ts';
import { resolveValue } from './iam-policy.ts';

interface AslValidation {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
/** asl-validator 4 (CommonJS, untyped): JSON schemas of the Amazon States Language plus graph checks. */
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths: boolean; checkArn: boolean },
) => AslValidation;

/**
 * The state machine definition of a template's AWS::StepFunctions::StateMachine as Step Functions will
 * receive it: the DefinitionString's Fn::Join evaluated (partition `aws`, each resource an ARN), parsed.
 */
export function stateMachineDefinition(template: object, logicalId: string): Record<string, unknown> {
  const { Resources } = template as {
    Resources: Record<string, { Properties: { DefinitionString: unknown } }>;
  };
  const resource = Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  const text = resolveValue(
    resource.Properties.DefinitionString,
    { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012' },
    (id) => `arn:aws:lambda:eu-west-1:123456789012:function:${id}`,
  );
  return JSON.parse(text as string) as Record<string, unknown>;
}

/**
 * Every problem of an ASL definition: asl-validator's (schemas of every state type — Map with ItemProcessor
 * and ItemSelector, JSONPath and JSONata states —, JSONPath syntax, ARNs of Task resources, transitions
 * to states that exist, reachable terminal states, unique state names), then the retriers' fields, which
 * its schema leaves open: only the spec's fields, JitterStrategy FULL or NONE, MaxDelaySeconds a positive
 * integer.
 */
export function aslProblems(definition: Record<string, unknown>): string[] {
  // The validator fills in QueryLanguage on the object it is given: give it a copy.
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  const problems = result.isValid ? [] : result.errorsText('\n').split('\n');
  for (const [name, state] of allStates(definition))
    for (const [i, retrier] of ((state.Retry as Record<string, unknown>[] | undefined) ?? []).entries()) {
      const at = `${name}.Retry[${i}]`;
      for (const field of Object.keys(retrier))
        if (!RETRIER_FIELDS.has(field)) problems.push(`${at}: unknown retrier field ${field}`);
      if (retrier.JitterStrategy !== undefined && !['FULL', 'NONE'].includes(String(retrier.JitterStrategy)))
        problems.push(`${at}: JitterStrategy must be FULL or NONE`);
      const delay = retrier.MaxDelaySeconds;
      if (delay !== undefined && !(Number.isInteger(delay) && (delay as number) > 0))
        problems.push(`${at}: MaxDelaySeconds must be a positive integer`);
    }
  return problems;
}

/** Every state, the ones inside Map item processors and Parallel branches too. */
function allStates(machine: Record<string, unknown>): [string, Record<string, unknown>][] {
  const states = Object.entries((machine.States as Record<string, Record<string, unknown>>) ?? {});
  return states.flatMap(([name, state]) => [
    [name, state] as [string, Record<string, unknown>],
    ...[state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[]) ?? [])]
      .filter((inner): inner is Record<string, unknown> => typeof inner === 'object' && inner !== null)
      .flatMap(allStates),
  ]);
}

/**
 * A small IAM policy evaluator for the policies the stack writes, following "Policy evaluation logic"
 * (IAM User Guide) for one resource-based policy: an explicit Deny wins; otherwise a matching Allow
 * allows; otherwise the request is implicitly denied. A statement matches when its principal, action,
 * resource and every condition match. Anything this evaluator does not implement (NotPrincipal,
 * NotAction, NotResource, an unknown condition operator) throws, so a test can never pass by ignoring it.
 */
export interface Request {
  principal: { service: string } | { aws: string };
  action: string;
  resource: string;
  /** Request context keys (aws:SourceAccount, aws:SourceArn, aws:SecureTransport…). */
  context: Record<string, string | boolean>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  [other: string]: unknown;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM wildcards: `*` any run of characters, `?` any one character. */
function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

function principalMatches(principal: Statement['Principal'], request: Request['principal']): boolean {
  if (principal === undefined) throw new Error('a resource-based policy statement needs a Principal');
  if (principal === '*') return true;
  for (const [kind, values] of Object.entries(principal)) {
    for (const value of list(values)) {
      if (kind === 'AWS' && value === '*') return true;
      if (kind === 'Service' && 'service' in request && value === request.service) return true;
      if (kind === 'AWS' && 'aws' in request) {
        if (value === request.aws) return true;
        // An account's root ARN stands for the account: any of its principals.
        const account = /^arn:[^:]+:iam::(\d{12}):root$/.exec(value)?.[1];
        if (account && request.aws.split(':')[4] === account) return true;
      }
    }
  }
  return false;
}

type Operator = (expected: string, actual: string | boolean) => boolean;
const OPERATORS: Record<string, { test: Operator; negated?: boolean }> = {
  StringEquals: { test: (e, a) => e === String(a) },
  StringNotEquals: { test: (e, a) => e === String(a), negated: true },
  StringLike: { test: (e, a) => glob(e, String(a)) },
  StringNotLike: { test: (e, a) => glob(e, String(a)), negated: true },
  ArnEquals: { test: (e, a) => e === String(a) },
  ArnLike: { test: (e, a) => glob(e, String(a)) },
  ArnNotLike: { test: (e, a) => glob(e, String(a)), negated: true },
  Bool: { test: (e, a) => String(e).toLowerCase() === String(a).toLowerCase() },
  // Numeric condition operators compare numbers ("IAM JSON policy elements: Condition operators"); the S3
  // bucket policy of a minimum TLS version uses this one on s3:TlsVersion.
  NumericLessThan: { test: (e, a) => Number(a) < Number(e) },
};

function conditionsMatch(condition: Statement['Condition'], context: Request['context']): boolean {
  for (const [name, keys] of Object.entries(condition ?? {})) {
    const ifExists = name.endsWith('IfExists');
    const operator = OPERATORS[ifExists ? name.slice(0, -'IfExists'.length) : name];
    if (!operator) throw new Error(`condition operator ${name} is not implemented`);
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      if (actual === undefined) {
        // A missing key fails a positive operator, passes a negated one, and passes with IfExists.
        if (ifExists || operator.negated) continue;
        return false;
      }
      const any = list(expected as string | string[]).some((e) => operator.test(String(e), actual));
      if (operator.negated ? any : !any) return false;
    }
  }
  return true;
}

export function statementMatches(statement: Statement, request: Request): boolean {
  for (const unsupported of ['NotPrincipal', 'NotAction', 'NotResource'])
    if (unsupported in statement) throw new Error(`${unsupported} is not implemented`);
  return (
    principalMatches(statement.Principal, request.principal) &&
    list(statement.Action).some((a) => glob(a, request.action, true)) &&
    list(statement.Resource).some((r) => glob(r, request.resource)) &&
    conditionsMatch(statement.Condition, request.context)
  );
}

export function evaluate(policy: { Statement: Statement[] }, request: Request): Decision {
  const matching = policy.Statement.filter((s) => statementMatches(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/**
 * A template value with its intrinsic functions evaluated as CloudFormation would at deploy time: pseudo
 * parameters from `pseudo`, a resource's Ref and Fn::GetAtt from `resource` (which throws for one it
 * cannot name). Other intrinsics throw: what the stack writes must be fully understood.
 */
export function resolveValue(
  value: unknown,
  pseudo: Record<string, string>,
  resource: (logicalId: string, attribute?: string) => string,
): unknown {
  const again = (v: unknown) => resolveValue(v, pseudo, resource);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const [key] = Object.keys(o);
  if (key === 'Ref') {
    const id = o.Ref as string;
    return id.startsWith('AWS::') ? (pseudo[id] ?? fail(`pseudo parameter ${id}`)) : resource(id);
  }
  if (key === 'Fn::GetAtt') {
    const [id, attribute] = o['Fn::GetAtt'] as [string, string];
    return resource(id, attribute);
  }
  if (key === 'Fn::Join') {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return (parts.map(again) as string[]).join(sep);
  }
  if (key?.startsWith('Fn::')) throw new Error(`${key} is not implemented`);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, again(v)]));
}

function fail(what: string): never {
  throw new Error(`cannot resolve ${what}`);
}

/** IAM's measure of a policy document: its characters without white space (IAM and AWS STS quotas). */
export function iamChars(document: unknown): number {
  return JSON.stringify(document).length;
}

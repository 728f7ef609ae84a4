import { StatusError } from './status.ts';

/** The parts of metav1.DeleteOptions the simulated apiserver acts on. */
export interface DeleteOptions {
  preconditions: { uid?: string | undefined; resourceVersion?: string | undefined };
  dryRun: boolean;
  propagationPolicy?: string | undefined;
}

/**
 * Decodes a DELETE's options exactly where kube-apiserver looks for them
 * (k8s.io/apiserver `pkg/endpoints/handlers/delete.go`, `DeleteResource`): from the body when the body is
 * not empty — and then the query is never read, so `?dryRun=All` beside a body is ignored — otherwise from
 * the query (`dryRun`, `propagationPolicy`, `gracePeriodSeconds`, `orphanDependents`; preconditions cannot
 * be sent in a query). The options are then validated as `ValidateDeleteOptions`
 * (k8s.io/apimachinery `pkg/apis/meta/v1/validation/validation.go`) does.
 */
export function decodeDeleteOptions(body: Buffer, query: URLSearchParams): DeleteOptions {
  const options = body.length > 0 ? fromBody(body) : fromQuery(query);
  validate(options);
  return {
    preconditions: options.preconditions ?? {},
    dryRun: (options.dryRun ?? []).length > 0,
    propagationPolicy: options.propagationPolicy,
  };
}

interface RawOptions {
  kind?: unknown;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  propagationPolicy?: string;
  orphanDependents?: boolean;
}

function fromBody(body: Buffer): RawOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    // The JSON serializer's wording for a body it cannot read (runtime/serializer/json).
    throw new StatusError(
      400,
      'BadRequest',
      `couldn't get version/kind; json parse error: ${(cause as Error).message}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StatusError(400, 'BadRequest', "couldn't get version/kind; json parse error: not an object");
  }
  const raw = parsed as Record<string, unknown>;
  // DeleteOptions is registered unversioned (apimachinery `pkg/apis/meta/internalversion/register.go`), so
  // any apiVersion decodes; another kind decodes to another type, which delete.go refuses — as a plain
  // error, so the client sees a 500.
  if (raw.kind !== undefined && raw.kind !== 'DeleteOptions') {
    throw new StatusError(500, 'InternalError', 'decoded object cannot be converted to DeleteOptions');
  }
  const pre = raw.preconditions;
  if (pre !== undefined && pre !== null && (typeof pre !== 'object' || Array.isArray(pre))) {
    throw decodeError('preconditions', 'Preconditions', pre);
  }
  const preconditions = (pre ?? {}) as Record<string, unknown>;
  for (const field of ['uid', 'resourceVersion'] as const) {
    const v = preconditions[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw decodeError(`preconditions.${field}`, 'string', v);
    }
  }
  if (raw.dryRun !== undefined && raw.dryRun !== null && !isStringArray(raw.dryRun)) {
    throw decodeError('dryRun', '[]string', raw.dryRun);
  }
  return {
    preconditions: {
      uid: (preconditions.uid as string | null | undefined) ?? undefined,
      resourceVersion: (preconditions.resourceVersion as string | null | undefined) ?? undefined,
    },
    dryRun: (raw.dryRun as string[] | null | undefined) ?? [],
    ...(typeof raw.propagationPolicy === 'string' ? { propagationPolicy: raw.propagationPolicy } : {}),
    ...(typeof raw.orphanDependents === 'boolean' ? { orphanDependents: raw.orphanDependents } : {}),
  };
}

function fromQuery(query: URLSearchParams): RawOptions {
  const orphan = query.get('orphanDependents');
  return {
    dryRun: query.getAll('dryRun'),
    ...(query.has('propagationPolicy') ? { propagationPolicy: query.get('propagationPolicy') ?? '' } : {}),
    ...(orphan !== null ? { orphanDependents: orphan === 'true' } : {}),
  };
}

const propagationPolicies = ['Orphan', 'Background', 'Foreground'];

/**
 * `ValidateDeleteOptions` (apimachinery `pkg/apis/meta/v1/validation/validation.go`), answered with
 * `errors.NewInvalid(GroupKind{meta.k8s.io, DeleteOptions}, "", errs)` as `rest.BeforeDelete` does
 * (k8s.io/apiserver `pkg/registry/rest/delete.go`).
 */
function validate(options: RawOptions): void {
  const causes: { field: string; message: string }[] = [];
  if (options.orphanDependents !== undefined && options.propagationPolicy !== undefined) {
    causes.push({
      field: 'propagationPolicy',
      message: 'Invalid value: "null": orphanDependents and deletionPropagation cannot be both set',
    });
  }
  if (options.propagationPolicy !== undefined && !propagationPolicies.includes(options.propagationPolicy)) {
    causes.push({
      field: 'propagationPolicy',
      message: `Unsupported value: ${JSON.stringify(options.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan"`,
    });
  }
  for (const v of options.dryRun ?? []) {
    if (v !== 'All') {
      causes.push({
        field: 'dryRun',
        message: `Unsupported value: []string{${(options.dryRun ?? []).map((d) => JSON.stringify(d)).join(', ')}}: supported values: "All"`,
      });
      break;
    }
  }
  if (causes.length === 0) return;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  throw new StatusError(
    422,
    'Invalid',
    `DeleteOptions.meta.k8s.io "" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`,
    {
      group: 'meta.k8s.io',
      kind: 'DeleteOptions',
      causes: causes.map((c) => ({
        reason: c.message.startsWith('Unsupported') ? 'FieldValueNotSupported' : 'FieldValueInvalid',
        message: c.message,
        field: c.field,
      })),
    },
  );
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** A body value of the wrong JSON type: the decoder's 400, as for any typed field. */
function decodeError(field: string, goType: string, value: unknown): StatusError {
  const jsonType = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return new StatusError(
    400,
    'BadRequest',
    `json: cannot unmarshal ${jsonType === 'boolean' ? 'bool' : jsonType} into Go struct field DeleteOptions.${field} of type ${goType}`,
  );
}

/** Kubernetes `Status` errors, shaped as kube-apiserver sends them (metav1.Status). */

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  retryAfterSeconds?: number;
  causes?: { reason: string; message: string; field?: string }[];
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly extraMetadata?: { continue?: string },
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.extraMetadata ?? {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `leases.coordination.k8s.io`, or `nodes` for the core group, as the apiserver names resources in messages. */
export interface ResourceName {
  resource: string;
  group: string;
}

const qualified = (r: ResourceName) => (r.group ? `${r.resource}.${r.group}` : r.resource);

export const notFound = (r: ResourceName, name: string) =>
  new StatusError(404, 'NotFound', `${qualified(r)} "${name}" not found`, {
    name,
    group: r.group,
    kind: r.resource,
  });

export const alreadyExists = (r: ResourceName, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.resource,
  });

export const conflict = (r: ResourceName, name: string, why: string) =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
    name,
    group: r.group,
    kind: r.resource,
  });

/**
 * The 409 `rest.BeforeDelete` gives when a delete precondition does not hold (k8s.io/apiserver
 * `pkg/registry/rest/delete.go`): the resource is named by its kind (`Lease.coordination.k8s.io`).
 */
export const preconditionFailed = (
  r: ResourceName & { kind: string },
  name: string,
  field: 'UID' | 'ResourceVersion',
  expected: string,
  actual: string | undefined,
) => {
  const qualifiedKind = r.group ? `${r.kind}.${r.group}` : r.kind;
  const why =
    field === 'UID'
      ? `the UID in the precondition (${expected}) does not match the UID in record (${actual ?? ''}). The object might have been deleted and then recreated`
      : `the ResourceVersion in the precondition (${expected}) does not match the ResourceVersion in record (${actual ?? ''}). The object might have been modified`;
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedKind} "${name}": ${why}`,
    {
      name,
      group: r.group,
      kind: r.kind,
    },
  );
};

export const forbidden = (r: ResourceName, user: string, verb: string, name?: string, namespace?: string) =>
  new StatusError(
    403,
    'Forbidden',
    `${qualified(r)}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${r.resource}" in API group "${r.group}"${
      namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'
    }`,
    { ...(name ? { name } : {}), group: r.group, kind: r.resource },
  );

export const unauthorized = () => new StatusError(401, 'Unauthorized', 'Unauthorized');

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);

export const methodNotAllowed = (message: string) => new StatusError(405, 'MethodNotAllowed', message);

export const tooManyRequests = (retryAfterSeconds: number) =>
  new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
    retryAfterSeconds,
  });

export const serverError = (code: number) =>
  new StatusError(
    code,
    code === 503 ? 'ServiceUnavailable' : 'InternalError',
    code === 503
      ? 'the server is currently unable to handle the request'
      : 'an error on the server has prevented the request from succeeding',
  );

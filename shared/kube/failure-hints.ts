import { DEFAULT_AUDIT_GROUP, DEFAULT_REAP_GROUP } from './rbac-manifest.ts';

/**
 * What a failure says to the person reading it: which server, what was refused, and what to try. Pure
 * text from the facts of the failure (the request, the Status body, the exec plugin's output); the
 * client (kube-client.ts) picks the one that applies. Messages pass through redactSecrets where the
 * errors are built, so nothing here needs to strip credentials itself.
 */

/** The hint for a server that cannot be connected to (refused, timed out, name not resolved, reset). */
export function networkHint(serverUrl: string): string {
  return `check the VPN or network path to ${serverUrl}, and that the cluster endpoint's public or private access admits this machine`;
}

/** The part of a kubeconfig `exec` user this module reads (client-node types it `any`). */
export interface ExecConfig {
  command?: unknown;
  args?: unknown;
  env?: unknown;
}

/** Output of the AWS CLI (or SDK) when the SSO session behind a profile has expired. */
const AWS_SSO_EXPIRED =
  /Token has expired and refresh failed|Error when retrieving token from sso|SSO session[^.\n]*(expired|invalid)|UnauthorizedSSOTokenError|aws sso login/i;

/** The AWS profile an exec user runs with, when its args (`--profile x`) or env (`AWS_PROFILE`) show it. */
export function awsProfileOf(exec: ExecConfig | undefined): string | undefined {
  const args = Array.isArray(exec?.args) ? exec.args.filter((a): a is string => typeof a === 'string') : [];
  for (const [i, arg] of args.entries()) {
    if (arg === '--profile') return args[i + 1];
    if (arg.startsWith('--profile=')) return arg.slice('--profile='.length);
  }
  const env = Array.isArray(exec?.env) ? (exec.env as { name?: unknown; value?: unknown }[]) : [];
  const profile = env.find((e) => e?.name === 'AWS_PROFILE')?.value;
  return typeof profile === 'string' && profile !== '' ? profile : undefined;
}

/** `aws sso login`, with the profile when the kubeconfig shows it. Profile names are simple words. */
export function ssoLoginCommand(profile: string | undefined): string {
  return profile && /^[\w.@+-]+$/.test(profile) ? `aws sso login --profile ${profile}` : 'aws sso login';
}

const MAX_PLUGIN_OUTPUT = 300;

/** A plugin's stderr as one line: whitespace collapsed, cut to a readable length. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_PLUGIN_OUTPUT ? `${flat.slice(0, MAX_PLUGIN_OUTPUT - 1)}…` : flat;
}

/**
 * Why the credentials of a kubeconfig user could not be produced, and what to run. client-node rejects
 * with the plugin's stderr as the message when it exits non-zero, and with spawn's error (ENOENT) when it
 * cannot be started; anything else (an unreadable client certificate file) is reported as it is.
 */
export function credentialsFailureMessage(exec: ExecConfig | undefined, err: unknown): string {
  const detail = oneLine(err instanceof Error ? err.message : String(err)) || 'no output';
  if (!exec) return `could not load the kubeconfig user's credentials: ${detail}`;
  const command = typeof exec.command === 'string' ? exec.command : '(no command)';
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT')
    return `the kubeconfig's exec credential plugin "${command}" was not found: install it or fix the user's exec.command`;
  const base = `the exec credential plugin "${command}" failed: ${detail}`;
  if (AWS_SSO_EXPIRED.test(detail))
    return `${base}. The AWS SSO session has expired: run \`${ssoLoginCommand(awsProfileOf(exec))}\` and try again`;
  return `${base}. Check that \`${command}\` works in this shell (it is run for every cluster of this user)`;
}

/** The 401 hint; for an AWS exec user, the command that refreshes its session. */
export function unauthorizedHint(exec: ExecConfig | undefined): string {
  const aws = typeof exec?.command === 'string' && /(^|\/)aws(-iam-authenticator)?$/.test(exec.command);
  const refresh = aws ? ` (\`${ssoLoginCommand(awsProfileOf(exec))}\` if the profile uses SSO)` : '';
  return `the credentials were refused (expired token?): refresh them${refresh}, or check that this identity is mapped into the cluster`;
}

/** What a request asks of RBAC: verb, resource (with its API group) and namespace. */
export interface RbacRequest {
  verb: string;
  resource: string;
  group: string;
  namespace?: string;
}

/**
 * The RBAC verb, resource and namespace of a request, read from its method and path as the apiserver's
 * RequestInfoFactory does (`/api/v1/…` is the core group; a name after the resource makes GET a `get`).
 */
export function rbacRequestOf(method: string, path: string): RbacRequest | undefined {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  let rest: string[];
  let group: string;
  if (parts[0] === 'api') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1] ?? '';
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = decodeURIComponent(rest[1] ?? '');
    rest = rest.slice(2);
  }
  const resource = rest[0];
  if (!resource) return undefined;
  const named = rest.length >= 2;
  const verbs: Record<string, string> = {
    GET: named ? 'get' : 'list',
    DELETE: named ? 'delete' : 'deletecollection',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
  };
  const verb = verbs[method.toUpperCase()];
  if (!verb) return undefined;
  return { verb, resource, group, ...(namespace !== undefined ? { namespace } : {}) };
}

/** The RBAC refusal in one clause: `RBAC does not allow "delete" on "leases.coordination.k8s.io" in namespace "x"`. */
export function rbacRefusal(request: RbacRequest): string {
  const qualified = request.group ? `${request.resource}.${request.group}` : request.resource;
  const where = request.namespace ? `in namespace "${request.namespace}"` : 'at the cluster scope';
  return `RBAC does not allow "${request.verb}" on "${qualified}" ${where}`;
}

/** `kubectl auth can-i …` for the request: what the person can run, as the same identity, to confirm it. */
export function canICommand(request: RbacRequest): string {
  const qualified = request.group ? `${request.resource}.${request.group}` : request.resource;
  const scope = request.namespace ? ` -n ${request.namespace}` : ' --all-namespaces';
  return `kubectl auth can-i ${request.verb} ${qualified}${scope}`;
}

/**
 * The 403 text: the exact permission missing, where, how to confirm it and how to grant it. The request
 * says what was asked; the Status `details` (group, kind = the resource) confirm it when the server sends
 * them. Deletes need the reap role (`lease-reaper rbac --reap`), everything else the audit role.
 */
export function forbiddenMessage(
  request: RbacRequest | undefined,
  status: { message?: string; details?: { group?: unknown; kind?: unknown } } | undefined,
): string {
  const group =
    typeof status?.details?.group === 'string' ? status.details.group : (request?.group ?? undefined);
  const resource = typeof status?.details?.kind === 'string' ? status.details.kind : request?.resource;
  const server = status?.message ? ` (the server said: ${status.message})` : '';
  if (!request || !resource) return `forbidden (403)${server}`;
  const asked: RbacRequest = { ...request, resource, group: group ?? '' };
  // The reaper is the only writer: lease deletes and the Events recording them (`rbac --reap` grants both).
  const reap = request.verb === 'delete' || request.verb === 'create';
  const grant = reap
    ? `\`lease-reaper rbac --reap | kubectl apply -f -\` (it binds the group ${DEFAULT_REAP_GROUP}; another with --reap-group, or a ServiceAccount with --service-account)`
    : `\`lease-reaper rbac | kubectl apply -f -\` (it binds the group ${DEFAULT_AUDIT_GROUP}; another with --group, or a ServiceAccount with --service-account)`;
  return `forbidden (403): ${rbacRefusal(asked)}${server}. Check with \`${canICommand(asked)}\`; grant it with ${grant}`;
}

/** A lease, as RBAC names it. */
const LEASES = { resource: 'leases', group: 'coordination.k8s.io' } as const;

/**
 * The 403 a lease delete answers, explained like any other 403 (deletes take the 403 as an outcome, not
 * an error, so the server's text is all they carry). Text already explained is returned as it is.
 */
export function leaseDeleteForbiddenMessage(namespace: string, serverMessage: string | undefined): string {
  if (serverMessage?.startsWith('forbidden (403)')) return serverMessage;
  return forbiddenMessage(
    { verb: 'delete', ...LEASES, namespace },
    serverMessage ? { message: serverMessage } : undefined,
  );
}

/** The short form of a refused lease delete, for a table cell. */
export function leaseDeleteRefusal(namespace: string): string {
  return `forbidden (403): ${rbacRefusal({ verb: 'delete', ...LEASES, namespace })}`;
}

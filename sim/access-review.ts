/**
 * SelfSubjectAccessReview: "may I do this?", answered for the caller by the simulated authorizer. This is
 * what `kubectl auth can-i` asks (a POST to /apis/authorization.k8s.io/v1/selfsubjectaccessreviews).
 *
 * Follows kubernetes/kubernetes `pkg/registry/authorization/selfsubjectaccessreview/rest.go` (Create),
 * `pkg/apis/authorization/validation/validation.go` (ValidateSelfSubjectAccessReview) and
 * `pkg/registry/authorization/util/helpers.go` (ResourceAttributesFrom / NonResourceAttributesFrom).
 */
import type { IncomingMessage } from 'node:http';
import { load as loadYaml } from 'js-yaml';
import type { SimUser } from './api-server.ts';
import { goQuote } from './label-selector.ts';
import { badRequest, methodNotAllowed, StatusError } from './status.ts';

export const authorizationGroup = 'authorization.k8s.io';
export const selfSubjectAccessReviewPath = `/apis/${authorizationGroup}/v1/selfsubjectaccessreviews`;

/** The resources of authorization.k8s.io/v1 the sim serves, as its discovery document lists them. */
export const authorizationResources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: `${authorizationGroup}/v1`,
  resources: [
    {
      name: 'selfsubjectaccessreviews',
      singularName: 'selfsubjectaccessreview',
      namespaced: false,
      kind: 'SelfSubjectAccessReview',
      verbs: ['create'],
    },
  ],
};

/** The sim's authorizer for resource requests: may `user` use `verb` on `resource` in API `group`? */
export type ResourceAuthorizer = (user: SimUser, group: string, resource: string, verb: string) => boolean;

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  fieldSelector?: unknown;
  labelSelector?: unknown;
}

interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

const resourceAttributeKeys = [
  'namespace',
  'verb',
  'group',
  'version',
  'resource',
  'subresource',
  'name',
] as const satisfies readonly (keyof ResourceAttributes)[];

/**
 * Rules every authenticated user holds through the bootstrap ClusterRoles bound to system:authenticated
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go: system:basic-user, system:discovery,
 * system:public-info-viewer): creating self reviews, and GET on discovery and health URLs.
 */
const basicUserResources = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews']);
const discoveryURLs = [
  '/livez',
  '/readyz',
  '/healthz',
  '/version',
  '/version/',
  '/openapi',
  '/openapi/*',
  '/api',
  '/api/*',
  '/apis',
  '/apis/*',
];

/** rbac/v1 helpers NonResourceURLMatches: exact, or a prefix ending in `*`. */
const urlMatches = (rule: string, path: string) =>
  rule === '*' || rule === path || (rule.endsWith('*') && path.startsWith(rule.slice(0, -1)));

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Answers a SelfSubjectAccessReview for `user` (rest.go Create): validate the spec, build the authorizer
 * attributes from it and the caller, authorize, and return the review with its status filled in (201).
 */
export async function reviewSelfAccess(
  req: IncomingMessage,
  method: string,
  user: SimUser,
  authorize: ResourceAuthorizer,
): Promise<Record<string, unknown>> {
  // The resource only supports create (its REST storage is a rest.Creater and nothing else).
  if (method !== 'POST')
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  const body = await readReview(req);
  const spec = isObject(body.spec) ? body.spec : {};
  const resourceAttributes = isObject(spec.resourceAttributes)
    ? (spec.resourceAttributes as ResourceAttributes)
    : undefined;
  const nonResourceAttributes = isObject(spec.nonResourceAttributes)
    ? (spec.nonResourceAttributes as NonResourceAttributes)
    : undefined;
  validateSpec(resourceAttributes, nonResourceAttributes);

  let allowed: boolean;
  let echoedSpec: Record<string, unknown>;
  if (resourceAttributes) {
    const attrs = Object.fromEntries(
      resourceAttributeKeys
        .map((k) => [k, typeof resourceAttributes[k] === 'string' ? resourceAttributes[k] : ''] as const)
        .filter(([, v]) => v !== ''),
    ) as Record<(typeof resourceAttributeKeys)[number], string | undefined>;
    const verb = attrs.verb ?? '';
    const group = attrs.group ?? '';
    const resource = attrs.subresource
      ? `${attrs.resource ?? ''}/${attrs.subresource}`
      : (attrs.resource ?? '');
    allowed =
      (group === authorizationGroup && verb === 'create' && basicUserResources.has(resource)) ||
      authorize(user, group, resource, verb);
    echoedSpec = { resourceAttributes: attrs };
  } else {
    const path = typeof nonResourceAttributes?.path === 'string' ? nonResourceAttributes.path : '';
    const verb = typeof nonResourceAttributes?.verb === 'string' ? nonResourceAttributes.verb : '';
    allowed = verb === 'get' && discoveryURLs.some((rule) => urlMatches(rule, path));
    echoedSpec = { nonResourceAttributes: { ...(path ? { path } : {}), ...(verb ? { verb } : {}) } };
  }

  // The authorizer's NoOpinion (the sim has no deny rules) is neither allowed nor denied; `denied` and an
  // empty `reason` are omitted from the JSON, `allowed` never is.
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: `${authorizationGroup}/v1`,
    metadata: { creationTimestamp: null },
    spec: echoedSpec,
    status: { allowed },
  };
}

/**
 * ValidateSelfSubjectAccessReviewSpec: exactly one of resourceAttributes and nonResourceAttributes. The
 * registry reports it with apierrors.NewInvalid(authorizationapi.Kind(selfSAR.Kind), "", errs); the decoded
 * internal object carries no kind, so the qualified kind prints as ".authorization.k8s.io".
 */
function validateSpec(
  resourceAttributes: ResourceAttributes | undefined,
  nonResourceAttributes: NonResourceAttributes | undefined,
): void {
  const errors: { field: string; body: string }[] = [];
  if (resourceAttributes && nonResourceAttributes) {
    // field.Invalid with a non-nil struct pointer prints the struct with %#v.
    const value = `authorization.NonResourceAttributes{Path:${goQuote(String(nonResourceAttributes.path ?? ''))}, Verb:${goQuote(String(nonResourceAttributes.verb ?? ''))}}`;
    errors.push({
      field: 'spec.nonResourceAttributes',
      body: `Invalid value: ${value}: cannot be specified in combination with resourceAttributes`,
    });
  }
  if (!resourceAttributes && !nonResourceAttributes) {
    // The bad value is the nil nonResourceAttributes pointer, which field errors print as "null".
    errors.push({
      field: 'spec.resourceAttributes',
      body: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    });
  }
  if (errors.length === 0) return;
  const messages = errors.map((e) => `${e.field}: ${e.body}`);
  throw new StatusError(
    422,
    'Invalid',
    `.${authorizationGroup} "" is invalid: ${messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`}`,
    {
      group: authorizationGroup,
      causes: errors.map((e) => ({ reason: 'FieldValueInvalid', message: e.body, field: e.field })),
    },
  );
}

/**
 * Reads the review in any of the media types the apiserver decodes for built-in kinds (create handler:
 * negotiation.NegotiateInputSerializer). kubectl's typed clientset sends protobuf; other clients JSON.
 */
async function readReview(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const mediaType = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/vnd.kubernetes.protobuf') return decodeProtobufReview(body);
  if (mediaType !== 'application/json' && mediaType !== 'application/yaml')
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    );
  let parsed: unknown;
  try {
    parsed =
      mediaType === 'application/yaml' ? loadYaml(body.toString('utf8')) : JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body could not be decoded: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw badRequest('the request body could not be decoded: not an object');
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------
// Protobuf: the envelope of staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go
// (the magic "k8s\0", then a runtime.Unknown whose `raw` holds the object) and the field numbers of
// staging/src/k8s.io/api/authorization/v1/generated.proto.

type ProtoFields = Map<number, (Buffer | bigint)[]>;

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  let pos = at;
  for (;;) {
    const byte = buf[pos++];
    if (byte === undefined || shift > 63n) throw badRequest('the protobuf request body is truncated');
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, pos];
    shift += 7n;
  }
}

function protoFields(buf: Buffer): ProtoFields {
  const fields: ProtoFields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, next] = readVarint(buf, pos);
    pos = next;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: Buffer | bigint;
    if (wire === 0) {
      [value, pos] = readVarint(buf, pos);
    } else if (wire === 2) {
      const [length, start] = readVarint(buf, pos);
      pos = start + Number(length);
      if (pos > buf.length) throw badRequest('the protobuf request body is truncated');
      value = buf.subarray(start, pos);
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      value = buf.subarray(pos, pos + size);
      pos += size;
    } else {
      throw badRequest(`the protobuf request body has an unsupported wire type ${wire}`);
    }
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

/** The last occurrence of a length-delimited field, as protobuf merges a repeated singular field. */
const bytesField = (fields: ProtoFields, n: number): Buffer | undefined => {
  const values = fields.get(n) ?? [];
  const last = values[values.length - 1];
  return Buffer.isBuffer(last) ? last : undefined;
};
const stringField = (fields: ProtoFields, n: number): string | undefined =>
  bytesField(fields, n)?.toString('utf8');

const protobufMagic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function decodeProtobufReview(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(protobufMagic))
    throw badRequest('the protobuf request body does not start with the "k8s\\x00" prefix');
  const unknown = protoFields(body.subarray(4));
  const typeMeta = protoFields(bytesField(unknown, 1) ?? Buffer.alloc(0));
  const kind = stringField(typeMeta, 2) ?? '';
  if (kind !== 'SelfSubjectAccessReview')
    throw badRequest(
      `the protobuf request body holds a ${JSON.stringify(kind)}, not a SelfSubjectAccessReview`,
    );
  const review = protoFields(bytesField(unknown, 2) ?? Buffer.alloc(0));
  const spec = protoFields(bytesField(review, 2) ?? Buffer.alloc(0));
  const out: Record<string, unknown> = {};
  // SelfSubjectAccessReviewSpec: 1 resourceAttributes, 2 nonResourceAttributes (absent when nil).
  const resource = bytesField(spec, 1);
  if (resource) {
    const f = protoFields(resource);
    // ResourceAttributes: 1 namespace, 2 verb, 3 group, 4 version, 5 resource, 6 subresource, 7 name.
    out.resourceAttributes = Object.fromEntries(
      resourceAttributeKeys.map((k, i) => [k, stringField(f, i + 1) ?? ''] as const),
    );
  }
  const nonResource = bytesField(spec, 2);
  if (nonResource) {
    const f = protoFields(nonResource);
    out.nonResourceAttributes = { path: stringField(f, 1) ?? '', verb: stringField(f, 2) ?? '' };
  }
  return { spec: out };
}

import { randomInt } from 'node:crypto';
import { type KubeObject, rfc3339 } from './kube-object.ts';
import { decodeLease, fieldValidationOf, newUid, normalizeLease } from './lease-codec.ts';
import { badRequest, StatusError } from './status.ts';

/**
 * Lease validation as kube-apiserver v1.32 does it:
 * pkg/apis/coordination/validation/validation.go (ValidateLease, ValidateLeaseUpdate, ValidateLeaseSpec)
 * over staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMeta with
 * NameIsDNSSubdomain), staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
 * (ValidateLabels) and staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (message texts),
 * with the strategy of pkg/registry/coordination/lease/strategy.go, and every error reported at once as
 * errors.NewInvalid (staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go) builds it.
 */

type ErrorType = 'Invalid' | 'Required' | 'Forbidden' | 'TooLong' | 'NotSupported';

/** A field.Error (staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go). */
export interface FieldError {
  type: ErrorType;
  field: string;
  /** The bad value as Go's ErrorBody prints it (%q for strings, %v for numbers), if shown. */
  value?: string;
  detail: string;
}

const typeText: Record<ErrorType, string> = {
  Invalid: 'Invalid value',
  Required: 'Required value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  NotSupported: 'Unsupported value',
};

const causeReason: Record<ErrorType, string> = {
  Invalid: 'FieldValueInvalid',
  Required: 'FieldValueRequired',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  NotSupported: 'FieldValueNotSupported',
};

/** field.Error.ErrorBody: Required, Forbidden and TooLong never show the value. */
function errorBody(e: FieldError): string {
  let s = typeText[e.type];
  if (e.type !== 'Required' && e.type !== 'Forbidden' && e.type !== 'TooLong' && e.value !== undefined) {
    s += `: ${e.value}`;
  }
  return e.detail ? `${s}: ${e.detail}` : s;
}

/** Go's %q for a string (strconv.Quote): JSON's escaping is the same for what names and labels hold. */
const q = (s: string) => JSON.stringify(s);

export const invalidErr = (field: string, value: string, detail: string): FieldError => ({
  type: 'Invalid',
  field,
  value,
  detail,
});

/**
 * errors.NewInvalid: 422, `Lease.coordination.k8s.io "<name>" is invalid: ` and the aggregate of the
 * messages (one: as is; several: deduplicated, joined by ", " in brackets), one cause per error.
 */
export function leaseInvalid(name: string, errs: readonly FieldError[]): StatusError {
  return coordinationInvalid('Lease', name, errs);
}

/** The same 422 for another kind of the coordination.k8s.io group (LeaseCandidate). */
export function coordinationInvalid(kind: string, name: string, errs: readonly FieldError[]): StatusError {
  return apiInvalid(kind, 'coordination.k8s.io', name, errs);
}

/** errors.NewInvalid for a kind of any API group: `<Kind>.<group> "<name>" is invalid: …` (422). */
export function apiInvalid(
  kind: string,
  group: string,
  name: string,
  errs: readonly FieldError[],
): StatusError {
  const messages: string[] = [];
  for (const e of errs) {
    const m = `${e.field}: ${errorBody(e)}`;
    if (!messages.includes(m)) messages.push(m);
  }
  const aggregate = messages.length === 1 ? (messages[0] as string) : `[${messages.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualifiedKind} ${q(name)} is invalid: ${aggregate}`, {
    name,
    group,
    kind,
    causes: errs.map((e) => ({ reason: causeReason[e.type], message: errorBody(e), field: e.field })),
  });
}

// --- staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (v1.32 texts) ---

export const maxLenError = (n: number) => `must be no more than ${n} characters`;

export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainErrorMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value))
    errs.push(regexError(dns1123SubdomainErrorMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] as string;
  } else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) {
    errs.push(
      `name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFmt,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** NameIsDNSSubdomain (objectmeta.go ValidateNameFunc): a generateName prefix may end in '-'. */
export function nameIsDNSSubdomain(name: string, prefix: boolean): string[] {
  let value = name;
  if (prefix && value.length > 1 && value.endsWith('-')) value = `${value.slice(0, -1)}a`;
  return isDNS1123Subdomain(value);
}

// --- objectmeta.go ---

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

interface OwnerRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

/** Go's %#v of a *bool (an address, which no two servers print alike) or of the struct itself. */
function goOwnerRef(r: OwnerRef): string {
  const ptr = (v: boolean | undefined) => (v === undefined ? '(*bool)(nil)' : '(*bool)(0xc000000000)');
  return `v1.OwnerReference{APIVersion:${q(r.apiVersion ?? '')}, Kind:${q(r.kind ?? '')}, Name:${q(r.name ?? '')}, UID:${q(r.uid ?? '')}, Controller:${ptr(r.controller)}, BlockOwnerDeletion:${ptr((r as { blockOwnerDeletion?: boolean }).blockOwnerDeletion)}}`;
}

function validateOwnerReferences(refs: readonly OwnerRef[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs) {
    // schema.FromAPIVersionAndKind: the version is what follows the last '/'.
    const apiVersion = ref.apiVersion ?? '';
    const slash = apiVersion.lastIndexOf('/');
    const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
    const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
    if (version.length === 0)
      errs.push(invalidErr(`${path}.apiVersion`, q(apiVersion), 'version must not be empty'));
    if (!ref.kind) errs.push(invalidErr(`${path}.kind`, q(ref.kind ?? ''), 'must not be empty'));
    if (!ref.name) errs.push(invalidErr(`${path}.name`, q(ref.name ?? ''), 'must not be empty'));
    if (!ref.uid) errs.push(invalidErr(`${path}.uid`, q(ref.uid ?? ''), 'must not be empty'));
    if (group === '' && version === 'v1' && ref.kind === 'Event') {
      errs.push(invalidErr(path, goOwnerRef(ref), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const current = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      if (firstController !== '') {
        errs.push(
          invalidErr(
            path,
            `[]v1.OwnerReference{${refs.map(goOwnerRef).join(', ')}}`,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  // Go ranges over a map in random order; the sim keeps the order the labels were sent in.
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of isQualifiedName(k)) errs.push(invalidErr(path, q(k), m));
    for (const m of isValidLabelValue(v)) errs.push(invalidErr(path, q(v), m));
  }
  return errs;
}

function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // QualifiedName, except that case does not matter.
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalidErr(path, q(k), m));
    total += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({
      type: 'TooLong',
      field: path,
      detail: `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errs;
}

function validateFinalizers(finalizers: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) for (const m of isQualifiedName(f)) errs.push(invalidErr(path, q(f), m));
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(
      invalidErr(
        path,
        `[]string{${finalizers.map(q).join(', ')}}`,
        'finalizer orphan and foregroundDeletion cannot be both set',
      ),
    );
  }
  return errs;
}

/** What ValidateObjectMeta and ValidateObjectMetaUpdate check alike (validateObjectMetaAccessorWithOptsCommon). */
export function validateMetaCommon(meta: KubeObject['metadata']): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.namespace) errs.push({ type: 'Required', field: 'metadata.namespace', detail: '' });
  else
    for (const m of isDNS1123Label(meta.namespace))
      errs.push(invalidErr('metadata.namespace', q(meta.namespace), m));
  const generation = meta.generation;
  if (typeof generation === 'number' && generation < 0) {
    errs.push(invalidErr('metadata.generation', String(generation), 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta.ownerReferences ?? [], 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers as string[] | undefined, 'metadata.finalizers'));
  return errs;
}

// --- pkg/apis/coordination/validation/validation.go ---

/**
 * ValidateCoordinatedLeaseStrategy (pkg/apis/coordination/validation/validation.go), for Leases and
 * LeaseCandidates alike: a bare name must be a Kubernetes-defined strategy, a prefixed one a qualified name.
 * It is handed `spec.strategy` and adds `.strategy` again, so the field path is doubled, as a real server's.
 */
export function coordinatedStrategyErrors(strategy: string): FieldError[] {
  const errs: FieldError[] = [];
  const parts = strategy.split('/');
  if (parts.length === 1 && strategy !== 'OldestEmulationVersion') {
    errs.push({
      type: 'NotSupported',
      field: 'spec.strategy.strategy',
      value: q(strategy),
      detail: 'supported values: "OldestEmulationVersion"',
    });
  } else if (parts.length > 1) {
    for (const m of isQualifiedName(strategy))
      errs.push(invalidErr('spec.strategy.strategy', q(strategy), m));
  }
  return errs;
}

function validateLeaseSpec(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0) {
    errs.push(invalidErr('spec.leaseDurationSeconds', String(duration), 'must be greater than 0'));
  }
  const transitions = spec.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0) {
    errs.push(invalidErr('spec.leaseTransitions', String(transitions), 'must be greater than or equal to 0'));
  }
  const strategy = spec.strategy;
  if (typeof strategy === 'string') errs.push(...coordinatedStrategyErrors(strategy));
  const preferred = spec.preferredHolder;
  if (
    typeof preferred === 'string' &&
    preferred !== '' &&
    (typeof strategy !== 'string' || strategy === '')
  ) {
    errs.push({
      type: 'Forbidden',
      field: 'spec.preferredHolder',
      detail: 'may only be specified if `strategy` is defined',
    });
  }
  return errs;
}

/** ValidateLease: ValidateObjectMeta(requiresNamespace, NameIsDNSSubdomain) and the spec. */
/**
 * ValidateObjectMeta for a create of a namespaced object whose name is a DNS subdomain (apimachinery
 * `pkg/api/validation/objectmeta.go`): generateName and name checked with the same rule, then the rest.
 */
export function validateObjectMetaOnCreate(meta: KubeObject['metadata']): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (generateName) {
    for (const m of nameIsDNSSubdomain(generateName, true))
      errs.push(invalidErr('metadata.generateName', q(generateName), m));
  }
  if (!meta.name) {
    errs.push({ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' });
  } else {
    for (const m of nameIsDNSSubdomain(meta.name, false))
      errs.push(invalidErr('metadata.name', q(meta.name), m));
  }
  errs.push(...validateMetaCommon(meta));
  return errs;
}

export function validateLeaseCreate(obj: KubeObject): FieldError[] {
  const meta = obj.metadata;
  const errs: FieldError[] = [];
  errs.push(...validateObjectMetaOnCreate(meta));
  errs.push(...validateLeaseSpec((obj.spec ?? {}) as Record<string, unknown>));
  return errs;
}

/**
 * ValidateLeaseUpdate: ValidateObjectMetaUpdate (no name-format check: the name is immutable; uid and
 * creationTimestamp were carried over from the stored object by rest.BeforeUpdate) and the spec.
 */
export function validateLeaseUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const gen = (o: KubeObject) => (typeof o.metadata.generation === 'number' ? o.metadata.generation : 0);
  if (gen(obj) < gen(old))
    errs.push(invalidErr('metadata.generation', String(gen(obj)), 'must not be decremented'));
  const common = validateMetaCommon(obj.metadata).filter((e) => e.field !== 'metadata.namespace');
  errs.push(...common);
  errs.push(...validateLeaseSpec((obj.spec ?? {}) as Record<string, unknown>));
  return errs;
}

/** The random suffix of names.SimpleNameGenerator (utilrand.String's alphabet, no vowels). */
const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * rest.BeforeCreate and the lease strategy's PrepareForCreate (strategy.go): a missing name is generated
 * from generateName (at most 58 characters of it, plus five random ones), and spec.strategy /
 * spec.preferredHolder are dropped unless the CoordinatedLeaderElection feature gate is on (it is off by
 * default: alpha in 1.31–1.32, beta but still off from 1.33; staging/src/k8s.io/apiserver/pkg/features/kube_features.go).
 */
export function prepareLeaseForCreate(obj: KubeObject, coordinatedLeaderElection = false): KubeObject {
  const meta = { ...obj.metadata };
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (!meta.name && generateName) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += nameAlphabet[randomInt(nameAlphabet.length)];
    meta.name = `${generateName.slice(0, 58)}${suffix}`;
  }
  // rest.BeforeCreate (staging/src/k8s.io/apiserver/pkg/registry/rest/create.go): no deletion on create.
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  const spec = { ...((obj.spec ?? {}) as Record<string, unknown>) };
  if (!coordinatedLeaderElection) {
    delete spec.strategy;
    delete spec.preferredHolder;
  }
  return { ...obj, metadata: meta, spec };
}

/** PrepareForUpdate: with the gate off, strategy / preferredHolder survive only if the stored lease had them. */
export function prepareLeaseForUpdate(
  obj: KubeObject,
  old: KubeObject,
  coordinatedLeaderElection = false,
): KubeObject {
  // rest.BeforeUpdate (staging/src/k8s.io/apiserver/pkg/registry/rest/update.go): requests cannot change
  // generation, creationTimestamp or the deletion fields; a missing uid is the stored one.
  const meta: Record<string, unknown> = { ...obj.metadata };
  for (const key of ['generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    if (old.metadata[key] === undefined) delete meta[key];
    else meta[key] = old.metadata[key];
  }
  if (!meta.uid) meta.uid = old.metadata.uid;
  obj = { ...obj, metadata: meta as KubeObject['metadata'] };
  const spec = { ...((obj.spec ?? {}) as Record<string, unknown>) };
  const oldSpec = (old.spec ?? {}) as Record<string, unknown>;
  if (!coordinatedLeaderElection && oldSpec.strategy === undefined) delete spec.strategy;
  if (!coordinatedLeaderElection && oldSpec.preferredHolder === undefined) delete spec.preferredHolder;
  return { ...obj, spec };
}

/**
 * storage/etcd3/store.go Create: an object to be created must not carry a (non-zero, numeric)
 * resourceVersion. storage.ErrResourceVersionSetOnCreate is a plain error, not an API status, so the
 * client gets a 500 with no reason (ErrorToAPIStatus in staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/status.go).
 */
export function checkCreateResourceVersion(obj: KubeObject): void {
  const rv = obj.metadata.resourceVersion;
  if (rv && /^\d+$/.test(rv) && BigInt(rv) !== 0n && BigInt(rv) < 2n ** 64n) {
    throw new ResourceVersionSetOnCreate();
  }
}

class ResourceVersionSetOnCreate extends StatusError {
  constructor() {
    super(500, '', 'resourceVersion should not be set on objects to be created');
  }

  override toStatus(): Record<string, unknown> {
    // StatusReasonUnknown is "" and omitted (omitempty), as are details.
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      code: this.code,
    };
  }
}

/**
 * What kube-apiserver checks on a lease it is about to write, for callers holding a plain object (a
 * create, an update, a patch result): the object must decode as a v1 Lease (400, e.g. a MicroTime
 * without exactly six fractional digits), and validate (422 with every cause). `old` selects the update
 * rules (ValidateLeaseUpdate).
 */
export function validateLease(obj: KubeObject, old?: KubeObject): void {
  const decoded = decodeLease(Buffer.from(JSON.stringify(obj)), 'Ignore').object;
  const errs = old ? validateLeaseUpdate(decoded, old) : validateLeaseCreate(decoded);
  if (errs.length > 0) throw leaseInvalid(decoded.metadata.name ?? '', errs);
}

/** Throws the 422 for `errs`, if any. */
export function throwIfInvalid(name: string, errs: readonly FieldError[]): void {
  if (errs.length > 0) throw leaseInvalid(name, errs);
}

// ---------------------------------------------------------------------------------------------------
// The lease write paths of handlers/create.go and handlers/update.go with the registry's
// (pkg/registry/generic/registry/store.go) BeforeCreate / BeforeUpdate, validation and storage checks.
// ---------------------------------------------------------------------------------------------------

/** Decodes a POST/PUT body (fieldValidation checked first); warnings go to `warn` before anything can fail. */
export function decodeLeaseRequest(
  body: Buffer,
  url: URL,
  options: 'CreateOptions' | 'UpdateOptions',
  warn: (warnings: string[]) => void,
): KubeObject {
  const { object, warnings } = decodeLease(body, fieldValidationOf(url, options));
  if (warnings.length > 0) warn(warnings);
  return object;
}

/**
 * A lease to be created in `namespace` (a POST, or a PUT to a lease that does not exist): the namespace
 * must match (rest.EnsureObjectNamespaceMatchesRequestNamespace), BeforeCreate, validation (422), then
 * for a POST the storage check on resourceVersion (500). The result is normalized, with a fresh uid and
 * creationTimestamp (FillObjectMetaSystemFields) and an empty resourceVersion the store fills.
 */
export function leaseToCreate(
  obj: KubeObject,
  namespace: string | undefined,
  nowMs: number,
  viaUpdate = false,
  coordinatedLeaderElection = false,
): KubeObject {
  if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const prepared = prepareLeaseForCreate(
    { ...obj, metadata: { ...obj.metadata, namespace } },
    coordinatedLeaderElection,
  );
  throwIfInvalid(prepared.metadata.name ?? '', validateLeaseCreate(prepared));
  if (!viaUpdate) checkCreateResourceVersion(prepared);
  return normalizeLease(prepared, {
    namespace,
    uid: newUid(),
    resourceVersion: '',
    creationTimestamp: rfc3339(nowMs),
  });
}

/** checkName (handlers/rest.go): the PUT body must name the lease (and namespace) of the URL. */
export function checkLeaseName(
  obj: KubeObject,
  name: string | undefined,
  namespace: string | undefined,
): void {
  const objName = obj.metadata.name ?? '';
  if (objName !== name) {
    throw badRequest(
      `the name of the object (${objName}) does not match the name on the URL (${name ?? ''})`,
    );
  }
  const objNamespace = obj.metadata.namespace ?? '';
  if (namespace && objNamespace && objNamespace !== namespace) {
    throw badRequest(
      `the namespace of the object (${objNamespace}) does not match the namespace on the request (${namespace})`,
    );
  }
}

/** A PUT of an existing lease, after the registry's resourceVersion checks: BeforeUpdate, validation (422). */
export function leaseToUpdate(
  obj: KubeObject,
  current: KubeObject,
  namespace: string | undefined,
  coordinatedLeaderElection = false,
): KubeObject {
  const prepared = prepareLeaseForUpdate(
    { ...obj, metadata: { ...obj.metadata, namespace } },
    current,
    coordinatedLeaderElection,
  );
  throwIfInvalid(prepared.metadata.name ?? '', validateLeaseUpdate(prepared, current));
  return normalizeLease(prepared, {
    namespace,
    uid: typeof prepared.metadata.uid === 'string' ? prepared.metadata.uid : undefined,
    resourceVersion: prepared.metadata.resourceVersion,
    creationTimestamp: current.metadata.creationTimestamp,
  });
}

/** What a dry-run create answers: the object as it would be stored, without a resourceVersion yet. */
export function dryRunCreated(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata: { ...metadata, name: obj.metadata.name } };
}

import { type KubeObject, microTime, rfc3339 } from './kube-object.ts';
import {
  coordinatedStrategyErrors,
  coordinationInvalid,
  type FieldError,
  invalidErr,
  maxLenError,
  regexError,
  validateMetaCommon,
} from './lease-validation.ts';
import type { LeaseCandidateVersion } from './resources.ts';

/**
 * coordination.k8s.io LeaseCandidate (coordinated leader election, KEP-4355), as kube-apiserver serves it.
 *
 * Which release serves which version (staging/src/k8s.io/api/coordination/<v>/zz_generated.prerelease-lifecycle.go,
 * pkg/registry/coordination/rest/storage_coordination.go):
 * - 1.31: v1alpha1, whose spec has `preferredStrategies` (a list) — not simulated;
 * - 1.32: v1alpha2 (introduced 1.32), spec `strategy` (one value);
 * - 1.33 on: v1beta1 (introduced 1.33), the same spec; v1alpha2 is still compiled in until its removal.
 * None is ever served by default: alpha and beta group-versions are disabled unless `--runtime-config`
 * enables them (pkg/controlplane/instance.go DefaultAPIResourceConfigSource, KEP-3136 "beta APIs off by
 * default"), and the CoordinatedLeaderElection feature gate that uses them is off by default in every
 * release so far (alpha 1.31, beta 1.33 with Default: false; staging/src/k8s.io/apiserver/pkg/features/kube_features.go).
 */

/** The Kubernetes minor releases whose LeaseCandidate API the sim can play. */
export type CoordinatedLeaderElectionMinor = 32 | 33 | 34 | 35;

/** The LeaseCandidate version a release serves with `--runtime-config=coordination.k8s.io/<v>=true`. */
export function leaseCandidateVersionFor(minor: number): LeaseCandidateVersion {
  if (minor === 31) {
    throw new Error(
      'Kubernetes 1.31 serves LeaseCandidate only as coordination.k8s.io/v1alpha1 (spec.preferredStrategies), which the sim does not simulate; use 1.32 (v1alpha2) or later (v1beta1)',
    );
  }
  if (minor < 31) throw new Error(`Kubernetes 1.${minor} has no LeaseCandidate API (it came in 1.31)`);
  return minor === 32 ? 'v1alpha2' : 'v1beta1';
}

/**
 * How long the apiserver's leader-election controller counts a candidate as eligible after its last
 * renewTime, and after which its garbage collector deletes it: 30 minutes (`leaseCandidateValidDuration` in
 * pkg/controlplane/controller/leaderelection/leaderelection_controller.go; `isLeaseCandidateExpired` in election.go,
 * used by leasecandidategc_controller.go).
 */
export const LEASE_CANDIDATE_VALID_MS = 30 * 60_000;

/**
 * How often a client-go candidate renews without being pinged: it re-queues itself every 5 minutes
 * (`requeueInterval` in staging/src/k8s.io/client-go/tools/leaderelection/leasecandidate.go), and renews at
 * once when the controller sets a pingTime after its renewTime.
 */
export const LEASE_CANDIDATE_RENEW_MS = 5 * 60_000;

export interface LeaseCandidateOptions {
  namespace: string;
  /** client-go names it after the leader-election identity: `<hostname>_<uuid>`. */
  name: string;
  leaseName: string;
  binaryVersion: string;
  emulationVersion: string;
  renewMs: number;
  pingMs?: number | undefined;
  createdMs: number;
}

/**
 * A LeaseCandidate as client-go's `newLeaseCandidate` writes it (leasecandidate.go): leaseName, versions
 * from the component's effective version, strategy OldestEmulationVersion, renewTime now; pingTime is
 * written by the apiserver's leader-election controller when it asks candidates to renew.
 */
export function leaseCandidateObject(o: LeaseCandidateOptions): KubeObject {
  return {
    metadata: { name: o.name, namespace: o.namespace, creationTimestamp: rfc3339(o.createdMs) },
    spec: {
      leaseName: o.leaseName,
      ...(o.pingMs !== undefined ? { pingTime: microTime(o.pingMs) } : {}),
      renewTime: microTime(o.renewMs),
      binaryVersion: o.binaryVersion,
      emulationVersion: o.emulationVersion,
      strategy: 'OldestEmulationVersion',
    },
  };
}

// --- validation: pkg/apis/coordination/validation/validation.go (ValidateLeaseCandidate, ValidateLeaseCandidateUpdate,
// ValidateLeaseCandidateSpec, ValidateCoordinatedLeaseStrategy), with the strategy of
// pkg/registry/coordination/leasecandidate/strategy.go (PrepareForCreate / PrepareForUpdate change nothing). ---

const q = (s: string) => JSON.stringify(s);

const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const configMapKeyRe = /^[-._a-zA-Z0-9]+$/;
const configMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

/**
 * ValidLeaseCandidateName is IsConfigMapKey (staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go):
 * at most 253 characters of `[-._a-zA-Z0-9]`, and not `.`, `..` or starting with `..` (hasChDirPrefix).
 */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!configMapKeyRe.test(value))
    errs.push(regexError(configMapKeyErrMsg, configMapKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

interface Semver {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

const numericId = '0|[1-9]\\d*';
const preId = `(?:${numericId}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const semverRe = new RegExp(
  `^(${numericId})\\.(${numericId})\\.(${numericId})(?:-(${preId}(?:\\.${preId})*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`,
);

/** semver.Parse of github.com/blang/semver/v4 (strict: three numbers, no leading `v`, no leading zeros). */
export function parseSemver(value: string): Semver | undefined {
  const m = semverRe.exec(value);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split('.') : [] };
}

const zeroSemver: Semver = { major: 0, minor: 0, patch: 0, pre: [] };

/** Version.Compare: numbers, then a pre-release sorts before the release, identifiers one by one. */
function compareSemver(a: Semver, b: Semver): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i] as string;
    const y = b.pre[i] as string;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) < Number(y) ? -1 : 1;
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length - b.pre.length;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function validateSpec(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const leaseName = str(spec.leaseName);
  if (leaseName === '') errs.push({ type: 'Required', field: 'spec.leaseName', detail: '' });
  const emulation = str(spec.emulationVersion);
  let ev = zeroSemver;
  if (emulation !== '') {
    const parsed = parseSemver(emulation);
    if (parsed) ev = parsed;
    else errs.push(invalidErr('spec.emulationVersion', q(emulation), 'must be a valid semantic version'));
  }
  const binary = str(spec.binaryVersion);
  let bv = zeroSemver;
  if (binary === '') errs.push({ type: 'Required', field: 'spec.binaryVersion', detail: '' });
  else {
    const parsed = parseSemver(binary);
    if (parsed) bv = parsed;
    else errs.push(invalidErr('spec.binaryVersion', q(binary), 'must be a valid semantic version'));
  }
  if (binary !== '' && emulation !== '' && compareSemver(bv, ev) < 0) {
    errs.push(
      invalidErr('spec.binaryVersion', q(binary), 'must be greater than or equal to `emulationVersion`'),
    );
  }
  const strategy = str(spec.strategy);
  if (strategy === '') errs.push({ type: 'Required', field: 'spec.strategy', detail: '' });
  else {
    if (strategy === 'OldestEmulationVersion' && compareSemver(ev, zeroSemver) === 0) {
      errs.push({
        type: 'Required',
        field: 'spec.emulationVersion',
        detail: "must be specified when `strategy` is 'OldestEmulationVersion'",
      });
    }
    errs.push(...coordinatedStrategyErrors(strategy));
  }
  return errs;
}

/** ValidateLeaseCandidate: ValidateObjectMeta(requiresNamespace, ValidLeaseCandidateName) and the spec. */
export function validateLeaseCandidateCreate(obj: KubeObject): FieldError[] {
  const meta = obj.metadata;
  const errs: FieldError[] = [];
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (generateName) {
    for (const m of isConfigMapKey(generateName))
      errs.push(invalidErr('metadata.generateName', q(generateName), m));
  }
  if (!meta.name) {
    errs.push({ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' });
  } else {
    for (const m of isConfigMapKey(meta.name)) errs.push(invalidErr('metadata.name', q(meta.name), m));
  }
  errs.push(...validateMetaCommon(meta));
  errs.push(...validateSpec((obj.spec ?? {}) as Record<string, unknown>));
  return errs;
}

/** ValidateLeaseCandidateUpdate: ValidateObjectMetaUpdate, the spec, and spec.leaseName immutable. */
export function validateLeaseCandidateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateMetaCommon(obj.metadata).filter((e) => e.field !== 'metadata.namespace');
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  errs.push(...validateSpec(spec));
  const leaseName = str(spec.leaseName);
  if (leaseName !== str((old.spec as Record<string, unknown> | undefined)?.leaseName)) {
    // apivalidation.ValidateImmutableField: Invalid with the new value.
    errs.push(invalidErr('spec.leaseName', q(leaseName), 'field is immutable'));
  }
  return errs;
}

/** The 422 a write of an invalid LeaseCandidate gets; `old` selects the update rules. */
export function validateLeaseCandidate(obj: KubeObject, old?: KubeObject): void {
  const errs = old ? validateLeaseCandidateUpdate(obj, old) : validateLeaseCandidateCreate(obj);
  if (errs.length > 0) throw coordinationInvalid('LeaseCandidate', obj.metadata.name ?? '', errs);
}

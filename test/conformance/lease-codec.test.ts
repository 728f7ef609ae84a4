import { ApiException, type V1MicroTime } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { decodeLease, parseGoTime, warningHeader } from '../../sim/lease-codec.ts';
import {
  isQualifiedName,
  isValidLabelValue,
  validateLease,
  validateLeaseCreate,
} from '../../sim/lease-validation.ts';
import { leases } from '../../sim/resources.ts';
import { StatusError } from '../../sim/status.ts';
import { rawRequest } from '../support/raw-request.ts';
import { apis, simClusters } from '../support/sim.ts';

/**
 * How the simulated apiserver decodes, validates and re-encodes Lease writes, against the rules of
 * kubernetes/kubernetes: runtime/serializer/json/json.go over sigs.k8s.io/json, apis/meta/v1/micro_time.go,
 * endpoints/handlers/create.go and update.go (fieldValidation), apis/coordination/validation/validation.go,
 * api/validation/objectmeta.go, util/validation/validation.go and api/errors/errors.go (NewInvalid).
 */

const clusters = simClusters();
const cannot = 'Lease in version "v1" cannot be handled as a Lease: ';

function decodeError(body: string, directive: 'Ignore' | 'Warn' | 'Strict' = 'Warn'): string {
  try {
    decodeLease(Buffer.from(body), directive);
  } catch (e) {
    if (e instanceof StatusError) return `${e.code} ${e.message}`;
    throw e;
  }
  return 'decoded';
}

describe('decoding a Lease body (json.go, sigs.k8s.io/json)', () => {
  it.each([
    [
      'a string for an int32',
      '{"spec":{"leaseDurationSeconds":"15"}}',
      `${cannot}json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`,
    ],
    [
      'an int32 overflow',
      '{"spec":{"leaseDurationSeconds":3000000000}}',
      `${cannot}json: cannot unmarshal number 3000000000 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`,
    ],
    [
      'a fraction for an int32',
      '{"spec":{"leaseTransitions":1.5}}',
      `${cannot}json: cannot unmarshal number 1.5 into Go struct field LeaseSpec.spec.leaseTransitions of type int32`,
    ],
    [
      'a number for a string',
      '{"spec":{"holderIdentity":7}}',
      `${cannot}json: cannot unmarshal number into Go struct field LeaseSpec.spec.holderIdentity of type string`,
    ],
    [
      'a number for a label value',
      '{"metadata":{"name":"a","labels":{"x":1}}}',
      `${cannot}json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string`,
    ],
    [
      'a string for the spec',
      '{"spec":"x"}',
      `${cannot}json: cannot unmarshal string into Go struct field Lease.spec of type v1.LeaseSpec`,
    ],
    [
      'a number for a MicroTime (MicroTime.UnmarshalJSON)',
      '{"spec":{"renewTime":5}}',
      `${cannot}json: cannot unmarshal number into Go struct field LeaseSpec.spec.renewTime of type string`,
    ],
    [
      'a MicroTime with three fractional digits',
      '{"spec":{"renewTime":"2026-01-02T03:04:05.678Z"}}',
      `${cannot}parsing time "2026-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"`,
    ],
    [
      'a MicroTime without fraction',
      '{"spec":{"acquireTime":"2026-01-02T03:04:05Z"}}',
      `${cannot}parsing time "2026-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"`,
    ],
    [
      'a syntax error (json/meta.go Interpret)',
      '{"spec":}',
      `the object provided is unrecognized (must be of type Lease): couldn't get version/kind; json parse error: invalid character '}' looking for beginning of value ({"spec":})`,
    ],
    [
      'another API version',
      '{"apiVersion":"coordination.k8s.io/v1beta1","kind":"Lease","metadata":{"name":"a"}}',
      'the API version in the data (coordination.k8s.io/v1beta1) does not match the expected API version (coordination.k8s.io/v1)',
    ],
    [
      'an unknown field with fieldValidation=Strict',
      '{"metadata":{"name":"a"},"spec":{"foo":1},"Spec":{}}',
      `${cannot}strict decoding error: unknown field "spec.foo", unknown field "Spec"`,
    ],
  ])('%s: 400 with the decoder text', (_what, body, message) => {
    expect(decodeError(body, 'Strict')).toBe(`400 ${message}`);
  });

  it('a type error wins over strict errors; MicroTime wants exactly six digits, in any zone', () => {
    expect(decodeError('{"x":1,"spec":{"leaseDurationSeconds":true}}', 'Strict')).toBe(
      `400 ${cannot}json: cannot unmarshal bool into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`,
    );
    expect(parseGoTime('2026-01-02T05:04:05.123456+02:00', true)).toEqual({
      ok: true,
      us: BigInt(Date.UTC(2026, 0, 2, 3, 4, 5, 123)) * 1000n + 456n,
    });
    expect(parseGoTime('2026-01-02T03:04:05.1234567Z', true).ok).toBe(false);
  });

  it('Warn collects unknown and duplicate fields as warnings; Ignore reports none; the object is re-encoded', () => {
    const body =
      '{"metadata":{"name":"a","labels":{"k":"v","k":"w"}},"spec":{"holderIdentity":null,"foo":1,"renewTime":"2026-01-02T05:04:05.123456+02:00"},"x":2}';
    const warned = decodeLease(Buffer.from(body), 'Warn');
    expect(warned.warnings).toEqual([
      'duplicate field "metadata.labels.k"',
      'unknown field "spec.foo"',
      'unknown field "x"',
    ]);
    expect(warned.object).toEqual({
      metadata: { name: 'a', labels: { k: 'w' } },
      spec: { renewTime: '2026-01-02T03:04:05.123456Z' },
    });
    expect(decodeLease(Buffer.from(body), 'Ignore').warnings).toEqual([]);
    expect(warningHeader('unknown field "spec.foo"')).toBe('299 - "unknown field \\"spec.foo\\""');
  });
});

describe('validating a Lease (validation.go, objectmeta.go)', () => {
  const lease = (metadata: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    ({ metadata: { namespace: 'default', ...metadata }, spec }) as Parameters<typeof validateLeaseCreate>[0];

  it.each([
    [
      'a name that is not a DNS subdomain',
      lease({ name: 'Bad_Name' }),
      'metadata.name',
      `Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    ['no name', lease({}), 'metadata.name', 'Required value: name or generateName is required'],
    [
      'a label value too long',
      lease({ name: 'a', labels: { k: 'v'.repeat(64) } }),
      'metadata.labels',
      `Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
    [
      'annotations over 256 KiB',
      lease({ name: 'a', annotations: { big: 'x'.repeat(256 * 1024) } }),
      'metadata.annotations',
      'Too long: must have at most 262144 bytes',
    ],
    [
      'an owner reference without uid',
      lease({ name: 'a', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: '' }] }),
      'metadata.ownerReferences.uid',
      'Invalid value: "": must not be empty',
    ],
    [
      'a zero duration',
      lease({ name: 'a' }, { leaseDurationSeconds: 0 }),
      'spec.leaseDurationSeconds',
      'Invalid value: 0: must be greater than 0',
    ],
    [
      'negative transitions',
      lease({ name: 'a' }, { leaseTransitions: -1 }),
      'spec.leaseTransitions',
      'Invalid value: -1: must be greater than or equal to 0',
    ],
  ])('%s', (_what, obj, field, message) => {
    const errs = validateLeaseCreate(obj);
    expect(errs.map((e) => e.field)).toEqual([field]);
    try {
      validateLease(obj);
      expect.unreachable('validateLease must throw');
    } catch (e) {
      const status = (e as StatusError).toStatus();
      expect(status.code).toBe(422);
      expect(status.message).toBe(
        `Lease.coordination.k8s.io "${obj.metadata.name ?? ''}" is invalid: ${field}: ${message}`,
      );
    }
  });

  it('qualified names and label values, with the util/validation texts', () => {
    expect(isQualifiedName('example.com/app')).toEqual([]);
    expect(isQualifiedName('/app')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('a/b/c')[0]).toMatch(
      /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
    );
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('-x')[0]).toMatch(/^a valid label must be an empty string or consist of /);
  });
});

/** A raw request with the admin token and a JSON Content-Type; the answer's body parsed (empty as `{}`). */
async function raw(sim: SimCluster, method: string, path: string, body?: string) {
  const res = await rawRequest(sim, method, path, { body, headers: { 'Content-Type': 'application/json' } });
  return { ...res, json: JSON.parse(res.body || '{}') as Record<string, unknown> };
}

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

describe('Lease writes over HTTPS', () => {
  it('a bad type, a bad MicroTime and an int32 overflow are 400 BadRequest from the decoder', async () => {
    const sim = await clusters.start();
    const bad = await raw(
      sim,
      'POST',
      LEASES,
      '{"metadata":{"name":"a"},"spec":{"leaseDurationSeconds":"15"}}',
    );
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      reason: 'BadRequest',
      message: `${cannot}json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`,
    });
    const overflow = await raw(
      sim,
      'PUT',
      `${LEASES}/a`,
      '{"metadata":{"name":"a"},"spec":{"leaseTransitions":2147483648}}',
    );
    expect(overflow.json.message).toBe(
      `${cannot}json: cannot unmarshal number 2147483648 into Go struct field LeaseSpec.spec.leaseTransitions of type int32`,
    );
    const client = apis(sim).coordination;
    // client-node sends a Date's three fractional digits unless told otherwise.
    const err = await client
      .createNamespacedLease({
        namespace: 'default',
        body: {
          metadata: { name: 'ms' },
          spec: { renewTime: '2026-01-02T03:04:05.678Z' as unknown as V1MicroTime },
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<string>).code).toBe(400);
    expect(JSON.parse((err as ApiException<string>).body).message).toBe(
      `${cannot}parsing time "2026-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"`,
    );
  });

  it('bad names and labels are one 422 with every cause', async () => {
    const sim = await clusters.start();
    const res = await raw(
      sim,
      'POST',
      LEASES,
      '{"metadata":{"name":"Bad_Name","labels":{"bad key!":"ok","k":"-v"}},"spec":{"leaseDurationSeconds":0}}',
    );
    expect(res.status).toBe(422);
    const details = res.json.details as {
      kind: string;
      group: string;
      causes: { field: string; reason: string }[];
    };
    expect(details.kind).toBe('Lease');
    expect(details.group).toBe('coordination.k8s.io');
    expect(details.causes.map((c) => c.field)).toEqual([
      'metadata.name',
      'metadata.labels',
      'metadata.labels',
      'spec.leaseDurationSeconds',
    ]);
    expect(res.json.message).toMatch(
      /^Lease\.coordination\.k8s\.io "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": .*, spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0\]$/,
    );
  });

  it('fieldValidation: Warn (the default) sends Warning headers, Strict fails, Ignore is silent, others are 422', async () => {
    const sim = await clusters.start();
    const body = (name: string) => `{"metadata":{"name":"${name}"},"spec":{"foo":1,"holderIdentity":"h"}}`;
    const warn = await raw(sim, 'POST', LEASES, body('w'));
    expect(warn.status).toBe(201);
    expect(warn.headers.warning).toBe('299 - "unknown field \\"spec.foo\\""');
    const strict = await raw(sim, 'POST', `${LEASES}?fieldValidation=Strict`, body('s'));
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe(`${cannot}strict decoding error: unknown field "spec.foo"`);
    const ignore = await raw(sim, 'POST', `${LEASES}?fieldValidation=Ignore`, body('i'));
    expect(ignore.status).toBe(201);
    expect(ignore.headers.warning).toBeUndefined();
    const other = await raw(sim, 'POST', `${LEASES}?fieldValidation=Loud`, body('o'));
    expect(other.status).toBe(422);
    expect(other.json.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });

  it('stores the re-encoded lease: UTC MicroTime with six digits, no nulls, no unknown fields, Go field order', async () => {
    const sim = await clusters.start();
    const res = await raw(
      sim,
      'POST',
      LEASES,
      '{"spec":{"renewTime":"2026-01-02T05:04:05.123456+02:00","holderIdentity":null,"acquireTime":null,"extra":1},"metadata":{"labels":{},"name":"enc","uid":"mine"},"kind":"Lease"}',
    );
    expect(res.status).toBe(201);
    const stored = sim.store.get(leases, 'default', 'enc');
    const json = stored?.json ?? '';
    expect(Object.keys(JSON.parse(json))).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    const parsed = JSON.parse(json) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    expect(Object.keys(parsed.metadata).slice(0, 5)).toEqual([
      'name',
      'namespace',
      'uid',
      'resourceVersion',
      'creationTimestamp',
    ]);
    expect(parsed.metadata.uid).not.toBe('mine');
    expect(parsed.metadata.labels).toBeUndefined();
    expect(parsed.spec).toEqual({ renewTime: '2026-01-02T03:04:05.123456Z' });
  });

  it('a create carrying a resourceVersion is the storage layer’s 500', async () => {
    const sim = await clusters.start();
    const res = await raw(sim, 'POST', LEASES, '{"metadata":{"name":"rv","resourceVersion":"7"}}');
    expect(res.status).toBe(500);
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'resourceVersion should not be set on objects to be created',
      code: 500,
    });
  });

  it('a PUT whose body names another lease is 400 (handlers/rest.go checkName)', async () => {
    const sim = await clusters.start();
    const res = await raw(sim, 'PUT', `${LEASES}/one`, '{"metadata":{"name":"two"}}');
    expect(res.status).toBe(400);
    expect(res.json.message).toBe('the name of the object (two) does not match the name on the URL (one)');
  });
});

import { describe, expect, it } from 'vitest';
import { toLeaseRecord } from '../../../shared/kube/records.ts';
import { planDeletions } from '../../../shared/reap/plan.ts';
import {
  PROTECT_ANNOTATION,
  protection,
  UNPROTECTED_VALUES,
} from '../../../shared/reap/protect-annotation.ts';
import { parseReapPolicy } from '../../../shared/reap/reap-policy.ts';
import { auditOf, DAY, rawLeaderLease } from '../audit/builders.ts';

const annotated = (value: string) => ({ [PROTECT_ANNOTATION]: value });

describe('protection: the annotation fails closed', () => {
  it.each(['false', 'False', 'FALSE', '0', 'no', 'No', 'NO'])('%j leaves the lease unprotected', (value) => {
    expect(protection(annotated(value))).toBeUndefined();
  });

  it.each([
    'true',
    'True',
    'TRUE',
    'yes',
    'Yes',
    '1',
    'on',
    'y',
    '', // an empty value: someone set the key, so they meant to protect
    ' false', // the false spellings are matched exactly: anything near them protects
    'false ',
    'fAlse',
    'f',
    'n',
    'off',
    '00',
    'nope',
    'please do not delete',
  ])('%j protects the lease', (value) => {
    expect(protection(annotated(value))).toBe(`annotated ${PROTECT_ANNOTATION}: ${JSON.stringify(value)}`);
  });

  it('accepts exactly the documented false spellings', () => {
    expect([...UNPROTECTED_VALUES].sort()).toEqual(['0', 'FALSE', 'False', 'NO', 'No', 'false', 'no']);
  });

  it('does not protect a lease without the annotation, or with only a similar key', () => {
    expect(protection({})).toBeUndefined();
    expect(
      protection({ 'lease-reaper.io/protected': 'true', 'Lease-Reaper.io/protect': 'true' }),
    ).toBeUndefined();
  });

  it('shortens a long value in the skip detail', () => {
    const detail = protection(annotated('x'.repeat(10_000)));
    expect(detail).toBe(`annotated ${PROTECT_ANNOTATION}: "${'x'.repeat(64)}…"`);
  });

  it('keeps a value of 64 characters whole, and shortens one of 65', () => {
    expect(protection(annotated('y'.repeat(64)))).toBe(
      `annotated ${PROTECT_ANNOTATION}: "${'y'.repeat(64)}"`,
    );
    expect(protection(annotated('y'.repeat(65)))).toBe(
      `annotated ${PROTECT_ANNOTATION}: "${'y'.repeat(64)}…"`,
    );
  });
});

describe('planDeletions with the protect annotation', () => {
  const policy = parseReapPolicy({ namespaces: { include: ['*'] } });
  const abandonedWith = (annotations: Record<string, string> | undefined) => {
    const raw = rawLeaderLease({ namespace: 'payments', name: 'gone.example.com', renewAgoMs: 3 * DAY });
    const metadata = raw.metadata as Record<string, unknown>;
    return toLeaseRecord({ ...raw, metadata: { ...metadata, ...(annotations ? { annotations } : {}) } });
  };
  const planOf = (annotations: Record<string, string> | undefined) => {
    const leases = [abandonedWith(annotations)];
    return planDeletions(auditOf({ leases, pods: [] }), leases, policy);
  };

  it.each(['yes', 'True', '1', ''])('skips an abandoned lease annotated %j as protected', (value) => {
    const plan = planOf(annotated(value));

    expect(plan.deletions).toEqual([]);
    expect(plan.skipped).toEqual([expect.objectContaining({ name: 'gone.example.com', skip: 'protected' })]);
  });

  it.each([['false'], ['NO'], [undefined]])('plans the same lease annotated %j', (value) => {
    const plan = planOf(value === undefined ? undefined : annotated(value));

    expect(plan.deletions.map((d) => d.name)).toEqual(['gone.example.com']);
  });
});

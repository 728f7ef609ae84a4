import type { LeaseRecord } from '../kube/records.ts';
import type { AuditPolicy } from './audit-policy.ts';
import { parseKubeTime } from './kube-time.ts';

/** The timing of a lease the rules can trust. */
export interface LeaseTiming {
  renewMs: number;
  durationSeconds: number;
  /** When it expires(d): renewTime + leaseDurationSeconds. */
  expiresMs: number;
}

export type LeaseShape = { ok: true; timing: LeaseTiming } | { ok: false; problems: string[] };

/**
 * Reads a lease's renewTime and leaseDurationSeconds, or says what is wrong with them. A lease that fails
 * here is reported as MalformedLease and judged by no other rule — and so never deleted.
 */
export function readLeaseShape(lease: LeaseRecord, nowMs: number, policy: AuditPolicy): LeaseShape {
  const timing = leaseTiming(lease, nowMs, policy);
  return timing ? { ok: true, timing } : { ok: false, problems: shapeProblems(lease, nowMs, policy) };
}

/**
 * The timing of a well-formed lease, or undefined when anything about it is off (`readLeaseShape` then
 * says what).
 */
export function leaseTiming(lease: LeaseRecord, nowMs: number, policy: AuditPolicy): LeaseTiming | undefined {
  const renewMs = wellFormedRenewMs(lease, nowMs, policy);
  if (Number.isNaN(renewMs)) return undefined;
  const d = durationOf(lease);
  return { renewMs, durationSeconds: d, expiresMs: renewMs + d * 1000 };
}

/**
 * The renewTime (epoch ms) of a well-formed lease, or NaN when anything about it is off — the check
 * `leaseTiming` makes, without allocating its result. This is the audit's hot path (millions of leases a
 * second), where most leases produce no finding and need no LeaseTiming at all.
 */
export function wellFormedRenewMs(lease: LeaseRecord, nowMs: number, policy: AuditPolicy): number {
  const renewMs = parseKubeTime(lease.renewTime);
  if (
    renewMs !== undefined &&
    renewMs - nowMs <= policy.clockSkewMarginSeconds * 1000 &&
    hasWellFormedSpec(lease, policy)
  ) {
    return renewMs;
  }
  return Number.NaN;
}

/**
 * Everything `wellFormedRenewMs` checks but renewTime: leaseDurationSeconds, acquireTime, leaseTransitions
 * and holderIdentity. True means leaseDurationSeconds is a number (`durationOf` reads it).
 */
export function hasWellFormedSpec(lease: LeaseRecord, policy: AuditPolicy): boolean {
  const d = lease.leaseDurationSeconds;
  return (
    typeof d === 'number' &&
    Number.isInteger(d) &&
    d > 0 &&
    d <= policy.maxLeaseDurationSeconds &&
    (lease.acquireTime === undefined ||
      lease.acquireTime === null ||
      parseKubeTime(lease.acquireTime) !== undefined) &&
    (lease.leaseTransitions === undefined ||
      lease.leaseTransitions === null ||
      (typeof lease.leaseTransitions === 'number' &&
        Number.isInteger(lease.leaseTransitions) &&
        lease.leaseTransitions >= 0)) &&
    (lease.holderIdentity === undefined ||
      lease.holderIdentity === null ||
      typeof lease.holderIdentity === 'string')
  );
}

/** leaseDurationSeconds as a number (NaN when it is not one): meaningful once `wellFormedRenewMs` passed. */
export function durationOf(lease: LeaseRecord): number {
  return typeof lease.leaseDurationSeconds === 'number' ? lease.leaseDurationSeconds : Number.NaN;
}

/** Every problem of a lease that failed the fast check, in words. */
function shapeProblems(lease: LeaseRecord, nowMs: number, policy: AuditPolicy): string[] {
  const problems: string[] = [];
  const renewMs = parseKubeTime(lease.renewTime);
  if (lease.renewTime === undefined || lease.renewTime === null) problems.push('spec.renewTime is missing');
  else if (renewMs === undefined)
    problems.push(`spec.renewTime ${JSON.stringify(lease.renewTime)} is not an RFC 3339 time`);
  else if (renewMs - nowMs > policy.clockSkewMarginSeconds * 1000) {
    problems.push(
      `spec.renewTime ${String(lease.renewTime)} is in the future (beyond the ${policy.clockSkewMarginSeconds} s skew margin)`,
    );
  }

  const d = lease.leaseDurationSeconds;
  if (d === undefined || d === null) problems.push('spec.leaseDurationSeconds is missing');
  else if (typeof d !== 'number' || !Number.isInteger(d))
    problems.push(`spec.leaseDurationSeconds ${JSON.stringify(d)} is not a whole number`);
  else if (d <= 0) problems.push(`spec.leaseDurationSeconds ${d} is not positive`);
  else if (d > policy.maxLeaseDurationSeconds)
    problems.push(`spec.leaseDurationSeconds ${d} is absurdly long`);

  if (
    lease.acquireTime !== undefined &&
    lease.acquireTime !== null &&
    parseKubeTime(lease.acquireTime) === undefined
  ) {
    problems.push(`spec.acquireTime ${JSON.stringify(lease.acquireTime)} is not an RFC 3339 time`);
  }
  const transitions = lease.leaseTransitions;
  if (
    transitions !== undefined &&
    transitions !== null &&
    (typeof transitions !== 'number' || !Number.isInteger(transitions) || transitions < 0)
  ) {
    problems.push(`spec.leaseTransitions ${JSON.stringify(transitions)} is not a non-negative whole number`);
  }
  if (
    lease.holderIdentity !== undefined &&
    lease.holderIdentity !== null &&
    typeof lease.holderIdentity !== 'string'
  ) {
    problems.push('spec.holderIdentity is not a string');
  }

  return problems;
}

/** The holder as a string ('' when released or absent). */
export function holderOf(lease: LeaseRecord): string {
  return typeof lease.holderIdentity === 'string' ? lease.holderIdentity : '';
}

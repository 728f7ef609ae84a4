import type { LeaseRecord } from '../../kube/records.ts';
import type { FindingFacts } from '../findings.ts';
import { holderOf, type LeaseTiming } from '../lease-shape.ts';

/** Whole seconds from `sinceMs` to `nowMs`, never negative. */
export function ageSeconds(nowMs: number, sinceMs: number): number {
  return Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
}

/** "3 s", "5 min", "2 h 10 min", "4 d 3 h": for reasons people read. */
export function describeAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function factsOf(lease: LeaseRecord, timing: LeaseTiming): FindingFacts {
  const owner = lease.ownerReferences[0];
  return {
    renewTime: String(lease.renewTime),
    leaseDurationSeconds: timing.durationSeconds,
    holderIdentity: holderOf(lease),
    ...(owner ? { owner: `${owner.kind}/${owner.name}/${owner.uid}` } : {}),
  };
}

import type { Severity } from '../audit/findings.ts';
import type { OpenFinding } from './open-findings.ts';

/**
 * The EventBridge events a finding's transitions produce, on the account's default bus: the contract the
 * stack's rules match and users subscribe to. One event when a finding first appears ("opened") and one
 * when a later run no longer sees it ("resolved"); a finding still open is not re-announced.
 */
export const FINDING_EVENT_SOURCE = 'lease-reaper';

export const FindingEventType = {
  Opened: 'Lease finding opened',
  Resolved: 'Lease finding resolved',
} as const;
export type FindingEventType = (typeof FindingEventType)[keyof typeof FindingEventType];

/** The functions put events on this bus (name or ARN); unset, no event is sent. */
export const FINDING_EVENT_BUS_ENV = 'LEASE_REAPER_EVENT_BUS';

/**
 * `detail` of both events: the finding as the state keeps it (type, severity, namespace — '' for a
 * cluster-scoped finding —, name, since, reason, node), with its cluster. Times are RFC 3339 UTC.
 */
export interface FindingEventDetail extends OpenFinding {
  /** The deployed stack (the `Stack` metric dimension), when deployed. */
  stack?: string;
  cluster: string;
  /** Resolved events: the run that no longer saw it. */
  resolvedAt?: string;
  /**
   * Set on an "opened" event for a finding already open that became more severe (a stale heartbeat
   * turning critical after 5 min): rules on critical openings then see it. Its `since` is the original.
   */
  escalatedFrom?: Severity;
}

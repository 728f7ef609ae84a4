import type { FindingDiff } from './finding-diff.ts';
import { type FindingEventDetail, FindingEventType } from './finding-event.ts';
import type { OpenFinding } from './open-findings.ts';

/** One event to put: its detail-type and detail (the source is always FINDING_EVENT_SOURCE). */
export interface FindingEvent {
  detailType: FindingEventType;
  detail: FindingEventDetail;
}

export interface EventSendResult {
  /** PutEvents requests made. */
  calls: number;
  sent: number;
  /** Entries not accepted: refused in the response, or in a request that failed. */
  failed: number;
  errors: string[];
}

/** The port to the event bus. Never throws: what was not sent is counted. */
export interface FindingEventSink {
  send(events: readonly FindingEvent[]): Promise<EventSendResult>;
}

/**
 * The events of one cluster's diff: an "opened" per new finding and per escalation, a "resolved" per
 * finding gone. Still-open findings are not re-announced. Pure.
 */
export function findingEvents(
  diff: Pick<FindingDiff, 'opened' | 'escalated' | 'resolved'>,
  context: { cluster: string; nowMs: number; stack?: string },
): FindingEvent[] {
  const detail = (f: OpenFinding): FindingEventDetail => ({
    ...(context.stack !== undefined ? { stack: context.stack } : {}),
    cluster: context.cluster,
    type: f.type,
    severity: f.severity,
    namespace: f.namespace,
    name: f.name,
    since: f.since,
    reason: f.reason,
    ...(f.node !== undefined ? { node: f.node } : {}),
  });
  const resolvedAt = new Date(context.nowMs).toISOString();
  return [
    ...diff.opened.map((f) => ({ detailType: FindingEventType.Opened, detail: detail(f) })),
    ...diff.escalated.map(({ finding, from }) => ({
      detailType: FindingEventType.Opened,
      detail: { ...detail(finding), escalatedFrom: from },
    })),
    ...diff.resolved.map((f) => ({
      detailType: FindingEventType.Resolved,
      detail: { ...detail(f), resolvedAt },
    })),
  ];
}

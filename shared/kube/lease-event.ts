import { hostname } from 'node:os';
import { ClusterForbiddenError } from '../errors.ts';
import type { LeaseIdentity } from './delete-lease.ts';
import type { KubeClient } from './kube-client.ts';

/**
 * A Kubernetes Event for each lease the reaper deletes, so `kubectl get events -n <ns>` shows who removed what
 * and why (descheduler records `Descheduled` the same way for each eviction). Written as events.k8s.io/v1, what
 * client-go's `tools/events` recorder writes; kube-apiserver keeps both Event APIs in one registry, so core/v1
 * readers (kubectl get events) see it too.
 */

export const LEASE_REAPED_REASON = 'LeaseReaped';
export const REPORTING_CONTROLLER = 'lease-reaper';
export const LEASE_REAPED_ACTION = 'Delete';

/**
 * The longest note the apiserver takes, in bytes: `NoteLengthLimit` in kubernetes/kubernetes
 * `pkg/apis/core/validation/events.go` (legacyValidateEvent compares Go's `len`, i.e. UTF-8 bytes).
 */
export const NOTE_LIMIT_BYTES = 1024;
/** `ReportingInstanceLengthLimit` in the same file. */
export const REPORTING_INSTANCE_LIMIT = 128;
/** An object name is a DNS subdomain: at most 253 characters (`ValidateObjectMeta`, NameIsDNSSubdomain). */
const NAME_LIMIT = 253;

/** events.k8s.io/v1 Event, the fields this writer sets. */
export interface EventsV1Event {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  type: 'Normal';
  regarding: {
    apiVersion: 'coordination.k8s.io/v1';
    kind: 'Lease';
    namespace: string;
    name: string;
    uid: string;
    resourceVersion: string;
  };
  note: string;
}

export interface LeaseReapedInput {
  /** The lease as deleted: its uid and resourceVersion are the delete's preconditions. */
  lease: LeaseIdentity;
  /** Why it was deleted (the finding's reason, as the plan carries it). */
  reason: string;
  /** Wall-clock time in nanoseconds since the epoch: the eventTime and the name's unique suffix. */
  nowNs: bigint;
  reportingInstance: string;
}

/**
 * The Event recording one deletion. Pure. Named as client-go's recorder names events (`makeEvent` in
 * staging/src/k8s.io/client-go/tools/events/event_recorder.go: `<regarding name>.<UnixNano in hex>`), with the
 * lease name shortened when that would pass the 253-character limit on names.
 */
export function leaseReapedEvent(input: LeaseReapedInput): EventsV1Event {
  const { lease } = input;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(lease.name, input.nowNs), namespace: lease.namespace },
    eventTime: microTimeOfNs(input.nowNs),
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: truncateBytes(input.reportingInstance, REPORTING_INSTANCE_LIMIT),
    action: LEASE_REAPED_ACTION,
    reason: LEASE_REAPED_REASON,
    type: 'Normal',
    regarding: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: lease.namespace,
      name: lease.name,
      uid: lease.uid,
      resourceVersion: lease.resourceVersion,
    },
    note: truncateBytes(input.reason, NOTE_LIMIT_BYTES),
  };
}

/** `<lease>.<hex ns>`; a lease name too long for that is cut, and left ending in a letter or digit. */
export function eventName(leaseName: string, nowNs: bigint): string {
  const suffix = `.${nowNs.toString(16)}`;
  const room = NAME_LIMIT - suffix.length;
  const prefix = leaseName.length <= room ? leaseName : leaseName.slice(0, room).replace(/[^a-z0-9]+$/, '');
  return `${prefix}${suffix}`;
}

/** Kubernetes MicroTime (RFC 3339, six fractional digits) of a time in nanoseconds. */
export function microTimeOfNs(nowNs: bigint): string {
  const ms = Number(nowNs / 1_000_000n);
  const micros = String((nowNs / 1000n) % 1_000_000n).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}Z`;
}

/**
 * `text` in at most `limit` UTF-8 bytes: as it is when it fits, otherwise cut at a character boundary and
 * ended with "..." (as client-go's recorder truncates notes), so the apiserver never refuses it for length.
 */
export function truncateBytes(text: string, limit: number): string {
  if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  const ellipsis = '...';
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > limit - ellipsis.length) break;
    bytes += size;
    out += ch;
  }
  return `${out}${ellipsis}`;
}

/** What became of one Event: written (its name), or not, with why; `forbidden` when RBAC refused it. */
export type EventOutcome =
  | { result: 'recorded'; name: string }
  | { result: 'failed'; message: string; forbidden: boolean };

/** The reaper's `reportingInstance`: the controller and this host, as client-go's `NewRecorder` builds it. */
export function defaultReportingInstance(): string {
  return `${REPORTING_CONTROLLER}-${hostname()}`;
}

/**
 * POSTs the Event. Never throws: an Event is best effort, and its failure (403, 5xx after the client's
 * retries, a timeout) is an outcome the caller counts, never a failed deletion. A 409 after a retry means an
 * earlier attempt was stored (the name is unique to this deletion), so it counts as recorded.
 */
export async function postEvent(client: KubeClient, event: EventsV1Event): Promise<EventOutcome> {
  const { namespace, name } = event.metadata;
  try {
    await client.request({
      method: 'POST',
      path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: event,
      operation: `create event ${namespace}/${name}`,
      allowStatuses: [409],
    });
    return { result: 'recorded', name };
  } catch (error) {
    return {
      result: 'failed',
      message: error instanceof Error ? error.message : String(error),
      forbidden: error instanceof ClusterForbiddenError,
    };
  }
}

/** Wall-clock now in nanoseconds: milliseconds from Date, the sub-millisecond part from the monotonic clock. */
export function wallClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

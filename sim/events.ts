import type { KubeObject } from './kube-object.ts';
import {
  apiInvalid,
  type FieldError,
  invalidErr,
  isDNS1123Subdomain,
  isQualifiedName,
  validateObjectMetaOnCreate,
} from './lease-validation.ts';
import { badRequest } from './status.ts';

/**
 * Events, as kube-apiserver v1.32 keeps them: one registry (pkg/registry/core/event) holding the internal
 * `core.Event`, served as core/v1 `Event` at /api/v1 and as events.k8s.io/v1 `Event` at /apis/events.k8s.io/v1.
 * The sim stores the events.k8s.io/v1 form (what writers POST there) and serves the core/v1 view by the
 * conversion of pkg/apis/events/v1/conversion.go: regarding ↔ involvedObject, note ↔ message,
 * deprecatedSource/FirstTimestamp/LastTimestamp/Count ↔ source/firstTimestamp/lastTimestamp/count; the other
 * fields share their Go names (ReportingController is `reportingComponent` in core/v1 JSON).
 */

/** pkg/apis/core/validation/events.go. */
const REPORTING_INSTANCE_LENGTH_LIMIT = 128;
const ACTION_LENGTH_LIMIT = 128;
const REASON_LENGTH_LIMIT = 128;
const NOTE_LENGTH_LIMIT = 1024;

const q = (s: string) => JSON.stringify(s);
const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Go's `len` of a string: its UTF-8 bytes. */
const goLen = (s: string) => Buffer.byteLength(s, 'utf8');
/** A metav1.Time or MicroTime is zero when absent or null. */
const isZeroTime = (v: unknown) => v === undefined || v === null || v === '';

/** The string fields of events.k8s.io/v1 Event that the JSON decoder types (a number there is a 400). */
const stringFields = [
  'reportingController',
  'reportingInstance',
  'action',
  'reason',
  'note',
  'type',
] as const;

/**
 * The decode step of a create (handlers/create.go): a string field holding something else fails the JSON
 * decoder, a 400 naming the field as encoding/json does; a time that does not parse fails the same way.
 */
export function decodeEventsV1(obj: KubeObject): void {
  for (const field of stringFields) {
    const v = obj[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      const got = Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;
      throw badRequest(
        `Event in version "v1" cannot be handled as a Event: json: cannot unmarshal ${got} into Go struct field Event.${field} of type string`,
      );
    }
  }
  const time = obj.eventTime;
  if (!isZeroTime(time) && (typeof time !== 'string' || Number.isNaN(Date.parse(time)))) {
    throw badRequest(
      `Event in version "v1" cannot be handled as a Event: invalid eventTime ${JSON.stringify(time)}`,
    );
  }
}

/**
 * ValidateEventCreate for a request in events.k8s.io/v1 (pkg/apis/core/validation/events.go): legacyValidateEvent,
 * then the strict checks for events.k8s.io/v1 and later. Fields are named by the internal type, as the
 * apiserver names them (`involvedObject.namespace`, `message`, `firstTimestamp`…), whatever the request's version.
 */
export function validateEventsV1Create(obj: KubeObject): FieldError[] {
  const meta = obj.metadata;
  const namespace = meta.namespace ?? '';
  const regarding = record(obj.regarding);
  const reportingController = str(obj.reportingController);
  const reportingInstance = str(obj.reportingInstance);
  const action = str(obj.action);
  const reason = str(obj.reason);
  const note = str(obj.note);
  const type = str(obj.type);
  const errs: FieldError[] = [];

  // legacyValidateEvent: an event without eventTime is an "old" one, held only to its namespace.
  const regardingNs = str(regarding.namespace);
  if (isZeroTime(obj.eventTime)) {
    const mismatch =
      regardingNs === '' ? namespace !== '' && namespace !== 'default' : namespace !== regardingNs;
    if (mismatch)
      errs.push(invalidErr('involvedObject.namespace', q(regardingNs), 'does not match event.namespace'));
  } else {
    if (regardingNs === '' && namespace !== 'default' && namespace !== 'kube-system')
      errs.push(invalidErr('involvedObject.namespace', q(regardingNs), 'does not match event.namespace'));
    if (reportingController === '') errs.push({ type: 'Required', field: 'reportingController', detail: '' });
    for (const m of isQualifiedName(reportingController))
      errs.push(invalidErr('reportingController', q(reportingController), m));
    if (reportingInstance === '') errs.push({ type: 'Required', field: 'reportingInstance', detail: '' });
    if (goLen(reportingInstance) > REPORTING_INSTANCE_LENGTH_LIMIT)
      errs.push(
        invalidErr(
          'reportingInstance',
          q(''),
          `can have at most ${REPORTING_INSTANCE_LENGTH_LIMIT} characters`,
        ),
      );
    if (action === '') errs.push({ type: 'Required', field: 'action', detail: '' });
    if (goLen(action) > ACTION_LENGTH_LIMIT)
      errs.push(invalidErr('action', q(''), `can have at most ${ACTION_LENGTH_LIMIT} characters`));
    if (reason === '') errs.push({ type: 'Required', field: 'reason', detail: '' });
    if (goLen(reason) > REASON_LENGTH_LIMIT)
      errs.push(invalidErr('reason', q(''), `can have at most ${REASON_LENGTH_LIMIT} characters`));
    if (goLen(note) > NOTE_LENGTH_LIMIT)
      errs.push(invalidErr('message', q(''), `can have at most ${NOTE_LENGTH_LIMIT} characters`));
  }
  for (const m of isDNS1123Subdomain(namespace)) errs.push(invalidErr('namespace', q(namespace), m));

  // Strict validation, for creates through events.k8s.io/v1: ObjectMeta (namespaced, DNS-subdomain name).
  errs.push(...validateObjectMetaOnCreate(meta));
  // validateV1EventSeries
  if (obj.series !== undefined && obj.series !== null) {
    const series = record(obj.series);
    if (typeof series.count !== 'number' || series.count < 2)
      errs.push(invalidErr('series.count', q(''), 'should be at least 2'));
    if (isZeroTime(series.lastObservedTime))
      errs.push({ type: 'Required', field: 'series.lastObservedTime', detail: '' });
  }
  if (isZeroTime(obj.eventTime)) errs.push({ type: 'Required', field: 'eventTime', detail: '' });
  if (type !== 'Normal' && type !== 'Warning')
    errs.push(invalidErr('type', q(''), `has invalid value: ${type}`));
  if (!isZeroTime(obj.deprecatedFirstTimestamp))
    errs.push(invalidErr('firstTimestamp', q(''), 'needs to be unset'));
  if (!isZeroTime(obj.deprecatedLastTimestamp))
    errs.push(invalidErr('lastTimestamp', q(''), 'needs to be unset'));
  if (typeof obj.deprecatedCount === 'number' && obj.deprecatedCount !== 0)
    errs.push(invalidErr('count', q(''), 'needs to be unset'));
  const source = record(obj.deprecatedSource);
  if (str(source.component) !== '' || str(source.host) !== '')
    errs.push(invalidErr('source', q(''), 'needs to be unset'));
  return errs;
}

/** The 422 of an invalid events.k8s.io/v1 Event: `Event.events.k8s.io "<name>" is invalid: …`. */
export function throwIfEventInvalid(obj: KubeObject): void {
  const errs = validateEventsV1Create(obj);
  if (errs.length > 0) throw apiInvalid('Event', 'events.k8s.io', obj.metadata.name ?? '', errs);
}

/**
 * The events.k8s.io/v1 object as the apiserver serves it back: the struct fields without `omitempty` that
 * Go always encodes (`deprecatedSource` as `{}`, the deprecated times as `null` when unset).
 */
export function servedEventsV1(obj: KubeObject): KubeObject {
  return {
    ...obj,
    deprecatedSource: obj.deprecatedSource ?? {},
    deprecatedFirstTimestamp: obj.deprecatedFirstTimestamp ?? null,
    deprecatedLastTimestamp: obj.deprecatedLastTimestamp ?? null,
  };
}

/**
 * The core/v1 view of a stored events.k8s.io/v1 Event (Convert_v1_Event_To_core_Event, then core/v1's JSON
 * encoding: `source` always, the times as null when unset, `reportingComponent` and `reportingInstance` always).
 */
export function asCoreEvent(obj: KubeObject): KubeObject {
  const set = (key: string, v: unknown) =>
    v === undefined || v === null || v === '' || v === 0 ? {} : { [key]: v };
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: obj.metadata,
    involvedObject: obj.regarding ?? {},
    ...set('reason', obj.reason),
    ...set('message', obj.note),
    source: obj.deprecatedSource ?? {},
    firstTimestamp: obj.deprecatedFirstTimestamp ?? null,
    lastTimestamp: obj.deprecatedLastTimestamp ?? null,
    ...set('count', obj.deprecatedCount),
    ...set('type', obj.type),
    eventTime: obj.eventTime ?? null,
    ...set('series', obj.series),
    ...set('action', obj.action),
    ...set('related', obj.related),
    reportingComponent: str(obj.reportingController),
    reportingInstance: str(obj.reportingInstance),
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from './kube-object.ts';
import { RevisionHistory } from './list-history.ts';
import { decodeInconsistent, type ListSnapshots, type Page } from './list-snapshots.ts';
import type { ResourceDef } from './resources.ts';
import { badRequest, StatusError } from './status.ts';
import type { SimStore } from './store.ts';

/** The list parameters that decide which revision a list reads and how it pages. */
export interface ListOptions {
  limit: number;
  continueToken: string;
  resourceVersion: string;
  resourceVersionMatch: string;
}

/**
 * Reads the list options off the query. A limit that is not an integer fails decoding (400, as
 * ParameterCodec.DecodeParameters in handlers/get.go ListResource reports it); a limit of 0 or below
 * means no paging (etcd3 store.go: `paging := opts.Predicate.Limit > 0`).
 */
export function parseListOptions(url: URL): ListOptions {
  const rawLimit = url.searchParams.get('limit') ?? '';
  let limit = 0;
  if (rawLimit !== '') {
    if (!/^[+-]?\d+$/.test(rawLimit)) {
      throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(rawLimit)}: invalid syntax`);
    }
    limit = Math.max(0, Number(rawLimit));
  }
  return {
    limit,
    continueToken: url.searchParams.get('continue') ?? '',
    resourceVersion: url.searchParams.get('resourceVersion') ?? '',
    resourceVersionMatch: url.searchParams.get('resourceVersionMatch') ?? '',
  };
}

interface FieldError {
  type: 'FieldValueForbidden' | 'FieldValueNotSupported';
  field: string;
  detail: string;
}

const body = (e: FieldError) =>
  `${e.type === 'FieldValueForbidden' ? 'Forbidden' : 'Unsupported value'}: ${e.detail}`;

/**
 * staging/src/k8s.io/apimachinery/pkg/apis/meta/internalversion/validation/validation.go ValidateListOptions,
 * answered as handlers/get.go ListResource does: 422 Invalid for kind `ListOptions.meta.k8s.io`, name "",
 * one cause per error and the errors aggregated in the message (`[a, b]` when more than one).
 */
export function validateListOptions(o: ListOptions): void {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (match !== '') {
    if (o.resourceVersion === '') {
      errs.push({
        type: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided',
      });
    }
    if (o.continueToken !== '') {
      errs.push({
        type: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        detail: 'resourceVersionMatch is forbidden when continue is provided',
      });
    }
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push({
        type: 'FieldValueNotSupported',
        field: 'resourceVersionMatch',
        detail: `${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""`,
      });
    }
    if (match === 'Exact' && o.resourceVersion === '0') {
      errs.push({
        type: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        detail: 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      });
    }
  }
  if (errs.length === 0) return;
  const texts = errs.map((e) => `${e.field}: ${body(e)}`);
  const aggregated = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  throw new StatusError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${aggregated}`, {
    group: 'meta.k8s.io',
    kind: 'ListOptions',
    causes: errs.map((e) => ({ reason: e.type, message: body(e), field: e.field })),
  });
}

/**
 * A resourceVersion must be a decimal revision (APIObjectVersioner.ParseResourceVersion in
 * staging/src/k8s.io/apiserver/pkg/storage/api_object_versioner.go, reported by etcd3 store.go as
 * "invalid resource version: …").
 */
function parseRevision(rv: string): number {
  if (rv === '' || rv === '0') return 0;
  if (!/^\d+$/.test(rv)) {
    throw badRequest(
      `invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`,
    );
  }
  return Number(rv);
}

/** storage/errors.go NewTooLargeResourceVersionError: 504 Timeout with a ResourceVersionTooLarge cause. */
const tooLargeResourceVersion = (wanted: number, current: number, retryAfterSeconds: number) =>
  new StatusError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
  });

/** How long the watch cache waits for a resourceVersion it has not seen yet (cacher/watch_cache.go blockTimeout). */
const watchCacheBlockMs = 3_000;

export interface ListTarget {
  def: ResourceDef;
  namespace: string | undefined;
  predicate: ((obj: KubeObject) => boolean) | undefined;
  /** Whether remainingItemCount may be given (no selectors). */
  withCount: boolean;
}

/**
 * Serves one list request the way kube-apiserver chooses between its watch cache and etcd
 * (staging/src/k8s.io/apiserver/pkg/storage/cacher/delegator.go shouldDelegateList, cacher.go GetList and
 * computeListLimit, etcd3/store.go GetList and storage ValidateListOptions):
 * - `continue` is served from etcd at the token's revision; a resourceVersion other than "" or "0" with it
 *   is a 400; an expired token is a 410 whose Status carries a token that continues from the current state,
 *   and that token (`rv` -1) resumes the list at its key from the latest revision;
 * - `resourceVersionMatch=Exact`, and the legacy form (a resourceVersion other than "0" with a limit and no
 *   match), read etcd at exactly that revision: 410 "The resourceVersion for the provided list is too old."
 *   once it is compacted, 504 when it is in the future;
 * - otherwise (resourceVersion "" or "0", or NotOlderThan) the watch cache serves the latest state, at
 *   least as new as the resourceVersion asked for (waiting up to 3 s, then 504); with resourceVersion "0"
 *   it ignores `limit` and returns everything in one page.
 */
export async function serveList(
  store: SimStore,
  snapshots: ListSnapshots,
  target: ListTarget,
  o: ListOptions,
): Promise<Page> {
  const history = historyOf(store, snapshots);
  const current = () => store.list(target.def, { namespace: target.namespace, predicate: target.predicate });

  if (o.continueToken !== '') {
    if (o.resourceVersion !== '' && o.resourceVersion !== '0') {
      throw badRequest('specifying resource version is not allowed when using continue');
    }
    const inconsistent = decodeInconsistent(o.continueToken);
    if (inconsistent) {
      const rest = current().filter((s) => s.key >= inconsistent.start);
      return snapshots.first(rest, store.resourceVersion, o.limit, target.withCount);
    }
    return snapshots.next(o.continueToken, o.limit, target.withCount);
  }

  const wanted = parseRevision(o.resourceVersion);
  const exact =
    o.resourceVersionMatch === 'Exact' || (o.resourceVersionMatch === '' && o.limit > 0 && wanted > 0);
  if (exact) {
    const now = Number(store.resourceVersion);
    if (wanted > now) throw tooLargeResourceVersion(wanted, now, 0);
    if (wanted < history.compactedRevision) {
      // etcd3/errors.go: the `expired` message for a list at a compacted revision.
      throw new StatusError(410, 'Expired', 'The resourceVersion for the provided list is too old.');
    }
    const items = history.listAt(target.def, wanted, target.namespace, target.predicate);
    return snapshots.first(items, String(wanted), o.limit, target.withCount);
  }

  if (wanted > Number(store.resourceVersion)) {
    const deadline = Date.now() + watchCacheBlockMs;
    while (wanted > Number(store.resourceVersion) && Date.now() < deadline) await sleep(50);
    const now = Number(store.resourceVersion);
    // cacher/watch_cache.go waitUntilFreshAndBlock: resourceVersionTooHighRetrySeconds is 1.
    if (wanted > now) throw tooLargeResourceVersion(wanted, now, 1);
  }
  const limit = o.resourceVersion === '0' ? 0 : o.limit;
  return snapshots.first(current(), store.resourceVersion, limit, target.withCount);
}

function historyOf(store: SimStore, snapshots: ListSnapshots): RevisionHistory {
  snapshots.history ??= new RevisionHistory(store, () => snapshots.ttlMs);
  return snapshots.history;
}

/** Starts recording the store's history now, so lists at an exact older resourceVersion can be served. */
export function trackHistory(store: SimStore, snapshots: ListSnapshots): void {
  historyOf(store, snapshots);
}

import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import { findingTypes, severities } from '../audit/findings.ts';
import { describeIssues } from '../validation.ts';
import type { ClusterFindingState } from './open-findings.ts';

/**
 * The finding state as stored: gzip-compressed JSON in one Binary attribute, so thousands of findings fit
 * in a DynamoDB item (400 KB, attribute names included). Reasons and names repeat a lot: 5,000 stale
 * heartbeats compress about tenfold.
 */
export const STATE_FORMAT_VERSION = 1;

/** Bytes the compressed state may take: DynamoDB's 400 KB item, less room for the other attributes. */
export const MAX_STATE_BYTES = 380_000;

/** A stored state never decodes to more than this (a bound on what a corrupted item can make us hold). */
const MAX_DECODED_BYTES = 64 * 1024 * 1024;

const isoTime = z
  .string()
  .check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected an RFC 3339 UTC time'));
const findingType = z.enum(findingTypes);
const storedState = z.strictObject({
  v: z.literal(STATE_FORMAT_VERSION),
  open: z.array(
    z.strictObject({
      type: findingType,
      severity: z.enum(severities),
      namespace: z.string(),
      name: z.string(),
      since: isoTime,
      reason: z.string(),
      node: z.optional(z.string()),
    }),
  ),
  counts: z.partialRecord(findingType, z.int().check(z.gte(0))),
  untracked: z.int().check(z.gte(0)),
  listedAt: z.optional(isoTime),
});

export class StateDecodeError extends Error {
  override name = 'StateDecodeError';
}

export function encodeState(state: ClusterFindingState): Uint8Array {
  return gzipSync(JSON.stringify({ v: STATE_FORMAT_VERSION, ...state }));
}

/** Whether a state's encoding fits in an item (the diff's `fits`). */
export function fitsInItem(state: ClusterFindingState): boolean {
  return encodeState(state).byteLength <= MAX_STATE_BYTES;
}

/** Reads a stored state; anything unreadable (another version, a corrupted item) is a StateDecodeError. */
export function decodeState(bytes: Uint8Array): ClusterFindingState {
  let doc: unknown;
  try {
    doc = JSON.parse(gunzipSync(bytes, { maxOutputLength: MAX_DECODED_BYTES }).toString('utf8'));
  } catch (cause) {
    throw new StateDecodeError(`finding state is not gzip-compressed JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  const parsed = storedState.safeParse(doc);
  if (!parsed.success)
    throw new StateDecodeError(
      `finding state is not readable: ${describeIssues(parsed.error.issues).join('; ')}`,
    );
  const { v: _v, open, counts, untracked, listedAt } = parsed.data;
  return {
    open: open.map(({ node, ...f }) => ({ ...f, ...(node !== undefined ? { node } : {}) })),
    counts,
    untracked,
    ...(listedAt !== undefined ? { listedAt } : {}),
  };
}

import { ConfigError } from '../errors.ts';

/**
 * The archive of a reap: JSON Lines, one file (or S3 object) per cluster and run. Before each delete, a
 * `Tombstone` line holds the lease whole, as the server held it at the resourceVersion the delete's
 * preconditions name; after the delete is answered, a `DeleteResponse` line holds the apiserver's answer (for
 * a lease, a `Status`: its registry does not return the deleted object). `lease-reaper restore` reads them
 * back. Pure: reading and writing the lines, no I/O.
 */
export const ARCHIVE_FORMAT = 'lease-reaper.archive/v1';

export interface TombstoneLine {
  format: typeof ARCHIVE_FORMAT;
  kind: 'Tombstone';
  cluster: string;
  /** When the tombstone was written (this machine's clock, RFC 3339). */
  archivedAt: string;
  finding: string;
  reason: string;
  /** The lease as listed: read back whole with the planned uid and resourceVersion. */
  lease: Record<string, unknown>;
}

export interface DeleteResponseLine {
  format: typeof ARCHIVE_FORMAT;
  kind: 'DeleteResponse';
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  answeredAt: string;
  /** What the delete did: `deleted`, or why not (changed, alreadyGone, forbidden, failed). */
  outcome: string;
  /** The apiserver's response body, when it sent one that parses. */
  response?: unknown;
  detail?: string;
}

export type ArchiveLine = TombstoneLine | DeleteResponseLine;

/** One archived lease: its tombstone and, when the delete was answered, what the apiserver said. */
export interface ArchivedLease {
  tombstone: TombstoneLine;
  response?: DeleteResponseLine;
  /** Where the tombstone is: `file:line`, for messages. */
  at: string;
}

/** The identity a tombstone's lease carries (checked when the archive is read). */
export function leaseIdentity(lease: Record<string, unknown>): {
  namespace: string;
  name: string;
  uid: string;
} {
  const metadata = record(lease.metadata) ?? {};
  return { namespace: text(metadata.namespace), name: text(metadata.name), uid: text(metadata.uid) };
}

/**
 * Reads an archive; each tombstone paired with the response that follows it (same cluster and uid). A line
 * that is not one of ours is an error naming the source and line: a recovery tool guesses at nothing.
 */
export function parseArchive(content: string, source: string): ArchivedLease[] {
  const leases: ArchivedLease[] = [];
  const open = new Map<string, ArchivedLease>();
  const lines = content.split('\n');
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    const at = `${source}:${i + 1}`;
    const line = parseLine(raw, at);
    if (line.kind === 'Tombstone') {
      const entry: ArchivedLease = { tombstone: line, at };
      leases.push(entry);
      open.set(`${line.cluster}\n${leaseIdentity(line.lease).uid}`, entry);
    } else {
      const entry = open.get(`${line.cluster}\n${line.uid}`);
      if (!entry)
        throw new ConfigError(
          `${at}: a DeleteResponse for ${line.namespace}/${line.name} with no tombstone before it`,
        );
      entry.response = line;
    }
  }
  return leases;
}

function parseLine(raw: string, at: string): ArchiveLine {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${at}: not a JSON line of a lease-reaper archive`);
  }
  const line = record(value);
  if (!line || line.format !== ARCHIVE_FORMAT)
    throw new ConfigError(`${at}: not a line of a lease-reaper archive (format must be "${ARCHIVE_FORMAT}")`);
  if (typeof line.cluster !== 'string' || line.cluster === '')
    throw new ConfigError(`${at}: cluster must be a non-empty string`);
  if (line.kind === 'Tombstone') {
    const lease = record(line.lease);
    if (!lease) throw new ConfigError(`${at}: lease must be an object`);
    const id = leaseIdentity(lease);
    for (const field of ['namespace', 'name', 'uid'] as const)
      if (id[field] === '')
        throw new ConfigError(`${at}: lease.metadata.${field} must be a non-empty string`);
    if (lease.kind !== 'Lease' || lease.apiVersion !== 'coordination.k8s.io/v1')
      throw new ConfigError(`${at}: lease must be a coordination.k8s.io/v1 Lease`);
    return line as unknown as TombstoneLine;
  }
  if (line.kind === 'DeleteResponse') {
    for (const field of ['namespace', 'name', 'uid', 'outcome'] as const)
      if (typeof line[field] !== 'string' || line[field] === '')
        throw new ConfigError(`${at}: ${field} must be a non-empty string`);
    return line as unknown as DeleteResponseLine;
  }
  throw new ConfigError(`${at}: kind must be Tombstone or DeleteResponse`);
}

/**
 * The lease to create again: what the server set on it removed (uid, resourceVersion, creationTimestamp,
 * managedFields, and the fields of an object being deleted), everything its owner wrote — spec, labels,
 * annotations, owner references, finalizers — kept.
 */
export function restorableLease(lease: Record<string, unknown>): Record<string, unknown> {
  const {
    uid: _uid,
    resourceVersion: _resourceVersion,
    creationTimestamp: _creationTimestamp,
    managedFields: _managedFields,
    deletionTimestamp: _deletionTimestamp,
    deletionGracePeriodSeconds: _deletionGracePeriodSeconds,
    generation: _generation,
    selfLink: _selfLink,
    ...metadata
  } = record(lease.metadata) ?? {};
  return { ...lease, metadata };
}

/** The archive's file (or S3 object) name for a cluster's run: safe in a path, sortable by time. */
export function archiveFileName(cluster: string, startedAtMs: number): string {
  const stamp = new Date(startedAtMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${cluster.replace(/[^A-Za-z0-9._-]/g, '_')}.${stamp}.jsonl`;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The reap function's archive bucket (set by the stack's TombstoneArchive); unset: no tombstones. */
export const ARCHIVE_BUCKET_ENV = 'LEASE_REAPER_ARCHIVE_BUCKET';

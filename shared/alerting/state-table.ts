/**
 * The finding-state store kept between runs (a DynamoDB table the stack creates): one item per cluster,
 * so each run knows which findings are new and which resolved. Shared by the functions and the stack.
 */

/** The table's name; unset (the CLI, or a stack without alerting state), runs keep no state. */
export const STATE_TABLE_ENV = 'LEASE_REAPER_STATE_TABLE';

/** Partition key (string): the cluster's registry name. No sort key. */
export const STATE_TABLE_PARTITION_KEY = 'cluster';

/** Numeric TTL attribute: a cluster that leaves the registry stops being written and its item expires. */
export const STATE_TABLE_TTL_ATTRIBUTE = 'expiresAt';

import { ConfigError } from '../errors.ts';

/**
 * How much one cluster may make lease-reaper read. A cluster's API server is not trusted to be well
 * behaved: a broken proxy, a compromised control plane or a misconfigured endpoint can send an endless
 * body, a gzip bomb or an endless list. Each limit turns that into a typed per-cluster error
 * (`ClusterLimitError`, never retried) instead of exhausting the memory the whole fleet run shares.
 */
export interface ReadLimits {
  /** Bytes of one response as received, compressed or not. Enforced while streaming. */
  maxResponseBytes: number;
  /** Bytes of one response after gzip/deflate/br decoding. Enforced while inflating. */
  maxDecodedBytes: number;
  /** Pages of one list (restarts after an expired continue token start the count again). */
  maxListPages: number;
  /** Items of one list. */
  maxListItems: number;
}

const MiB = 1024 * 1024;

/**
 * Sized for real clusters with room to spare: a 500-item page of full EKS Nodes is ~9 MB (lease-reaper
 * asks for metadata only, ~2 MB, and 200 Nodes a page); a 100,000-node cluster lists ~100k node leases in
 * 200 pages and 100k Nodes in 500; a list of endless short pages ends after 1,000 requests. A response is held whole only up to 64 MiB. The item cap bounds what one list keeps: a
 * lease record costs ~0.45 KB (400k of them peak at ~250 MB RSS), a Pod or Node record less. Raise it
 * for a cluster with more than 400,000 unfinished Pods.
 */
export const defaultReadLimits: Readonly<ReadLimits> = Object.freeze({
  maxResponseBytes: 64 * MiB,
  maxDecodedBytes: 64 * MiB,
  // 200,000 Nodes in pages of 200 take 1,000 pages; 400,000 Pods or leases in pages of 500, 800.
  maxListPages: 1_000,
  maxListItems: 400_000,
});

/** A limit was exceeded; KubeClient turns this into a ClusterLimitError naming the cluster and request. */
export class ReadLimitExceeded extends Error {
  constructor(
    readonly limit: keyof ReadLimits,
    message: string,
  ) {
    super(message);
    this.name = 'ReadLimitExceeded';
  }
}

/** `64 MiB`, `512 KiB`, `1000 bytes`: limits are read by people configuring them. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Checks configured limits once, when a client is built: a zero or negative cap would refuse everything. */
export function resolveReadLimits(overrides: Partial<ReadLimits> | undefined): Readonly<ReadLimits> {
  const limits = { ...defaultReadLimits, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new ConfigError(`read limit ${name} must be a positive integer, got ${String(value)}`);
  }
  return Object.freeze(limits);
}

import type { S3Client } from '@aws-sdk/client-s3';
import { retryingClientConfig, type SdkClientOptions } from '../aws/sdk-clients.ts';
import type { ArchiveSink } from './kube-tombstones.ts';
import { type ArchiveLine, archiveFileName } from './tombstone.ts';

/** The prefix of every tombstone object: the reap role may write below it and nowhere else. */
export const TOMBSTONE_PREFIX = 'tombstones/';

/**
 * An S3 client with the SDK's own retries (shared/aws/sdk-clients.ts), loaded only when an archive is used.
 * A bucket in another region than the client's is followed there (the CLI's region is the user's).
 */
export async function s3Client(options: SdkClientOptions = {}): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({ ...retryingClientConfig(options), followRegionRedirects: true });
}

/** `s3://bucket/key` → its parts; anything else is undefined. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match ? { bucket: match[1] as string, key: match[2] as string } : undefined;
}

/** An archive object's text (GetObject). */
export async function readS3Text(client: S3Client, bucket: string, key: string): Promise<string> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/** `tombstones/<cluster>.<run start>.jsonl`: one object per cluster and run. */
export function tombstoneKey(cluster: string, startedAtMs: number): string {
  return `${TOMBSTONE_PREFIX}${archiveFileName(cluster, startedAtMs)}`;
}

/**
 * One cluster's archive as one S3 object of JSON Lines. S3 has no append: each line writes the whole object
 * again (PutObject replaces it atomically, so a reader sees the old lines or the new ones, never part), and
 * a line counts as kept only once S3 answered. A run deletes at most maxDeletionsPerCluster leases per
 * cluster, two lines each, so the object stays small and its rewrites cheap. Encrypted by the bucket's
 * default encryption.
 */
export function s3ArchiveSink(client: S3Client, bucket: string, key: string): ArchiveSink {
  let body = '';
  return {
    async append(line: ArchiveLine) {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const next = `${body}${JSON.stringify(line)}\n`;
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: next,
          ContentType: 'application/x-ndjson',
        }),
      );
      body = next;
    },
  };
}

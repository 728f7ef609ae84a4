import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveSink } from '../shared/archive/kube-tombstones.ts';
import { archiveFileName } from '../shared/archive/tombstone.ts';
import { ConfigError } from '../shared/errors.ts';

/** The tombstone files of one run under `--archive DIR`: one JSON Lines file per cluster. */
export interface ArchiveDir {
  sink(cluster: string): ArchiveSink;
  /** The files written so far. */
  files(): string[];
  close(): void;
}

/**
 * Opens `--archive DIR` before any cluster is contacted (created owner-only if missing), so a directory that
 * cannot be written fails the run up front. Each line is written and synced to disk before it counts as
 * kept: a delete is sent only after its tombstone is on disk. The lines are exact, never redacted (a restore
 * needs the lease as it was), so the files are owner-only.
 */
export function openArchiveDir(dir: string, startedAtMs: number): ArchiveDir {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (cause) {
    throw new ConfigError(`--archive ${dir} cannot be written: ${(cause as Error).message}`, { cause });
  }
  const open = new Map<string, { fd: number; path: string }>();
  const fileOf = (cluster: string) => {
    let file = open.get(cluster);
    if (!file) {
      const path = join(dir, archiveFileName(cluster, startedAtMs));
      file = { fd: openSync(path, 'a', 0o600), path };
      open.set(cluster, file);
    }
    return file;
  };
  return {
    sink: (cluster) => ({
      async append(line) {
        const { fd } = fileOf(cluster);
        writeSync(fd, `${JSON.stringify(line)}\n`);
        fsyncSync(fd);
      },
    }),
    files: () => [...open.values()].map((f) => f.path),
    close() {
      for (const { fd } of open.values()) closeSync(fd);
      open.clear();
    },
  };
}

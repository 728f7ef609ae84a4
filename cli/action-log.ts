import { closeSync, openSync, writeSync } from 'node:fs';
import { ConfigError } from '../shared/errors.ts';
import { redactSecrets } from '../shared/redaction.ts';
import { safeJson } from '../shared/report/escape.ts';

/** Where a reap's JSON-lines action records go. */
export interface ActionLog {
  write(record: object): void;
  close(): void;
}

/**
 * The action log of a reap: one JSON line per record, appended to `--log-file` (created owner-only) and/or
 * written to stderr with `--verbose`; neither given, nowhere — the table (or JSON report) on stdout is
 * the output, and log lines never interleave with it. The file is opened before any cluster is contacted,
 * so an unwritable path fails the run up front. Lines are redacted like everything the CLI prints (the
 * file does not pass through the redacting stderr).
 */
export function openActionLog(options: {
  file?: string | undefined;
  verbose: boolean;
  stderr: { write(text: string): unknown };
}): ActionLog {
  let fd: number | undefined;
  if (options.file !== undefined) {
    try {
      fd = openSync(options.file, 'a', 0o600);
    } catch (cause) {
      throw new ConfigError(`--log-file ${options.file} cannot be opened: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  return {
    write(record) {
      const line = `${safeJson(record)}\n`;
      if (fd !== undefined) writeSync(fd, redactSecrets(line));
      if (options.verbose) options.stderr.write(line);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

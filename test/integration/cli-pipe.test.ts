import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.ts';

/** Runs a shell pipeline from the repository root; the exit status is the CLI's (pipefail). */
function pipeline(command: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-o', 'pipefail', '-c', command],
      { cwd: join(import.meta.dirname, '..', '..') },
      (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
      },
    );
  });
}

describe('the CLI in a pipeline', () => {
  it('ends quietly, exit 0, when the reader has closed the pipe (| head, | true), with no EPIPE stack trace', async () => {
    // `true` exits at once: every write of the report meets a closed pipe.
    const { code, stderr } = await pipeline(`"${process.execPath}" "${CLI_BIN}" demo --output json | true`);

    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

import { inspect } from 'node:util';
import { redactSecrets } from '../shared/redaction.ts';

/**
 * Passes everything the CLI writes to `stream` through redactSecrets: tables, JSON reports, log records
 * and error messages alike, whatever code wrote them (commander, a command, a library), so no output path
 * can carry a credential the run holds or one a server echoed back.
 */
export function redactWrites(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string') return write(redactSecrets(chunk), ...rest);
    if (chunk instanceof Uint8Array)
      return write(redactSecrets(Buffer.from(chunk).toString('utf8')), ...rest);
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

/** An unexpected error as Node would print it (stack, cause, properties), redacted. */
export function describeUnexpected(err: unknown): string {
  return redactSecrets(inspect(err, { depth: 4 }));
}

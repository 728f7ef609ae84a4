import { redactSecrets } from '../../shared/errors.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One JSON object per line (CloudWatch Logs Insights reads them as fields). Every string value passes
 * through redactSecrets: a token must never reach a log, even inside an error message from a server.
 */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  return {
    log(level, message, fields = {}) {
      const line = JSON.stringify(
        { level, message, ...fields, timestamp: new Date().toISOString() },
        (_k, v: unknown) => (typeof v === 'string' ? redactSecrets(v) : v),
      );
      write(line);
    },
  };
}

import { isSecretKey, REDACTED, redactSecrets } from '../../shared/redaction.ts';
import { escapeJsonText } from '../../shared/report/escape.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One JSON object per line (CloudWatch Logs Insights reads them as fields). Every string value passes
 * through redactSecrets: a token must never reach a log, even inside an error message from a server.
 * A field named like a credential (`token`, `password`, `authorization`…) is replaced whole, and an Error
 * is written with its name, message, stack and cause (JSON.stringify would write `{}`), all redacted.
 * C1 and bidi controls (a holderIdentity may carry them) are written as `\uXXXX` escapes (escapeJsonText).
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
        redactedValue,
      );
      write(escapeJsonText(line));
    },
  };
}

function redactedValue(key: string, value: unknown): unknown {
  if (typeof value === 'string') return isSecretKey(key) ? REDACTED : redactSecrets(value);
  if (value instanceof Error) {
    const { name, message, stack, cause } = value;
    return { ...value, name, message, stack, ...(cause === undefined ? {} : { cause }) };
  }
  return value;
}

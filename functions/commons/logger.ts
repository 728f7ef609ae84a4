import { isSecretKey, REDACTED, redactSecrets } from '../../shared/redaction.ts';
import { escapeJsonText } from '../../shared/report/escape.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };
/** Lambda's application log levels (advanced logging controls) that are not ours, mapped onto ours. */
const LAMBDA_LEVELS: Readonly<Record<string, LogLevel>> = { trace: 'debug', fatal: 'error' };

/**
 * The lowest level written, from the environment: `AWS_LAMBDA_LOG_LEVEL` first (Lambda sets it when the
 * function's application log level is configured; with the JSON log format Lambda drops the lines below it
 * anyway), then `LOG_LEVEL`; `info` when neither names a level.
 */
export function logLevelFromEnv(env: Readonly<Record<string, string | undefined>>): LogLevel {
  for (const value of [env.AWS_LAMBDA_LOG_LEVEL, env.LOG_LEVEL]) {
    const name = value?.trim().toLowerCase() ?? '';
    if (name in LEVEL_RANK) return name as LogLevel;
    const mapped = LAMBDA_LEVELS[name];
    if (mapped) return mapped;
  }
  return 'info';
}

/** Whether a line at `level` is written under the threshold `min`. */
export function isLogged(level: LogLevel, min: LogLevel): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[min];
}

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

/** The one line a cluster that could not be read gets, in the audit's and the reap's logs alike. */
export function logClusterFailure(
  log: Logger,
  message: string,
  failure: { cluster: string; error: { kind: string; message: string } },
): void {
  log.log('error', message, {
    cluster: failure.cluster,
    errorKind: failure.error.kind,
    error: failure.error.message,
  });
}

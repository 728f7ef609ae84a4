import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import type * as z from 'zod/mini';
import { ConfigError } from './errors.ts';
import { parseConfig } from './validation.ts';

/**
 * The largest configuration document accepted (policy, cluster registry, deployment): 1 MiB. A fleet of a
 * thousand clusters is about 150 KB; YAML and the validator take seconds and gigabytes on 100 MB, so a larger
 * document is refused before it is parsed.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const capText = `the 1 MiB (${MAX_CONFIG_BYTES} bytes) limit for configuration`;

/**
 * Reads a configuration file as UTF-8, refusing one over MAX_CONFIG_BYTES without reading past the cap.
 * `source` names it in errors (`--policy policy.yaml`).
 */
export function readConfigFile(path: string, source: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new ConfigError(`${source} cannot be read: ${(cause as Error).message}`, { cause });
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_CONFIG_BYTES) throw tooLarge(source, size);
    // The size of a pipe or a device is 0 whatever it holds: read at most one byte past the cap to know.
    const buf = Buffer.allocUnsafe(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(source);
    }
    return buf.toString('utf8', 0, length);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`${source} cannot be read: ${(cause as Error).message}`, { cause });
  } finally {
    closeSync(fd);
  }
}

/** Refuses configuration text (an environment variable, an SSM parameter) over MAX_CONFIG_BYTES. */
export function checkConfigSize(text: string, source: string): string {
  // A UTF-16 string of n units is at least n bytes of UTF-8: skip the count for anything surely small.
  if (text.length * 3 > MAX_CONFIG_BYTES) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_CONFIG_BYTES) throw tooLarge(source, bytes);
  }
  return text;
}

function tooLarge(source: string, bytes?: number): ConfigError {
  const size = bytes === undefined ? 'larger than' : `${bytes} bytes, over`;
  return new ConfigError(`${source} is ${size} ${capText}`);
}

/** How configuration text is written, and whether a syntax error may quote it. */
export interface ConfigTextOptions {
  /** `json` for a file lease-reaper itself writes (a plan); otherwise YAML, which reads JSON too. */
  syntax?: 'yaml' | 'json';
  /**
   * The text holds credentials (a kubeconfig secret): a syntax error names the line only, never the
   * parser's words, which quote the text around the error; and it keeps no cause that would.
   */
  secret?: boolean;
}

/**
 * Configuration text → document. Text over MAX_CONFIG_BYTES is refused before it is parsed; a syntax
 * error is one ConfigError naming `source` and where the text breaks.
 */
export function parseConfigText(text: string, source: string, options: ConfigTextOptions = {}): unknown {
  return parseChecked(checkConfigSize(text, source), source, options);
}

/** A configuration file → document: readConfigFile, then the parse of parseConfigText. */
export function readConfigDocument(path: string, source: string, options: ConfigTextOptions = {}): unknown {
  return parseChecked(readConfigFile(path, source), source, options);
}

/**
 * Configuration given as text (YAML or JSON) or as an already parsed object → validated: one ConfigError
 * names `source` and every field in error (the path of each problem).
 */
export function parseConfigInput<S extends z.ZodMiniType>(
  schema: S,
  input: unknown,
  source: string,
): z.output<S> {
  const doc = typeof input === 'string' ? parseConfigText(input, source) : input;
  return parseConfig(schema, doc, source);
}

function parseChecked(text: string, source: string, options: ConfigTextOptions): unknown {
  if (options.syntax === 'json') {
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new ConfigError(`${source} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  try {
    return loadYaml(text);
  } catch (cause) {
    if (options.secret) {
      const line = (cause as { mark?: { line?: number } }).mark?.line;
      throw new ConfigError(
        `${source} is not valid YAML or JSON${typeof line === 'number' ? ` (line ${line + 1})` : ''}`,
      );
    }
    // The first line is js-yaml's reason and position; the lines after it quote the text.
    throw new ConfigError(`${source} is not valid YAML or JSON: ${(cause as Error).message.split('\n')[0]}`, {
      cause,
    });
  }
}

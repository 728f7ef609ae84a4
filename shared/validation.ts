// zod/mini ships no error messages until a locale is configured. Only English is imported: `z.locales`
// would pull every locale into the Lambda bundles (~260 KB).
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ConfigError } from './errors.ts';

z.config(en());

/** Each problem as `path: message` (`(top level)` when the document itself is wrong). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
}

/** Validates a configuration document; one ConfigError lists every problem with its path. */
export function parseConfig<S extends z.ZodMiniType>(schema: S, doc: unknown, source: string): z.output<S> {
  const result = schema.safeParse(doc);
  if (!result.success)
    throw new ConfigError(`${source} is invalid: ${describeIssues(result.error.issues).join('; ')}`);
  return result.data;
}

import type { MiddlewareObj } from '@middy/core';
import type { Logger } from '../logger.ts';
import type { RunContext } from './run-context.ts';

/**
 * Runs the function's setup (registry, clients) once per container and keeps what it built for every later
 * invocation. A setup that fails is not kept: the invocation fails (onError reports it) and the next one
 * tries again, so a registry fixed in SSM is picked up without a cold start.
 */
export function setupOnce<D extends { log: Logger }>(
  setup: () => Promise<D>,
): MiddlewareObj<unknown, unknown, Error, RunContext<D>> {
  let ready: Promise<D> | undefined;
  return {
    name: 'setupOnce',
    before: async function runSetupOnce(request) {
      if (!ready) {
        const started = performance.now();
        ready = setup().then(
          (deps) => {
            request.context.log.log('debug', 'setup done', {
              durationMs: Math.round(performance.now() - started),
            });
            return deps;
          },
          (err: unknown) => {
            ready = undefined;
            throw err;
          },
        );
      }
      request.context.deps = await ready;
    },
  };
}

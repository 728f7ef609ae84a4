import { describe, expect, it } from 'vitest';
import { isLogged, type LogLevel, logLevelFromEnv } from '../../../functions/commons/logger.ts';
import { logContext } from '../../../functions/commons/middlewares/log-context.ts';
import { context, handlerWith, recordingLogger } from './support.ts';

describe('the log level threshold', () => {
  it.each([
    [{}, 'info'],
    [{ LOG_LEVEL: 'debug' }, 'debug'],
    [{ LOG_LEVEL: 'WARN' }, 'warn'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'debug' }, 'error'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'TRACE' }, 'debug'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'FATAL' }, 'error'],
    [{ LOG_LEVEL: 'verbose' }, 'info'],
  ] as [Record<string, string>, LogLevel][])('%j gives %s', (env, level) => {
    expect(logLevelFromEnv(env)).toBe(level);
  });

  it('writes a level at or above the threshold only', () => {
    expect([isLogged('debug', 'info'), isLogged('info', 'info'), isLogged('error', 'warn')]).toEqual([
      false,
      true,
      true,
    ]);
  });
});

describe('the logging context middleware', () => {
  it('adds function, request id and cold start to every line, cold start on the first invocation only', async () => {
    const { log, lines } = recordingLogger();
    const { handler } = handlerWith<{ log: typeof log }>(
      [logContext({ functionName: 'audit', fallback: log, env: {} })],
      (ctx) => {
        ctx.log.log('info', 'one');
        ctx.log.log('warn', 'two', { cluster: 'prod' });
      },
    );

    await handler({}, context('req-1'));
    await handler({}, context('req-2'));

    expect(lines).toEqual([
      { level: 'info', message: 'one', function: 'audit', requestId: 'req-1', coldStart: true },
      {
        level: 'warn',
        message: 'two',
        function: 'audit',
        requestId: 'req-1',
        coldStart: true,
        cluster: 'prod',
      },
      { level: 'info', message: 'one', function: 'audit', requestId: 'req-2', coldStart: false },
      {
        level: 'warn',
        message: 'two',
        function: 'audit',
        requestId: 'req-2',
        coldStart: false,
        cluster: 'prod',
      },
    ]);
  });

  it('drops the lines below the environment’s level', async () => {
    const { log, lines } = recordingLogger();
    const run = (env: Record<string, string>) =>
      handlerWith([logContext({ functionName: 'reap', fallback: log, env })], (ctx) => {
        ctx.log.log('debug', 'detail');
        ctx.log.log('info', 'summary');
      }).handler({}, context());

    await run({ LOG_LEVEL: 'info' });
    expect(lines.map((l) => l.message)).toEqual(['summary']);
    lines.length = 0;
    await run({ AWS_LAMBDA_LOG_LEVEL: 'DEBUG' });
    expect(lines.map((l) => l.message)).toEqual(['detail', 'summary']);
  });

  it('writes to the setup’s logger once there is one, and never changes the caller’s context object', async () => {
    const fallback = recordingLogger();
    const setup = recordingLogger();
    const { handler } = handlerWith<{ log: typeof setup.log }>(
      [logContext({ functionName: 'audit', fallback: fallback.log, env: {} })],
      (ctx) => {
        ctx.log.log('info', 'before setup');
        ctx.deps = { log: setup.log };
        ctx.log.log('info', 'after setup');
      },
    );
    const lambda = context();

    await handler({}, lambda);

    expect(fallback.lines.map((l) => l.message)).toEqual(['before setup']);
    expect(setup.lines.map((l) => l.message)).toEqual(['after setup']);
    expect(Object.keys(lambda).sort()).toEqual(['awsRequestId', 'functionName', 'getRemainingTimeInMillis']);
  });
});

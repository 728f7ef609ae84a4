import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { logContext } from '../../../functions/commons/middlewares/log-context.ts';
import { runFailedMetric } from '../../../functions/commons/middlewares/run-failed-metric.ts';
import { setupOnce } from '../../../functions/commons/middlewares/setup-once.ts';
import type { MetricsDeps } from '../../../functions/commons/publish-metrics.ts';
import { parseClusterRegistry } from '../../../shared/fleet/cluster-registry.ts';
import { context, handlerWith, recordingLogger } from './support.ts';

const cw = new CloudWatchClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
});
const cwMock = mockClient(cw);
beforeEach(() => {
  cwMock.reset();
  cwMock.on(PutMetricDataCommand).resolves({});
});

const env = {
  LEASE_REAPER_METRICS_NAMESPACE: 'Platform/Leases',
  LEASE_REAPER_METRICS_SINK: 'cloudwatch',
  LEASE_REAPER_METRICS_STACK: 'LeaseReaperProd',
};
const registry = (more: Record<string, unknown> = {}) =>
  parseClusterRegistry({
    clusters: [
      {
        name: 'c',
        type: 'kubeconfig',
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:c-AbCdEf',
      },
    ],
    ...more,
  });
const sent = () => cwMock.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);

/** A handler whose setup or run fails as asked, with the RunFailed middleware. */
function failing(options: {
  setup?: () => Promise<MetricsDeps & { log: never }>;
  env?: Record<string, string>;
}) {
  const { log, lines } = recordingLogger();
  const { handler } = handlerWith<MetricsDeps & { log: typeof log }>(
    [
      logContext({ functionName: 'audit', fallback: log, env: {} }),
      runFailedMetric({ functionName: 'audit', env: options.env ?? env, cloudWatch: async () => cw }),
      setupOnce(options.setup ?? (async () => ({ registry: registry(), cloudWatch: cw, log }))),
    ],
    () => {
      throw new Error('run broke: Bearer abc.def.ghi');
    },
  );
  return { handler, lines };
}

describe('the RunFailed middleware', () => {
  it('publishes RunFailed = 1 under the stack’s namespace and dimensions when setup itself failed, then rethrows', async () => {
    const { handler, lines } = failing({
      setup: async () => {
        throw new Error('registry unreadable');
      },
    });

    await expect(handler({}, context())).rejects.toThrow('registry unreadable');

    expect(sent()).toEqual([
      {
        Namespace: 'Platform/Leases',
        MetricData: [
          {
            MetricName: 'RunFailed',
            Unit: 'Count',
            Value: 1,
            Timestamp: expect.any(Date),
            Dimensions: [
              { Name: 'Function', Value: 'audit' },
              { Name: 'Stack', Value: 'LeaseReaperProd' },
            ],
          },
        ],
      },
    ]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'run failed',
        requestId: 'req-1',
        error: expect.any(Error),
      }),
    ]);
  });

  it('uses the registry’s namespace and the setup’s client once setup succeeded', async () => {
    const { handler } = failing({ env: {} });

    await expect(handler({}, context())).rejects.toThrow('run broke');

    expect(sent().map((s) => [s.Namespace, s.MetricData?.[0]?.Dimensions])).toEqual([
      ['LeaseReaper', [{ Name: 'Function', Value: 'audit' }]],
    ]);
  });

  it('writes an EMF line instead of calling CloudWatch when the stack publishes EMF', async () => {
    const emf: string[] = [];
    const { handler } = failing({
      setup: async () =>
        ({
          registry: registry({ metricsSink: 'emf', metricsNamespace: 'Emf/Ns' }),
          cloudWatch: cw,
          emfWrite: (line: string) => emf.push(line),
          stack: 'S',
        }) as never,
    });

    await expect(handler({}, context())).rejects.toThrow('run broke');

    expect(sent()).toEqual([]);
    expect(emf.map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Emf/Ns',
              Dimensions: [['Function', 'Stack']],
              Metrics: [{ Name: 'RunFailed', Unit: 'Count' }],
            },
          ],
        },
        Function: 'audit',
        Stack: 'S',
        RunFailed: 1,
      },
    ]);
  });

  it('gives up on a CloudWatch call that never answers within its budget, logs it, and still rethrows the run’s error', async () => {
    cwMock.on(PutMetricDataCommand).callsFake(() => new Promise(() => {}));
    const { handler, lines } = failing({});

    // 400 ms left: the budget is 150 ms (the remaining time less 250 ms).
    await expect(handler({}, context('req-1', 400))).rejects.toThrow('run broke');

    expect(lines.map((l) => [l.level, l.message, l.budgetMs])).toEqual([
      ['error', 'run failed', undefined],
      ['warn', 'the RunFailed metric could not be published', 150],
    ]);
  });
});

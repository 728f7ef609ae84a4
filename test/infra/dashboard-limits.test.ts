import { describe, expect, it } from 'vitest';
import { DEFAULT_PER_CLUSTER_METRICS, STACK_DIMENSION } from '../../shared/metrics/metric-names.ts';
import { resolveValue } from './iam-policy.ts';
import { eksFleet, only, resources, synth } from './support.ts';

/**
 * Every widget of the dashboard and every alarm valid at any fleet size, against CloudWatch's documented
 * limits:
 * - a metric widget is one GetMetricData call: at most 500 metrics and expressions, and at most one
 *   Metrics Insights query (GetMetricData, CloudWatch API Reference; Metrics Insights quotas);
 * - a Metrics Insights query returns at most 500 series, an arbitrary 500 without ORDER BY (Metrics
 *   Insights quotas): a query that groups must order and limit;
 * - a dashboard holds at most 500 widgets, an alarm status widget at most 100 alarms (Dashboard Body
 *   Structure, CloudWatch API Reference);
 * - an alarm on metric math uses at most 10 metrics, and at most one Metrics Insights query (CloudWatch
 *   User Guide, alarms on metric math and on Metrics Insights queries).
 */
const LIMITS = {
  widgets: 500,
  metricsPerWidget: 500,
  alarmsPerWidget: 100,
  seriesPerQuery: 500,
  metricsPerAlarm: 10,
};

type Widget = { type: string; properties: { metrics?: unknown[][]; alarms?: string[]; title?: string } };

function dashboardOf(template: ReturnType<typeof synth>['template']): { widgets: Widget[] } {
  const body = only(template, 'AWS::CloudWatch::Dashboard', () => true).Properties.DashboardBody;
  const text = resolveValue(
    body,
    { 'AWS::Region': 'eu-west-1', 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012' },
    (id, attr) => (attr ? `arn:aws:service:eu-west-1:123456789012:${id}` : id),
  ) as string;
  return JSON.parse(text) as { widgets: Widget[] };
}

/** The Metrics Insights queries among a widget's or an alarm's metrics. */
const queries = (expressions: (string | undefined)[]) =>
  expressions.filter((e): e is string => typeof e === 'string' && /^\s*SELECT\b/i.test(e));

function checkQuery(query: string): void {
  if (!/\bGROUP BY\b/.test(query)) return;
  const limit = /\bORDER BY\b.*\bLIMIT (\d+)\s*$/.exec(query)?.[1];
  expect(limit, query).toBeDefined();
  expect(Number(limit)).toBeLessThanOrEqual(LIMITS.seriesPerQuery);
}

const SYNTH_TIMEOUT = 300_000;

describe('the dashboard and the alarms within CloudWatch’s limits', () => {
  it.each([1, 10, 11, 100, 1000])(
    '%i clusters',
    (n) => {
      const { template } = synth({ clusters: eksFleet(n), eksAccess: { createAccessEntries: false } });
      const { widgets } = dashboardOf(template);
      expect(widgets.length).toBeLessThanOrEqual(LIMITS.widgets);
      expect(widgets.length).toBeGreaterThan(0);
      let insightsWidgets = 0;
      for (const w of widgets) {
        if (w.type === 'metric') {
          const metrics = w.properties.metrics ?? [];
          expect(metrics.length, w.properties.title).toBeLessThanOrEqual(LIMITS.metricsPerWidget);
          const found = queries(metrics.map((m) => (m.at(-1) as { expression?: string }).expression));
          expect(found.length, w.properties.title).toBeLessThanOrEqual(1);
          found.forEach(checkQuery);
          if (found.length > 0) insightsWidgets++;
        }
        if (w.type === 'alarm')
          expect(w.properties.alarms?.length).toBeLessThanOrEqual(LIMITS.alarmsPerWidget);
      }
      // The fleet figures are the totals the functions publish (no query); each metric a cluster publishes
      // is one line per cluster, a Metrics Insights query in a widget of its own, at any fleet size.
      expect(insightsWidgets).toBe(DEFAULT_PER_CLUSTER_METRICS.length);

      const alarms = resources(template, 'AWS::CloudWatch::Alarm');
      expect(alarms.length).toBeGreaterThan(0);
      for (const [, alarm] of alarms) {
        const metrics = (alarm.Properties.Metrics ?? []) as { Expression?: string; MetricStat?: unknown }[];
        expect(metrics.filter((m) => m.MetricStat).length).toBeLessThanOrEqual(LIMITS.metricsPerAlarm);
        const found = queries(metrics.map((m) => m.Expression));
        expect(found.length).toBeLessThanOrEqual(1);
        found.forEach(checkQuery);
      }
    },
    SYNTH_TIMEOUT,
  );

  it('the checks are real: the old "Fleet now" widget (seven queries in one) fails them', () => {
    const oldFleetNow = [1, 2, 3, 4, 5, 6, 7].map((i) => [
      { expression: `SELECT SUM(M${i}) FROM SCHEMA("LeaseReaper", Cluster)` },
    ]);
    expect(
      queries(oldFleetNow.map((m) => (m.at(-1) as { expression: string }).expression)).length,
    ).toBeGreaterThan(1);
    expect(() =>
      checkQuery('SELECT MAX(StaleNodeHeartbeats) FROM SCHEMA("LeaseReaper", Cluster) GROUP BY Cluster'),
    ).toThrow();
  });
});

describe('two stacks in one account and namespace', () => {
  it(
    'watch only their own metrics: every alarm and query names its stack',
    () => {
      const watched = (id: string) => {
        const { template } = synth({ clusters: eksFleet(11) }, { id });
        const identities: string[] = [];
        const alarms = resources(template, 'AWS::CloudWatch::Alarm');
        expect(alarms.length).toBeGreaterThan(0);
        for (const [, alarm] of alarms) {
          const p = alarm.Properties as {
            Namespace?: string;
            Dimensions?: { Name: string; Value: string }[];
            Metrics?: { Expression?: string }[];
          };
          if (p.Namespace === 'LeaseReaper') {
            expect(p.Dimensions).toContainEqual({ Name: STACK_DIMENSION, Value: id });
            identities.push(JSON.stringify(p.Dimensions));
          }
          for (const q of queries((p.Metrics ?? []).map((m) => m.Expression))) {
            expect(q).toContain(`WHERE ${STACK_DIMENSION} = '${id}'`);
            identities.push(q);
          }
        }
        const { widgets } = dashboardOf(template);
        expect(widgets.length).toBeGreaterThan(0);
        for (const w of widgets)
          for (const q of queries(
            (w.properties.metrics ?? []).map((m) => (m.at(-1) as { expression?: string }).expression),
          ))
            expect(q).toContain(`WHERE ${STACK_DIMENSION} = '${id}'`);
        return identities;
      };
      const a = watched('TeamA');
      const b = watched('TeamB');
      expect(a.length).toBeGreaterThan(0);
      // Not one alarm of one stack reads a series the other's functions publish.
      expect(a.filter((x) => b.includes(x))).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );
});

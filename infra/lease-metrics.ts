import type { Duration } from 'aws-cdk-lib';
import { type IMetric, MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { ConfigError } from '../shared/errors.ts';
import { CLUSTER_DIMENSION, type MetricName, STACK_DIMENSION } from '../shared/metrics/metric-names.ts';

/** Metric math takes at most 10 metrics; past that, fleet-wide figures are Metrics Insights queries. */
export const METRIC_MATH_LIMIT = 10;

/**
 * A Metrics Insights query returns at most 500 series, an arbitrary 500 without ORDER BY (Metrics Insights
 * quotas, CloudWatch User Guide); per-cluster graphs show the clusters with the highest values, this many.
 */
export const TOP_CLUSTERS = 50;

/** CloudWatch namespaces: these characters only (and so safe to quote in a Metrics Insights query). */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9._/#:-]{1,255}$/;

/**
 * The metrics the functions publish, as the alarms and the dashboard read them. The names come from the
 * functions' own module (shared/metrics/metric-names.ts), never retyped here. Every metric is this stack's
 * own (dimension `Stack`): another stack publishing to the same namespace is never counted here.
 */
export class LeaseMetrics {
  constructor(
    readonly namespace: string,
    readonly stack: string,
    readonly clusters: readonly string[],
    readonly period: Duration,
  ) {
    if (!NAMESPACE_PATTERN.test(namespace))
      throw new ConfigError(
        `metricsNamespace "${namespace}" is not a CloudWatch namespace (letters, digits, . _ / # : -)`,
      );
  }

  /** One cluster's value. Maximum: a run's figure, unchanged if two runs land in one period. */
  cluster(name: MetricName, cluster: string, statistic: string = Stats.MAXIMUM): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { [CLUSTER_DIMENSION]: cluster, [STACK_DIMENSION]: this.stack },
      statistic,
      period: this.period,
    });
  }

  /** The total a run publishes for the clusters it read (the fleet, or a fan-out shard): `Stack` only. */
  total(name: MetricName, statistic: string = Stats.MAXIMUM, period: Duration = this.period): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { [STACK_DIMENSION]: this.stack },
      statistic,
      period,
    });
  }

  /**
   * The fleet-wide sum of a per-cluster metric. Correct whether one invocation or many shards audited the
   * fleet: up to 10 clusters it is metric math over each cluster's series; past that one Metrics Insights
   * query over the schema (one series, whatever the number of clusters).
   */
  fleetSum(name: MetricName, label = `${name} (fleet)`): IMetric {
    if (this.clusters.length <= METRIC_MATH_LIMIT) {
      // Ids unique per metric: one graph or alarm may combine several of these expressions.
      const prefix = name.charAt(0).toLowerCase() + name.slice(1);
      const usingMetrics = Object.fromEntries(
        this.clusters.map((c, i) => [`${prefix}${i}`, this.cluster(name, c)]),
      );
      return new MathExpression({
        expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
        usingMetrics,
        label,
        period: this.period,
      });
    }
    return this.insights(`SELECT SUM(${name}) FROM ${this.schema()}`, label);
  }

  /** How many lines `byCluster` draws: every cluster, or the top ones of a large fleet. */
  get shownClusters(): number {
    return Math.min(this.clusters.length, TOP_CLUSTERS);
  }

  /**
   * One line per cluster, highest first, at most TOP_CLUSTERS (dashboards): ORDER BY sorts every matching
   * series before the limit, so a large fleet shows its worst clusters, not an arbitrary subset.
   */
  byCluster(name: MetricName, aggregate: 'MAX' | 'SUM' | 'AVG' = 'MAX'): IMetric {
    return this.insights(
      `SELECT ${aggregate}(${name}) FROM ${this.schema()} GROUP BY ${CLUSTER_DIMENSION} ORDER BY ${aggregate}() DESC LIMIT ${this.shownClusters}`,
      `${name} by cluster`,
    );
  }

  private schema(): string {
    // Stack names are letters, digits and hyphens: safe inside single quotes.
    return `SCHEMA("${this.namespace}", ${CLUSTER_DIMENSION}, ${STACK_DIMENSION}) WHERE ${STACK_DIMENSION} = '${this.stack}'`;
  }

  private insights(expression: string, label: string): MathExpression {
    return new MathExpression({ expression, label, period: this.period });
  }
}

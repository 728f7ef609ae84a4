import type { Duration } from 'aws-cdk-lib';
import { type IMetric, MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { ConfigError } from '../shared/errors.ts';
import { CLUSTER_DIMENSION, type MetricName, STACK_DIMENSION } from '../shared/metrics/metric-names.ts';

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
  cluster(
    name: MetricName,
    cluster: string,
    statistic: string = Stats.MAXIMUM,
    period: Duration = this.period,
  ): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { [CLUSTER_DIMENSION]: cluster, [STACK_DIMENSION]: this.stack },
      statistic,
      period,
    });
  }

  /**
   * The total a run publishes for the clusters it read (`Stack` only): the whole fleet, or under fan-out one
   * shard, so Maximum is the largest shard's figure and Sum adds the shards of the runs in the period.
   */
  total(name: MetricName, statistic: string = Stats.MAXIMUM, period: Duration = this.period): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { [STACK_DIMENSION]: this.stack },
      statistic,
      period,
    });
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

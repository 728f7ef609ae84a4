import type { AlarmSpec, ComparisonOperator, Statistic, TreatMissingData } from './cloudwatch-alarm-model.ts';

/**
 * What the alerting benchmark needs from a synthesized CloudFormation template, read from the template
 * itself (never from the stack's source or defaults): the audit schedule, every alarm's metric and
 * evaluation settings, the audit function's memory, the fan-out state machine, and the billable resources.
 */

type Resource = { Type: string; Properties?: Record<string, unknown> };
export interface TemplateJson {
  Resources: Record<string, Resource>;
}

/** A metric as an alarm names it: the dimension values are kept, but matching goes by name and keys. */
export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: string;
  periodSeconds: number;
}

export interface TemplateAlarm {
  id: string;
  name: string;
  spec: AlarmSpec;
  /** `metric`: one metric; `math`: an expression over the listed metrics; `insights`: a Metrics Insights query. */
  kind: 'metric' | 'math' | 'insights';
  metrics: MetricRef[];
  expression?: string;
  /** `FILL(m, value)` over one metric: the value every missing period takes. */
  fill?: number;
  /** For an Insights query: the metric it aggregates and the schema's dimension keys. */
  insights?: { namespace: string; metricName: string; dimensionKeys: string[] };
}

export interface StackFacts {
  auditEverySeconds: number;
  auditMemoryMb: number;
  alarms: TemplateAlarm[];
  dashboards: number;
  kmsKeys: number;
  snsTopics: number;
  dynamoTables: number;
  eventRules: number;
  /** The fan-out state machine's definition, when the schedule starts one. */
  fanOut?: { shards: number; clustersPerShard: number[]; transitionsPerExecution: number };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** `rate(5 minutes)` → 300. */
export function rateSeconds(expression: string): number {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) throw new Error(`not a rate expression: ${expression}`);
  const unit = (m[2] ?? '').replace(/s$/, '');
  return Number(m[1]) * (unit === 'minute' ? 60 : unit === 'hour' ? 3600 : 86_400);
}

function dimensionsOf(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of (list as { Name: string; Value: unknown }[] | undefined) ?? [])
    out[d.Name] = typeof d.Value === 'string' ? d.Value : JSON.stringify(d.Value);
  return out;
}

/** The Metrics Insights query's metric and schema: `SELECT SUM(Name) FROM SCHEMA("ns", K1, K2) …`. */
export function parseInsights(
  expression: string,
): { namespace: string; metricName: string; dimensionKeys: string[] } | undefined {
  const m = /^SELECT\s+\w+\((\w+)\)\s+FROM\s+SCHEMA\("([^"]+)"((?:\s*,\s*\w+)*)\)/i.exec(expression.trim());
  if (!m) return undefined;
  return {
    metricName: m[1] ?? '',
    namespace: m[2] ?? '',
    dimensionKeys: (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

function readAlarm(id: string, p: Record<string, unknown>): TemplateAlarm {
  const base = {
    evaluationPeriods: Number(p.EvaluationPeriods),
    datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods),
    // CloudFormation's default when absent is `missing` (PutMetricAlarm: "the default behavior of missing").
    treatMissingData: (str(p.TreatMissingData) || 'missing') as TreatMissingData,
    threshold: Number(p.Threshold),
    comparison: str(p.ComparisonOperator) as ComparisonOperator,
  };
  const name = str(p.AlarmName) || id;
  if (p.MetricName !== undefined) {
    const metric: MetricRef = {
      namespace: str(p.Namespace),
      metricName: str(p.MetricName),
      dimensions: dimensionsOf(p.Dimensions),
      statistic: str(p.Statistic) || str(p.ExtendedStatistic),
      periodSeconds: Number(p.Period),
    };
    return {
      id,
      name,
      kind: 'metric',
      metrics: [metric],
      spec: { ...base, periodSeconds: metric.periodSeconds, statistic: metric.statistic as Statistic },
    };
  }
  const queries = (p.Metrics as Record<string, unknown>[] | undefined) ?? [];
  const returned = queries.find((q) => q.ReturnData !== false) ?? {};
  const metrics: MetricRef[] = queries
    .filter((q) => q.MetricStat)
    .map((q) => {
      const stat = q.MetricStat as { Metric: Record<string, unknown>; Period: number; Stat: string };
      return {
        namespace: str(stat.Metric.Namespace),
        metricName: str(stat.Metric.MetricName),
        dimensions: dimensionsOf(stat.Metric.Dimensions),
        statistic: stat.Stat,
        periodSeconds: Number(stat.Period),
      };
    });
  const expression = str(returned.Expression);
  const insights = parseInsights(expression);
  const fill = /^FILL\(\s*\w+\s*,\s*(-?\d+(?:\.\d+)?)\s*\)$/.exec(expression.trim());
  const periodSeconds = Number(returned.Period ?? metrics[0]?.periodSeconds);
  return {
    id,
    name,
    kind: insights ? 'insights' : 'math',
    metrics,
    expression,
    ...(insights ? { insights } : {}),
    ...(fill ? { fill: Number(fill[1]) } : {}),
    // An expression's own statistic is the per-metric one (SUM of per-period values): Maximum stands in
    // for an Insights SUM over one datum per period and series.
    spec: {
      ...base,
      periodSeconds,
      statistic: (metrics[0]?.statistic ?? 'Maximum') as Statistic,
    },
  };
}

/** A state machine's definition with its CloudFormation tokens replaced by placeholders. */
function definitionText(definition: unknown): string {
  if (typeof definition === 'string') return definition;
  const join = (definition as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return '{}';
  return join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]);
}

type AslState = {
  Type: string;
  Next?: string;
  End?: boolean;
  Result?: unknown;
  ItemsPath?: string;
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
};
type AslMachine = { StartAt: string; States: Record<string, AslState> };

/** The states a run passes on its normal path (no Catch), one state transition each. */
function pathLength(machine: AslMachine, items: (path: string | undefined) => number): number {
  let count = 0;
  let name: string | undefined = machine.StartAt;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: AslState | undefined = machine.States[name];
    if (!state) break;
    count += 1;
    const inner = state.ItemProcessor ?? state.Iterator;
    if (state.Type === 'Map' && inner) count += items(state.ItemsPath) * pathLength(inner, items);
    name = state.End ? undefined : state.Next;
  }
  return count;
}

/** Shards and state transitions per execution, from the definition (the shards are in a Pass state's Result). */
function readFanOut(definition: unknown): StackFacts['fanOut'] {
  const machine = JSON.parse(definitionText(definition)) as AslMachine;
  const shards = Object.values(machine.States)
    .map((s) => (s.Result as { shards?: string[][] } | undefined)?.shards)
    .find((s) => Array.isArray(s));
  const clustersPerShard = (shards ?? []).map((s) => s.length);
  const transitionsPerExecution = pathLength(machine, (path) =>
    path === '$.shards' ? clustersPerShard.length : 1,
  );
  return { shards: clustersPerShard.length, clustersPerShard, transitionsPerExecution };
}

export function readStack(template: TemplateJson): StackFacts {
  const entries = Object.entries(template.Resources);
  const ofType = (type: string) => entries.filter(([, r]) => r.Type === type);
  const schedules = ofType('AWS::Scheduler::Schedule');
  const audit =
    schedules.find(([id]) => /^Audit/i.test(id)) ??
    schedules.find(([, r]) => /audit/i.test(str(r.Properties?.Description)));
  if (!audit) throw new Error('no audit schedule in the template');
  const auditProps = audit[1].Properties ?? {};
  const target = (auditProps.Target as { Arn?: unknown } | undefined)?.Arn;
  const targetId = JSON.stringify(target ?? '');
  const fn = ofType('AWS::Lambda::Function').find(([id]) => /^Audit/i.test(id));
  const machine = ofType('AWS::StepFunctions::StateMachine').find(([id]) => targetId.includes(id));
  const facts: StackFacts = {
    auditEverySeconds: rateSeconds(str(auditProps.ScheduleExpression)),
    auditMemoryMb: Number(fn?.[1].Properties?.MemorySize ?? 128),
    alarms: ofType('AWS::CloudWatch::Alarm').map(([id, r]) => readAlarm(id, r.Properties ?? {})),
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    kmsKeys: ofType('AWS::KMS::Key').length,
    snsTopics: ofType('AWS::SNS::Topic').length,
    dynamoTables: ofType('AWS::DynamoDB::Table').length + ofType('AWS::DynamoDB::GlobalTable').length,
    eventRules: ofType('AWS::Events::Rule').length,
  };
  if (machine) {
    const definition = machine[1].Properties?.DefinitionString ?? machine[1].Properties?.Definition;
    facts.fanOut = readFanOut(definition);
  }
  return facts;
}

/** The metric names an alarm watches (its metrics, or its Insights query's). */
export function watchedMetricNames(alarm: TemplateAlarm): string[] {
  return [...alarm.metrics.map((m) => m.metricName), ...(alarm.insights ? [alarm.insights.metricName] : [])];
}

/** The dimension keys of the metrics an alarm watches, sorted and joined (`Cluster,Stack`). */
export function watchedDimensionKeys(alarm: TemplateAlarm): string[] {
  if (alarm.insights) return [[...alarm.insights.dimensionKeys].sort().join(',')];
  return alarm.metrics.map((m) => Object.keys(m.dimensions).sort().join(','));
}

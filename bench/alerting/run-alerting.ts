import { defaultAuditPolicy } from '../../shared/audit/audit-policy.ts';
import { isStaleHeartbeat } from '../../shared/audit/rules/node-heartbeats.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { mixedFleet } from '../../test/infra/fleets.ts';
import { synth } from '../../test/infra/support.ts';
import { machine, median, table } from '../harness.ts';
import { DEFAULT_ASSUMPTIONS, type ModelAssumptions } from './cloudwatch-alarm-model.ts';
import {
  type AuditBench,
  NETWORK_LATENCY_MS,
  type RunCapture,
  startAuditBench,
  startBenchCluster,
} from './measure-runs.ts';
import { BILL_ASSUMPTIONS, fmt, interpolate, monthlyBill, seriesOf } from './monthly-bill.ts';
import { PRICE_LIST_DATE, PRICES } from './price-list.ts';
import {
  type Distribution,
  detectionLatency,
  distribution,
  everyOther,
  intermittentFailures,
  type RunKinds,
  type ScenarioContext,
  seededRandom,
  stoppedAuditor,
  twoOrThreeInARow,
  watches,
} from './scenarios.ts';
import { readStack, type StackFacts, type TemplateJson } from './template-reader.ts';

/**
 * `npm run bench -- --only alerting`: detection latency, behaviour under failed and absent scans, and the
 * monthly bill — from the synthesized template (LeaseReaperStack, bundling skipped, as the stack tests
 * synthesize it), measured runs of the real audit handler against simulated clusters, and the independent
 * CloudWatch alarm model (bench/alerting/cloudwatch-alarm-model.ts).
 */

export interface AlertingOptions {
  latencyTrials: number;
  failureTrials: number;
  sizes: readonly number[];
  /** Small clusters for the fleet runs (the 1-cluster runs use 1,000 nodes). */
  fleetClusterNodes: number;
  assumptions: ModelAssumptions;
}

const TARGETS = { medianS: 120, p95S: 180, perClusterAt100: 1, oneCluster: 5 };
const mark = (ok: boolean) => (ok ? 'met' : 'NOT MET');
const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;

function describeStack(n: number, facts: StackFacts): string[] {
  const lines = [
    `${n} cluster${n === 1 ? '' : 's'}: audit every ${facts.auditEverySeconds} s, ${facts.auditMemoryMb} MB` +
      (facts.fanOut
        ? `, fan-out: ${facts.fanOut.shards} shards, ~${facts.fanOut.transitionsPerExecution} transitions/execution`
        : ''),
  ];
  for (const a of facts.alarms.filter(
    (x) => watches(x, 'StaleNodeHeartbeats') || watches(x, 'ClusterScanErrors'),
  )) {
    const s = a.spec;
    lines.push(
      `  ${a.name}: ${a.kind} ${s.statistic} ${s.comparison} ${s.threshold}, period ${s.periodSeconds} s, ${s.datapointsToAlarm} of ${s.evaluationPeriods}, missing=${s.treatMissingData}`,
    );
  }
  return lines;
}

/** The same run as if it had lasted `durationMs` (a shard of a larger fleet): every offset moves with its end. */
function lasting(capture: RunCapture, durationMs: number): RunCapture {
  const shift = durationMs - capture.durationMs;
  return {
    ...capture,
    durationMs,
    judgedOffsetMs: capture.judgedOffsetMs + shift,
    datums: capture.datums.map((d) => ({
      ...d,
      timestampOffsetMs: d.timestampOffsetMs + shift,
      sentOffsetMs: d.sentOffsetMs + shift,
    })),
  };
}

function printDistribution(label: string, d: Distribution): string[] {
  const s = (v: number) => `${v.toFixed(0)} s`;
  return [
    label,
    `  ${d.samples} outage starts: best ${s(d.best)}, median ${s(d.median)}, p95 ${s(d.p95)}, worst ${s(d.worst)}${d.never ? `, never alarmed in 30 min: ${d.never}` : ''}`,
    `  target median ≤ ${TARGETS.medianS} s: ${mark(d.median <= TARGETS.medianS && d.never === 0)}; p95 ≤ ${TARGETS.p95S} s: ${mark(d.p95 <= TARGETS.p95S && d.never === 0)}`,
  ];
}

async function captureRuns(bench: AuditBench, healthy: SimCluster, stale: SimCluster) {
  const name = 'c0000';
  const failing = (sim: SimCluster) => sim.faults.add({ action: { type: 'error', status: 503 } });
  const runs: RunCapture[] = [];
  const run = async (label: string) => {
    const r = await bench.run(label, [name]);
    runs.push(r);
    return r;
  };
  bench.serve(name, healthy);
  await run('cold start (healthy)');
  const healthyRuns = [await run('healthy'), await run('healthy')];
  let heal = failing(healthy);
  const failedAfterHealthy = [await run('scan fails (after healthy)')];
  heal();
  bench.serve(name, stale);
  const staleRuns = [await run('stale node (opened)'), await run('stale node (still open)')];
  heal = failing(stale);
  const failedAfterStale = [await run('scan fails (after stale)'), await run('scan fails again')];
  heal();
  bench.serve(name, healthy);
  await run('recovered (resolved)');
  return { runs, kinds: { healthy: healthyRuns, stale: staleRuns, failedAfterHealthy, failedAfterStale } };
}

function describeCapture(r: RunCapture, metrics: readonly string[]): string[] {
  const shown = r.datums.filter((d) => metrics.includes(d.name));
  return [
    r.label,
    `${(r.durationMs / 1000).toFixed(2)} s`,
    shown
      .map(
        (d) =>
          `${d.name}${d.dimensions.Cluster ? '[c]' : '[fleet]'}=${d.value}${d.storageResolution === 1 ? ' (1 s)' : ''}`,
      )
      .join(' '),
    `${r.datums.length}/${r.putMetricDataCalls}`,
    `${r.logLines}/${r.logBytes}`,
    `${r.dynamo.getItems}/${r.dynamo.putItems}`,
    `${r.eventEntries}`,
  ];
}

export async function alertingBenchmark(options: AlertingOptions): Promise<void> {
  console.log(`\n== Alerting: latency, missing data, cost (${machine()}) ==`);
  console.log(
    `Model assumptions: evaluation range N+${options.assumptions.evaluationRangeExtra}, ${options.assumptions.completePeriodsOnly ? 'complete periods only' : 'the current period included'}, ingestion delay ${options.assumptions.ingestionDelaySeconds} s; evaluation phase uniform over the cadence (60 s standard, 10 s high-resolution).`,
  );

  // 1. The stacks, as synthesized (bundling skipped).
  const stacks = new Map<number, StackFacts>();
  for (const n of options.sizes) {
    const { template } = synth({ clusters: mixedFleet(n) });
    stacks.set(n, readStack(template.toJSON() as TemplateJson));
  }
  for (const [n, facts] of stacks) console.log(describeStack(n, facts).join('\n'));

  // 2. Measured runs of the real handler.
  const started = performance.now();
  const healthy = await startBenchCluster('healthy', { nodes: 1000, staleNodes: 0 }, 1);
  const stale = await startBenchCluster('stale', { nodes: 1000, staleNodes: 1 }, 2);
  const small: SimCluster[] = [];
  const largestFleet = Math.max(...options.sizes.filter((n) => n <= 100));
  for (let i = 0; i < largestFleet; i++)
    small.push(await startBenchCluster(`s${i}`, { nodes: options.fleetClusterNodes, staleNodes: 0 }, 10 + i));
  console.log(
    `\nSimulated clusters ready in ${((performance.now() - started) / 1000).toFixed(1)} s (every request delayed ${NETWORK_LATENCY_MS} ms; kubelets renew every 10 s).`,
  );
  const bench = await startAuditBench();
  try {
    const { runs, kinds } = await captureRuns(bench, healthy, stale);
    console.log(
      '\nRuns of the audit handler on one cluster of 1,000 nodes (same registry name, state kept):',
    );
    console.log(
      table(
        ['run', 'wall', 'alarm metrics sent', 'datums/calls', 'log lines/bytes', 'ddb get/put', 'events'],
        runs.map((r) => describeCapture(r, ['StaleNodeHeartbeats', 'ClusterScanErrors'])),
      ),
    );
    const carried = kinds.failedAfterStale[0]?.datums.find(
      (d) => d.name === 'StaleNodeHeartbeats' && d.dimensions.Cluster !== undefined,
    );
    console.log(
      `A failed scan after a stale one ${carried ? `publishes StaleNodeHeartbeats=${carried.value} for the cluster (carried forward)` : 'publishes no StaleNodeHeartbeats for the cluster (missing data)'}.`,
    );

    const fleetRuns = new Map<number, RunCapture>();
    // The first run of a fleet logs every open finding (no listing recorded yet): what the audit logs once
    // an hour; the runs after it log only transitions.
    const listingRuns = new Map<number, RunCapture>();
    for (const [i, sim] of small.entries()) bench.serve(`s${i}`, sim);
    for (const n of [10, 25, largestFleet].filter((k, i, all) => k <= largestFleet && all.indexOf(k) === i)) {
      const names = small.slice(0, n).map((_, i) => `s${i}`);
      listingRuns.set(n, await bench.run(`fleet of ${n} (warm-up, lists every open finding)`, names));
      // Best of two: the simulated clusters share this machine's cores with the handler.
      const [a, b] = [await bench.run(`fleet of ${n}`, names), await bench.run(`fleet of ${n}`, names)];
      fleetRuns.set(n, a.durationMs <= b.durationMs ? a : b);
    }
    console.log(`\nFleet runs (${options.fleetClusterNodes} nodes per cluster, warm, best of 2):`);
    console.log(
      table(
        ['clusters', 'wall', 'datums', 'PutMetricData', 'log bytes', 'ddb RRU/WRU'],
        [...fleetRuns].map(([n, r]) => [
          `${n}`,
          `${(r.durationMs / 1000).toFixed(2)} s`,
          `${r.datums.length}`,
          `${r.putMetricDataCalls}`,
          `${r.logBytes}`,
          `${r.dynamo.readUnits}/${r.dynamo.writeUnits}`,
        ]),
      ),
    );

    // 3. Scenarios, per stack size that has its own alarm layout.
    const staleAfter = (renewMs: number, nowMs: number) =>
      isStaleHeartbeat(
        { renewMs, durationSeconds: 40, expiresMs: renewMs + 40_000 },
        nowMs,
        defaultAuditPolicy,
      );
    const oneDuration = median(kinds.healthy.map((r) => r.durationMs));
    const durationFor = interpolate([
      [1, oneDuration],
      ...[...fleetRuns].map(([n, r]): [number, number] => [n, r.durationMs]),
    ]);
    for (const n of options.sizes.filter((k) => k === 1 || k === 100)) {
      const facts = stacks.get(n) as StackFacts;
      const perInvocation = facts.fanOut ? Math.max(...facts.fanOut.clustersPerShard) : n;
      const scale = (list: RunCapture[]) =>
        n === 1 ? list : list.map((r) => lasting(r, durationFor(perInvocation)));
      const runKinds: RunKinds = {
        healthy: scale(kinds.healthy),
        stale: scale(kinds.stale),
        failedAfterHealthy: scale(kinds.failedAfterHealthy),
        failedAfterStale: scale(kinds.failedAfterStale),
      };
      const ctx: ScenarioContext = {
        alarms: facts.alarms,
        auditEverySeconds: facts.auditEverySeconds,
        clusters: n,
        runs: runKinds,
        isStale: staleAfter,
        assumptions: options.assumptions,
        random: seededRandom(14 + n),
      };
      console.log(
        `\n-- ${n}-cluster stack: one cluster's kubelet stops (runs of ${(durationFor(perInvocation) / 1000).toFixed(1)} s${n === 1 ? '' : `, a ${perInvocation}-cluster invocation`}) --`,
      );
      console.log(
        printDistribution(
          '(a) last heartbeat → stale-heartbeat ALARM',
          distribution(detectionLatency(ctx, options.latencyTrials)),
        ).join('\n'),
      );
      for (const [label, pattern] of [
        ['every other scan fails', everyOther],
        ['2–3 scans in a row fail', twoOrThreeInARow],
      ] as const) {
        const o = intermittentFailures(ctx, options.failureTrials, 30, pattern);
        const narrow = intermittentFailures(
          {
            ...ctx,
            assumptions: { ...options.assumptions, evaluationRangeExtra: 0 },
            random: seededRandom(n),
          },
          options.failureTrials,
          30,
          pattern,
        );
        console.log(
          `(b) 30-min outage, ${label}: OK transitions ${o.okTransitions} in ${o.trialsWithOk}/${o.trials} trials (target 0: ${mark(o.okTransitions === 0)}); stale alarm reached ALARM in ${o.alarmed}/${o.trials}; a scan-error alarm fired in ${o.scanErrorAlarmed}/${o.trials} (if the evaluation range were N periods: OK transitions ${narrow.okTransitions} in ${narrow.trialsWithOk}/${narrow.trials})`,
        );
      }
      const stopped = stoppedAuditor(ctx, options.failureTrials);
      // The issue's "within 3 periods" counts audit periods (the schedule's): the alarm's own may be shorter.
      const toAuditPeriods = (alarmPeriods: number) =>
        (alarmPeriods * stopped.silentPeriodSeconds) / ctx.auditEverySeconds;
      const silent = distribution(stopped.silentAfterPeriods.map(toAuditPeriods));
      console.log(
        `(c) auditor stops 0–10 min into an outage: stale alarm reached ALARM in ${stopped.alarmed}/${stopped.trials} trials and went OK in ${stopped.trialsWithOk}/${stopped.trials} (${mark(stopped.trialsWithOk === 0)}); state at the end: ${JSON.stringify(stopped.finalStates)}`,
      );
      console.log(
        `    AuditorSilent ALARM after the last datums: ${silent.best.toFixed(1)}–${silent.worst.toFixed(1)} audit periods of ${ctx.auditEverySeconds} s (median ${silent.median.toFixed(1)}; its own periods: ${stopped.silentPeriodSeconds} s; target ≤ 3 audit periods: ${mark(silent.worst <= 3 && silent.never === 0)})${silent.never ? `, never in ${silent.never}` : ''}`,
      );
      // The evaluation range is the model's least documented input: the same with a range of exactly N.
      const narrow = distribution(
        stoppedAuditor(
          {
            ...ctx,
            assumptions: { ...options.assumptions, evaluationRangeExtra: 0 },
            random: seededRandom(n),
          },
          options.failureTrials,
        ).silentAfterPeriods.map(toAuditPeriods),
      );
      console.log(
        `    (if the evaluation range were N periods: ${narrow.best.toFixed(1)}–${narrow.worst.toFixed(1)} audit periods, median ${narrow.median.toFixed(1)})`,
      );
    }

    // 4. The monthly bill.
    const series = seriesOf([...kinds.healthy, ...kinds.stale, ...kinds.failedAfterStale]);
    const fleetPoints = (f: (r: RunCapture) => number) =>
      interpolate([
        [1, median(kinds.healthy.map(f))],
        ...[...fleetRuns].map(([k, r]): [number, number] => [k, f(r)]),
      ]);
    const secretReadsPerCluster =
      median([...fleetRuns].map(([k, r]) => r.secretReads / k)) || (kinds.healthy[0]?.secretReads ?? 0);
    console.log(
      `\nMonthly bill, us-east-1 list prices read ${PRICE_LIST_DATE} (bench/alerting/price-list.ts; ${Object.values(PRICES).filter((p) => !p.confirmed).length} of ${Object.values(PRICES).length} prices not confirmed from an AWS page — see there). Assumed: ${JSON.stringify(BILL_ASSUMPTIONS)}.`,
    );
    for (const n of options.sizes) {
      const facts = stacks.get(n) as StackFacts;
      const items = monthlyBill(facts, n, {
        ...series,
        durationMs: durationFor,
        // Per run: the transitions-only runs, plus the hourly listing spread over the hour's runs.
        logBytes: (k: number) => {
          const steady = fleetPoints((r) => r.logBytes)(k);
          const listing = interpolate([
            [1, median(kinds.healthy.map((r) => r.logBytes))],
            ...[...listingRuns].map(([c, r]): [number, number] => [c, r.logBytes]),
          ])(k);
          return steady + Math.max(0, listing - steady) * Math.min(1, facts.auditEverySeconds / 3600);
        },
        datums: fleetPoints((r) => r.datums.length),
        dynamoReadUnits: fleetPoints((r) => r.dynamo.readUnits),
        dynamoWriteUnits: fleetPoints((r) => r.dynamo.writeUnits),
        secretReadsPerKubeconfigCluster: secretReadsPerCluster,
        kubeconfigClusters: mixedFleet(n).filter((c) => c.type === 'kubeconfig').length,
      }).sort((a, b) => b.list - a.list);
      const list = items.reduce((s, i) => s + i.list, 0);
      const free = items.reduce((s, i) => s + i.afterFreeTier, 0);
      // What a deployment pays at any size (one dashboard, the alarm topic's KMS key), apart from what the
      // alerting design spends per run, metric and alarm.
      const fixed = items
        .filter((i) => i.item === 'CloudWatch dashboards' || i.item === 'KMS keys')
        .reduce((s, i) => s + i.list, 0);
      const target =
        n === 1
          ? `≤ $${TARGETS.oneCluster}/month: ${mark(list <= TARGETS.oneCluster)} (list), ${mark(list - fixed <= TARGETS.oneCluster)} (list, without the ${usd(fixed)} dashboard and topic key: ${usd(list - fixed)}), ${mark(free <= TARGETS.oneCluster)} (after free tier)`
          : n === 100
            ? `≤ $${TARGETS.perClusterAt100.toFixed(2)}/cluster-month: ${mark(list / n <= TARGETS.perClusterAt100)} (list), ${mark(free / n <= TARGETS.perClusterAt100)} (after free tier)`
            : '';
      console.log(
        `\n${n} cluster${n === 1 ? '' : 's'} (${mixedFleet(n).length} in a mixed fleet): ${usd(list)}/month list (${usd(list / n)} per cluster), ${usd(free)} after the free tier (${usd(free / n)} per cluster)${target ? `; target ${target}` : ''}`,
      );
      console.log(
        table(
          ['item', 'quantity', 'list', 'after free tier', 'share'],
          items.map((i) => [
            i.item,
            i.quantity,
            usd(i.list),
            usd(i.afterFreeTier),
            `${list > 0 ? ((100 * i.list) / list).toFixed(0) : '0'}%`,
          ]),
        ),
      );
    }
    console.log(
      `\nPer-cluster metric series: ${series.seriesPerCluster.map((s) => `${s.name}${s.highResolution ? ' (1 s)' : ''}`).join(', ')}; fleet series: ${series.fleetSeries}. GetSecretValue per kubeconfig cluster and run: ${fmt(secretReadsPerCluster)}.`,
    );
  } finally {
    await Promise.all([healthy, stale, ...small].map((s) => s.close()));
  }
}

export const DEFAULT_ALERTING_OPTIONS: AlertingOptions = {
  latencyTrials: 2000,
  failureTrials: 500,
  sizes: [1, 10, 100, 1000],
  fleetClusterNodes: 200,
  assumptions: DEFAULT_ASSUMPTIONS,
};

import { parseArgs } from 'node:util';
import { alertingBenchmark, DEFAULT_ALERTING_OPTIONS } from './alerting/run-alerting.ts';
import { classifyBenchmark, fleetRssBenchmark } from './audit-bench.ts';
import { bundleBenchmark } from './bundle-bench.ts';
import { fleetBenchmark } from './fleet-bench.ts';
import { machine } from './harness.ts';
import { hostileBenchmark } from './hostile-bench.ts';
import { listBenchmark } from './list-bench.ts';
import { renderVerdicts, type Verdict } from './verdicts.ts';

// `npm run bench [-- --only list|classify|bundle|fleet|rss|hostile|alerting] [--nodes 15000 --other-leases 2000 --rounds 5 --pairs 9]`
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    nodes: { type: 'string', default: '15000' },
    'other-leases': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    pairs: { type: 'string', default: '9' },
    'fleet-nodes': { type: 'string', default: '100000' },
    leases: { type: 'string', default: '1000000' },
  },
});
const wants = (name: string) => values.only === undefined || values.only === name;

const verdicts: Verdict[] = [];
if (wants('classify'))
  verdicts.push(...(await classifyBenchmark({ leases: Number(values.leases), runs: 9 })));
if (wants('list')) {
  verdicts.push(
    ...(await listBenchmark({
      nodes: Number(values.nodes),
      otherLeases: Number(values['other-leases']),
      rounds: Number(values.rounds),
      pairs: Number(values.pairs),
    })),
  );
}
if (wants('bundle')) verdicts.push(...(await bundleBenchmark()));
if (wants('fleet')) await fleetBenchmark({ clusters: 100, nodes: 1000, latencyMs: 50 });
if (wants('rss'))
  verdicts.push(...(await fleetRssBenchmark({ nodes: Number(values['fleet-nodes']), rounds: 3 })));
if (wants('hostile')) await hostileBenchmark({ requestTimeoutMs: 5_000 });
if (wants('alerting')) await alertingBenchmark(DEFAULT_ALERTING_OPTIONS);

process.stdout.write(renderVerdicts(verdicts, machine()));

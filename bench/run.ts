import { parseArgs } from 'node:util';
import { alertingBenchmark, DEFAULT_ALERTING_OPTIONS } from './alerting/run-alerting.ts';
import { classifyBenchmark, fleetRssBenchmark } from './audit-bench.ts';
import { fleetBenchmark } from './fleet-bench.ts';
import { hostileBenchmark } from './hostile-bench.ts';
import { listBenchmark } from './list-bench.ts';

// `npm run bench [-- --only list|classify|fleet|rss|hostile|alerting] [--nodes 15000 --other-leases 2000 --rounds 5]`
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    nodes: { type: 'string', default: '15000' },
    'other-leases': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    'fleet-nodes': { type: 'string', default: '100000' },
    leases: { type: 'string', default: '1000000' },
  },
});
const wants = (name: string) => values.only === undefined || values.only === name;

if (wants('classify')) await classifyBenchmark({ leases: Number(values.leases), runs: 7 });
if (wants('list')) {
  await listBenchmark({
    nodes: Number(values.nodes),
    otherLeases: Number(values['other-leases']),
    rounds: Number(values.rounds),
  });
}
if (wants('fleet')) await fleetBenchmark({ clusters: 100, nodes: 1000, latencyMs: 50 });
if (wants('rss')) await fleetRssBenchmark({ nodes: Number(values['fleet-nodes']), rounds: 3 });
if (wants('hostile')) await hostileBenchmark({ requestTimeoutMs: 5_000 });
if (wants('alerting')) await alertingBenchmark(DEFAULT_ALERTING_OPTIONS);

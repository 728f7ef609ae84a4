import { parseArgs } from 'node:util';
import { listBenchmark } from './list-bench.ts';

// `npm run bench [-- --nodes 15000 --other-leases 2000 --rounds 5]`
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '15000' },
    'other-leases': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
  },
});

await listBenchmark({
  nodes: Number(values.nodes),
  otherLeases: Number(values['other-leases']),
  rounds: Number(values.rounds),
});

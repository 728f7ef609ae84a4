// Serves N simulated clusters from one process and writes their kubeconfigs to a JSON file.
import { writeFile } from 'node:fs/promises';
import { startSimCluster } from '../../sim/cluster.ts';
import { defaultScenario } from '../../sim/scenario.ts';

const [out = '', count = '100', nodes = '1000', latencyMs = '0'] = process.argv.slice(2);
const kubeconfigs: Record<string, string> = {};
for (let i = 0; i < Number(count); i++) {
  const name = `cluster-${String(i).padStart(3, '0')}`;
  const sim = await startSimCluster({
    name,
    seed: i + 1,
    scenario: { ...defaultScenario, nodes: Number(nodes) },
  });
  // Every request waits, as it would across a network to a real API server.
  if (Number(latencyMs) > 0) sim.faults.add({ action: { type: 'latency', ms: Number(latencyMs) } });
  kubeconfigs[name] = sim.kubeconfig();
}
await writeFile(out, JSON.stringify(kubeconfigs));
process.stdout.write(`sim ready at fleet of ${count}\n`);

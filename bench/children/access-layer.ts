// (a) lease-reaper's access layer: leases (full) and Nodes (metadata-only unless "full") listed concurrently.
import { kubeConfigFromFile } from '../../shared/kube/connect.ts';
import { KubeClient } from '../../shared/kube/kube-client.ts';
import { listAll } from '../../shared/kube/list-all.ts';
import { toLeaseRecord, toNodeRecord } from '../../shared/kube/records.ts';
import { report } from './report.ts';

const [kubeconfig = '', mode = 'metadata'] = process.argv.slice(2);
const client = new KubeClient('bench', kubeConfigFromFile(kubeconfig));
// Untimed warm-up, as in the floor: the first request pays for TLS and lazy initialisation once.
await client.request({ method: 'GET', path: '/version', operation: 'warm up' });
const started = performance.now();
const [leases, nodes] = await Promise.all([
  listAll(client, '/apis/coordination.k8s.io/v1/leases', 'leases', toLeaseRecord),
  listAll(client, '/api/v1/nodes', 'nodes', toNodeRecord, { metadataOnly: mode !== 'full' }),
]);
report(leases.items.length, nodes.items.length, started);
await client.close();

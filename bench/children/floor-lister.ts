// (f) The audit's floor: the least a process can do to read what `lease-reaper audit` reads. It loads the
// kubeconfig itself (YAML or JSON, the current context's server, CA and token, as the audit's does), then
// lists, concurrently and in the same representation as the audit — leases as JSON, Nodes and unfinished
// Pods as PartialObjectMetadataList, in the audit's page sizes (leases and Pods 500, Nodes 200) — with node:https and a keep-alive agent, JSON.parse on
// every page, keeping only names, and prints the counts. Whole process timed by the runner, start-up included.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import yaml from 'js-yaml';

interface Named<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}
interface KubeConfigFile {
  'current-context': string;
  clusters: Named<{ server: string; 'certificate-authority-data'?: string }>[];
  users: Named<{ token?: string }>[];
  contexts: Named<{ cluster: string; user: string }>[];
}

const [file = ''] = process.argv.slice(2);
const config = yaml.load(readFileSync(file, 'utf8')) as KubeConfigFile;
const context = config.contexts.find((c) => c.name === config['current-context'])?.context;
const cluster = config.clusters.find((c) => c.name === context?.cluster)?.cluster;
const token = config.users.find((u) => u.name === context?.user)?.user?.token;
if (!cluster || !token) throw new Error(`${file}: no current context with a server and a token`);
const caData = cluster['certificate-authority-data'];
const agent = new https.Agent({
  keepAlive: true,
  ...(caData ? { ca: Buffer.from(caData, 'base64').toString('utf8') } : {}),
});
const metadataAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

function get(url: string, accept: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent, headers: { Authorization: `Bearer ${token}`, Accept: accept } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks).toString('utf8'))
            : reject(new Error(`HTTP ${res.statusCode} for ${url}`)),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function names(path: string, accept: string, limit: number, query = ''): Promise<number> {
  let count = 0;
  let cont = '';
  do {
    const page = await get(
      `${cluster?.server}${path}?limit=${limit}${query}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
      accept,
    );
    const body = JSON.parse(page) as {
      items: { metadata: { name: string } }[];
      metadata: { continue?: string };
    };
    for (const item of body.items) if (item.metadata.name) count++;
    cont = body.metadata.continue ?? '';
  } while (cont);
  return count;
}

const [leases, nodes, pods] = await Promise.all([
  names('/apis/coordination.k8s.io/v1/leases', 'application/json', 500),
  names('/api/v1/nodes', metadataAccept, 200),
  names(
    '/api/v1/pods',
    metadataAccept,
    500,
    `&fieldSelector=${encodeURIComponent('status.phase!=Succeeded,status.phase!=Failed')}`,
  ),
]);
process.stdout.write(`${JSON.stringify({ leases, nodes, pods })}\n`);
agent.destroy();

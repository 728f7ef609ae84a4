// (b) The floor: a bare loop over the same pages — request, JSON.parse, keep only the names — with
// either Node's fetch (undici) or node:https with a keep-alive agent, whichever the runner asks for.
// The CA comes from NODE_EXTRA_CA_CERTS (set by the runner), so TLS is verified here too.
import https from 'node:https';
import { report } from './report.ts';

const [server = '', token = '', mode = 'metadata', transport = 'fetch'] = process.argv.slice(2);
const metadataAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const agent = new https.Agent({ keepAlive: true });

function get(url: string, accept: string): Promise<string> {
  const headers = { Authorization: `Bearer ${token}`, Accept: accept };
  if (transport === 'fetch') {
    return fetch(url, { headers }).then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
      return res.text();
    });
  }
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks).toString('utf8'))
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function names(path: string, accept: string): Promise<string[]> {
  const out: string[] = [];
  let cont = '';
  do {
    const text = await get(
      `${server}${path}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
      accept,
    );
    const body = JSON.parse(text) as {
      items: { metadata: { name: string } }[];
      metadata: { continue?: string };
    };
    for (const item of body.items) out.push(item.metadata.name);
    cont = body.metadata.continue ?? '';
  } while (cont);
  return out;
}

// Untimed warm-up: the first request pays for TLS and, with fetch, for loading undici; that is not listing.
await get(`${server}/version`, 'application/json');
const started = performance.now();
const [leases, nodes] = await Promise.all([
  names('/apis/coordination.k8s.io/v1/leases', 'application/json'),
  names('/api/v1/nodes', mode === 'full' ? 'application/json' : metadataAccept),
]);
report(leases.length, nodes.length, started);
agent.destroy();

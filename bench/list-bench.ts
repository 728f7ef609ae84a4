import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  auditProcess,
  buildCli,
  bundle,
  machine,
  measure,
  median,
  type Run,
  startSimProcess,
  table,
} from './harness.ts';
import type { Verdict } from './verdicts.ts';

/**
 * Foundation benchmark: list a 15,000-node cluster (15k node leases, 15k realistic Nodes, ~2k other leases)
 * from one simulated cluster, several ways, interleaved round by round, and compare:
 *   (a)  lease-reaper's access layer (Nodes metadata-only, as the audit reads them)
 *   (b)  the floor: bare fetch + JSON.parse over the same pages, keeping only names (and (b2), the same
 *        loop over node:https, which on Node 20 is the faster of the two)
 *   (c)  kubectl get leases -A -o json, then kubectl get nodes -o json
 * and, to show where the time goes: (a') and (b') with full Nodes, (d) client-node's typed API.
 */
export async function listBenchmark(options: {
  nodes: number;
  otherLeases: number;
  rounds: number;
  /** Back-to-back runs of the audit and its floor, whose ratios' median is the audit/floor figure. */
  pairs: number;
}): Promise<Verdict[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reaper-bench-'));
  const kubeconfig = join(dir, 'sim.kubeconfig');
  const childDir = join(dir, 'children');
  await buildCli();
  await bundle(
    {
      'access-layer': 'bench/children/access-layer.ts',
      'bare-fetch': 'bench/children/bare-fetch.ts',
      'client-node-typed': 'bench/children/client-node-typed.ts',
      'floor-lister': 'bench/children/floor-lister.ts',
    },
    childDir,
  );
  const sim = await startSimProcess([
    '--nodes',
    String(options.nodes),
    '--workload-leases',
    String(options.otherLeases),
    '--no-renew',
    '--kubeconfig-out',
    kubeconfig,
  ]);
  try {
    const config = JSON.parse(
      await import('node:fs/promises').then((fs) => fs.readFile(kubeconfig, 'utf8')),
    ) as {
      clusters: { cluster: { 'certificate-authority-data': string } }[];
      users: { user: { token: string } }[];
    };
    const caFile = join(dir, 'ca.pem');
    await writeFile(
      caFile,
      Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64'),
    );
    const token = config.users[0]?.user.token ?? '';
    const child = (name: string) => join(childDir, `${name}.mjs`);
    const nodeEnv = { ...process.env, NODE_EXTRA_CA_CERTS: caFile };

    // (e) and its floor (f) run in the same environment: each reads the CA from the kubeconfig.
    const audit = () => auditProcess(sim, kubeconfig);
    const floor = () => measure(process.execPath, [child('floor-lister'), kubeconfig]);
    const methods: { id: string; label: string; run: () => Promise<Run> }[] = [
      {
        id: 'a',
        label: '(a)  access layer, Nodes metadata-only',
        run: () => measure(process.execPath, [child('access-layer'), kubeconfig, 'metadata'], nodeEnv),
      },
      {
        id: 'b',
        label: '(b)  floor: bare fetch, same pages',
        run: () =>
          measure(process.execPath, [child('bare-fetch'), sim.url, token, 'metadata', 'fetch'], nodeEnv),
      },
      {
        id: 'b2',
        label: '(b2) floor: bare node:https, same pages',
        run: () =>
          measure(process.execPath, [child('bare-fetch'), sim.url, token, 'metadata', 'https'], nodeEnv),
      },
      { id: 'c', label: '(c)  kubectl get leases -A + get nodes (-o json)', run: () => kubectl(kubeconfig) },
      { id: 'e', label: '(e)  lease-reaper audit --output json (process)', run: audit },
      { id: 'f', label: '(f)  floor of (e): its kubeconfig, lists and pages, bare', run: floor },
      {
        id: "a'",
        label: "(a') access layer, full Nodes",
        run: () => measure(process.execPath, [child('access-layer'), kubeconfig, 'full'], nodeEnv),
      },
      {
        id: "b'",
        label: "(b') floor: bare node:https, full Nodes",
        run: () => measure(process.execPath, [child('bare-fetch'), sim.url, token, 'full', 'https'], nodeEnv),
      },
      {
        id: 'd',
        label: '(d)  client-node typed API, full Nodes',
        run: () => measure(process.execPath, [child('client-node-typed'), kubeconfig], nodeEnv),
      },
    ];
    const results = new Map<string, { listMs: number[]; wallMs: number[]; rssMb: number[]; items: string }>();
    for (const m of methods) results.set(m.id, { listMs: [], wallMs: [], rssMb: [], items: '' });

    // One warm-up round (the server encodes each object once and caches it), then interleaved rounds with
    // the order rotated, so drift on the machine spreads evenly over the methods.
    for (let round = 0; round <= options.rounds; round++) {
      const order = methods
        .map((_, i) => methods[(i + round) % methods.length])
        .filter((m) => m !== undefined);
      for (const m of order) {
        const run = await m.run();
        if (round === 0) continue;
        const r = results.get(m.id);
        if (!r) continue;
        r.wallMs.push(run.wallMs);
        r.rssMb.push(run.maxRssMb);
        const line = run.stdout.trim().split('\n').at(-1) ?? '';
        if (m.id === 'f') {
          const counts = JSON.parse(line) as { leases: number; nodes: number };
          r.items = `${counts.leases}/${counts.nodes}`;
        } else if (m.id === 'e') {
          const report = JSON.parse(run.stdout) as {
            clusters: { counts?: { leases: number; nodes: number } }[];
          };
          const counts = report.clusters[0]?.counts;
          r.items = `${counts?.leases}/${counts?.nodes}`;
        } else if (line.startsWith('{')) {
          const child = JSON.parse(line) as { leases: number; nodes: number; listMs: number };
          r.listMs.push(child.listMs);
          r.items = `${child.leases}/${child.nodes}`;
        } else {
          r.items = line;
        }
      }
      process.stderr.write(round === 0 ? 'warm-up done\n' : `round ${round}/${options.rounds} done\n`);
    }

    // The audit against its floor, the figure with a target: pairs run back to back, the pair's order
    // alternating, and the median of the pairs' ratios. A machine whose speed drifts (a shared VM) or a
    // server that collects garbage then slows both runs of a pair alike, where medians of runs spread over
    // the rounds above would take the drift into the ratio.
    const pairRatios: number[] = [];
    for (let pair = 0; pair < options.pairs; pair++) {
      const first = pair % 2 === 0 ? audit : floor;
      const second = pair % 2 === 0 ? floor : audit;
      const a = await first();
      const b = await second();
      const [e, f] = pair % 2 === 0 ? [a, b] : [b, a];
      pairRatios.push(e.wallMs / f.wallMs);
    }
    process.stderr.write(`${options.pairs} audit/floor pairs done\n`);
    const med = (id: string, what: 'listMs' | 'wallMs') => median(results.get(id)?.[what] ?? []);
    const rows = methods.map((m) => {
      const r = results.get(m.id);
      return [
        m.label,
        r?.items ?? '',
        r?.listMs.length ? median(r.listMs).toFixed(0) : '–',
        median(r?.wallMs ?? []).toFixed(0),
        String(Math.max(...(r?.rssMb ?? [0]))),
      ];
    });
    const kubectlVersion = execFileSync('kubectl', ['version', '--client', '-o', 'json'], {
      encoding: 'utf8',
    });
    const ab = med('a', 'listMs') / med('b', 'listMs');
    const ab2 = med('a', 'listMs') / med('b2', 'listMs');
    const ac = med('a', 'wallMs') / med('c', 'wallMs');
    const ef = median(pairRatios);
    const efRange = `[${Math.min(...pairRatios).toFixed(2)} – ${Math.max(...pairRatios).toFixed(2)}]`;
    process.stdout.write(
      [
        '',
        `list benchmark: ${options.nodes} Nodes + node leases, ${options.otherLeases} other leases, one simulated cluster at ${sim.url}`,
        `machine: ${machine()}, kubectl ${(JSON.parse(kubectlVersion) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion}`,
        `${options.rounds} interleaved rounds after one warm-up; medians; peak RSS is the largest of the rounds`,
        '',
        table(['method', 'leases/nodes', 'list ms', 'process ms', 'peak RSS MB'], rows),
        '',
        `(a)/(b) list time:    ${ab.toFixed(2)}x   (target <= 1.3x)  ${ab <= 1.3 ? 'met' : 'NOT MET'}`,
        `(a)/(b2) list time:   ${ab2.toFixed(2)}x   (against the faster, node:https floor)`,
        `(a)/(c) process time: ${ac.toFixed(3)}x  (target <= 0.2x)  ${ac <= 0.2 ? 'met' : 'NOT MET'}`,
        `(e)/(f) process time: ${ef.toFixed(2)}x ${efRange}  (target <= 1.3x)  ${ef <= 1.3 ? 'met' : 'NOT MET'}  — the whole audit against its floor (same kubeconfig, lists, representation and pages): median of ${options.pairs} back-to-back pairs (the medians of the rounds above give ${(med('e', 'wallMs') / med('f', 'wallMs')).toFixed(2)}x)`,
        `(e)/(b) process time: ${(med('e', 'wallMs') / med('b', 'wallMs')).toFixed(2)}x   (for reference: (b) lists no Pods and reads no kubeconfig)`,
        `(e)/(c) process time: ${(med('e', 'wallMs') / med('c', 'wallMs')).toFixed(3)}x  (target <= 0.2x)  ${med('e', 'wallMs') / med('c', 'wallMs') <= 0.2 ? 'met' : 'NOT MET'}`,
        `(a')/(b') list time:  ${(med("a'", 'listMs') / med("b'", 'listMs')).toFixed(2)}x   (full Nodes, for reference)`,
        `(d)/(b') list time:   ${(med('d', 'listMs') / med("b'", 'listMs')).toFixed(2)}x   (client-node's typed API, for reference)`,
        '',
      ].join('\n'),
    );
    return [
      {
        figure: `audit / its floor, process wall (${options.nodes} nodes)`,
        measured: `${ef.toFixed(2)}x (median of ${options.pairs} pairs)`,
        target: '<= 1.3x',
        met: ef <= 1.3,
      },
    ];
  } finally {
    await sim.stop();
  }
}

async function kubectl(kubeconfig: string): Promise<Run> {
  const leases = await measure('kubectl', ['--kubeconfig', kubeconfig, 'get', 'leases', '-A', '-o', 'json']);
  const nodes = await measure('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'json']);
  const count = (json: string) => (JSON.parse(json) as { items: unknown[] }).items.length;
  return {
    wallMs: leases.wallMs + nodes.wallMs,
    maxRssMb: Math.max(leases.maxRssMb, nodes.maxRssMb),
    stdout: `${count(leases.stdout)}/${count(nodes.stdout)}`,
  };
}

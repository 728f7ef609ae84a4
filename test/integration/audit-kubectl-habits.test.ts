import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { V1MicroTime } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../shared/report/audit-report.ts';
import type { SimCluster } from '../../sim/cluster.ts';
import { namespaceObject } from '../../sim/objects.ts';
import { namespaces } from '../../sim/resources.ts';
import { defaultScenario } from '../../sim/scenario.ts';
import { CLI_BIN, runCli, writeFleetKubeconfig } from '../support/cli.ts';
import { KUBECTL } from '../support/kubectl.ts';
import { apis, simClusters } from '../support/sim.ts';

const clusters = simClusters();
const DAY_MS = 86_400_000;
const ESC = '\x1b';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lease-reaper-habits-'));
}

/** Leader leases written through the API, abandoned three days ago, with the given labels. */
async function abandonedLeases(
  sim: SimCluster,
  leases: { namespace: string; name: string; labels: Record<string, string> }[],
) {
  const { coordination } = apis(sim);
  // Expired (15 s lease) a minute more than 3 days ago: the table's AGE reads 3d however fast the run is.
  const then = Date.now() - 3 * DAY_MS - 75_000;
  for (const ns of new Set(leases.map((l) => l.namespace)))
    if (!sim.store.get(namespaces, undefined, ns)) sim.store.create(namespaces, namespaceObject(ns, then));
  for (const l of leases)
    await coordination.createNamespacedLease({
      namespace: l.namespace,
      body: {
        metadata: { name: l.name, namespace: l.namespace, labels: l.labels },
        spec: {
          holderIdentity: `${l.name}-7d9f-abcde`,
          leaseDurationSeconds: 15,
          acquireTime: new V1MicroTime(then),
          renewTime: new V1MicroTime(then),
          leaseTransitions: 0,
        },
      },
    });
}

/** Runs `command` under a pseudo-terminal `columns` wide (util-linux `script`); resolves with its output. */
function inTerminal(command: string, env: NodeJS.ProcessEnv, columns = 120): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', `stty cols ${columns} rows 50; ${command}`, '/dev/null'],
      {
        cwd: join(import.meta.dirname, '..', '..'),
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (_error, stdout) => resolve(stdout),
    );
  });
}

const cli = (args: string) => `${process.execPath} ${CLI_BIN} ${args}`;

// Each test runs the CLI several times at once (a child Node with tsx each): slow on a loaded 2-core machine.
describe('lease-reaper audit with kubectl habits', { timeout: 180_000 }, () => {
  it('-A -o yaml prints the same document as -o json', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'yaml' });
    const kubeconfig = await writeFleetKubeconfig([sim]);

    const [yaml, json] = await Promise.all([
      runCli([
        'audit',
        '--kubeconfig',
        kubeconfig,
        '-A',
        '-o',
        'yaml',
        '--now',
        new Date(Date.now()).toISOString(),
      ]),
      runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'json']),
    ]);

    expect(yaml.code, yaml.stderr).toBe(0);
    const fromYaml = load(yaml.stdout) as AuditReport;
    const fromJson = JSON.parse(json.stdout) as AuditReport;
    expect(fromYaml.kind).toBe('AuditReport');
    expect(fromYaml.summary.findings).toEqual(fromJson.summary.findings);
    expect(Object.keys(fromYaml)).toEqual(Object.keys(fromJson));
  });

  it('-n team-a -l app=x reports only the findings of those leases, and says so', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'scoped' });
    await abandonedLeases(sim, [
      { namespace: 'team-a', name: 'x-controller', labels: { app: 'x' } },
      { namespace: 'team-a', name: 'y-controller', labels: { app: 'y' } },
      { namespace: 'team-b', name: 'x-elsewhere', labels: { app: 'x' } },
    ]);
    const kubeconfig = await writeFleetKubeconfig([sim]);

    const [scoped, namespace, selector, table, nothing] = await Promise.all([
      runCli(['audit', '--kubeconfig', kubeconfig, '-n', 'team-a', '-l', 'app=x', '-o', 'json']),
      runCli(['audit', '--kubeconfig', kubeconfig, '--namespace', 'team-a', '-o', 'json']),
      runCli(['audit', '--kubeconfig', kubeconfig, '--selector', 'app=x', '-o', 'json']),
      runCli(['audit', '--kubeconfig', kubeconfig, '-n', 'team-a', '-l', 'app=x']),
      runCli(['audit', '--kubeconfig', kubeconfig, '-n', 'team-a', '-l', 'app=none']),
    ]);

    const found = (r: { stdout: string }) => {
      const report = JSON.parse(r.stdout) as AuditReport;
      const only = report.clusters[0];
      return only?.status === 'ok'
        ? only.findings.map((f) => `${f.namespace}/${f.name}:${f.type}`).sort()
        : [];
    };
    expect(found(scoped)).toEqual(['team-a/x-controller:AbandonedLease']);
    expect(found(namespace)).toEqual([
      'team-a/x-controller:AbandonedLease',
      'team-a/y-controller:AbandonedLease',
    ]);
    expect(found(selector)).toEqual([
      'team-a/x-controller:AbandonedLease',
      'team-b/x-elsewhere:AbandonedLease',
    ]);
    const report = JSON.parse(scoped.stdout) as AuditReport;
    expect(report.scope).toEqual({ namespace: 'team-a', labelSelector: 'app=x' });
    expect(report.summary.findings.AbandonedLease).toBe(1);
    expect(report.summary.findings.StaleNodeHeartbeat).toBe(0);
    expect(table.stdout).toMatch(/^scoped\s+warning\s+AbandonedLease\s+team-a\s+x-controller\s+3d/m);
    expect(table.code).toBe(0);
    // A selector that matches nothing says what it searched, not a bare "No findings.".
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toMatch(/^scoped\s+ok\s+\d+\s+\d+\s+\d+\s+0\s+0\s+0\s/m);
    expect(nothing.stdout).toContain('No findings in namespace team-a for leases matching app=none.');
  });

  it('node heartbeat findings are in kube-node-lease; -n with -A is a usage error', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'nodes' });
    const kubeconfig = await writeFleetKubeconfig([sim]);

    const [nodeLease, both] = await Promise.all([
      runCli(['audit', '--kubeconfig', kubeconfig, '-n', 'kube-node-lease', '-o', 'json']),
      runCli(['audit', '--kubeconfig', kubeconfig, '-n', 'x', '-A']),
    ]);

    const report = JSON.parse(nodeLease.stdout) as AuditReport;
    const types = new Set(
      report.clusters.flatMap((c) => (c.status === 'ok' ? c.findings.map((f) => f.type) : [])),
    );
    expect([...types].sort()).toEqual(['NodeWithoutLease', 'OrphanedNodeLease', 'StaleNodeHeartbeat']);
    expect(both.code).toBe(64);
    expect(both.stderr.trim()).toBe('error: -n/--namespace and -A/--all-namespaces cannot be combined');
  });

  it('-o wide adds REASON, which the narrow default leaves out of a pipe; -o name and jsonpath print what kubectl would', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'formats' });
    const kubeconfig = await writeFleetKubeconfig([sim]);

    const [narrow, wide, names, summary, json] = await Promise.all([
      runCli(['audit', '--kubeconfig', kubeconfig]),
      runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'wide']),
      runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'name']),
      runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'jsonpath={.summary}']),
      runCli(['audit', '--kubeconfig', kubeconfig, '-o', 'json']),
    ]);

    const header = (out: string) => out.split('\n').find((l) => l.includes('SEVERITY')) ?? '';
    expect(header(narrow.stdout).split(/\s+/)).toEqual([
      'CLUSTER',
      'SEVERITY',
      'TYPE',
      'NAMESPACE',
      'NAME',
      'AGE',
    ]);
    expect(header(wide.stdout).split(/\s+/).at(-1)).toBe('REASON');
    expect(wide.stdout).toContain('last renewed its heartbeat');
    expect(narrow.stdout).not.toContain('last renewed its heartbeat');

    const report = JSON.parse(json.stdout) as AuditReport;
    const only = report.clusters[0];
    if (only?.status !== 'ok') throw new Error('cluster failed');
    const expectedNames = new Set(
      only.findings.map((f) =>
        f.type === 'NodeWithoutLease' ? `node/${f.name}` : `lease.coordination.k8s.io/${f.name}`,
      ),
    );
    expect(names.stdout.trim().split('\n').sort()).toEqual([...expectedNames].sort());

    expect(summary.stdout).not.toContain('\n');
    expect(JSON.parse(summary.stdout)).toEqual(report.summary);
  });

  it('-o name matches `kubectl get leases -o name` for the same leases', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'names' });
    const kubeconfig = await writeFleetKubeconfig([sim]);
    const ours = await runCli(['audit', '--kubeconfig', kubeconfig, '-n', 'kube-node-lease', '-o', 'name']);
    const kubectl = await new Promise<string>((resolve) =>
      execFile(
        KUBECTL,
        ['--kubeconfig', kubeconfig, 'get', 'leases', '-n', 'kube-node-lease', '-o', 'name'],
        (_e, out) => resolve(out),
      ),
    );
    const leaseLines = ours.stdout.split('\n').filter((l) => l.startsWith('lease.'));
    expect(leaseLines.length).toBeGreaterThan(0);
    for (const line of leaseLines) expect(kubectl.split('\n')).toContain(line);
  });

  it('merges KUBECONFIG=a:b first-wins as kubectl does, where a shared name used to fail', async () => {
    const first = await clusters.start({ nodes: 3 }, { name: 'sim' });
    const second = await clusters.start({ nodes: 5 }, { name: 'sim' });
    const d = await tempDir();
    const a = join(d, 'a.kubeconfig');
    const b = join(d, 'b.kubeconfig');
    // a sets no current-context: b's is taken (the first file that sets one), but a's entries win.
    const aDoc = JSON.parse(first.kubeconfig()) as Record<string, unknown>;
    aDoc['current-context'] = '';
    await writeFile(a, JSON.stringify(aDoc), { mode: 0o600 });
    await second.writeKubeconfig(b);
    const env = { KUBECONFIG: `${a}:${b}` };

    const [ours, kubectl] = await Promise.all([
      runCli(['audit', '-o', 'json', '--all-contexts'], env),
      new Promise<string>((resolve) =>
        execFile(
          KUBECTL,
          ['config', 'view', '--minify', '--raw', '-o', 'json'],
          { env: { ...process.env, ...env } },
          (_e, out) => resolve(out),
        ),
      ),
    ]);

    expect(ours.code, ours.stderr).toBe(0);
    const report = JSON.parse(ours.stdout) as AuditReport;
    expect(report.clusters.map((c) => c.cluster)).toEqual(['sim']);
    const audited = report.clusters[0];
    if (audited?.status !== 'ok') throw new Error(ours.stdout);
    expect(audited.counts.nodes).toBe(3); // the first file's cluster
    const minified = JSON.parse(kubectl) as {
      'current-context': string;
      clusters: { cluster: { server: string } }[];
    };
    expect(minified['current-context']).toBe('sim');
    expect(minified.clusters[0]?.cluster.server).toBe(first.url);
  });

  it('exits 64 with one line when there is no kubeconfig or no current context', async () => {
    const home = await tempDir();
    const sim = await clusters.start({ nodes: 1 }, { name: 'nocurrent' });
    const doc = JSON.parse(sim.kubeconfig()) as Record<string, unknown>;
    delete doc['current-context'];
    const noCurrent = join(home, 'no-current.kubeconfig');
    await writeFile(noCurrent, JSON.stringify(doc), { mode: 0o600 });

    const [none, missingList, current] = await Promise.all([
      runCli(['audit'], { HOME: home, KUBECONFIG: '' }),
      runCli(['audit'], { KUBECONFIG: join(home, 'nope') }),
      runCli(['audit', '--kubeconfig', noCurrent]),
    ]);

    for (const r of [none, missingList, current]) {
      expect(r.code).toBe(64);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(none.stderr).toContain(`error: no kubeconfig: ${join(home, '.kube', 'config')} does not exist`);
    expect(missingList.stderr).toContain('none of the files in KUBECONFIG exists');
    expect(current.stderr).toContain(
      'the kubeconfig has no current context: pass --context NAME or --all-contexts (it has: nocurrent)',
    );
  });

  it('colours severities on a terminal, cut to its width; NO_COLOR and --no-color turn colour off', async () => {
    const sim = await clusters.start(defaultScenario, { name: 'tty' });
    const kubeconfig = await writeFleetKubeconfig([sim]);
    const audit = cli(`audit --kubeconfig ${kubeconfig}`);

    const [coloured, noColorEnv, noColorFlag] = await Promise.all([
      inTerminal(audit, { NO_COLOR: '' }, 200),
      inTerminal(audit, { NO_COLOR: '1' }, 200),
      inTerminal(`${audit} --no-color`, { NO_COLOR: '' }, 200),
    ]);

    expect(coloured).toContain('\x1b[31m');
    expect(coloured).toContain('REASON');
    const rows = coloured
      .replace(new RegExp(`${ESC}\\[[0-9;]*[mK]`, 'g'), '')
      .split(/\r?\n/)
      .filter((l) => l.includes('StaleNodeHeartbeat'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(200);
    expect(rows.some((r) => r.endsWith('…'))).toBe(true);
    for (const plain of [noColorEnv, noColorFlag]) {
      expect(plain).toContain('StaleNodeHeartbeat');
      for (const colour of ['31', '33', '36']) expect(plain).not.toContain(`${ESC}[${colour}m`);
    }
  });

  it('sim --name names the cluster, context and users of the kubeconfig it writes', async () => {
    const d = await tempDir();
    const out = join(d, 'named.kubeconfig');
    const name = 'arn:aws:eks:eu-west-1:123456789012:cluster/demo';
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'sim', '--nodes', '2', '--name', name, '--kubeconfig-out', out],
      {
        cwd: join(import.meta.dirname, '..', '..'),
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('sim ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`sim exited ${code}`)));
      });
      const doc = JSON.parse(await readFile(out, 'utf8')) as {
        clusters: { name: string }[];
        users: { name: string }[];
        'current-context': string;
      };
      expect(doc['current-context']).toBe(name);
      expect(doc.clusters.map((c) => c.name)).toEqual([name]);
      expect(doc.users.map((u) => u.name)).toEqual([`${name}-admin`]);
      const audit = await runCli(['audit', '--kubeconfig', out]);
      expect(audit.stdout).toMatch(/^demo\s+ok/m); // the table shows the EKS cluster name from the ARN
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('prints examples and exit codes in --help, and no "(default: [])"', async () => {
    const help = await runCli(['audit', '--help']);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toContain("jsonpath='{.summary.bySeverity.critical}'");
    expect(help.stdout).not.toContain('(default: [])');
    expect(help.stdout).not.toContain('(default: the current context) (default');
    for (const command of ['reap', 'sim', 'demo', 'rbac']) {
      const other = await runCli([command, '--help']);
      expect(other.stdout, command).toContain('Examples:');
      expect(other.stdout, command).toMatch(/Exit codes?/);
      expect(other.stdout, command).not.toContain('(default: [])');
    }
  });

  it("documents every flag of every command's --help in README.md", async () => {
    const readme = await readFile(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const helps = await Promise.all(
      [[], ['audit'], ['reap'], ['sim'], ['demo'], ['rbac']].map((c) => runCli([...c, '--help'])),
    );
    const flags = helps.flatMap((h) =>
      [...h.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1] ?? ''),
    );
    expect(flags).toContain('--max-list-pages');
    // In code spans, as `--flag`, `--flag VALUE` or `-f, --flag`.
    const documented = (f: string) => new RegExp(`\`(?:-\\w, )?${f}(?![a-z-])`).test(readme);
    const missing = [...new Set(flags)].filter((f) => f !== '--help' && !documented(f));
    expect(missing).toEqual([]);
  });

  it('demo takes the same -o as audit; sim on a taken port is one line and exit 64, not a stack', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const [demo, sim] = await Promise.all([
        runCli(['demo', '-o', 'jsonpath={.summary.clusters} {.clusters[0].status}']),
        runCli(['sim', '--port', String(port)]),
      ]);
      expect(demo.code, demo.stderr).toBe(0);
      expect(demo.stdout).toBe('1 ok');
      expect(sim.code).toBe(64);
      expect(sim.stderr.trim()).toBe(
        `error: cannot listen on 127.0.0.1:${port} (EADDRINUSE): pick another --port (0: any free port)`,
      );
    } finally {
      taken.close();
    }
  });
});

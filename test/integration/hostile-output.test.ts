import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { leaderLease, namespaceObject } from '../../sim/objects.ts';
import { leases, namespaces } from '../../sim/resources.ts';
import { generateSimTls } from '../../sim/tls.ts';
import { CLI_BIN, type CliResult, runCli } from '../support/cli.ts';
import { simClusters } from '../support/sim.ts';

/**
 * Real API servers do not restrict `spec.holderIdentity`, and a Status message can carry anything. These
 * tests seed such text into a simulated cluster (and a server answering a hostile Status) and check every
 * byte the CLI writes: tables in a pipe and on a pseudo-terminal, the JSON reports and the action log.
 */

const clusters = simClusters();
const DAY = 86_400_000;

/**
 * Everything an attacker would put in a holder identity: set the window title (OSC … BEL), clear the screen
 * and home the cursor (CSI), return to the line start to overwrite it (CR), forge a row (LF), reorder the
 * text (bidi override and isolate), a one-byte C1 CSI, DEL and NUL. The part before `_` is the holder's
 * Pod name, which the finding's reason quotes.
 */
const HOSTILE_POD =
  '\x1b]0;pwned-title\x07\x1b[2J\x1b[1;1H\rFORGED-CELL\nFAKE-ROW   ok\u202eevil\u2066iso\u2069\u009b31m\x7f\x00end';
const HOSTILE_HOLDER = `${HOSTILE_POD}_8d0c7f3e-6a1b-4c2d-9e8f-0a1b2c3d4e5f`;
const HOSTILE_STATUS = '\x1b]0;status-title\x07\x1b[2Jserver says\r\nFAKE-STATUS-ROW\u202eoverride\u009b2J';

/** Characters that must never reach output raw: C0 but LF, DEL, C1, bidi controls and line separators. */
const RAW_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control characters is the test.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** The first raw control character in a text, as `U+XXXX at offset`, or undefined. */
function rawControl(text: string): string | undefined {
  const m = RAW_CONTROL.exec(text);
  return m ? `U+${(m[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')} at ${m.index}` : undefined;
}

/** A lease with the hostile holder, expired 3 days ago, its holder Pod gone: an AbandonedLease. */
function seedHostileLease(sim: SimCluster): void {
  const now = Date.now();
  if (!sim.store.get(namespaces, undefined, 'payments'))
    sim.store.create(namespaces, namespaceObject('payments', now - 30 * DAY));
  sim.store.create(
    leases,
    leaderLease({
      namespace: 'payments',
      name: 'hostile-controller',
      holder: HOSTILE_HOLDER,
      renewMs: now - 3 * DAY,
      acquireMs: now - 4 * DAY,
      createdMs: now - 30 * DAY,
    }),
  );
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An HTTPS server (its own CA) answering every request with a 400 Status carrying HOSTILE_STATUS. */
async function hostileStatusServer(): Promise<{ server: string; caData: string }> {
  const tls = await generateSimTls();
  const server = createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (_req, res) => {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: HOSTILE_STATUS,
        reason: 'BadRequest',
        code: 400,
      }),
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caData: Buffer.from(tls.caCertPem).toString('base64'),
  };
}

/** A kubeconfig with the seeded sim (current context) and the hostile Status server as context `hostile`. */
async function fleetKubeconfig(sim: SimCluster): Promise<string> {
  const simDoc = JSON.parse(sim.kubeconfig()) as {
    clusters: unknown[];
    users: unknown[];
    contexts: unknown[];
  };
  const hostile = await hostileStatusServer();
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      ...simDoc.clusters,
      {
        name: 'hostile',
        cluster: { server: hostile.server, 'certificate-authority-data': hostile.caData },
      },
    ],
    users: [...simDoc.users, { name: 'hostile-user', user: { token: 'hostile-token' } }],
    contexts: [
      ...simDoc.contexts,
      { name: 'hostile', context: { cluster: 'hostile', user: 'hostile-user' } },
    ],
    'current-context': sim.name,
  };
  const path = join(await mkdtemp(join(tmpdir(), 'lease-reaper-hostile-')), 'kubeconfig');
  await writeFile(path, JSON.stringify(doc), { mode: 0o600 });
  return path;
}

async function tempPolicy(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'lease-reaper-hostile-')), 'policy.yaml');
  await writeFile(path, 'namespaces:\n  include: [payments]\n', { mode: 0o600 });
  return path;
}

/**
 * Runs the CLI under a pseudo-terminal with util-linux `script` (on every Linux machine and CI image this
 * project runs on), stdout and stderr both on the terminal.
 */
function runCliOnTty(args: readonly string[]): Promise<CliResult> {
  const repo = join(import.meta.dirname, '..', '..');
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, CLI_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { cwd: repo, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TERM: 'xterm-256color' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** The severity colours lease-reaper writes to a terminal (red, yellow, cyan). */
const OWN_COLOURS = ['\x1b[31m', '\x1b[33m', '\x1b[36m'];
/** The live progress's own codes (cli/live-progress.ts): green ✓, dim text, and its erase (up N lines, clear). */
const PROGRESS_COLOURS = ['\x1b[32m', '\x1b[2m'];
// biome-ignore lint/suspicious/noControlCharactersInRegex: the progress display's own erase sequence.
const PROGRESS_ERASE = /\x1b\[\d+A\r\x1b\[J/g;

/**
 * Terminal output with what lease-reaper itself writes on a terminal taken out — the pty's CRLF line ends,
 * the severity colours, and the live progress's erase and colours — so whatever control is left came from
 * a cluster.
 */
function withoutOwnTerminalCodes(text: string): string {
  let out = text.replaceAll('\r\n', '\n').replace(PROGRESS_ERASE, '');
  for (const code of [...OWN_COLOURS, ...PROGRESS_COLOURS, '\x1b[0m']) out = out.replaceAll(code, '');
  return out;
}

/** Neither forged line may start a row: the LF inside the holder or Status is written as `\n`. */
function expectNoForgedRow(text: string): void {
  for (const line of text.split('\n')) {
    expect(line.startsWith('FAKE-ROW')).toBe(false);
    expect(line.startsWith('FAKE-STATUS-ROW')).toBe(false);
  }
}

describe('cluster text in the CLI output', () => {
  it('reaches tables and error rows in a pipe only escaped, as kubectl escapes it', async () => {
    // Prepare
    const sim = await clusters.start({}, { name: 'seeded' });
    seedHostileLease(sim);
    const kubeconfig = await fleetKubeconfig(sim);
    const policy = await tempPolicy();

    // Act
    const [audit, reap] = await Promise.all([
      // -o wide: the narrow default leaves REASON (where the holder's text is) out of a pipe.
      runCli(['audit', '--kubeconfig', kubeconfig, '--all-contexts', '-o', 'wide']),
      runCli(['reap', '--kubeconfig', kubeconfig, '--all-contexts', '--policy', policy, '--verbose']),
    ]);

    // Assess: the finding and the plan are there, with the holder's text made visible, not obeyed.
    for (const result of [audit, reap]) {
      expect(result.code).toBe(2); // the hostile Status server is an error row
      expect(rawControl(result.stdout)).toBeUndefined();
      expectNoForgedRow(result.stdout);
      expect(result.stdout).toContain('^[]0;pwned-title^G^[[2J^[[1;1H\\rFORGED-CELL\\nFAKE-ROW');
      expect(result.stdout).toContain('\\u202eevil\\u2066iso\\u2069\\u009b31m^?^@end');
      expect(result.stdout).toContain(
        '^[]0;status-title^G^[[2Jserver says\\r\\nFAKE-STATUS-ROW\\u202eoverride',
      );
    }
    expect(audit.stdout).toMatch(/seeded\s+warning|seeded\s+critical|seeded\s+info/);
    expect(reap.stdout).toMatch(
      /seeded\s+payments\s+hostile-controller\s+AbandonedLease\s+\S+\s+would delete/,
    );
    // The action log on stderr: JSON lines, C1 and bidi controls as \u escapes, the same text parsed back.
    expect(rawControl(reap.stderr)).toBeUndefined();
    const actions = reap.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { name: string; reason: string });
    expect(actions.map((a) => a.name)).toEqual(['hostile-controller']);
    expect(actions[0]?.reason).toContain(HOSTILE_POD);
    expect(reap.stderr).toContain('\\u202e');
    expect(reap.stderr).toContain('\\u009b');
  });

  it('reaches the JSON audit and reap reports only as \\u escapes, and parses back to the exact text', async () => {
    // Prepare
    const sim = await clusters.start({}, { name: 'seeded' });
    seedHostileLease(sim);
    const kubeconfig = await fleetKubeconfig(sim);
    const policy = await tempPolicy();

    // Act
    const [audit, reap] = await Promise.all([
      runCli(['audit', '--kubeconfig', kubeconfig, '--all-contexts', '--output', 'json']),
      runCli(['reap', '--kubeconfig', kubeconfig, '--all-contexts', '--policy', policy, '--output', 'json']),
    ]);

    // Assess
    for (const result of [audit, reap]) {
      expect(rawControl(result.stdout.replaceAll('\n', ' '))).toBeUndefined();
      expect(result.stdout).toContain('\\u202e');
      expect(result.stdout).toContain('\\u009b');
      expect(result.stdout).toContain('\\u001b]0;pwned-title\\u0007');
    }
    const auditReport = JSON.parse(audit.stdout) as {
      clusters: ({ cluster: string; findings?: { facts: { holderIdentity?: string } }[] } & {
        error?: { message: string };
      })[];
    };
    const seeded = auditReport.clusters.find((c) => c.cluster === 'seeded');
    expect(seeded?.findings?.map((f) => f.facts.holderIdentity)).toContain(HOSTILE_HOLDER);
    const hostile = auditReport.clusters.find((c) => c.cluster === 'hostile');
    expect(hostile?.error?.message).toContain(HOSTILE_STATUS);
    const reapReport = JSON.parse(reap.stdout) as {
      clusters: { cluster: string; plan?: { deletions: { reason: string }[] } }[];
    };
    expect(reapReport.clusters.find((c) => c.cluster === 'seeded')?.plan?.deletions[0]?.reason).toContain(
      HOSTILE_POD,
    );
  });

  it('reaches a terminal (a pseudo-terminal) only escaped: no title, no clearing, no cursor moves, no forged rows', async () => {
    // Prepare
    const sim = await clusters.start({}, { name: 'seeded' });
    seedHostileLease(sim);
    const kubeconfig = await fleetKubeconfig(sim);
    const policy = await tempPolicy();

    // Act
    const [audit, reap] = await Promise.all([
      runCliOnTty(['audit', '--kubeconfig', kubeconfig, '--all-contexts', '-o', 'wide']),
      runCliOnTty(['reap', '--kubeconfig', kubeconfig, '--all-contexts', '--policy', policy]),
    ]);

    // Assess: it really ran on a terminal (colours are only written to one), and nothing raw got through.
    expect(OWN_COLOURS.some((c) => audit.stdout.includes(c))).toBe(true);
    for (const result of [audit, reap]) {
      expect(result.code).toBe(2);
      const text = withoutOwnTerminalCodes(result.stdout);
      expect(rawControl(text)).toBeUndefined();
      expectNoForgedRow(text);
      expect(text).toContain('^[]0;pwned-title^G^[[2J^[[1;1H\\rFORGED-CELL\\nFAKE-ROW');
      expect(text).toContain('^[]0;status-title^G^[[2Jserver says\\r\\nFAKE-STATUS-ROW\\u202eoverride');
    }
  }, 60_000);
});

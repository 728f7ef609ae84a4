import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { kubeConfigFromSecret } from '../../shared/fleet/kubeconfig-secret.ts';
import { forgetSecrets, REDACTED, redactSecrets } from '../../shared/redaction.ts';

const token = 'eyJhbGciOiJSUzI1NiJ9.secret-service-account-token';
/** A value no error message may echo. */
const MARKER = '/etc/never-echo-this-value';

const kubeconfig = (
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'c',
        cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E=', ...cluster },
      },
    ],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
    ...top,
  });

function refusal(text: string, options: Parameters<typeof kubeConfigFromSecret>[1] = { cluster: 'onprem' }) {
  try {
    kubeConfigFromSecret(text, options);
  } catch (e) {
    return e as Error;
  }
  throw new Error('the kubeconfig was accepted');
}

afterEach(() => {
  vi.restoreAllMocks();
  forgetSecrets();
});

describe('kubeConfigFromSecret', () => {
  it('accepts a ServiceAccount-token kubeconfig and selects its context', () => {
    const kc = kubeConfigFromSecret(kubeconfig({ token }), { cluster: 'onprem' });
    expect(kc.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    expect(kc.getCurrentCluster()?.caData).toBe('Q0E=');
    expect(kc.getCurrentCluster()?.skipTLSVerify).toBe(false);
    expect(kc.getCurrentUser()?.token).toBe(token);
  });

  it('accepts a client certificate, tls-server-name, a namespace and preferences', () => {
    const text = JSON.stringify({
      ...JSON.parse(kubeconfig({ 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZS0VZS0VZ' })),
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ops' } }],
      preferences: {},
    });
    const withName = text.replace('"server"', '"tls-server-name":"api.internal","server"');
    const kc = kubeConfigFromSecret(withName, { cluster: 'onprem' });
    expect(kc.getCurrentUser()).toMatchObject({ certData: 'Q0VSVA==', keyData: 'S0VZS0VZS0VZ' });
    expect(kc.getCurrentCluster()?.tlsServerName).toBe('api.internal');
    expect(kc.getContextObject('ctx')?.namespace).toBe('ops');
  });

  it.each([
    {
      what: 'token-file',
      user: { 'token-file': MARKER },
      field: 'users.0.user: "token-file"',
      why: /local file/,
    },
    {
      what: 'token-file: /dev/zero',
      user: { 'token-file': '/dev/zero' },
      field: 'users.0.user: "token-file"',
      why: /local file/,
    },
    { what: 'tokenFile', user: { tokenFile: MARKER }, field: 'users.0.user: "tokenFile"', why: /local file/ },
    {
      what: 'client-certificate',
      user: { token, 'client-certificate': MARKER },
      field: 'users.0.user: "client-certificate"',
      why: /local file/,
    },
    {
      what: 'client-key',
      user: { token, 'client-key': MARKER },
      field: 'users.0.user: "client-key"',
      why: /local file/,
    },
    {
      what: 'certificate-authority',
      user: { token },
      cluster: { 'certificate-authority': MARKER },
      field: 'clusters.0.cluster: "certificate-authority"',
      why: /local file/,
    },
    {
      what: 'exec',
      user: { exec: { command: MARKER, args: ['evil'] } },
      field: 'users.0.user: "exec"',
      why: /runs a command/,
    },
    {
      what: 'auth-provider',
      user: { 'auth-provider': { name: 'oidc', config: { 'id-token': MARKER } } },
      field: 'users.0.user: "auth-provider"',
      why: /plugin/,
    },
    {
      what: 'proxy-url',
      user: { token },
      cluster: { 'proxy-url': `http://${MARKER}` },
      field: 'clusters.0.cluster: "proxy-url"',
      why: /proxy/,
    },
    {
      what: 'username and password',
      user: { username: 'admin', password: MARKER },
      field: 'users.0.user: "password"',
      why: /basic auth/,
    },
    { what: 'impersonation', user: { token, as: MARKER }, field: 'users.0.user: "as"', why: /not a field/ },
    {
      what: 'cluster extensions',
      user: { token },
      cluster: { extensions: [{ name: MARKER }] },
      field: 'clusters.0.cluster: "extensions"',
      why: /not a field/,
    },
    {
      what: 'an unknown top-level key',
      user: { token },
      top: { 'exotic-key': MARKER },
      field: '(top level): "exotic-key"',
      why: /not a field/,
    },
  ])('refuses $what, naming the field and never its value', ({ user, cluster, top, field, why }) => {
    const error = refusal(kubeconfig(user, cluster, top));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^cluster "onprem": the kubeconfig secret is refused: /);
    expect(error.message).toContain(`${field} is not allowed`);
    expect(error.message).toMatch(why);
    expect(error.message).not.toContain(MARKER);
    expect(error.message).not.toContain('evil');
    expect(error.message).not.toContain(token);
  });

  it.each([
    { what: 'a server URL with a password', server: 'https://admin:never-echo-this@10.0.0.1' },
    { what: 'a plain-HTTP server', server: `http://10.0.0.1/${MARKER}` },
  ])('refuses $what without echoing it', ({ server }) => {
    const error = refusal(kubeconfig({ token }, { server }));
    expect(error.message).toContain('clusters.0.cluster.server: expected an https:// URL without user name');
    expect(error.message).not.toContain('never-echo-this');
  });

  it('refuses a user without credentials, and a certificate without its key', () => {
    expect(refusal(kubeconfig({})).message).toMatch(/has no token nor client-certificate-data/);
    expect(refusal(kubeconfig({ 'client-certificate-data': 'Q0VSVA==' })).message).toMatch(/go together/);
  });

  it('refuses a secret over 1 MiB before parsing it', () => {
    const huge = kubeconfig({ token: 'x'.repeat(1024 * 1024) });
    expect(refusal(huge).message).toMatch(
      /^cluster "onprem": the kubeconfig secret is \d+ bytes, over the 1 MiB/,
    );
  });

  it('refuses insecure-skip-tls-verify unless the registry entry allows it, and then warns', () => {
    const insecure = kubeconfig({ token }, { 'insecure-skip-tls-verify': true });
    expect(refusal(insecure).message).toMatch(/insecure-skip-tls-verify is set; set allowInsecureTLS: true/);

    const warnings: string[] = [];
    const kc = kubeConfigFromSecret(insecure, {
      cluster: 'lab',
      allowInsecureTLS: true,
      warn: (m) => warnings.push(m),
    });
    expect(kc.getCurrentCluster()?.skipTLSVerify).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/^cluster "lab": TLS verification is OFF/)]);
  });

  it('registers the secret’s token and client key for redaction', () => {
    const key = Buffer.from('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAbc\n-----END EC PRIVATE KEY-----\n');
    kubeConfigFromSecret(
      kubeconfig({
        token: 'plain-static-token',
        'client-certificate-data': 'Q0VSVA==',
        'client-key-data': key.toString('base64'),
      }),
      { cluster: 'onprem' },
    );
    expect(redactSecrets('server said: plain-static-token')).toBe(`server said: ${REDACTED}`);
    expect(redactSecrets(`key ${key.toString('base64')}`)).toBe(`key ${REDACTED}`);
  });

  it('names a missing context and unreadable text without echoing the secret', () => {
    expect(refusal(kubeconfig({ token }), { cluster: 'x', context: 'other' }).message).toMatch(
      /has no context "other"/,
    );
    expect(refusal(`users: [{ token: ${token}`, { cluster: 'x' }).message).toBe(
      'cluster "x": the kubeconfig secret is not valid YAML or JSON (line 2)',
    );
  });
});

describe('a kubeconfig secret never makes the function open a file', () => {
  /** Every way client-node (or anything else) could read a file, answering "stolen" instead. */
  function spyOnFileReads() {
    return [
      vi.spyOn(fs, 'readFileSync').mockImplementation(() => Buffer.from('stolen')),
      vi.spyOn(fs, 'openSync').mockImplementation(() => {
        throw new Error('openSync called');
      }),
      vi.spyOn(fs, 'readFile').mockImplementation(() => {
        throw new Error('readFile called');
      }),
      vi.spyOn(fs, 'open').mockImplementation(() => {
        throw new Error('open called');
      }),
      vi.spyOn(fs, 'createReadStream').mockImplementation(() => {
        throw new Error('createReadStream called');
      }),
      vi.spyOn(fs.promises, 'readFile').mockRejectedValue(new Error('promises.readFile called')),
      vi.spyOn(fs.promises, 'open').mockRejectedValue(new Error('promises.open called')),
    ];
  }

  it('the spies see client-node read a token-file (the attack this guards against)', () => {
    const spies = spyOnFileReads();
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig({ 'token-file': '/var/run/secrets/token' }));
    expect(spies[0]).toHaveBeenCalledWith('/var/run/secrets/token');
    expect(kc.getCurrentUser()?.token).toBe('stolen');
  });

  it.each([
    { user: { 'token-file': '/var/run/secrets/token' } },
    { user: { tokenFile: '/var/run/secrets/token' } },
    { user: { 'client-certificate': '/etc/cert.pem', 'client-key': '/etc/key.pem' } },
    { user: { token }, cluster: { 'certificate-authority': '/etc/ca.pem' } },
  ])('refuses $user $cluster and reads nothing', ({ user, cluster }) => {
    const spies = spyOnFileReads();
    expect(() => kubeConfigFromSecret(kubeconfig(user, cluster), { cluster: 'onprem' })).toThrow(
      /local file/,
    );
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  /**
   * The same, observed from outside: `token-file` names a FIFO. Opening a FIFO to read blocks until a
   * writer opens it, so a process that opens it prints nothing until the test writes to it; one that never
   * opens it finishes on its own. Bounded by the child's timeout.
   */
  async function loadInChild(mode: 'product' | 'client-node', fifo: string, feed: boolean) {
    const child = new Promise<{ stdout: string; killed: boolean }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'test/support/load-kubeconfig-secret.ts', mode],
        {
          cwd: join(import.meta.dirname, '..', '..'),
          env: { ...process.env, KUBECONFIG_TEXT: kubeconfig({ 'token-file': fifo }) },
          timeout: 60_000,
        },
        (error, stdout) => resolve({ stdout, killed: error?.killed === true }),
      );
    });
    let fed = false;
    if (feed) {
      // Poll without blocking: a non-blocking open for writing fails with ENXIO until a reader has it open.
      for (let i = 0; i < 1200 && !fed; i++) {
        try {
          const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
          fs.writeSync(fd, 'stolen-from-fifo');
          fs.closeSync(fd);
          fed = true;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    return { ...(await child), fed };
  }

  async function makeFifo(): Promise<string> {
    const fifo = join(await mkdtemp(join(tmpdir(), 'lease-reaper-fifo-')), 'token');
    await new Promise<void>((resolve, reject) =>
      execFile('mkfifo', [fifo], (error) => (error ? reject(error) : resolve())),
    );
    return fifo;
  }

  it('client-node opens a token-file FIFO and sends what it reads as the token', async () => {
    const result = await loadInChild('client-node', await makeFifo(), true);
    expect(result.fed).toBe(true);
    expect(result.stdout).toBe('token: stolen-from-fifo\n');
  }, 90_000);

  it('kubeConfigFromSecret refuses a token-file FIFO without opening it', async () => {
    const result = await loadInChild('product', await makeFifo(), false);
    expect(result.killed).toBe(false);
    expect(result.stdout).toMatch(
      /^refused: .*users\.0\.user: "token-file" is not allowed \(reads a local file/,
    );
  }, 90_000);
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeconfigPaths, loadKubeconfig } from '../../../cli/kubeconfig-files.ts';
import { ConfigError } from '../../../shared/errors.ts';

async function dir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lease-reaper-kubeconfig-'));
}

const file = (
  name: string,
  server: string,
  extra: { current?: string; user?: Record<string, unknown>; ca?: string } = {},
) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, ...(extra.ca ? { 'certificate-authority': extra.ca } : {}) } }],
    users: [{ name: `${name}-admin`, user: extra.user ?? { token: `${server}-token` } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    ...(extra.current !== undefined ? { 'current-context': extra.current } : {}),
  });

describe('kubeconfig loading as clientcmd does it', () => {
  it('lists $KUBECONFIG without empty or repeated entries, ~/.kube/config without it', () => {
    expect(kubeconfigPaths({ env: '/a::/b:/a' })).toEqual({ paths: ['/a', '/b'], explicit: false });
    expect(kubeconfigPaths({ env: '/a', explicit: '/x' })).toEqual({ paths: ['/x'], explicit: true });
    expect(kubeconfigPaths({ home: '/home/u' })).toEqual({
      paths: ['/home/u/.kube/config'],
      explicit: false,
    });
  });

  it('takes a shared name whole from the first file, and current-context from the first that sets it', async () => {
    const d = await dir();
    const a = join(d, 'a');
    const b = join(d, 'b');
    await writeFile(a, file('sim', 'https://first:1'));
    await writeFile(b, file('sim', 'https://second:2', { current: 'sim' }));
    await writeFile(join(d, 'c'), file('other', 'https://third:3', { current: 'other' }));

    const kc = loadKubeconfig({ env: `${a}:${join(d, 'missing')}:${b}:${join(d, 'c')}` });

    expect(kc.getCluster('sim')?.server).toBe('https://first:1');
    expect(kc.getUser('sim-admin')?.token).toBe('https://first:1-token');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['sim', 'other']);
    expect(kc.getCurrentContext()).toBe('sim');
  });

  it('resolves relative file paths against the folder of the file that holds them', async () => {
    const d = await dir();
    await writeFile(join(d, 'token'), 'from-file');
    const path = join(d, 'config');
    await writeFile(
      path,
      file('rel', 'https://r:1', {
        ca: 'ca.pem',
        user: { 'token-file': 'token', exec: { command: './bin/auth', apiVersion: 'v1' } },
      }),
    );

    const kc = loadKubeconfig({ explicit: path });

    expect(kc.getCluster('rel')?.caFile).toBe(join(d, 'ca.pem'));
    expect(kc.getUser('rel-admin')?.token).toBe('from-file');
    expect(kc.getUser('rel-admin')?.exec?.command).toBe(join(d, 'bin/auth'));
  });

  it('keeps an exec command without a path for PATH lookup', async () => {
    const d = await dir();
    const path = join(d, 'config');
    await writeFile(
      path,
      file('eks', 'https://e:1', { user: { exec: { command: 'aws', apiVersion: 'v1' } } }),
    );
    expect(loadKubeconfig({ explicit: path }).getUser('eks-admin')?.exec?.command).toBe('aws');
  });

  it.each([
    [{ explicit: '/nonexistent/kubeconfig' }, '--kubeconfig /nonexistent/kubeconfig: no such file'],
    [{ env: '/nonexistent/a:/nonexistent/b' }, 'no kubeconfig: none of the files in KUBECONFIG exists'],
    [{ home: '/nonexistent-home' }, 'no kubeconfig: /nonexistent-home/.kube/config does not exist'],
  ])('refuses %o with a configuration error', (sources, message) => {
    expect(() => loadKubeconfig(sources)).toThrow(ConfigError);
    expect(() => loadKubeconfig(sources)).toThrow(message);
  });

  it('refuses a name repeated within one file, as clientcmd does', async () => {
    const d = await dir();
    const path = join(d, 'config');
    await writeFile(
      path,
      JSON.stringify({
        clusters: [
          { name: 'x', cluster: { server: 'https://a' } },
          { name: 'x', cluster: { server: 'https://b' } },
        ],
      }),
    );
    expect(() => loadKubeconfig({ explicit: path })).toThrow('duplicate name "x" in clusters');
  });

  it('reads an empty file as an empty kubeconfig', async () => {
    const d = await dir();
    const empty = join(d, 'empty');
    await writeFile(empty, '');
    await writeFile(join(d, 'b'), file('b', 'https://b:1', { current: 'b' }));
    expect(loadKubeconfig({ env: `${empty}:${join(d, 'b')}` }).getCurrentContext()).toBe('b');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { kubeConfigFromSecret } from '../../shared/fleet/kubeconfig-secret.ts';

const token = 'eyJhbGciOiJSUzI1NiJ9.secret-service-account-token';
const kubeconfig = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}) =>
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
  });

describe('kubeConfigFromSecret', () => {
  it('accepts a ServiceAccount-token kubeconfig and selects its context', () => {
    const kc = kubeConfigFromSecret(kubeconfig({ token }), { cluster: 'onprem' });
    expect(kc.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    expect(kc.getCurrentUser()?.token).toBe(token);
  });

  it.each([
    {
      what: 'an exec user',
      user: { exec: { command: 'curl', args: ['evil'] } },
      cluster: {},
      message: /uses exec/,
    },
    {
      what: 'an auth-provider user',
      user: { 'auth-provider': { name: 'oidc' } },
      cluster: {},
      message: /auth-provider/,
    },
    {
      what: 'insecure-skip-tls-verify',
      user: { token },
      cluster: { 'insecure-skip-tls-verify': true },
      message: /allowInsecureTLS/,
    },
    { what: 'a token file', user: { tokenFile: '/var/run/token' }, cluster: {}, message: /embed the data/ },
  ])('refuses $what with an error naming the cluster and not the secret', ({ user, cluster, message }) => {
    const error = (() => {
      try {
        kubeConfigFromSecret(kubeconfig(user, cluster), { cluster: 'onprem' });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain('cluster "onprem"');
    expect(error?.message).not.toContain(token);
    expect(error?.message).not.toContain('evil');
  });

  it('accepts insecure-skip-tls-verify only when the registry entry allows it', () => {
    const kc = kubeConfigFromSecret(kubeconfig({ token }, { 'insecure-skip-tls-verify': true }), {
      cluster: 'lab',
      allowInsecureTLS: true,
    });
    expect(kc.getCurrentCluster()?.skipTLSVerify).toBe(true);
  });

  it('names a missing context and unreadable text without echoing the secret', () => {
    expect(() => kubeConfigFromSecret(kubeconfig({ token }), { cluster: 'x', context: 'other' })).toThrow(
      /has no context "other"/,
    );
    expect(() => kubeConfigFromSecret(`users: [{ token: ${token}`, { cluster: 'x' })).toThrow(
      /^cluster "x": the kubeconfig secret is not valid YAML or JSON$/,
    );
  });
});

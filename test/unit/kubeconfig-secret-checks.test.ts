import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { kubeConfigFromSecret } from '../../shared/fleet/kubeconfig-secret.ts';
import { forgetSecrets } from '../../shared/redaction.ts';

/**
 * The checks kubeConfigFromSecret makes on a kubeconfig kept in Secrets Manager, each with the exact
 * message it gives. Every message starts with `cluster "<registry name>": the kubeconfig secret`, then
 * either ` is refused: <path>: <problem>` (the allowlist) or a sentence naming the context at fault.
 */

const WHERE = 'cluster "onprem": the kubeconfig secret';

type Doc = Record<string, unknown>;

/** A valid token kubeconfig (cluster `c`, user `u`, context `ctx`), with parts replaced. */
function kubeconfig(
  parts: { user?: Doc; cluster?: Doc; top?: Doc } = {},
): Doc & { clusters: Doc[]; users: Doc[]; contexts: Doc[] } {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...parts.cluster } }],
    users: [{ name: 'u', user: parts.user ?? { token: 'static-token' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
    ...parts.top,
  };
}

function load(doc: Doc | string, options: Partial<Parameters<typeof kubeConfigFromSecret>[1]> = {}) {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  return kubeConfigFromSecret(text, { cluster: 'onprem', ...options });
}

function refusal(doc: Doc | string, options: Partial<Parameters<typeof kubeConfigFromSecret>[1]> = {}) {
  try {
    load(doc, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('the kubeconfig was accepted');
}

afterEach(() => {
  forgetSecrets();
});

describe('the cluster server must be an https:// URL', () => {
  it.each([
    { what: 'host:port without a scheme', server: '10.0.0.1:6443' },
    { what: 'a scheme without a host', server: 'https://' },
  ])('refuses $what, which is not a URL at all', ({ server }) => {
    // Prepare
    const doc = kubeconfig({ cluster: { server } });

    // Act
    const message = refusal(doc);

    // Assess
    expect(message).toBe(
      `${WHERE} is refused: clusters.0.cluster.server: expected an https:// URL without user name or password`,
    );
  });
});

describe('*-data fields hold base64 text, nothing else', () => {
  it('accepts base64 wrapped over several lines, as `base64` prints it, in a YAML secret', () => {
    // Prepare: `base64` wraps its output; a YAML block scalar keeps the line breaks in the value.
    const yaml = [
      'apiVersion: v1',
      'clusters:',
      '- name: c',
      '  cluster:',
      '    server: https://10.0.0.1:6443',
      '    certificate-authority-data: |',
      '      Q0VS',
      '      VA==',
      'users:',
      '- name: u',
      '  user:',
      '    client-certificate-data: "Q0VS\\nVA=="',
      '    client-key-data: "S0VZ S0VZ\\tS0VZ"',
      'contexts:',
      '- name: ctx',
      '  context: {cluster: c, user: u}',
      'current-context: ctx',
    ].join('\n');

    // Act
    const kc = load(yaml);

    // Assess: the block scalar keeps its final line break.
    expect(kc.getCurrentCluster()?.caData).toBe('Q0VS\nVA==\n');
    expect(kc.getCurrentUser()).toMatchObject({ certData: 'Q0VS\nVA==', keyData: 'S0VZ S0VZ\tS0VZ' });
  });

  it.each([
    { what: 'ends with', data: 'Q0E=%' },
    { what: 'starts with', data: '%Q0E=' },
    { what: 'holds in the middle', data: 'Q0*E=' },
  ])('refuses data that $what a character outside the base64 alphabet', ({ data }) => {
    // Prepare
    const doc = kubeconfig({
      cluster: { 'certificate-authority-data': data },
      user: { 'client-certificate-data': data, 'client-key-data': 'S0VZ' },
    });

    // Act
    const message = refusal(doc);

    // Assess: both fields are named, clusters before users (the schema's order), joined by "; ".
    expect(message).toBe(
      `${WHERE} is refused: clusters.0.cluster.certificate-authority-data: expected base64 data; ` +
        'users.0.user.client-certificate-data: expected base64 data',
    );
  });
});

describe('a refused key is named with the reason it is refused', () => {
  const basicAuth = 'basic auth, which Kubernetes no longer accepts; use a token or client certificate';

  it('refuses username and password as basic auth, one problem per key, joined by "; "', () => {
    // Prepare
    const doc = kubeconfig({ user: { username: 'admin', password: 'hunter2' } });

    // Act
    const message = refusal(doc);

    // Assess
    expect(message).toBe(
      `${WHERE} is refused: users.0.user: "username" is not allowed (${basicAuth}); ` +
        `users.0.user: "password" is not allowed (${basicAuth})`,
    );
  });

  it('refuses proxy-url because the traffic would go through the proxy', () => {
    // Prepare
    const doc = kubeconfig({ cluster: { 'proxy-url': 'http://proxy.internal:3128' } });

    // Act
    const message = refusal(doc);

    // Assess
    expect(message).toBe(
      `${WHERE} is refused: clusters.0.cluster: "proxy-url" is not allowed (sends the traffic through a proxy)`,
    );
  });
});

describe('the context is the registry’s, else the secret’s current-context, and must exist', () => {
  it.each([
    { what: 'no current-context', top: { 'current-context': undefined } },
    { what: 'an empty current-context', top: { 'current-context': '' } },
  ])('refuses a secret with $what when the registry names no context', ({ top }) => {
    // Prepare
    const doc = kubeconfig({ top });

    // Act
    const message = refusal(doc);

    // Assess
    expect(message).toBe(`${WHERE} has no current-context and the registry names none`);
  });

  it('uses the context the registry names when the secret has no current-context', () => {
    // Prepare
    const doc = kubeconfig({ top: { 'current-context': undefined } });

    // Act
    const kc = load(doc, { context: 'ctx' });

    // Assess
    expect(kc.getCurrentContext()).toBe('ctx');
  });
});

describe('the context’s cluster and user are looked up by name', () => {
  it('selects the cluster the context names, not the first one', () => {
    // Prepare: two clusters; the context names the second.
    const doc = kubeconfig();
    doc.clusters = [
      { name: 'a', cluster: { server: 'https://10.0.0.1:6443' } },
      { name: 'b', cluster: { server: 'https://10.0.0.2:6443' } },
    ];
    doc.contexts = [{ name: 'ctx', context: { cluster: 'b', user: 'u' } }];

    // Act
    const kc = load(doc);

    // Assess
    expect(kc.getCurrentCluster()).toMatchObject({ name: 'b', server: 'https://10.0.0.2:6443' });
  });

  it('selects the user the context names, not the first one', () => {
    // Prepare: two users; the context names the second.
    const doc = kubeconfig();
    doc.users = [
      { name: 'first', user: { token: 'first-token' } },
      { name: 'second', user: { token: 'second-token' } },
    ];
    doc.contexts = [{ name: 'ctx', context: { cluster: 'c', user: 'second' } }];

    // Act
    const kc = load(doc);

    // Assess
    expect(kc.getCurrentUser()).toMatchObject({ name: 'second', token: 'second-token' });
  });

  it('refuses a context naming a cluster the secret does not hold, even when it holds another', () => {
    // Prepare
    const doc = kubeconfig();
    doc.contexts = [{ name: 'ctx', context: { cluster: 'elsewhere', user: 'u' } }];

    // Act
    const message = refusal(doc);

    // Assess
    expect(message).toBe(`${WHERE}: context "ctx" names no cluster in the secret`);
  });

  it('refuses a context naming a user the secret does not hold, even when it holds another', () => {
    // Prepare
    const doc = kubeconfig();
    doc.contexts = [{ name: 'ctx', context: { cluster: 'c', user: 'someone-else' } }];

    // Act
    const message = refusal(doc);

    // Assess
    expect(message).toBe(`${WHERE}: context "ctx" names no user in the secret`);
  });
});

describe('an allowed insecure-skip-tls-verify is reported as a process warning by default', () => {
  it('emits a LEASE_REAPER_INSECURE_TLS warning naming the registry cluster when no warn is given', async () => {
    // Prepare
    const warnings: (Error & { code?: string })[] = [];
    const listener = (w: Error & { code?: string }) => warnings.push(w);
    process.on('warning', listener);
    const doc = kubeconfig({ cluster: { 'insecure-skip-tls-verify': true } });

    try {
      // Act
      const kc = load(doc, { cluster: 'lab', allowInsecureTLS: true });
      // process.emitWarning emits on the next tick.
      await new Promise((resolve) => setImmediate(resolve));

      // Assess
      expect(kc.getCurrentCluster()?.skipTLSVerify).toBe(true);
      const mine = warnings.filter((w) => w.message.startsWith('cluster "lab"'));
      expect(mine.map((w) => ({ name: w.name, code: w.code, message: w.message }))).toEqual([
        {
          name: 'Warning',
          code: 'LEASE_REAPER_INSECURE_TLS',
          message:
            'cluster "lab": TLS verification is OFF (insecure-skip-tls-verify, allowed by allowInsecureTLS): ' +
            'anyone on the path can read its token and answer as the cluster',
        },
      ]);
    } finally {
      process.off('warning', listener);
    }
  });
});

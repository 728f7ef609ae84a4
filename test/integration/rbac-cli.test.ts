import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_GROUP, DEFAULT_REAP_GROUP, rbacRules } from '../../shared/kube/rbac-manifest.ts';
import { runCli } from '../support/cli.ts';

interface Doc {
  kind: string;
  type?: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  rules?: unknown[];
  roleRef?: { name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/** Runs `lease-reaper rbac …`, expects success and nothing on stderr, and parses the YAML stream. */
async function rbac(...args: string[]): Promise<Doc[]> {
  const result = await runCli(['rbac', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return loadAll(result.stdout) as Doc[];
}

const names = (docs: readonly Doc[]) => docs.map((d) => `${d.kind}/${d.metadata.name}`);
const find = (docs: readonly Doc[], kind: string, name: string) =>
  docs.find((d) => d.kind === kind && d.metadata.name === name);

describe('lease-reaper rbac', () => {
  it('prints the audit role, bound to the default audit group, and nothing that may delete', async () => {
    const docs = await rbac();

    expect(names(docs)).toEqual(['ClusterRole/lease-reaper-audit', 'ClusterRoleBinding/lease-reaper-audit']);
    expect(find(docs, 'ClusterRole', 'lease-reaper-audit')?.rules).toEqual(rbacRules(false));
    expect(find(docs, 'ClusterRoleBinding', 'lease-reaper-audit')?.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEFAULT_AUDIT_GROUP },
    ]);
  });

  it('with --reap, adds the reap role bound to the default reap group', async () => {
    const docs = await rbac('--reap');

    expect(names(docs)).toEqual([
      'ClusterRole/lease-reaper-audit',
      'ClusterRoleBinding/lease-reaper-audit',
      'ClusterRole/lease-reaper-reap',
      'ClusterRoleBinding/lease-reaper-reap',
    ]);
    expect(find(docs, 'ClusterRole', 'lease-reaper-audit')?.rules).toEqual(rbacRules(false));
    expect(find(docs, 'ClusterRole', 'lease-reaper-reap')?.rules).toEqual(rbacRules(true));
    expect(find(docs, 'ClusterRoleBinding', 'lease-reaper-reap')?.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEFAULT_REAP_GROUP },
    ]);
  });

  it('binds the groups named by --group and --reap-group', async () => {
    const docs = await rbac('--reap', '--group', 'fleet-readers', '--reap-group', 'fleet-reapers');

    expect(find(docs, 'ClusterRoleBinding', 'lease-reaper-audit')?.subjects?.[0]?.name).toBe('fleet-readers');
    expect(find(docs, 'ClusterRoleBinding', 'lease-reaper-reap')?.subjects?.[0]?.name).toBe('fleet-reapers');
  });

  it('with --service-account ns/name --reap, one ServiceAccount with a token, bound to both roles', async () => {
    const docs = await rbac('--service-account', 'lease-reaper/reaper', '--reap');

    expect(names(docs)).toEqual([
      'Namespace/lease-reaper',
      'ServiceAccount/reaper',
      'Secret/reaper-token',
      'ClusterRole/lease-reaper-audit',
      'ClusterRoleBinding/lease-reaper-audit',
      'ClusterRole/lease-reaper-reap',
      'ClusterRoleBinding/lease-reaper-reap',
    ]);
    expect(find(docs, 'ServiceAccount', 'reaper')?.metadata.namespace).toBe('lease-reaper');
    const secret = find(docs, 'Secret', 'reaper-token');
    expect(secret?.type).toBe('kubernetes.io/service-account-token');
    expect(secret?.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'reaper' });
    for (const binding of ['lease-reaper-audit', 'lease-reaper-reap'])
      expect(find(docs, 'ClusterRoleBinding', binding)?.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'reaper', namespace: 'lease-reaper' },
      ]);
  });

  it.each(['bad', 'Ops/reaper'])(
    'rejects --service-account %s with a usage error (exit 64) and prints no manifest',
    async (value) => {
      const result = await runCli(['rbac', '--service-account', value, '--reap']);

      expect(result.code).toBe(64);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`'${value}' is invalid`);
      expect(result.stderr).toContain('expected NAMESPACE/NAME');
    },
  );
});

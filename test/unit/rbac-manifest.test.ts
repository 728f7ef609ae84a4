import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AUDIT_GROUP,
  DEFAULT_REAP_GROUP,
  type RbacManifestOptions,
  rbacManifest,
  rbacRules,
} from '../../shared/kube/rbac-manifest.ts';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

interface Doc {
  apiVersion: string;
  kind: string;
  type?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  rules?: PolicyRule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: { apiGroup?: string; kind: string; name: string; namespace?: string }[];
}

function parse(options: RbacManifestOptions): Doc[] {
  const text = rbacManifest(options);
  // Every document of the stream starts with its own separator: `kubectl apply -f -` takes it as is.
  expect(text.startsWith('---\n')).toBe(true);
  return loadAll(text) as Doc[];
}

const ofKind = (docs: readonly Doc[], kind: string) => docs.filter((d) => d.kind === kind);

function only(docs: readonly Doc[], kind: string, name: string): Doc {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name === name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0] as Doc;
}

/** Every (apiGroup, resource, verb) a list of rules grants, as `group/resource/verb`. */
function grants(rules: readonly PolicyRule[]): string[] {
  return rules
    .flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}/${v}`))),
    )
    .sort();
}

const auditGroup = { kind: 'Group', name: DEFAULT_AUDIT_GROUP } as const;
const reapGroup = { kind: 'Group', name: DEFAULT_REAP_GROUP } as const;

describe('rbacRules', () => {
  it('grants the audit exactly leases, leasecandidates list and nodes, pods list', () => {
    expect(grants(rbacRules(false))).toEqual([
      '/nodes/list',
      '/pods/list',
      'coordination.k8s.io/leasecandidates/list',
      'coordination.k8s.io/leases/list',
    ]);
  });

  it('adds lease delete and Event create, and nothing else, for the reaper', () => {
    expect(grants(rbacRules(true))).toEqual([
      '/nodes/list',
      '/pods/list',
      'coordination.k8s.io/leases/delete',
      'coordination.k8s.io/leases/list',
      'events.k8s.io/events/create',
    ]);
  });

  it.each([false, true])(
    'never grants a wildcard, watch, secrets or any other resource (delete: %s)',
    (d) => {
      const rules = rbacRules(d);
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) {
        for (const list of [r.apiGroups, r.resources, r.verbs]) expect(list).not.toContain('*');
        expect(r.verbs).not.toContain('watch');
        expect(r.verbs).not.toContain('deletecollection');
        expect(r.resources).not.toContain('secrets');
        for (const res of r.resources)
          expect(['leases', 'leasecandidates', 'nodes', 'pods', 'events']).toContain(res);
        // leases and leasecandidates only in coordination.k8s.io; events only in events.k8s.io, and only
        // created; nodes and pods only in the core group
        for (const res of r.resources)
          expect(r.apiGroups).toEqual(
            res.startsWith('lease') ? ['coordination.k8s.io'] : res === 'events' ? ['events.k8s.io'] : [''],
          );
        if (r.resources.includes('events')) expect(r.verbs).toEqual(['create']);
      }
    },
  );
});

describe('rbacManifest', () => {
  it('exports the default groups the CDK stack maps the functions to', () => {
    expect(DEFAULT_AUDIT_GROUP).toBe('lease-reaper-audit');
    expect(DEFAULT_REAP_GROUP).toBe('lease-reaper-reap');
  });

  it('audit only: one ClusterRole and its binding to the Group, read-only', () => {
    const docs = parse({ audit: auditGroup });

    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ClusterRole/lease-reaper-audit',
      'ClusterRoleBinding/lease-reaper-audit',
    ]);
    const role = only(docs, 'ClusterRole', 'lease-reaper-audit');
    expect(role.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases', 'leasecandidates'], verbs: ['list'] },
      { apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['list'] },
    ]);
    expect(grants(role.rules ?? [])).not.toContain('coordination.k8s.io/leases/delete');

    const binding = only(docs, 'ClusterRoleBinding', 'lease-reaper-audit');
    expect(binding.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'lease-reaper-audit',
    });
    expect(binding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'lease-reaper-audit' },
    ]);
    expect(ofKind(docs, 'ServiceAccount')).toEqual([]);
    expect(ofKind(docs, 'Secret')).toEqual([]);
    expect(ofKind(docs, 'Namespace')).toEqual([]);
  });

  it('binds a custom group by its name', () => {
    const docs = parse({ audit: { kind: 'Group', name: 'platform-readers' } });
    expect(only(docs, 'ClusterRoleBinding', 'lease-reaper-audit').subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'platform-readers' },
    ]);
  });

  it('with reap: a second ClusterRole and binding, lease-reaper-reap, which may delete leases', () => {
    const docs = parse({ audit: auditGroup, reap: reapGroup });

    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ClusterRole/lease-reaper-audit',
      'ClusterRoleBinding/lease-reaper-audit',
      'ClusterRole/lease-reaper-reap',
      'ClusterRoleBinding/lease-reaper-reap',
    ]);
    const audit = only(docs, 'ClusterRole', 'lease-reaper-audit');
    expect(grants(audit.rules ?? [])).not.toContain('coordination.k8s.io/leases/delete');
    const reap = only(docs, 'ClusterRole', 'lease-reaper-reap');
    expect(reap.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'delete'] },
      { apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['list'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
    ]);
    const binding = only(docs, 'ClusterRoleBinding', 'lease-reaper-reap');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'lease-reaper-reap',
    });
    expect(binding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'lease-reaper-reap' },
    ]);
  });

  it('a ServiceAccount in its own namespace: Namespace, ServiceAccount, token Secret and binding', () => {
    const sa = { kind: 'ServiceAccount', namespace: 'lease-reaper', name: 'auditor' } as const;
    const docs = parse({ audit: sa });

    const ns = only(docs, 'Namespace', 'lease-reaper');
    expect(ns.apiVersion).toBe('v1');
    expect(ns.metadata.namespace).toBeUndefined();

    const account = only(docs, 'ServiceAccount', 'auditor');
    expect(account).toMatchObject({
      apiVersion: 'v1',
      metadata: { name: 'auditor', namespace: 'lease-reaper' },
    });

    const [secret, ...moreSecrets] = ofKind(docs, 'Secret');
    expect(moreSecrets).toEqual([]);
    expect(secret).toMatchObject({
      apiVersion: 'v1',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        namespace: 'lease-reaper',
        annotations: { 'kubernetes.io/service-account.name': 'auditor' },
      },
    });

    expect(only(docs, 'ClusterRoleBinding', 'lease-reaper-audit').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'auditor', namespace: 'lease-reaper' },
    ]);
    // The namespace and the account exist before anything refers to them (kubectl applies in order).
    const index = (kind: string) => docs.findIndex((d) => d.kind === kind);
    expect(index('Namespace')).toBeLessThan(index('ServiceAccount'));
    expect(index('ServiceAccount')).toBeLessThan(index('Secret'));
    expect(index('Secret')).toBeLessThan(index('ClusterRoleBinding'));
    for (const d of docs)
      expect(d.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'lease-reaper' });
  });

  it.each(['default', 'kube-system'])('does not create (or own) the %s namespace', (namespace) => {
    const docs = parse({ audit: { kind: 'ServiceAccount', namespace, name: 'lease-reaper' } });
    expect(ofKind(docs, 'Namespace')).toEqual([]);
    expect(only(docs, 'ServiceAccount', 'lease-reaper').metadata.namespace).toBe(namespace);
    expect(ofKind(docs, 'Secret')).toHaveLength(1);
    expect(only(docs, 'ClusterRoleBinding', 'lease-reaper-audit').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'lease-reaper', namespace },
    ]);
  });

  it('one ServiceAccount for both audit and reap appears once, bound to both roles', () => {
    const sa = { kind: 'ServiceAccount', namespace: 'ops', name: 'lease-reaper' } as const;
    const docs = parse({ audit: sa, reap: { ...sa } });

    expect(ofKind(docs, 'Namespace')).toHaveLength(1);
    expect(ofKind(docs, 'ServiceAccount')).toHaveLength(1);
    expect(ofKind(docs, 'Secret')).toHaveLength(1);
    expect(ofKind(docs, 'ClusterRole').map((d) => d.metadata.name)).toEqual([
      'lease-reaper-audit',
      'lease-reaper-reap',
    ]);
    for (const name of ['lease-reaper-audit', 'lease-reaper-reap'])
      expect(only(docs, 'ClusterRoleBinding', name).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'lease-reaper', namespace: 'ops' },
      ]);
  });

  it('two different ServiceAccounts each get their own account and token, in one namespace', () => {
    const docs = parse({
      audit: { kind: 'ServiceAccount', namespace: 'ops', name: 'auditor' },
      reap: { kind: 'ServiceAccount', namespace: 'ops', name: 'reaper' },
    });
    // The shared namespace is created once (`kubectl create -f` would refuse a duplicate).
    expect(ofKind(docs, 'Namespace').map((d) => d.metadata.name)).toEqual(['ops']);
    expect(ofKind(docs, 'ServiceAccount').map((d) => d.metadata.name)).toEqual(['auditor', 'reaper']);
    expect(
      ofKind(docs, 'Secret').map((d) => d.metadata.annotations?.['kubernetes.io/service-account.name']),
    ).toEqual(['auditor', 'reaper']);
    expect(only(docs, 'ClusterRoleBinding', 'lease-reaper-reap').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'reaper', namespace: 'ops' },
    ]);
  });

  it.each<[string, RbacManifestOptions]>([
    ['groups, audit only', { audit: auditGroup }],
    ['groups, with reap', { audit: auditGroup, reap: reapGroup }],
    [
      'a ServiceAccount, with reap',
      {
        audit: { kind: 'ServiceAccount', namespace: 'ops', name: 'lease-reaper' },
        reap: { kind: 'ServiceAccount', namespace: 'ops', name: 'lease-reaper' },
      },
    ],
  ])(
    'grants nothing beyond leases, leasecandidates, nodes, pods and events create, without wildcards or watch (%s)',
    (_, options) => {
      const docs = parse(options);
      const roles = ofKind(docs, 'ClusterRole');
      expect(roles.length).toBeGreaterThan(0);
      expect(ofKind(docs, 'Role')).toEqual([]);
      expect(ofKind(docs, 'RoleBinding')).toEqual([]);
      const granted = roles.flatMap((r) => grants(r.rules ?? []));
      for (const g of granted) {
        const [group, resource, verb] = g.split('/');
        expect(['coordination.k8s.io', '', 'events.k8s.io']).toContain(group);
        expect(['leases', 'leasecandidates', 'nodes', 'pods', 'events']).toContain(resource);
        expect(['list', 'delete', 'create']).toContain(verb);
        if (resource === 'leasecandidates') expect(verb).toBe('list');
        // create only on events (the reaper's Event per deletion), only in events.k8s.io, only when reaping
        if (verb === 'create') expect(`${group}/${resource}`).toBe('events.k8s.io/events');
        if (resource === 'events') expect(options.reap).toBeDefined();
        expect(g).not.toContain('*');
        expect(g).not.toContain('watch');
        expect(g).not.toContain('secrets');
      }
      // delete only on leases, and only in the reap role
      const deletes = roles.flatMap((r) =>
        grants(r.rules ?? [])
          .filter((g) => g.endsWith('/delete'))
          .map((g) => `${r.metadata.name}:${g}`),
      );
      expect(deletes).toEqual(options.reap ? ['lease-reaper-reap:coordination.k8s.io/leases/delete'] : []);
    },
  );
});

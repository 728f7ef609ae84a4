import { dump } from 'js-yaml';

/** The Kubernetes groups the CDK stack maps the functions' IAM roles to (EKS access entries or aws-auth). */
export const DEFAULT_AUDIT_GROUP = 'lease-reaper-audit';
export const DEFAULT_REAP_GROUP = 'lease-reaper-reap';

/**
 * Who is granted: an RBAC group (an EKS access entry's `kubernetesGroups`, or an aws-auth mapping), or a
 * ServiceAccount whose token goes into a kubeconfig in Secrets Manager (clusters outside EKS).
 */
export type RbacSubject =
  | { kind: 'Group'; name: string }
  | { kind: 'ServiceAccount'; namespace: string; name: string };

export interface RbacManifestOptions {
  /** Granted read access: what the audit needs. */
  audit: RbacSubject;
  /** Granted read and delete access, when reaping; omitted: nothing may delete. */
  reap?: RbacSubject;
}

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * Exactly what the functions call, and nothing more (test/integration/rbac.test.ts runs them under these
 * rules and removes each in turn): leases listed, Nodes and Pods listed (a lease's Node and its holder's
 * Pod), LeaseCandidates listed by the audit (where a cluster serves them; the reaper never reads them),
 * leases deleted only by the reaper, which also creates an Event (events.k8s.io) per deletion. No get — a delete's preconditions come from the list — no watch, no
 * secrets. Discovery (which LeaseCandidate version is served) is open to every authenticated caller
 * (the system:discovery ClusterRole).
 */
export function rbacRules(canDelete: boolean): PolicyRule[] {
  return [
    {
      apiGroups: ['coordination.k8s.io'],
      resources: canDelete ? ['leases'] : ['leases', 'leasecandidates'],
      verbs: canDelete ? ['list', 'delete'] : ['list'],
    },
    { apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['list'] },
    // The reaper's Event per deletion (shared/kube/lease-event.ts): create only, never read back.
    ...(canDelete ? [{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] }] : []),
  ];
}

const LABELS = { 'app.kubernetes.io/name': 'lease-reaper', 'app.kubernetes.io/managed-by': 'lease-reaper' };

/** ClusterRoles and ClusterRoleBindings (plus the ServiceAccounts and token Secrets named) as one YAML stream. */
export function rbacManifest(options: RbacManifestOptions): string {
  const docs: object[] = [];
  const grants: [RbacSubject, string, boolean][] = [[options.audit, 'lease-reaper-audit', false]];
  if (options.reap) grants.push([options.reap, 'lease-reaper-reap', true]);

  const accounts = new Map<string, Extract<RbacSubject, { kind: 'ServiceAccount' }>>();
  for (const [subject] of grants)
    if (subject.kind === 'ServiceAccount') accounts.set(`${subject.namespace}/${subject.name}`, subject);
  const namespaces = new Set([...accounts.values()].map((sa) => sa.namespace));
  for (const ns of namespaces)
    if (ns !== 'default' && ns !== 'kube-system')
      docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: LABELS } });
  for (const sa of accounts.values()) {
    docs.push(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: sa.name, namespace: sa.namespace, labels: LABELS },
      },
      {
        // A long-lived token for the kubeconfig in Secrets Manager; rotate by deleting this Secret.
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: {
          name: `${sa.name}-token`,
          namespace: sa.namespace,
          labels: LABELS,
          annotations: { 'kubernetes.io/service-account.name': sa.name },
        },
      },
    );
  }
  for (const [subject, name, canDelete] of grants) {
    docs.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name, labels: LABELS },
        rules: rbacRules(canDelete),
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name, labels: LABELS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [
          subject.kind === 'Group'
            ? { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: subject.name }
            : { kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace },
        ],
      },
    );
  }
  return docs.map((d) => `---\n${dump(d, { lineWidth: -1, noRefs: true })}`).join('');
}

import { Command, InvalidArgumentError } from 'commander';
import {
  DEFAULT_AUDIT_GROUP,
  DEFAULT_REAP_GROUP,
  type RbacSubject,
  rbacManifest,
} from '../shared/kube/rbac-manifest.ts';

interface RbacFlags {
  reap: boolean;
  group: string;
  reapGroup: string;
  serviceAccount?: { namespace: string; name: string };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function serviceAccount(value: string): { namespace: string; name: string } {
  const [namespace, name, ...rest] = value.split('/');
  if (!namespace || !name || rest.length > 0 || !DNS_LABEL.test(namespace) || !DNS_LABEL.test(name))
    throw new InvalidArgumentError('expected NAMESPACE/NAME, e.g. lease-reaper/lease-reaper');
  return { namespace, name };
}

/**
 * `lease-reaper rbac`: the ClusterRoles and bindings the functions need, to `kubectl apply -f -`. For EKS
 * the subjects are the groups the stack's access entries (or your aws-auth mapping) give the roles; for
 * other clusters, a ServiceAccount whose token you put in a kubeconfig in Secrets Manager.
 */
export function rbacCommand(): Command {
  return new Command('rbac')
    .description('print the RBAC manifest lease-reaper needs in a cluster (pipe to kubectl apply -f -)')
    .option(
      '--reap',
      'also grant lease deletion and an Event per deletion (only when the reaper is enabled)',
      false,
    )
    .option('--group <name>', 'Kubernetes group of the audit function (EKS)', DEFAULT_AUDIT_GROUP)
    .option('--reap-group <name>', 'Kubernetes group of the reap function (EKS)', DEFAULT_REAP_GROUP)
    .option(
      '--service-account <namespace/name>',
      'grant a ServiceAccount (with a token Secret) instead of groups: for clusters outside EKS',
      serviceAccount,
    )
    .addHelpText(
      'after',
      `
Examples:
  lease-reaper rbac | kubectl apply -f -                      # the audit role (list leases, nodes, pods)
  lease-reaper rbac --reap | kubectl apply -f -               # and the reap role (delete leases, create Events)
  lease-reaper rbac --reap --reap-group ops | kubectl apply -f -
  lease-reaper rbac --service-account lease-reaper/reaper --reap > rbac.yaml

Exit codes:
  0   printed
  64  bad flags (e.g. --service-account not NAMESPACE/NAME)
`,
    )
    .action((flags: RbacFlags) => {
      const sa: RbacSubject | undefined = flags.serviceAccount && {
        kind: 'ServiceAccount',
        ...flags.serviceAccount,
      };
      // One ServiceAccount serves both jobs: a kubeconfig secret carries one identity.
      const audit: RbacSubject = sa ?? { kind: 'Group', name: flags.group };
      const reap: RbacSubject = sa ?? { kind: 'Group', name: flags.reapGroup };
      process.stdout.write(rbacManifest({ audit, ...(flags.reap ? { reap } : {}) }));
    });
}

import { describe, expect, it } from 'vitest';
import {
  awsProfileOf,
  credentialsFailureMessage,
  forbiddenMessage,
  leaseDeleteForbiddenMessage,
  leaseDeleteRefusal,
  rbacRequestOf,
  unauthorizedHint,
} from '../../shared/kube/failure-hints.ts';

describe('rbacRequestOf', () => {
  it.each([
    [
      'GET',
      '/apis/coordination.k8s.io/v1/leases',
      { verb: 'list', resource: 'leases', group: 'coordination.k8s.io' },
    ],
    [
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/team-a/leases?limit=500',
      { verb: 'list', resource: 'leases', group: 'coordination.k8s.io', namespace: 'team-a' },
    ],
    [
      'DELETE',
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x',
      { verb: 'delete', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-system' },
    ],
    ['GET', '/api/v1/pods', { verb: 'list', resource: 'pods', group: '' }],
    ['GET', '/api/v1/nodes/node-1', { verb: 'get', resource: 'nodes', group: '' }],
  ])('%s %s is %o', (method, path, expected) => {
    expect(rbacRequestOf(method, path)).toEqual(expected);
  });

  it('is undefined for a path outside the resource API', () => {
    expect(rbacRequestOf('GET', '/version')).toBeUndefined();
  });
});

describe('forbiddenMessage', () => {
  it('names the verb, the qualified resource, the scope and the command that prints the RBAC', () => {
    const message = forbiddenMessage(rbacRequestOf('GET', '/api/v1/pods'), {
      message: 'pods is forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope',
      details: { kind: 'pods' },
    });
    expect(message).toMatch(/^forbidden \(403\): RBAC does not allow "list" on "pods" at the cluster scope/);
    expect(message).toContain('User "x"');
    expect(message).toContain('`lease-reaper rbac | kubectl apply -f -`');
    expect(message).toContain('`kubectl auth can-i list pods --all-namespaces`');
  });

  it('points deletes at --reap and names the namespace', () => {
    const message = forbiddenMessage(
      rbacRequestOf('DELETE', '/apis/coordination.k8s.io/v1/namespaces/team-a/leases/x'),
      undefined,
    );
    expect(message).toContain('"delete" on "leases.coordination.k8s.io" in namespace "team-a"');
    expect(message).toContain('`kubectl auth can-i delete leases.coordination.k8s.io -n team-a`');
    expect(message).toContain('`lease-reaper rbac --reap | kubectl apply -f -`');
  });

  it('explains the server text of a refused lease delete, once', () => {
    const server =
      'leases.coordination.k8s.io "x" is forbidden: User "ro" cannot delete resource "leases" in API group "coordination.k8s.io" in the namespace "team-a"';
    const message = leaseDeleteForbiddenMessage('team-a', server);
    expect(message).toMatch(
      /^forbidden \(403\): RBAC does not allow "delete" on "leases.coordination.k8s.io" in namespace "team-a" \(the server said: /,
    );
    expect(message).toContain('User "ro"');
    expect(message).toContain('`lease-reaper rbac --reap | kubectl apply -f -`');
    expect(leaseDeleteForbiddenMessage('team-a', message)).toBe(message);
    expect(leaseDeleteRefusal('team-a')).toBe(
      'forbidden (403): RBAC does not allow "delete" on "leases.coordination.k8s.io" in namespace "team-a"',
    );
  });
});

describe('awsProfileOf', () => {
  it.each([
    [{ args: ['eks', 'get-token', '--profile', 'dev'] }, 'dev'],
    [{ args: ['eks', 'get-token', '--profile=prod'] }, 'prod'],
    [{ args: ['eks', 'get-token'], env: [{ name: 'AWS_PROFILE', value: 'ops' }] }, 'ops'],
    [{ args: ['eks', 'get-token'] }, undefined],
    [undefined, undefined],
  ])('%o → %s', (exec, profile) => {
    expect(awsProfileOf(exec)).toBe(profile);
  });
});

describe('credentialsFailureMessage', () => {
  const aws = { command: 'aws', args: ['eks', 'get-token', '--profile', 'dev'] };

  it.each([
    'Error when retrieving token from sso: Token has expired and refresh failed',
    'The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.',
  ])('says `aws sso login --profile` for %s', (stderr) => {
    expect(credentialsFailureMessage(aws, new Error(`\n${stderr}\n`))).toContain(
      'run `aws sso login --profile dev` and try again',
    );
  });

  it('leaves out a profile that is not a plain name', () => {
    const exec = { command: 'aws', args: ['--profile', 'x; rm -rf /'] };
    expect(credentialsFailureMessage(exec, new Error('Token has expired and refresh failed'))).toContain(
      'run `aws sso login` and try again',
    );
  });

  it('says a plugin that cannot be started was not found', () => {
    const err = Object.assign(new Error('spawn kubelogin ENOENT'), { code: 'ENOENT' });
    expect(credentialsFailureMessage({ command: 'kubelogin' }, err)).toBe(
      'the kubeconfig\'s exec credential plugin "kubelogin" was not found: install it or fix the user\'s exec.command',
    );
  });

  it('quotes another failure on one line and says what to check', () => {
    const message = credentialsFailureMessage(
      { command: 'gke-gcloud-auth-plugin' },
      new Error('boom\n  at x\n'),
    );
    expect(message).toBe(
      'the exec credential plugin "gke-gcloud-auth-plugin" failed: boom at x. Check that `gke-gcloud-auth-plugin` works in this shell (it is run for every cluster of this user)',
    );
  });
});

describe('unauthorizedHint', () => {
  it('suggests the SSO login for an aws exec user, and only the general advice otherwise', () => {
    expect(unauthorizedHint({ command: 'aws', args: ['--profile', 'dev'] })).toContain(
      '`aws sso login --profile dev` if the profile uses SSO',
    );
    expect(unauthorizedHint(undefined)).toBe(
      'the credentials were refused (expired token?): refresh them, or check that this identity is mapped into the cluster',
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  ClusterAccessError,
  type ClusterErrorKind,
  ClusterForbiddenError,
  ClusterLimitError,
  ClusterListExpiredError,
  ClusterProtocolError,
  ClusterRequestError,
  ClusterServerError,
  ClusterThrottledError,
  ClusterTimeoutError,
  ClusterUnauthorizedError,
  ClusterUnreachableError,
  ConfigError,
  LeaseReaperError,
  redactSecrets,
} from '../../shared/errors.ts';

const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpyZWFwZXIifQ.c2lnbmF0dXJl-_x';
const EKS = 'k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eQ';
const KEY_DATA = 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo+/abc==';

describe('redactSecrets', () => {
  it.each([
    { text: `Authorization: Bearer ${JWT}`, expected: 'Authorization: Bearer [REDACTED]' },
    { text: `authorization: bearer ${JWT}`, expected: 'authorization: bearer [REDACTED]' },
    { text: `BEARER\t${JWT} rejected`, expected: 'BEARER\t[REDACTED] rejected' },
    { text: `"Authorization":"Bearer ${JWT}"`, expected: '"Authorization":"Bearer [REDACTED]"' },
    { text: `Bearer ${EKS}`, expected: 'Bearer [REDACTED]' },
    { text: `x-k8s-aws-id token ${EKS} expired`, expected: 'x-k8s-aws-id token [REDACTED] expired' },
    { text: EKS, expected: '[REDACTED]' },
    { text: `token: ${JWT}`, expected: 'token: [REDACTED]' },
    { text: `token:${JWT}`, expected: 'token:[REDACTED]' },
    { text: `Token = ${JWT}`, expected: 'Token = [REDACTED]' },
    { text: `token="${JWT}"`, expected: 'token="[REDACTED]"' },
    { text: `{"token":"${JWT}"}`, expected: '{"token":"[REDACTED]"}' },
    { text: `{"token": "${JWT}", "kind": "x"}`, expected: '{"token": "[REDACTED]", "kind": "x"}' },
    { text: `    token: ${JWT}\n    user: a`, expected: '    token: [REDACTED]\n    user: a' },
    { text: `id-token: ${JWT}`, expected: 'id-token: [REDACTED]' },
    { text: `client-key-data: ${KEY_DATA}`, expected: 'client-key-data: [REDACTED]' },
    { text: `"client-key-data":"${KEY_DATA}"`, expected: '"client-key-data":"[REDACTED]"' },
    {
      text: `Bearer ${JWT}, token: ${JWT}; client-key-data: ${KEY_DATA}`,
      expected: 'Bearer [REDACTED], token: [REDACTED]; client-key-data: [REDACTED]',
    },
  ])('redacts $expected', ({ text, expected }) => {
    const redacted = redactSecrets(text);
    expect(redacted).toBe(expected);
    expect(redacted).not.toContain('eyJ');
    expect(redacted).not.toContain('k8s-aws-v1.');
    expect(redacted).not.toContain('LS0t');
  });

  it.each([
    '',
    'leases.coordination.k8s.io "kube-scheduler" is forbidden: User "reaper" cannot delete resource "leases"',
    'connect ECONNREFUSED 127.0.0.1:6443',
    'tokens are fine to mention',
    'client-certificate-data is not a secret',
    'Bearer',
    'the server has asked for the client to provide credentials',
  ])('leaves %j as it is', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = redactSecrets(`Bearer ${JWT} token: ${JWT} ${EKS}`);
    expect(redactSecrets(once)).toBe(once);
  });
});

type ClusterErrorClass = new (
  cluster: string,
  kind: ClusterErrorKind,
  message: string,
  details?: { status?: number; attempts?: number; operation?: string },
  options?: { cause?: unknown },
) => ClusterAccessError;

describe('ClusterAccessError and its subclasses', () => {
  it.each<{ Class: ClusterErrorClass; name: string; kind: ClusterErrorKind }>([
    { Class: ClusterAccessError, name: 'ClusterAccessError', kind: 'request' },
    { Class: ClusterUnauthorizedError, name: 'ClusterUnauthorizedError', kind: 'unauthorized' },
    { Class: ClusterForbiddenError, name: 'ClusterForbiddenError', kind: 'forbidden' },
    { Class: ClusterUnreachableError, name: 'ClusterUnreachableError', kind: 'unreachable' },
    { Class: ClusterTimeoutError, name: 'ClusterTimeoutError', kind: 'timeout' },
    { Class: ClusterThrottledError, name: 'ClusterThrottledError', kind: 'throttled' },
    { Class: ClusterServerError, name: 'ClusterServerError', kind: 'server' },
    { Class: ClusterRequestError, name: 'ClusterRequestError', kind: 'request' },
    { Class: ClusterListExpiredError, name: 'ClusterListExpiredError', kind: 'listExpired' },
    { Class: ClusterProtocolError, name: 'ClusterProtocolError', kind: 'protocol' },
    { Class: ClusterLimitError, name: 'ClusterLimitError', kind: 'limit' },
  ])(
    '$name keeps cluster and kind, is named after its class and redacts its message',
    ({ Class, name, kind }) => {
      const cause = new Error('socket hang up');
      const err = new Class(
        'prod-eu-1',
        kind,
        `request failed with Authorization: Bearer ${JWT}`,
        { status: 503, attempts: 5, operation: 'list leases' },
        { cause },
      );

      expect(err).toBeInstanceOf(Class);
      expect(err).toBeInstanceOf(ClusterAccessError);
      expect(err).toBeInstanceOf(LeaseReaperError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(name);
      expect(err.cluster).toBe('prod-eu-1');
      expect(err.kind).toBe(kind);
      expect(err.details).toEqual({ status: 503, attempts: 5, operation: 'list leases' });
      expect(err.cause).toBe(cause);
      expect(err.message).toBe('cluster "prod-eu-1": request failed with Authorization: Bearer [REDACTED]');
      expect(String(err)).toBe(`${name}: ${err.message}`);
      expect(err.stack ?? '').not.toContain(JWT);
    },
  );

  it('defaults details to an empty object', () => {
    expect(new ClusterServerError('c', 'server', 'boom').details).toEqual({});
  });

  it.each([
    { raw: `token: ${JWT}`, expected: 'cluster "c": token: [REDACTED]' },
    { raw: `exec plugin returned ${EKS}`, expected: 'cluster "c": exec plugin returned [REDACTED]' },
    { raw: `client-key-data: ${KEY_DATA}`, expected: 'cluster "c": client-key-data: [REDACTED]' },
  ])('redacts $expected', ({ raw, expected }) => {
    expect(new ClusterProtocolError('c', 'protocol', raw).message).toBe(expected);
  });
});

describe('ConfigError', () => {
  it('is a LeaseReaperError named ConfigError with a redacted message', () => {
    const err = new ConfigError(`clusters[0].token: ${JWT} is not allowed`);
    expect(err).toBeInstanceOf(LeaseReaperError);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe('clusters[0].token: [REDACTED] is not allowed');
  });
});

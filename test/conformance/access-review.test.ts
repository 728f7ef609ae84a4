import { ApiException, AuthorizationV1Api, type V1SelfSubjectAccessReview } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { rawRequest } from '../support/raw-request.ts';
import { simClusters, simKubeConfig } from '../support/sim.ts';

const clusters = simClusters();
const kubectl = kubectlRunner();

const leaseAdmin = { token: 'lease-admin-token', name: 'lease-admin' };

/** A sim with one more user whose RBAC-like rules allow every verb on leases and nothing else. */
function start() {
  return clusters.start(
    {},
    {
      extraUsers: [
        {
          ...leaseAdmin,
          rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] }],
        },
      ],
    },
  );
}

/** AuthorizationV1Api for the admin, read-only, or a bearer token of our own (same cluster and CA). */
function authz(sim: SimCluster, who: 'admin' | 'read-only' | { token: string }) {
  const kc = simKubeConfig(sim, typeof who === 'string' ? who : 'admin');
  if (typeof who !== 'string') {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the sim kubeconfig names no cluster');
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'other', token: who.token }],
      contexts: [{ name: 'other', cluster: cluster.name, user: 'other' }],
      currentContext: 'other',
    });
  }
  return kc.makeApiClient(AuthorizationV1Api);
}

function review(resourceAttributes: Record<string, string>): V1SelfSubjectAccessReview {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes },
  };
}

/** A raw request to the sim with the admin's token and a JSON Content-Type, for what the typed client will not send. */
const raw = (sim: SimCluster, method: string, path: string, body?: string) =>
  rawRequest(sim, method, path, { body, headers: { 'Content-Type': 'application/json' } });

describe('SelfSubjectAccessReview (pkg/registry/authorization/selfsubjectaccessreview/rest.go)', () => {
  const cases: {
    who: 'admin' | 'read-only' | 'lease-admin';
    attrs: Record<string, string>;
    allowed: boolean;
  }[] = [
    {
      who: 'admin',
      attrs: { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: 'x' },
      allowed: true,
    },
    {
      who: 'read-only',
      attrs: { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: 'x' },
      allowed: false,
    },
    {
      who: 'read-only',
      attrs: { verb: 'list', group: 'coordination.k8s.io', resource: 'leases' },
      allowed: true,
    },
    {
      who: 'lease-admin',
      attrs: { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: 'x' },
      allowed: true,
    },
    { who: 'lease-admin', attrs: { verb: 'list', group: '', resource: 'pods' }, allowed: false },
    {
      who: 'lease-admin',
      attrs: { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', subresource: 'status' },
      allowed: false,
    },
    // system:basic-user lets every authenticated user create self reviews.
    {
      who: 'lease-admin',
      attrs: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' },
      allowed: true,
    },
  ];

  it.each(cases)('$who may $attrs.verb $attrs.resource: $allowed', async ({ who, attrs, allowed }) => {
    const sim = await start();
    const api = authz(sim, who === 'lease-admin' ? { token: leaseAdmin.token } : who);

    const answer = await api.createSelfSubjectAccessReview({ body: review(attrs) });

    expect(answer.kind).toBe('SelfSubjectAccessReview');
    // Empty strings are omitted (omitempty), like the rest of the decoded spec the server echoes.
    const sent = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== ''));
    expect(answer.spec.resourceAttributes).toEqual(sent);
    expect(answer.status).toEqual({ allowed });
  });

  it('answers a non-resource review from the bootstrap discovery rules', async () => {
    const sim = await start();
    const api = authz(sim, 'read-only');

    const discovery = await api.createSelfSubjectAccessReview({
      body: { spec: { nonResourceAttributes: { path: '/apis/coordination.k8s.io', verb: 'get' } } },
    });
    const metrics = await api.createSelfSubjectAccessReview({
      body: { spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' } } },
    });

    expect(discovery.status?.allowed).toBe(true);
    expect(metrics.status?.allowed).toBe(false);
  });

  it('answers 201 Created with the review echoed back', async () => {
    const sim = await start();

    const res = await raw(
      sim,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      JSON.stringify(review({ verb: 'get', group: 'coordination.k8s.io', resource: 'leases', bogus: 'x' })),
    );

    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { verb: 'get', group: 'coordination.k8s.io', resource: 'leases' } },
      status: { allowed: true },
    });
  });

  it('refuses a review with neither resource nor non-resource attributes with 422 Invalid', async () => {
    const sim = await start();

    let error: unknown;
    try {
      await authz(sim, 'admin').createSelfSubjectAccessReview({ body: { spec: {} } });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ApiException);
    const e = error as ApiException<string>;
    expect(e.code).toBe(422);
    expect(JSON.parse(e.body)).toMatchObject({
      reason: 'Invalid',
      message:
        '.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      details: {
        group: 'authorization.k8s.io',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message:
              'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
            field: 'spec.resourceAttributes',
          },
        ],
      },
    });
  });

  it('decodes the protobuf body kubectl sends (the k8s\\0 envelope around a runtime.Unknown)', async () => {
    const sim = await start();
    // Length-delimited protobuf fields: tag (field << 3 | 2), length, bytes.
    const field = (n: number, bytes: Buffer) =>
      Buffer.concat([Buffer.from([(n << 3) | 2, bytes.length]), bytes]);
    const str = (n: number, s: string) => field(n, Buffer.from(s));
    const attributes = Buffer.concat([
      str(1, 'x'),
      str(2, 'delete'),
      str(3, 'coordination.k8s.io'),
      str(5, 'leases'),
    ]);
    const ssar = Buffer.concat([field(1, Buffer.alloc(0)), field(2, field(1, attributes))]);
    const typeMeta = Buffer.concat([str(1, 'authorization.k8s.io/v1'), str(2, 'SelfSubjectAccessReview')]);
    const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, typeMeta), field(2, ssar)]);

    const res = await rawRequest(sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body,
      token: sim.tokens.readOnly,
      headers: {
        'Content-Type': 'application/vnd.kubernetes.protobuf',
        Accept: 'application/vnd.kubernetes.protobuf,application/json',
      },
    });

    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({
      spec: {
        resourceAttributes: {
          namespace: 'x',
          verb: 'delete',
          group: 'coordination.k8s.io',
          resource: 'leases',
        },
      },
      status: { allowed: false },
    });
  });

  it('refuses a GET on the review collection with 405, as a create-only resource', async () => {
    const sim = await start();

    const res = await raw(sim, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');

    expect(res.status).toBe(405);
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });

  it('lists authorization.k8s.io/v1 selfsubjectaccessreviews in discovery', async () => {
    const sim = await start();

    const groups = JSON.parse((await raw(sim, 'GET', '/apis')).body) as { groups: { name: string }[] };
    const list = JSON.parse((await raw(sim, 'GET', '/apis/authorization.k8s.io/v1')).body) as {
      groupVersion: string;
      resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
    };

    expect(groups.groups.map((g) => g.name)).toContain('authorization.k8s.io');
    expect(list.groupVersion).toBe('authorization.k8s.io/v1');
    expect(list.resources).toContainEqual(
      expect.objectContaining({
        name: 'selfsubjectaccessreviews',
        namespaced: false,
        kind: 'SelfSubjectAccessReview',
        verbs: ['create'],
      }),
    );
  });
});

describe('kubectl auth can-i against the simulated cluster', () => {
  it(
    'prints yes and exits 0 for the admin: kubectl auth can-i delete leases -n x',
    async () => {
      const sim = await start();

      const result = await kubectl.run(sim, ['auth', 'can-i', 'delete', 'leases', '-n', 'x']);

      expect(result).toMatchObject({ code: 0, stdout: 'yes\n' });
      expect(result.stderr).not.toContain("doesn't have a resource type");
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'prints no and exits 1 for the read-only user',
    async () => {
      const sim = await start();
      const readOnly = { user: 'read-only' } as const;

      const denied = await kubectl.run(sim, ['auth', 'can-i', 'delete', 'leases', '-n', 'x'], readOnly);
      const listing = await kubectl.run(sim, ['auth', 'can-i', 'list', 'leases', '-n', 'x'], readOnly);

      expect(denied).toMatchObject({ code: 1, stdout: 'no\n' });
      expect(listing).toMatchObject({ code: 0, stdout: 'yes\n' });
    },
    KUBECTL_TIMEOUT_MS,
  );
});

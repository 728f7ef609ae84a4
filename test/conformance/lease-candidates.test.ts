import {
  ApiException,
  CoordinationV1Api,
  CoordinationV1alpha2Api,
  CoordinationV1beta1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1alpha2LeaseCandidate,
  type V1alpha2LeaseCandidateSpec,
  V1MicroTime,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { rawRequest } from '../support/raw-request.ts';
import { simClusters, simKubeConfig } from '../support/sim.ts';

/**
 * coordination.k8s.io LeaseCandidate as kube-apiserver serves it (sim/lease-candidates.ts): never by default;
 * with `--feature-gates=CoordinatedLeaderElection=true` and the release's `--runtime-config`, at v1alpha2 in
 * 1.32 and v1beta1 from 1.33 — discovery lists it exactly then. Clients are the real @kubernetes/client-node
 * over HTTPS, and the real kubectl.
 */

const clusters = simClusters();
const kubectl = kubectlRunner();

const json = async (sim: SimCluster, path: string) => {
  const res = await rawRequest(sim, 'GET', path);
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
};

const candidate = (name: string, leaseName: string, renewTime: string): V1alpha2LeaseCandidate => ({
  metadata: { name },
  spec: {
    leaseName,
    binaryVersion: '1.32.0',
    emulationVersion: '1.32.0',
    strategy: 'OldestEmulationVersion',
    renewTime: new V1MicroTime(Date.parse(renewTime)),
  },
});

async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiException);
  const e = err as ApiException<string>;
  return { code: e.code, body: JSON.parse(e.body) as Record<string, unknown> };
}

describe('a cluster without coordinated leader election (the default of every release)', () => {
  it('lists coordination.k8s.io at v1 only and answers 404 for leasecandidates at any version', async () => {
    // Arrange
    const sim = await clusters.start();

    // Act
    const group = await json(sim, '/apis/coordination.k8s.io');
    const alpha = await json(sim, '/apis/coordination.k8s.io/v1alpha2');
    const list = await failure(
      simKubeConfig(sim).makeApiClient(CoordinationV1alpha2Api).listLeaseCandidateForAllNamespaces(),
    );

    // Assert
    expect(group.body).toMatchObject({
      versions: [{ groupVersion: 'coordination.k8s.io/v1', version: 'v1' }],
      preferredVersion: { version: 'v1' },
    });
    expect(alpha.status).toBe(404);
    expect(list.code).toBe(404);
    expect(sim.leaseCandidates).toBeUndefined();
  });

  it(
    'makes kubectl get leasecandidates say the server has no such resource type',
    async () => {
      // Arrange
      const sim = await clusters.start();

      // Act
      const result = await kubectl.run(sim, ['get', 'leasecandidates', '-A']);

      // Assert
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`the server doesn't have a resource type "leasecandidates"`);
    },
    KUBECTL_TIMEOUT_MS,
  );
});

describe('a 1.32 cluster with CoordinatedLeaderElection and coordination.k8s.io/v1alpha2 enabled', () => {
  it('lists leasecandidates in discovery at v1alpha2 only, v1 staying preferred', async () => {
    // Arrange
    const sim = await clusters.start({}, { coordinatedLeaderElection: true });

    // Act
    const version = await json(sim, '/version');
    const apis = await json(sim, '/apis');
    const alpha = await json(sim, '/apis/coordination.k8s.io/v1alpha2');
    const beta = await rawRequest(sim, 'GET', '/apis/coordination.k8s.io/v1beta1/leasecandidates');

    // Assert
    expect(version.body.minor).toBe('32');
    const groups = apis.body.groups as { name: string }[];
    expect(groups.find((g) => g.name === 'coordination.k8s.io')).toEqual({
      name: 'coordination.k8s.io',
      versions: [
        { groupVersion: 'coordination.k8s.io/v1', version: 'v1' },
        { groupVersion: 'coordination.k8s.io/v1alpha2', version: 'v1alpha2' },
      ],
      preferredVersion: { groupVersion: 'coordination.k8s.io/v1', version: 'v1' },
    });
    expect(alpha.body).toEqual({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'coordination.k8s.io/v1alpha2',
      resources: [
        {
          name: 'leasecandidates',
          singularName: 'leasecandidate',
          namespaced: true,
          kind: 'LeaseCandidate',
          verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        },
      ],
    });
    expect(beta.status).toBe(404);
  });

  it('creates, reads, renews, pages through and deletes candidates with client-node', async () => {
    // Arrange
    const sim = await clusters.start({}, { coordinatedLeaderElection: true });
    const api = simKubeConfig(sim).makeApiClient(CoordinationV1alpha2Api);
    const names = ['ip-10-0-0-1.ec2.internal_a', 'ip-10-0-0-2.ec2.internal_b', 'ip-10-0-0-3.ec2.internal_c'];

    // Act
    for (const name of names) {
      await api.createNamespacedLeaseCandidate({
        namespace: 'kube-system',
        body: candidate(name, 'kube-scheduler', '2026-01-01T00:00:00Z'),
      });
    }
    const first = await api.listLeaseCandidateForAllNamespaces({ limit: 2 });
    const rest = await api.listLeaseCandidateForAllNamespaces({
      limit: 2,
      _continue: first.metadata?._continue,
    });
    const read = await api.readNamespacedLeaseCandidate({
      name: names[0] as string,
      namespace: 'kube-system',
    });
    const renewed = await api.replaceNamespacedLeaseCandidate({
      name: names[0] as string,
      namespace: 'kube-system',
      body: {
        ...read,
        spec: {
          ...(read.spec as V1alpha2LeaseCandidateSpec),
          renewTime: new V1MicroTime(Date.parse('2026-01-01T00:05:00Z')),
        },
      },
    });
    const pinged = await api.patchNamespacedLeaseCandidate(
      {
        name: names[1] as string,
        namespace: 'kube-system',
        body: { spec: { pingTime: '2026-01-01T00:06:00.000000Z' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await api.deleteNamespacedLeaseCandidate({ name: names[2] as string, namespace: 'kube-system' });
    const after = await api.listNamespacedLeaseCandidate({ namespace: 'kube-system' });

    // Assert
    expect(first.apiVersion).toBe('coordination.k8s.io/v1alpha2');
    expect(first.kind).toBe('LeaseCandidateList');
    expect(first.items.map((c) => c.metadata?.name)).toEqual(names.slice(0, 2));
    expect(first.metadata?.remainingItemCount).toBe(1);
    expect(rest.items.map((c) => c.metadata?.name)).toEqual(names.slice(2));
    expect(read.kind).toBe('LeaseCandidate');
    expect(read.spec?.leaseName).toBe('kube-scheduler');
    expect(JSON.parse(JSON.stringify(renewed.spec?.renewTime))).toBe('2026-01-01T00:05:00.000000Z');
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect(pinged.spec?.pingTime).toBeDefined();
    expect(after.items.map((c) => c.metadata?.name)).toEqual(names.slice(0, 2));
  });

  it('watches candidates from resourceVersion 0 with an ADDED event each', async () => {
    // Arrange
    const sim = await clusters.start({ staleLeaseCandidates: 2 });

    // Act
    const res = await rawRequest(
      sim,
      'GET',
      '/apis/coordination.k8s.io/v1alpha2/namespaces/kube-system/leasecandidates?watch=true&timeoutSeconds=1&resourceVersion=0',
    );

    // Assert
    const events = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { name: string } } });
    expect(res.status).toBe(200);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
    expect(events.map((e) => `kube-system/${e.object.metadata.name}`)).toEqual(
      sim.seeded?.leaseCandidates.stale,
    );
    expect(events[0]?.object.kind).toBe('LeaseCandidate');
  });

  it('refuses invalid candidates with 422 and every cause, as ValidateLeaseCandidateSpec words them', async () => {
    // Arrange
    const sim = await clusters.start({}, { coordinatedLeaderElection: true });
    const api = simKubeConfig(sim).makeApiClient(CoordinationV1alpha2Api);

    // Act
    const empty = await failure(
      api.createNamespacedLeaseCandidate({
        namespace: 'kube-system',
        body: { metadata: { name: 'c' }, spec: { strategy: 'OldestEmulationVersion' } } as never,
      }),
    );
    const older = await failure(
      api.createNamespacedLeaseCandidate({
        namespace: 'kube-system',
        body: {
          metadata: { name: 'bad/name' },
          spec: { leaseName: 'x', binaryVersion: '1.31.0', emulationVersion: '1.32.0', strategy: 'Newest' },
        },
      }),
    );

    // Assert
    expect(empty.code).toBe(422);
    expect(empty.body.message).toBe(
      'LeaseCandidate.coordination.k8s.io "c" is invalid: [spec.leaseName: Required value, spec.binaryVersion: Required value, spec.emulationVersion: Required value: must be specified when `strategy` is \'OldestEmulationVersion\']',
    );
    expect(empty.body.details).toMatchObject({
      name: 'c',
      group: 'coordination.k8s.io',
      kind: 'LeaseCandidate',
    });
    expect(older.code).toBe(422);
    expect(older.body.message).toBe(
      `LeaseCandidate.coordination.k8s.io "bad/name" is invalid: [metadata.name: Invalid value: "bad/name": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+'), spec.binaryVersion: Invalid value: "1.31.0": must be greater than or equal to \`emulationVersion\`, spec.strategy.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"]`,
    );
  });

  it('keeps spec.leaseName immutable and refuses an update without resourceVersion', async () => {
    // Arrange
    const sim = await clusters.start({}, { coordinatedLeaderElection: true });
    const api = simKubeConfig(sim).makeApiClient(CoordinationV1alpha2Api);
    const created = await api.createNamespacedLeaseCandidate({
      namespace: 'kube-system',
      body: candidate('c', 'kube-scheduler', '2026-01-01T00:00:00Z'),
    });

    // Act
    const moved = await failure(
      api.replaceNamespacedLeaseCandidate({
        name: 'c',
        namespace: 'kube-system',
        body: {
          ...created,
          spec: { ...(created.spec as V1alpha2LeaseCandidateSpec), leaseName: 'kube-controller-manager' },
        },
      }),
    );
    const unconditional = await failure(
      api.replaceNamespacedLeaseCandidate({
        name: 'c',
        namespace: 'kube-system',
        body: { ...created, metadata: { ...created.metadata, resourceVersion: undefined } },
      }),
    );

    // Assert
    expect(moved.code).toBe(422);
    expect(moved.body.message).toBe(
      'LeaseCandidate.coordination.k8s.io "c" is invalid: spec.leaseName: Invalid value: "kube-controller-manager": field is immutable',
    );
    expect(unconditional.code).toBe(422);
    expect(unconditional.body.message).toBe(
      'leasecandidates.coordination.k8s.io "c" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('keeps spec.strategy on Lease writes, the feature gate being on', async () => {
    // Arrange
    const on = await clusters.start({}, { coordinatedLeaderElection: true });
    const off = await clusters.start();
    const body = {
      metadata: { name: 'coordinated' },
      spec: { holderIdentity: 'a', strategy: 'OldestEmulationVersion', preferredHolder: 'a' },
    };

    // Act
    const kept = await simKubeConfig(on)
      .makeApiClient(CoordinationV1Api)
      .createNamespacedLease({ namespace: 'kube-system', body });
    const dropped = await simKubeConfig(off)
      .makeApiClient(CoordinationV1Api)
      .createNamespacedLease({ namespace: 'kube-system', body });

    // Assert
    expect(kept.spec).toMatchObject({ strategy: 'OldestEmulationVersion', preferredHolder: 'a' });
    expect(dropped.spec?.strategy).toBeUndefined();
    expect(dropped.spec?.preferredHolder).toBeUndefined();
  });

  it(
    'lets the real kubectl get leasecandidates -A with the server-side columns',
    async () => {
      // Arrange
      const sim = await clusters.start({ coordinatedLeases: 1, staleLeaseCandidates: 2 });

      // Act
      const result = await kubectl.run(sim, ['get', 'leasecandidates', '-A']);

      // Assert
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const [header, ...rows] = result.stdout.trim().split('\n');
      expect(header?.split(/\s+/)).toEqual([
        'NAMESPACE',
        'NAME',
        'LEASENAME',
        'BINARYVERSION',
        'EMULATIONVERSION',
        'AGE',
      ]);
      const seeded = [
        ...(sim.seeded?.leaseCandidates.live ?? []),
        ...(sim.seeded?.leaseCandidates.stale ?? []),
      ];
      expect(rows.map((r) => r.split(/\s+/).slice(0, 2).join('/')).sort()).toEqual(seeded.sort());
      expect(rows.find((r) => r.includes('coordinated-controller-0'))).toMatch(/\s1\.32\.0\s+1\.32\.0\s/);
    },
    KUBECTL_TIMEOUT_MS,
  );
});

describe('a 1.33 cluster with CoordinatedLeaderElection and coordination.k8s.io/v1beta1 enabled', () => {
  it('serves LeaseCandidate at v1beta1 and not v1alpha2, and reports 1.33', async () => {
    // Arrange
    const sim = await clusters.start(
      { coordinatedLeases: 1, staleLeaseCandidates: 1 },
      { coordinatedLeaderElection: { kubernetesMinor: 33 } },
    );

    // Act
    const version = await json(sim, '/version');
    const group = await json(sim, '/apis/coordination.k8s.io');
    const list = await simKubeConfig(sim)
      .makeApiClient(CoordinationV1beta1Api)
      .listLeaseCandidateForAllNamespaces();
    const alpha = await rawRequest(sim, 'GET', '/apis/coordination.k8s.io/v1alpha2/leasecandidates');

    // Assert
    expect(version.body).toMatchObject({ minor: '33', gitVersion: 'v1.33.0-lease-reaper-sim' });
    expect(group.body.versions).toEqual([
      { groupVersion: 'coordination.k8s.io/v1', version: 'v1' },
      { groupVersion: 'coordination.k8s.io/v1beta1', version: 'v1beta1' },
    ]);
    expect(list.apiVersion).toBe('coordination.k8s.io/v1beta1');
    expect(list.items).toHaveLength(2);
    expect(sim.seeded?.leaseCandidates.apiVersion).toBe('coordination.k8s.io/v1beta1');
    expect(alpha.status).toBe(404);
  });
});

import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { namespaceObject } from '../../sim/objects.ts';
import { leases, namespaces } from '../../sim/resources.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { seedLeases, simClusters } from '../support/sim.ts';

/**
 * The real kubectl 1.32 writing and deleting leases, as an operator runs it against a cluster: each test
 * checks kubectl's output and exit code, what it sent (the sim records every request), and the store.
 *
 * Covered elsewhere, not repeated here: a file with an unknown field (`spec.foo`) refused by
 * `kubectl apply -f` with the strict-decoding error (test/conformance/openapi.test.ts › kubectl apply
 * creates a lease, and rejects an unknown field); server-side apply updates, conflicts and
 * --force-conflicts, with kubectl's default validation (test/conformance/patch.test.ts › kubectl apply
 * --server-side …); `kubectl auth can-i delete leases` for the admin and the read-only user
 * (test/conformance/access-review.test.ts › kubectl auth can-i against the simulated cluster).
 */

const clusters = simClusters();
const kubectl = kubectlRunner();
const NS = 'applying';
const LEASE = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/applied`;

async function start(): Promise<SimCluster> {
  const sim = await clusters.start();
  sim.store.create(namespaces, namespaceObject(NS, sim.store.clock()));
  return sim;
}

const leaseYaml = (holder: string, labels: Record<string, string> = {}) =>
  [
    'apiVersion: coordination.k8s.io/v1',
    'kind: Lease',
    'metadata:',
    '  name: applied',
    `  namespace: ${NS}`,
    ...(Object.keys(labels).length
      ? ['  labels:', ...Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`)]
      : []),
    'spec:',
    `  holderIdentity: ${holder}`,
    '  leaseDurationSeconds: 15',
    '',
  ].join('\n');

/**
 * Runs kubectl; with its result, the requests the sim received meanwhile (method, path, query and
 * Content-Type) and the writes among them.
 */
async function run(sim: SimCluster, ...args: string[]) {
  const from = sim.requests.length;
  const result = await kubectl.run(sim, args);
  const sent = sim.requests.slice(from).map((r) => {
    const url = new URL(r.url, 'https://sim.invalid');
    return {
      method: r.method,
      path: url.pathname,
      query: url.searchParams,
      contentType: r.headers['content-type'],
    };
  });
  return { result, sent, writes: sent.filter((r) => r.method !== 'GET') };
}

/** What a successful kubectl run returns: exit 0, `stdout`, nothing on stderr. */
const printed = (stdout: string) => ({ code: 0, stdout, stderr: '' });

const stored = (sim: SimCluster) => sim.store.get(leases, NS, 'applied')?.obj;

/** The stored lease's managedFields entries as `manager/operation`. */
const managers = (sim: SimCluster) =>
  ((stored(sim)?.metadata.managedFields ?? []) as { manager: string; operation: string }[]).map(
    (e) => `${e.manager}/${e.operation}`,
  );

describe('kubectl apply, client-side (kubectl apply -f)', () => {
  it(
    'creates the lease, then updates the edited file with a strategic-merge PATCH, then leaves it unchanged',
    async () => {
      const sim = await start();
      const file = await kubectl.file('lease.yaml', leaseYaml('first'));

      const created = await run(sim, 'apply', '-f', file);

      expect(created.result).toEqual(printed('lease.coordination.k8s.io/applied created\n'));
      expect(
        created.writes.map((r) => [
          r.method,
          r.path,
          r.query.get('fieldManager'),
          r.query.get('fieldValidation'),
        ]),
      ).toEqual([
        [
          'POST',
          `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`,
          'kubectl-client-side-apply',
          'Strict',
        ],
      ]);
      const first = stored(sim);
      expect(first?.spec).toEqual({ holderIdentity: 'first', leaseDurationSeconds: 15 });
      expect(first?.metadata.labels).toBeUndefined();
      const lastApplied = (obj: typeof first) =>
        JSON.parse(
          obj?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? 'null',
        ) as {
          metadata: { labels?: Record<string, string> };
          spec: unknown;
        };
      expect(lastApplied(first).spec).toEqual({ holderIdentity: 'first', leaseDurationSeconds: 15 });

      // The edited file: another holder, and a label.
      await kubectl.file('lease.yaml', leaseYaml('second', { team: 'core' }));
      const configured = await run(sim, 'apply', '-f', file);

      expect(configured.result).toEqual(printed('lease.coordination.k8s.io/applied configured\n'));
      expect(configured.writes.map((r) => [r.method, r.path, r.contentType, r.query.toString()])).toEqual([
        [
          'PATCH',
          LEASE,
          'application/strategic-merge-patch+json',
          'fieldManager=kubectl-client-side-apply&fieldValidation=Strict',
        ],
      ]);
      const second = stored(sim);
      expect(second?.metadata.uid).toBe(first?.metadata.uid);
      expect(second?.metadata.resourceVersion).not.toBe(first?.metadata.resourceVersion);
      expect(second?.spec).toEqual({ holderIdentity: 'second', leaseDurationSeconds: 15 });
      expect(second?.metadata.labels).toEqual({ team: 'core' });
      expect(lastApplied(second).metadata.labels).toEqual({ team: 'core' });
      expect(managers(sim)).toEqual(['kubectl-client-side-apply/Update']);

      // The same file again: kubectl computes an empty patch and sends no write.
      const unchanged = await run(sim, 'apply', '-f', file);

      expect(unchanged.result).toEqual(printed('lease.coordination.k8s.io/applied unchanged\n'));
      expect(unchanged.writes).toEqual([]);
      expect(stored(sim)?.metadata.resourceVersion).toBe(second?.metadata.resourceVersion);
    },
    KUBECTL_TIMEOUT_MS * 3,
  );
});

describe('kubectl apply --server-side', () => {
  it(
    'validates against /openapi/v3 by default and sends an apply patch with fieldValidation=Strict (no --validate=false needed)',
    async () => {
      const sim = await start();
      const file = await kubectl.file('lease.yaml', leaseYaml('first', { team: 'core' }));

      const applied = await run(sim, 'apply', '--server-side', '-f', file);

      expect(applied.result).toEqual(printed('lease.coordination.k8s.io/applied serverside-applied\n'));
      expect(applied.sent.map((r) => r.path)).toContain('/openapi/v3');
      expect(applied.writes.map((r) => [r.method, r.path, r.contentType, r.query.toString()])).toEqual([
        [
          'PATCH',
          LEASE,
          'application/apply-patch+yaml',
          'fieldManager=kubectl&fieldValidation=Strict&force=false',
        ],
      ]);
      const lease = stored(sim);
      expect(lease?.spec).toEqual({ holderIdentity: 'first', leaseDurationSeconds: 15 });
      expect(lease?.metadata.labels).toEqual({ team: 'core' });
      expect(managers(sim)).toEqual(['kubectl/Apply']);
    },
    KUBECTL_TIMEOUT_MS,
  );
});

describe('an unknown field in an update (handlers/patch.go, managedfields structuredmerge.go)', () => {
  const withUnknownField = (holder: string) => leaseYaml(holder).replace('spec:\n', 'spec:\n  foo: bar\n');

  it(
    'is refused by a client-side apply of an existing lease (strict decoding of the patched object) and not stored',
    async () => {
      const sim = await start();
      const file = await kubectl.file('lease.yaml', leaseYaml('first'));
      await run(sim, 'apply', '-f', file);
      const before = stored(sim);

      await kubectl.file('lease.yaml', withUnknownField('second'));
      const refused = await run(sim, 'apply', '-f', file);

      expect(refused.result.code).toBe(1);
      expect(refused.result.stderr).toContain('strict decoding error: unknown field "spec.foo"');
      expect(stored(sim)?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
      expect(stored(sim)?.spec).toEqual({ holderIdentity: 'first', leaseDurationSeconds: 15 });
    },
    KUBECTL_TIMEOUT_MS * 2,
  );

  it(
    'is dropped with a warning by a merge patch without fieldValidation (the default is Warn)',
    async () => {
      const sim = await start();
      await run(sim, 'apply', '-f', await kubectl.file('lease.yaml', leaseYaml('first')));

      const patched = await run(
        sim,
        'patch',
        'lease',
        'applied',
        '-n',
        NS,
        '--type',
        'merge',
        '-p',
        '{"spec":{"bar":1,"holderIdentity":"p"}}',
      );

      expect(patched.result.code).toBe(0);
      expect(patched.result.stderr).toContain('unknown field "spec.bar"');
      expect(stored(sim)?.spec).toEqual({ holderIdentity: 'p', leaseDurationSeconds: 15 });
    },
    KUBECTL_TIMEOUT_MS * 2,
  );

  it(
    'fails a server-side apply whatever fieldValidation says: the field is not declared in the schema',
    async () => {
      const sim = await start();
      const file = await kubectl.file('lease.yaml', withUnknownField('first'));

      const refused = await run(sim, 'apply', '--server-side', '--validate=false', '-f', file);

      expect(refused.result.code).toBe(1);
      expect(refused.result.stderr).toContain(
        `failed to create typed patch object (${NS}/applied; coordination.k8s.io/v1, Kind=Lease): .spec.foo: field not declared in schema`,
      );
      expect(stored(sim)).toBeUndefined();
    },
    KUBECTL_TIMEOUT_MS,
  );
});

describe('kubectl delete leases --all -n <ns>', () => {
  it(
    'deletes every lease of that namespace, one DELETE each, and no lease of another namespace',
    async () => {
      const sim = await clusters.start();
      const keys = seedLeases(sim, 9, 3); // bulk-0, bulk-1 and bulk-2, three leases each
      const doomed = keys.filter((k) => k.startsWith('bulk-1/')).map((k) => k.split('/')[1] ?? '');
      expect(doomed).toHaveLength(3);

      const deleted = await run(sim, 'delete', 'leases', '--all', '-n', 'bulk-1');

      expect(deleted.result).toEqual(
        printed(doomed.map((name) => `lease.coordination.k8s.io "${name}" deleted\n`).join('')),
      );
      expect(deleted.writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
        doomed.map((name) => `DELETE /apis/coordination.k8s.io/v1/namespaces/bulk-1/leases/${name}`),
      );
      expect(sim.store.list(leases, { namespace: 'bulk-1' })).toEqual([]);
      expect(sim.store.list(leases).map((s) => s.key)).toEqual(
        keys.filter((k) => !k.startsWith('bulk-1/')).sort(),
      );
    },
    KUBECTL_TIMEOUT_MS,
  );

  it(
    'prints "No resources found" and deletes nothing in a namespace without leases',
    async () => {
      const sim = await clusters.start();
      const keys = seedLeases(sim, 4, 2);
      sim.store.create(namespaces, namespaceObject('empty', sim.store.clock()));

      const none = await run(sim, 'delete', 'leases', '--all', '-n', 'empty');

      // kubectl delete (unlike kubectl get) says so on stdout.
      expect(none.result).toEqual(printed('No resources found\n'));
      expect(none.writes).toEqual([]);
      expect(sim.store.list(leases).map((s) => s.key)).toEqual([...keys].sort());
    },
    KUBECTL_TIMEOUT_MS,
  );
});

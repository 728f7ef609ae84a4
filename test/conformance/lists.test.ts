import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { leaderLease } from '../../sim/objects.ts';
import { leases } from '../../sim/resources.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { type RawResponse, rawRequest } from '../support/raw-request.ts';
import { apis, seedLeases, simClusters } from '../support/sim.ts';

/**
 * List semantics as kube-apiserver has them: Table conversion and TableOptions, content negotiation
 * failures (406), resourceVersion / resourceVersionMatch and continue, and the 410 for an expired
 * continue token that hands out a token continuing from the current state.
 */

const clusters = simClusters();
const cluster = clusters.start;
const LEASES = '/apis/coordination.k8s.io/v1/leases';
const BULK0 = '/apis/coordination.k8s.io/v1/namespaces/bulk-0/leases';

/** A plain GET with the admin token. */
const rawGet = (sim: SimCluster, path: string, headers: Record<string, string> = {}) =>
  rawRequest(sim, 'GET', path, { headers });

const json = <T = Record<string, unknown>>(r: RawResponse) => JSON.parse(r.body) as T;

interface Status {
  kind: string;
  metadata: { continue?: string };
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: Record<string, unknown>;
}

async function failure(call: Promise<unknown>): Promise<{ code: number; status: Status }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return { code: error.code, status: JSON.parse(String(error.body)) as Status };
  }
  throw new Error('expected the call to fail');
}

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface Table {
  kind: string;
  apiVersion: string;
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[]; object: Record<string, unknown> | null }[];
}

describe('Table conversion with TableOptions.includeObject', () => {
  it('prints Name, Holder and Age for leases and embeds PartialObjectMetadata by default', async () => {
    const sim = await cluster();
    seedLeases(sim, 3, 1);

    const table = json<Table>(await rawGet(sim, BULK0, { Accept: TABLE }));

    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    expect(table.rows.map((r) => r.cells.slice(0, 2))).toEqual([
      ['lease-000000', 'holder-0'],
      ['lease-000001', 'holder-1'],
      ['lease-000002', 'holder-2'],
    ]);
    expect(table.rows.map((r) => r.object?.kind)).toEqual([
      'PartialObjectMetadata',
      'PartialObjectMetadata',
      'PartialObjectMetadata',
    ]);
    expect(table.rows[0]?.object).not.toHaveProperty('spec');
  });

  it('embeds the whole Lease with includeObject=Object and nothing with includeObject=None', async () => {
    const sim = await cluster();
    seedLeases(sim, 2, 1);

    const full = json<Table>(await rawGet(sim, `${BULK0}?includeObject=Object`, { Accept: TABLE }));
    const none = json<Table>(await rawGet(sim, `${BULK0}?includeObject=None`, { Accept: TABLE }));

    expect(full.rows.map((r) => [r.object?.kind, r.object?.apiVersion])).toEqual([
      ['Lease', 'coordination.k8s.io/v1'],
      ['Lease', 'coordination.k8s.io/v1'],
    ]);
    expect(full.rows[0]?.object).toMatchObject({ spec: { holderIdentity: 'holder-0' } });
    expect(none.rows.map((r) => r.object)).toEqual([null, null]);
  });

  it('prints an empty Holder cell for a released lease, as printLease does', async () => {
    const sim = await cluster();
    const now = Date.now();
    sim.store.create(
      leases,
      leaderLease({
        namespace: 'default',
        name: 'released',
        holder: '',
        renewMs: now,
        acquireMs: now,
        createdMs: now,
      }),
    );

    const table = json<Table>(
      await rawGet(sim, '/apis/coordination.k8s.io/v1/namespaces/default/leases/released', { Accept: TABLE }),
    );

    expect(table.rows[0]?.cells.slice(0, 2)).toEqual(['released', '']);
  });

  it('answers an unknown includeObject with 400, as ValidateTableOptions', async () => {
    const sim = await cluster();

    const res = await rawGet(sim, `${LEASES}?includeObject=Everything`, { Accept: TABLE });

    expect(res.status).toBe(400);
    expect(json<Status>(res)).toMatchObject({
      reason: 'BadRequest',
      message:
        'Unable to convert to Table as requested: includeObject: Unsupported value: "Everything": supported values: "Metadata", "None", "Object"',
    });
  });

  it('serves a Table as plain application/json, as transformResponseObject writes it', async () => {
    const sim = await cluster();

    const res = await rawGet(sim, LEASES, { Accept: TABLE });

    expect(res.headers['content-type']).toBe('application/json');
  });
});

describe('content negotiation failures (406 NotAcceptable)', () => {
  const accepted =
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf';

  it.each([
    { name: 'an unknown as=', accept: 'application/json;as=Foo;g=meta.k8s.io;v=v1' },
    { name: 'a wrong version', accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v2' },
    { name: 'a wrong group', accept: 'application/json;as=Table;g=k8s.io;v=v1' },
    {
      name: 'a Table as protobuf',
      accept: 'application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1',
    },
  ])('refuses $name with the serializer media types', async ({ accept }) => {
    const sim = await cluster();

    const res = await rawGet(sim, LEASES, { Accept: accept });

    expect(res.status).toBe(406);
    expect(json<Status>(res)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotAcceptable',
      code: 406,
      message: accepted,
    });
  });

  it('falls through to the next acceptable clause of the Accept header', async () => {
    const sim = await cluster();

    const res = await rawGet(sim, LEASES, {
      Accept: 'application/json;as=Foo;g=meta.k8s.io;v=v1, application/json',
    });

    expect(res.status).toBe(200);
    expect(json(res).kind).toBe('LeaseList');
  });

  it('refuses PartialObjectMetadata for a list, naming the list type', async () => {
    const sim = await cluster();

    const res = await rawGet(sim, LEASES, {
      Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    });

    expect(res.status).toBe(406);
    expect(json<Status>(res).message).toBe(
      'you requested PartialObjectMetadata, but the requested object is a list (*coordination.LeaseList)',
    );
  });

  it('refuses PartialObjectMetadataList for a single object, naming the object type', async () => {
    const sim = await cluster();
    seedLeases(sim, 1, 1);

    const res = await rawGet(sim, `${BULK0}/lease-000000`, {
      Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
    });

    expect(res.status).toBe(406);
    expect(json<Status>(res).message).toBe(
      'you requested PartialObjectMetadataList, but the requested object is not a list (*coordination.Lease)',
    );
  });

  it('serves PartialObjectMetadataList in v1beta1 when asked for', async () => {
    const sim = await cluster();
    seedLeases(sim, 1, 1);

    const res = await rawGet(sim, BULK0, {
      Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1',
    });

    expect(json(res)).toMatchObject({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1beta1',
      items: [{ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1' }],
    });
  });
});

describe('resourceVersion and resourceVersionMatch on lists', () => {
  it('answers resourceVersionMatch without resourceVersion with 422 Invalid ListOptions', async () => {
    const sim = await cluster();

    const { code, status } = await failure(
      apis(sim).coordination.listLeaseForAllNamespaces({ resourceVersionMatch: 'NotOlderThan' }),
    );

    expect(code).toBe(422);
    expect(status).toMatchObject({
      reason: 'Invalid',
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      details: {
        group: 'meta.k8s.io',
        kind: 'ListOptions',
        causes: [
          {
            reason: 'FieldValueForbidden',
            message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
            field: 'resourceVersionMatch',
          },
        ],
      },
    });
  });

  it('aggregates several ListOptions errors in one message', async () => {
    const sim = await cluster();

    const res = await rawGet(sim, `${LEASES}?resourceVersionMatch=Sometimes&continue=abc`);

    expect(res.status).toBe(422);
    expect(json<Status>(res).message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided, resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", "NotOlderThan", ""]',
    );
  });

  it('forbids resourceVersionMatch=Exact with resourceVersion 0', async () => {
    const sim = await cluster();

    const res = await rawGet(sim, `${LEASES}?resourceVersion=0&resourceVersionMatch=Exact`);

    expect(res.status).toBe(422);
    expect(json<Status>(res).message).toContain(
      'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
  });

  it('lists the state at an exact older resourceVersion, then 410 once that revision is compacted', async () => {
    const sim = await cluster();
    seedLeases(sim, 3, 1);
    const api = apis(sim).coordination;
    const before = await api.listNamespacedLease({ namespace: 'bulk-0' });
    const rv = before.metadata?.resourceVersion ?? '';
    const stored = sim.store.get(leases, 'bulk-0', 'lease-000000');
    sim.store.update(leases, {
      ...(stored?.obj ?? { metadata: { name: '' } }),
      spec: { holderIdentity: 'someone-else' },
    });
    sim.store.delete(leases, 'bulk-0', 'lease-000001');

    const exact = await api.listNamespacedLease({
      namespace: 'bulk-0',
      resourceVersion: rv,
      resourceVersionMatch: 'Exact',
    });
    const latest = await api.listNamespacedLease({ namespace: 'bulk-0' });

    expect(exact.metadata?.resourceVersion).toBe(rv);
    expect(exact.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity])).toEqual([
      ['lease-000000', 'holder-0'],
      ['lease-000001', 'holder-1'],
      ['lease-000002', 'holder-2'],
    ]);
    expect(latest.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity])).toEqual([
      ['lease-000000', 'someone-else'],
      ['lease-000002', 'holder-2'],
    ]);

    sim.snapshots.expireAll(); // an etcd compaction
    const { code, status } = await failure(
      api.listNamespacedLease({ namespace: 'bulk-0', resourceVersion: rv, resourceVersionMatch: 'Exact' }),
    );

    expect(code).toBe(410);
    expect(status).toMatchObject({
      reason: 'Expired',
      message: 'The resourceVersion for the provided list is too old.',
    });
  });

  it('reads a resourceVersion with a limit and no match exactly (the legacy rule)', async () => {
    const sim = await cluster();
    seedLeases(sim, 2, 1);
    const rv = sim.store.resourceVersion;
    sim.store.delete(leases, 'bulk-0', 'lease-000000');

    const res = json<{ metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] }>(
      await rawGet(sim, `${BULK0}?resourceVersion=${rv}&limit=10`),
    );

    expect(res.metadata.resourceVersion).toBe(rv);
    expect(res.items.map((i) => i.metadata.name)).toEqual(['lease-000000', 'lease-000001']);
  });

  it('answers an exact resourceVersion from the future with 504 Too large resource version', async () => {
    const sim = await cluster();
    const future = Number(sim.store.resourceVersion) + 100;

    const res = await rawGet(sim, `${LEASES}?resourceVersion=${future}&resourceVersionMatch=Exact`);

    expect(res.status).toBe(504);
    expect(json<Status>(res)).toMatchObject({
      reason: 'Timeout',
      message: `Timeout: Too large resource version: ${future}, current: ${sim.store.resourceVersion}`,
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
    });
  });

  it('serves NotOlderThan from the latest state, at the current resourceVersion', async () => {
    const sim = await cluster();
    seedLeases(sim, 2, 1);
    const old = sim.store.resourceVersion;
    sim.store.delete(leases, 'bulk-0', 'lease-000000');

    const list = await apis(sim).coordination.listNamespacedLease({
      namespace: 'bulk-0',
      resourceVersion: old,
      resourceVersionMatch: 'NotOlderThan',
    });

    expect(list.metadata?.resourceVersion).toBe(sim.store.resourceVersion);
    expect(list.items.map((l) => l.metadata?.name)).toEqual(['lease-000001']);
  });

  it('ignores limit with resourceVersion 0, as the watch cache does', async () => {
    const sim = await cluster();
    seedLeases(sim, 12, 1);

    const list = await apis(sim).coordination.listNamespacedLease({
      namespace: 'bulk-0',
      resourceVersion: '0',
      limit: 5,
    });

    expect(list.items).toHaveLength(12);
    expect(list.metadata?._continue).toBeUndefined();
  });

  it('refuses continue together with a resourceVersion with 400', async () => {
    const sim = await cluster();
    seedLeases(sim, 6, 1);
    const api = apis(sim).coordination;
    const first = await api.listNamespacedLease({ namespace: 'bulk-0', limit: 2 });

    const { code, status } = await failure(
      api.listNamespacedLease({
        namespace: 'bulk-0',
        limit: 2,
        _continue: first.metadata?._continue,
        resourceVersion: '5',
      }),
    );
    const withZero = await api.listNamespacedLease({
      namespace: 'bulk-0',
      limit: 2,
      _continue: first.metadata?._continue,
      resourceVersion: '0',
    });

    expect(code).toBe(400);
    expect(status).toMatchObject({
      reason: 'BadRequest',
      message: 'specifying resource version is not allowed when using continue',
    });
    expect(withZero.items.map((l) => l.metadata?.name)).toEqual(['lease-000002', 'lease-000003']);
  });

  it('answers a resourceVersion that is not a number with 400', async () => {
    const sim = await cluster();

    const res = await rawGet(sim, `${LEASES}?resourceVersion=abc&limit=5`);

    expect(res.status).toBe(400);
    expect(json<Status>(res).message).toBe(
      'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    );
  });
});

describe('an expired continue token', () => {
  const inconsistent =
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

  it('is a 410 Expired whose Status carries a token that continues the list from the current state', async () => {
    const sim = await cluster();
    seedLeases(sim, 6, 1);
    const api = apis(sim).coordination;
    const first = await api.listNamespacedLease({ namespace: 'bulk-0', limit: 2 });
    expect(first.items.map((l) => l.metadata?.name)).toEqual(['lease-000000', 'lease-000001']);

    // Meanwhile: one lease goes, one arrives after the first page, one arrives before it.
    sim.store.delete(leases, 'bulk-0', 'lease-000003');
    const now = Date.now();
    for (const name of ['lease-000004a', 'lease-0000000']) {
      sim.store.create(
        leases,
        leaderLease({
          namespace: 'bulk-0',
          name,
          holder: 'late',
          renewMs: now,
          acquireMs: now,
          createdMs: now,
        }),
      );
    }
    sim.snapshots.expireAll();

    const { code, status } = await failure(
      api.listNamespacedLease({ namespace: 'bulk-0', limit: 2, _continue: first.metadata?._continue }),
    );

    expect(code).toBe(410);
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
      message: inconsistent,
    });
    const token = status.metadata.continue ?? '';
    expect(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).toMatchObject({
      v: 'meta.k8s.io/v1',
      rv: -1,
    });

    const names: string[] = [];
    let next: string | undefined = token;
    while (next) {
      const page = await api.listNamespacedLease({ namespace: 'bulk-0', limit: 2, _continue: next });
      expect(page.metadata?.resourceVersion).toBe(sim.store.resourceVersion);
      names.push(...page.items.map((l) => l.metadata?.name ?? ''));
      next = page.metadata?._continue || undefined;
    }
    expect(names).toEqual(['lease-000002', 'lease-000004', 'lease-000004a', 'lease-000005']);
  });
});

describe('kubectl against list semantics', () => {
  const kubectl = kubectlRunner();

  it(
    'sorts leases by renewTime with get leases -A --sort-by=.spec.renewTime (server-side Table, includeObject=Object)',
    async () => {
      const sim = await cluster({
        nodes: 6,
        liveApiServers: 2,
        workloadLeases: 4,
        abandonedLeases: 3,
        expiredLeases: 2,
      });

      const { code, stdout } = await kubectl.run(sim, ['get', 'leases', '-A', '--sort-by=.spec.renewTime']);

      expect(code).toBe(0);
      const [header, ...rows] = stdout.split('\n').filter((l) => l.trim() !== '');
      expect(header?.trim().split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'HOLDER', 'AGE']);
      const keys = rows.map((r) => r.trim().split(/\s+/).slice(0, 2).join('/'));
      expect([...keys].sort()).toEqual(sim.store.list(leases).map((s) => s.key));
      const renewTimes = keys.map((k) => {
        const [ns = '', name = ''] = k.split('/');
        const spec = sim.store.get(leases, ns, name)?.obj.spec as { renewTime?: string } | undefined;
        return String(spec?.renewTime);
      });
      expect(renewTimes).toEqual([...renewTimes].sort());
    },
    KUBECTL_TIMEOUT_MS,
  );
});

import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.ts';
import { KUBECTL_TIMEOUT_MS, kubectlRunner } from '../support/kubectl.ts';
import { rawRequest } from '../support/raw-request.ts';
import { simClusters } from '../support/sim.ts';

/**
 * The simulated cluster's Events, held to kube-apiserver v1.32: one registry served as events.k8s.io/v1 and as
 * core/v1 (pkg/registry/core/event; the conversion of pkg/apis/events/v1/conversion.go), creates validated as
 * ValidateEventCreate does for events.k8s.io/v1 (pkg/apis/core/validation/events.go, whose error paths name the
 * internal fields: `message`, `involvedObject.namespace`), RBAC per verb, discovery for both APIs, and the real
 * kubectl reading them back. Expected texts are written out by hand from those sources.
 */

const clusters = simClusters();
const kubectl = kubectlRunner();
const NS = 'payments';
const EVENTS_V1 = `/apis/events.k8s.io/v1/namespaces/${NS}/events`;
const CORE = `/api/v1/namespaces/${NS}/events`;

/** A valid events.k8s.io/v1 Event about a lease, as lease-reaper writes one. */
function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'billing-leader.18867251f555cd15', namespace: NS },
    eventTime: '2026-01-01T00:00:00.123456Z',
    reportingController: 'lease-reaper',
    reportingInstance: 'lease-reaper-host-1',
    action: 'Delete',
    reason: 'LeaseReaped',
    type: 'Normal',
    regarding: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: NS,
      name: 'billing-leader',
      uid: 'uid-1',
      resourceVersion: '4711',
    },
    note: 'abandoned for 3d',
    ...overrides,
  };
}

const post = (sim: SimCluster, body: unknown, token?: string) =>
  rawRequest(sim, 'POST', EVENTS_V1, {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
    ...(token ? { token } : {}),
  });

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('events.k8s.io/v1 and core/v1 Events', () => {
  it('are both in discovery: core/v1 events (get, list) and events.k8s.io/v1 events (create, get, list)', async () => {
    const sim = await clusters.start();

    const core = json((await rawRequest(sim, 'GET', '/api/v1')).body);
    const group = json((await rawRequest(sim, 'GET', '/apis/events.k8s.io/v1')).body);
    const apis = json((await rawRequest(sim, 'GET', '/apis')).body);

    expect(core.resources).toContainEqual({
      name: 'events',
      singularName: 'event',
      namespaced: true,
      kind: 'Event',
      verbs: ['get', 'list'],
      shortNames: ['ev'],
    });
    expect(group).toEqual({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'events.k8s.io/v1',
      resources: [
        {
          name: 'events',
          singularName: 'event',
          namespaced: true,
          kind: 'Event',
          verbs: ['create', 'get', 'list'],
          shortNames: ['ev'],
        },
      ],
    });
    expect(apis.groups).toContainEqual({
      name: 'events.k8s.io',
      versions: [{ groupVersion: 'events.k8s.io/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'events.k8s.io/v1', version: 'v1' },
    });
  });

  it('a created Event is served back as events.k8s.io/v1 and, converted, as core/v1', async () => {
    const sim = await clusters.start();

    const created = await post(sim, event());
    const name = 'billing-leader.18867251f555cd15';
    const v1 = await rawRequest(sim, 'GET', `${EVENTS_V1}/${name}`);
    const core = await rawRequest(sim, 'GET', `${CORE}/${name}`);
    const list = await rawRequest(sim, 'GET', CORE);

    expect(created.status, created.body).toBe(201);
    const stored = json(v1.body);
    expect(stored).toMatchObject({
      ...event(),
      // Go always encodes these struct fields: an empty EventSource and zero metav1.Times (null).
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    });
    const meta = stored.metadata as Record<string, string>;
    expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.resourceVersion).toMatch(/^\d+$/);
    // Convert_v1_Event_To_core_Event, encoded as core/v1: one object, so the same metadata.
    expect(core.status).toBe(200);
    const { metadata: coreMeta, ...coreRest } = json(core.body);
    expect(coreMeta).toEqual(meta);
    expect(coreRest).toEqual({
      kind: 'Event',
      apiVersion: 'v1',
      involvedObject: event().regarding,
      reason: 'LeaseReaped',
      message: 'abandoned for 3d',
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: 'Normal',
      eventTime: '2026-01-01T00:00:00.123456Z',
      action: 'Delete',
      reportingComponent: 'lease-reaper',
      reportingInstance: 'lease-reaper-host-1',
    });
    expect(json(list.body)).toMatchObject({
      kind: 'EventList',
      apiVersion: 'v1',
      items: [{ message: 'abandoned for 3d' }],
    });
  });

  it.each([
    [
      'without action and reason',
      { action: '', reason: '' },
      '[action: Required value, reason: Required value]',
    ],
    // legacyValidateEvent checks the reporting fields only for an event with eventTime; the strict checks
    // then require eventTime itself.
    ['without eventTime (nor action)', { eventTime: undefined, action: '' }, 'eventTime: Required value'],
    [
      'with a note over 1024 bytes',
      { note: 'x'.repeat(1025) },
      'message: Invalid value: "": can have at most 1024 characters',
    ],
    [
      'of a type neither Normal nor Warning',
      { type: 'Info' },
      'type: Invalid value: "": has invalid value: Info',
    ],
    [
      'regarding a cluster-scoped object outside default and kube-system',
      { regarding: { kind: 'Node', name: 'n1' } },
      'involvedObject.namespace: Invalid value: "": does not match event.namespace',
    ],
    ['carrying a deprecated count', { deprecatedCount: 2 }, 'count: Invalid value: "": needs to be unset'],
  ])('refuses an Event %s with 422 and the apiserver text', async (_, overrides, causes) => {
    const sim = await clusters.start();

    const res = await post(sim, event(overrides));

    expect(res.status, res.body).toBe(422);
    expect(json(res.body)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: `Event.events.k8s.io "billing-leader.18867251f555cd15" is invalid: ${causes}`,
      details: { name: 'billing-leader.18867251f555cd15', group: 'events.k8s.io', kind: 'Event' },
    });
    expect((await rawRequest(sim, 'GET', CORE)).body).toContain('"items":[]');
  });

  it('authorizes create like any verb: a caller without it gets 403 and nothing is stored', async () => {
    const sim = await clusters.start();

    const res = await post(sim, event(), sim.tokens.readOnly);
    const read = await rawRequest(sim, 'GET', CORE, { token: sim.tokens.readOnly });

    expect(res.status).toBe(403);
    expect(json(res.body).message).toBe(
      `events.events.k8s.io is forbidden: User "lease-reaper-readonly" cannot create resource "events" in API group "events.k8s.io" in the namespace "${NS}"`,
    );
    expect(read.status).toBe(200);
    expect(json(read.body).items).toEqual([]);
  });

  it('answers a core/v1 Event that does not exist with 404 events "x" not found', async () => {
    const sim = await clusters.start();

    const res = await rawRequest(sim, 'GET', `${CORE}/nope`);

    expect(res.status).toBe(404);
    expect(json(res.body).message).toBe('events "nope" not found');
  });

  it(
    'kubectl get events prints the core/v1 printer columns (wide: source, first seen, count, name)',
    async () => {
      const sim = await clusters.start();
      expect((await post(sim, event())).status).toBe(201);

      const table = await kubectl.run(sim, ['get', 'events', '-n', NS]);
      const wide = await kubectl.run(sim, ['get', 'events', '-n', NS, '-o', 'wide']);

      expect(table.code, table.stderr).toBe(0);
      const [head, row, ...more] = table.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s{2,}/));
      expect(head).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      // Last Seen is eventTime's age (2026-01-01) as the printer rounds it; the rest is exact.
      expect(row?.slice(1)).toEqual(['Normal', 'LeaseReaped', 'lease/billing-leader', 'abandoned for 3d']);
      expect(more).toEqual([]);
      expect(wide.code, wide.stderr).toBe(0);
      const [wideHead, wideRow] = wide.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s{2,}/));
      expect(wideHead).toEqual([
        'LAST SEEN',
        'TYPE',
        'REASON',
        'OBJECT',
        'SUBOBJECT',
        'SOURCE',
        'MESSAGE',
        'FIRST SEEN',
        'COUNT',
        'NAME',
      ]);
      // SUBOBJECT is empty, so the columns around it close up: the source follows the object.
      expect(wideRow?.slice(3)).toEqual([
        'lease/billing-leader',
        'lease-reaper, lease-reaper-host-1',
        'abandoned for 3d',
        wideRow?.[0],
        '1',
        'billing-leader.18867251f555cd15',
      ]);
    },
    KUBECTL_TIMEOUT_MS,
  );
});

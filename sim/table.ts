import { humanDuration } from './human-duration.ts';
import type { KubeObject } from './kube-object.ts';
import type { IncludeObject } from './negotiation.ts';
import type { ResourceDef } from './resources.ts';
import type { StoredObject } from './store.ts';

/**
 * Server-side printing (`meta.k8s.io/v1` Table), which kubectl asks for in `get`. Columns follow the
 * apiserver's printers for each resource.
 */
interface Column {
  name: string;
  type: 'string' | 'integer';
  format?: 'name';
  /** 1: shown only by `-o wide` (kubectl hides columns of priority above 0). */
  priority?: number;
  description: string;
  cell: (obj: KubeObject, now: number) => string | number;
}

const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  // metav1.ObjectMeta{}.SwaggerDoc()["name"], as pkg/printers/internalversion/printers.go describes the column.
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  cell: (o) => o.metadata.name,
};

const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  // metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"].
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  cell: (o, now) =>
    o.metadata.creationTimestamp
      ? humanDuration(now - Date.parse(o.metadata.creationTimestamp))
      : '<unknown>',
};

type Conditions = { type: string; status: string }[];

/**
 * An Event's fields as the printer reads the internal type, from either served form: core/v1
 * (involvedObject, message, source…) or events.k8s.io/v1 (regarding, note, deprecatedSource…).
 */
function eventFields(o: KubeObject) {
  const field = <T>(core: string, eventsV1: string): T | undefined =>
    (o[core] ?? o[eventsV1] ?? undefined) as T | undefined;
  const involved =
    field<{ kind?: string; name?: string; fieldPath?: string }>('involvedObject', 'regarding') ?? {};
  const source = field<{ component?: string; host?: string }>('source', 'deprecatedSource') ?? {};
  const series = o.series as { count?: number; lastObservedTime?: string } | undefined;
  return {
    involved,
    message: String(field<string>('message', 'note') ?? ''),
    component: source.component || String(field<string>('reportingComponent', 'reportingController') ?? ''),
    host: source.host || String(o.reportingInstance ?? ''),
    first: field<string>('firstTimestamp', 'deprecatedFirstTimestamp'),
    last: field<string>('lastTimestamp', 'deprecatedLastTimestamp'),
    count: field<number>('count', 'deprecatedCount') ?? 0,
    eventTime: o.eventTime as string | undefined,
    series,
  };
}

/** translateTimestampSince / translateMicroTimestampSince: `<unknown>` for a zero time. */
const since = (time: string | null | undefined, now: number) =>
  time ? humanDuration(now - Date.parse(time)) : '<unknown>';

/** printEvent's timestamps: eventTime when firstTimestamp is unset, a series' last observation when there is one. */
function eventTimes(o: KubeObject, now: number): { first: string; last: string; count: number } {
  const e = eventFields(o);
  const first = e.first ? since(e.first, now) : since(e.eventTime, now);
  let last = e.last ? since(e.last, now) : first;
  let count = e.count;
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1; // "Singleton events don't have a count set in the new API."
  return { first, last, count };
}

const columns: Record<string, Column[]> = {
  // pkg/printers/internalversion/printers.go leaseColumnDefinitions and printLease: Name, Holder, Age; a
  // lease without a holder prints an empty Holder cell.
  leases: [
    nameColumn,
    {
      name: 'Holder',
      type: 'string',
      description:
        'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
      cell: (o) => String((o.spec as { holderIdentity?: string | null } | undefined)?.holderIdentity ?? ''),
    },
    ageColumn,
  ],
  // pkg/printers/internalversion/printers.go leaseCandidateColumnDefinitions and printLeaseCandidate: Name,
  // LeaseName, BinaryVersion, EmulationVersion, Age. The two version columns take their description from
  // metav1.ObjectMeta{}.SwaggerDoc(), which has no such keys: the description is empty, as a real server sends it.
  leasecandidates: [
    nameColumn,
    {
      name: 'LeaseName',
      type: 'string',
      // coordinationv1alpha2.LeaseCandidateSpec{}.SwaggerDoc()["leaseName"].
      description:
        'leaseName is the name of the lease for which this candidate is contending. This field is immutable.',
      cell: (o) => String((o.spec as { leaseName?: string } | undefined)?.leaseName ?? ''),
    },
    {
      name: 'BinaryVersion',
      type: 'string',
      description: '',
      cell: (o) => String((o.spec as { binaryVersion?: string } | undefined)?.binaryVersion ?? ''),
    },
    {
      name: 'EmulationVersion',
      type: 'string',
      description: '',
      cell: (o) => String((o.spec as { emulationVersion?: string } | undefined)?.emulationVersion ?? ''),
    },
    ageColumn,
  ],
  // pkg/printers/internalversion/printers.go eventColumnDefinitions and printEvent (v1.32): one printer for
  // both Event APIs, since both convert to the internal core.Event. Descriptions are corev1.Event's SwaggerDoc.
  events: [
    {
      name: 'Last Seen',
      type: 'string',
      description: 'The time at which the most recent occurrence of this event was recorded.',
      cell: (o, now) => eventTimes(o, now).last,
    },
    {
      name: 'Type',
      type: 'string',
      description: 'Type of this event (Normal, Warning), new types could be added in the future',
      cell: (o) => String(o.type ?? ''),
    },
    {
      name: 'Reason',
      type: 'string',
      description:
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      cell: (o) => String(o.reason ?? ''),
    },
    {
      name: 'Object',
      type: 'string',
      description: 'The object that this event is about.',
      cell: (o) => {
        const { kind = '', name = '' } = eventFields(o).involved;
        return name ? `${kind.toLowerCase()}/${name}` : kind.toLowerCase();
      },
    },
    {
      name: 'Subobject',
      type: 'string',
      priority: 1,
      description:
        'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
      cell: (o) => String(eventFields(o).involved.fieldPath ?? ''),
    },
    {
      name: 'Source',
      type: 'string',
      priority: 1,
      description: 'The component reporting this event. Should be a short machine understandable string.',
      // formatEventSource: component (else reportingController), then ", instance" when there is one.
      cell: (o) => {
        const e = eventFields(o);
        return e.host ? `${e.component}, ${e.host}` : e.component;
      },
    },
    {
      name: 'Message',
      type: 'string',
      description: 'A human-readable description of the status of this operation.',
      cell: (o) => eventFields(o).message.trim(),
    },
    {
      name: 'First Seen',
      type: 'string',
      priority: 1,
      description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
      cell: (o, now) => eventTimes(o, now).first,
    },
    {
      name: 'Count',
      type: 'string',
      priority: 1,
      description: 'The number of times this event has occurred.',
      cell: (o, now) => eventTimes(o, now).count,
    },
    { ...nameColumn, priority: 1 },
  ],
  nodes: [
    nameColumn,
    {
      name: 'Status',
      type: 'string',
      description: 'The status of the node',
      cell: (o) => {
        const ready = ((o.status as { conditions?: Conditions } | undefined)?.conditions ?? []).find(
          (c) => c.type === 'Ready',
        );
        // As the apiserver's printer: no Ready condition is Unknown; any status but True is NotReady.
        if (!ready) return 'Unknown';
        return ready.status === 'True' ? 'Ready' : 'NotReady';
      },
    },
    {
      name: 'Roles',
      type: 'string',
      description: 'The roles of the node',
      cell: (o) => {
        const roles = Object.keys(o.metadata.labels ?? {})
          .filter((k) => k.startsWith('node-role.kubernetes.io/'))
          .map((k) => k.slice('node-role.kubernetes.io/'.length));
        return roles.length ? roles.join(',') : '<none>';
      },
    },
    ageColumn,
    {
      name: 'Version',
      type: 'string',
      description: 'Kubelet Version reported by the node.',
      cell: (o) =>
        String(
          (o.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo?.kubeletVersion ??
            '',
        ),
    },
  ],
  pods: [
    nameColumn,
    {
      name: 'Status',
      type: 'string',
      description: 'The aggregate status of the containers in this pod.',
      cell: (o) => String((o.status as { phase?: string } | undefined)?.phase ?? 'Unknown'),
    },
    {
      name: 'Node',
      type: 'string',
      description: 'The name of the node the pod is bound to.',
      cell: (o) => String((o.spec as { nodeName?: string } | undefined)?.nodeName ?? '<none>'),
    },
    ageColumn,
  ],
  namespaces: [
    nameColumn,
    {
      name: 'Status',
      type: 'string',
      description: 'The status of the namespace',
      cell: (o) => String((o.status as { phase?: string } | undefined)?.phase ?? 'Active'),
    },
    ageColumn,
  ],
};

/**
 * Renders one page of objects as a Table; `metadata` carries resourceVersion and continue like a list.
 * Each row's `object` follows TableOptions.includeObject as handlers/response.go asTable fills it: the
 * PartialObjectMetadata (Metadata, the default), the whole object in its API version (Object, which
 * `kubectl get --sort-by` asks for), or null (None).
 */
export function renderTable(
  def: ResourceDef,
  items: readonly StoredObject[],
  metadata: Record<string, unknown>,
  now: number,
  includeObject: IncludeObject = 'Metadata',
): string {
  const cols = columns[def.resource] ?? [nameColumn, ageColumn];
  const columnDefinitions = cols.map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description,
    priority: c.priority ?? 0,
  }));
  const objectOf = (s: StoredObject) =>
    includeObject === 'Object' ? s.json : includeObject === 'None' ? 'null' : s.metadataJson;
  const rows = items.map(
    (s) => `{"cells":${JSON.stringify(cols.map((c) => c.cell(s.obj, now)))},"object":${objectOf(s)}}`,
  );
  return `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"columnDefinitions":${JSON.stringify(
    columnDefinitions,
  )},"rows":[${rows.join(',')}]}`;
}

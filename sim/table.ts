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
    priority: 0,
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

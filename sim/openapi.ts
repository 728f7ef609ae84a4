import { createHash } from 'node:crypto';

/**
 * OpenAPI v3 as kube-apiserver serves it (k8s.io/kube-openapi pkg/handler3/handler.go): `/openapi/v3` lists
 * one document per group-version with a `serverRelativeURL` carrying the document's hash, and
 * `/openapi/v3/apis/coordination.k8s.io/v1` is that document. The schemas and paths follow
 * api/openapi-spec/v3/apis__coordination.k8s.io__v1_openapi.json of kubernetes/kubernetes (v1.32 types),
 * with the real descriptions; kubectl reads it for `explain`, and looks for the `fieldValidation` query
 * parameter on the PATCH operation of a kind to decide that the server validates fields itself
 * (staging/src/k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go).
 */

const ref = (name: string) => `#/components/schemas/${name}`;
const M = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const C = 'io.k8s.api.coordination.v1.';

const apiVersionProp = {
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  type: 'string',
};
const kindProp = {
  description:
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  type: 'string',
};
const stringList = { items: { default: '', type: 'string' }, type: 'array' };
const gvk = (group: string, kind: string, version = 'v1') => [{ group, kind, version }];

const schemas: Record<string, unknown> = {
  [`${C}Lease`]: {
    description: 'Lease defines a lease concept.',
    properties: {
      apiVersion: apiVersionProp,
      kind: kindProp,
      metadata: {
        $ref: ref(`${M}ObjectMeta`),
        default: {},
        description:
          'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
      spec: {
        $ref: ref(`${C}LeaseSpec`),
        default: {},
        description:
          'spec contains the specification of the Lease. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status',
      },
    },
    type: 'object',
    'x-kubernetes-group-version-kind': gvk('coordination.k8s.io', 'Lease'),
  },
  [`${C}LeaseList`]: {
    description: 'LeaseList is a list of Lease objects.',
    properties: {
      apiVersion: apiVersionProp,
      items: {
        description: 'items is a list of schema objects.',
        items: { $ref: ref(`${C}Lease`), default: {} },
        type: 'array',
      },
      kind: kindProp,
      metadata: {
        $ref: ref(`${M}ListMeta`),
        default: {},
        description:
          'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
    },
    required: ['items'],
    type: 'object',
    'x-kubernetes-group-version-kind': gvk('coordination.k8s.io', 'LeaseList'),
  },
  [`${C}LeaseSpec`]: {
    description: 'LeaseSpec is a specification of a Lease.',
    properties: {
      acquireTime: {
        $ref: ref(`${M}MicroTime`),
        description: 'acquireTime is a time when the current lease was acquired.',
      },
      holderIdentity: {
        description:
          'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
        type: 'string',
      },
      leaseDurationSeconds: {
        description:
          'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.',
        format: 'int32',
        type: 'integer',
      },
      leaseTransitions: {
        description: 'leaseTransitions is the number of transitions of a lease between holders.',
        format: 'int32',
        type: 'integer',
      },
      preferredHolder: {
        description:
          'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up. This field can only be set if Strategy is also set.',
        type: 'string',
      },
      renewTime: {
        $ref: ref(`${M}MicroTime`),
        description: 'renewTime is a time when the current holder of a lease has last updated the lease.',
      },
      strategy: {
        description:
          'Strategy indicates the strategy for picking the leader for coordinated leader election. If the field is not specified, there is no active coordination for this lease. (Alpha) Using this field requires the CoordinatedLeaderElection feature gate to be enabled.',
        type: 'string',
      },
    },
    type: 'object',
  },
  [`${M}APIResource`]: {
    description: 'APIResource specifies the name of a resource and whether it is namespaced.',
    properties: {
      categories: {
        description: "categories is a list of the grouped resources this resource belongs to (e.g. 'all')",
        ...stringList,
        'x-kubernetes-list-type': 'atomic',
      },
      group: {
        description:
          'group is the preferred group of the resource.  Empty implies the group of the containing resource list. For subresources, this may have a different value, for example: Scale".',
        type: 'string',
      },
      kind: {
        default: '',
        description: "kind is the kind for the resource (e.g. 'Foo' is the kind for a resource 'foo')",
        type: 'string',
      },
      name: { default: '', description: 'name is the plural name of the resource.', type: 'string' },
      namespaced: {
        default: false,
        description: 'namespaced indicates if a resource is namespaced or not.',
        type: 'boolean',
      },
      shortNames: {
        description: 'shortNames is a list of suggested short names of the resource.',
        ...stringList,
        'x-kubernetes-list-type': 'atomic',
      },
      singularName: {
        default: '',
        description:
          'singularName is the singular name of the resource.  This allows clients to handle plural and singular opaquely. The singularName is more correct for reporting status on a single item and both singular and plural are allowed from the kubectl CLI interface.',
        type: 'string',
      },
      storageVersionHash: {
        description:
          'The hash value of the storage version, the version this resource is converted to when written to the data store. Value must be treated as opaque by clients. Only equality comparison on the value is valid. This is an alpha feature and may change or be removed in the future. The field is populated by the apiserver only if the StorageVersionHash feature gate is enabled. This field will remain optional even if it graduates.',
        type: 'string',
      },
      verbs: {
        description:
          'verbs is a list of supported kube verbs (this includes get, list, watch, create, update, patch, delete, deletecollection, and proxy)',
        ...stringList,
      },
      version: {
        description:
          'version is the preferred version of the resource.  Empty implies the version of the containing resource list For subresources, this may have a different value, for example: v1 (while inside a v1beta1 version of the core resource\'s group)".',
        type: 'string',
      },
    },
    required: ['name', 'singularName', 'namespaced', 'kind', 'verbs'],
    type: 'object',
  },
  [`${M}APIResourceList`]: {
    description:
      'APIResourceList is a list of APIResource, it is used to expose the name of the resources supported in a specific group and version, and if the resource is namespaced.',
    properties: {
      apiVersion: apiVersionProp,
      groupVersion: {
        default: '',
        description: 'groupVersion is the group and version this APIResourceList is for.',
        type: 'string',
      },
      kind: kindProp,
      resources: {
        description: 'resources contains the name of the resources and if they are namespaced.',
        items: { $ref: ref(`${M}APIResource`), default: {} },
        type: 'array',
        'x-kubernetes-list-type': 'atomic',
      },
    },
    required: ['groupVersion', 'resources'],
    type: 'object',
    'x-kubernetes-group-version-kind': gvk('', 'APIResourceList'),
  },
  [`${M}DeleteOptions`]: {
    description: 'DeleteOptions may be provided when deleting an API object.',
    properties: {
      apiVersion: apiVersionProp,
      dryRun: {
        description:
          'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
        ...stringList,
        'x-kubernetes-list-type': 'atomic',
      },
      gracePeriodSeconds: {
        description:
          'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
        format: 'int64',
        type: 'integer',
      },
      ignoreStoreReadErrorWithClusterBreakingPotential: {
        description:
          'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. A resource is considered corrupt if it can not be retrieved from the underlying storage successfully because of a) its data can not be transformed e.g. decryption failure, or b) it fails to decode into an object. NOTE: unsafe deletion ignores finalizer constraints, skips precondition checks, and removes the object from the storage. WARNING: This may potentially break the cluster if the workload associated with the resource being unsafe-deleted relies on normal deletion flow. Use only if you REALLY know what you are doing. The default value is false, and the user must opt in to enable it',
        type: 'boolean',
      },
      kind: kindProp,
      orphanDependents: {
        description:
          'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
        type: 'boolean',
      },
      preconditions: {
        $ref: ref(`${M}Preconditions`),
        description:
          'Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned.',
      },
      propagationPolicy: {
        description:
          "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
        type: 'string',
      },
    },
    type: 'object',
    'x-kubernetes-group-version-kind': [
      { group: '', kind: 'DeleteOptions', version: 'v1' },
      { group: 'coordination.k8s.io', kind: 'DeleteOptions', version: 'v1' },
      { group: 'coordination.k8s.io', kind: 'DeleteOptions', version: 'v1beta1' },
    ],
  },
  [`${M}FieldsV1`]: {
    description:
      "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
    type: 'object',
  },
  [`${M}ListMeta`]: {
    description:
      'ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.',
    properties: {
      continue: {
        description:
          'continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. The value is opaque and may be used to issue another request to the endpoint that served this list to retrieve the next set of available objects. Continuing a consistent list may not be possible if the server configuration has changed or more than a few minutes have passed. The resourceVersion field returned when using this continue value will be identical to the value in the first response, unless you have received this token from an error message.',
        type: 'string',
      },
      remainingItemCount: {
        description:
          'remainingItemCount is the number of subsequent items in the list which are not included in this list response. If the list request contained label or field selectors, then the number of remaining items is unknown and the field will be left unset and omitted during serialization. If the list is complete (either because it is not chunking or because this is the last chunk), then there are no more remaining items and this field will be left unset and omitted during serialization. Servers older than v1.15 do not set this field. The intended use of the remainingItemCount is *estimating* the size of a collection. Clients should not rely on the remainingItemCount to be set or to be exact.',
        format: 'int64',
        type: 'integer',
      },
      resourceVersion: {
        description:
          "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency",
        type: 'string',
      },
      selfLink: {
        description:
          'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.',
        type: 'string',
      },
    },
    type: 'object',
  },
  [`${M}ManagedFieldsEntry`]: {
    description:
      'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
    properties: {
      apiVersion: {
        description:
          'APIVersion defines the version of this resource that this field set applies to. The format is "group/version" just like the top-level APIVersion field. It is necessary to track the version of a field set because it cannot be automatically converted.',
        type: 'string',
      },
      fieldsType: {
        description:
          'FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"',
        type: 'string',
      },
      fieldsV1: {
        $ref: ref(`${M}FieldsV1`),
        description: 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.',
      },
      manager: {
        description: 'Manager is an identifier of the workflow managing these fields.',
        type: 'string',
      },
      operation: {
        description:
          "Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'.",
        type: 'string',
      },
      subresource: {
        description:
          'Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource. The value of this field is used to distinguish between managers, even if they share the same name. For example, a status update will be distinct from a regular update using the same manager name. Note that the APIVersion field is not related to the Subresource field and it always corresponds to the version of the main resource.',
        type: 'string',
      },
      time: {
        $ref: ref(`${M}Time`),
        description:
          'Time is the timestamp of when the ManagedFields entry was added. The timestamp will also be updated if a field is added, the manager changes any of the owned fields value or removes a field. The timestamp does not update when a field is removed from the entry because another manager took it over.',
      },
    },
    type: 'object',
  },
  [`${M}MicroTime`]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    format: 'date-time',
    type: 'string',
  },
  [`${M}ObjectMeta`]: {
    description:
      'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    properties: {
      annotations: {
        additionalProperties: { default: '', type: 'string' },
        description:
          'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations',
        type: 'object',
      },
      creationTimestamp: {
        $ref: ref(`${M}Time`),
        default: {},
        description:
          'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
      deletionGracePeriodSeconds: {
        description:
          'Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. May only be shortened. Read-only.',
        format: 'int64',
        type: 'integer',
      },
      deletionTimestamp: {
        $ref: ref(`${M}Time`),
        description:
          'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. This field is set by the server when a graceful deletion is requested by the user, and is not directly settable by a client. The resource is expected to be deleted (no longer visible from resource lists, and not reachable by name) after the time in this field, once the finalizers list is empty. As long as the finalizers list contains items, deletion is blocked. Once the deletionTimestamp is set, this value may not be unset or be set further into the future, although it may be shortened or the resource may be deleted prior to this time. For example, a user may request that a pod is deleted in 30 seconds. The Kubelet will react by sending a graceful termination signal to the containers in the pod. After that 30 seconds, the Kubelet will send a hard termination signal (SIGKILL) to the container and after cleanup, remove the pod from the API. In the presence of network partitions, this object may still exist after this timestamp, until an administrator or automated process can determine the resource is fully terminated. If not set, graceful deletion of the object has not been requested.\n\nPopulated by the system when a graceful deletion is requested. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
      finalizers: {
        description:
          'Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list. If the deletionTimestamp of the object is non-nil, entries in this list can only be removed. Finalizers may be processed and removed in any order.  Order is NOT enforced because it introduces significant risk of stuck finalizers. finalizers is a shared field, any actor with permission can reorder it. If the finalizer list is processed in order, then this can lead to a situation in which the component responsible for the first finalizer in the list is waiting for a signal (field value, external system, or other) produced by a component responsible for a finalizer later in the list, resulting in a deadlock. Without enforced ordering finalizers are free to order amongst themselves and are not vulnerable to ordering changes in the list.',
        ...stringList,
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
      },
      generateName: {
        description:
          'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. If this field is used, the name returned to the client will be different than the name passed. This value will also be combined with a unique suffix. The provided value has the same validation rules as the Name field, and may be truncated by the length of the suffix required to make the value unique on the server.\n\nIf this field is specified and the generated name exists, the server will return a 409.\n\nApplied only if Name is not specified. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#idempotency',
        type: 'string',
      },
      generation: {
        description:
          'A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.',
        format: 'int64',
        type: 'integer',
      },
      labels: {
        additionalProperties: { default: '', type: 'string' },
        description:
          'Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels',
        type: 'object',
      },
      managedFields: {
        description:
          "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn't need to set or understand this field. A workflow can be the user's name, a controller's name, or the name of a specific apply path like \"ci-cd\". The set of fields is always in the version that the workflow used when modifying the object.",
        items: { $ref: ref(`${M}ManagedFieldsEntry`), default: {} },
        type: 'array',
        'x-kubernetes-list-type': 'atomic',
      },
      name: {
        description:
          'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
        type: 'string',
      },
      namespace: {
        description:
          'Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace, but "default" is the canonical representation. Not all objects are required to be scoped to a namespace - the value of this field for those objects will be empty.\n\nMust be a DNS_LABEL. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces',
        type: 'string',
      },
      ownerReferences: {
        description:
          'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. If this object is managed by a controller, then an entry in this list will point to this controller, with the controller field set to true. There cannot be more than one managing controller.',
        items: { $ref: ref(`${M}OwnerReference`), default: {} },
        type: 'array',
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resourceVersion: {
        description:
          'An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. May be used for optimistic concurrency, change detection, and the watch operation on a resource or set of resources. Clients must treat these values as opaque and passed unmodified back to the server. They may only be valid for a particular resource or set of resources.\n\nPopulated by the system. Read-only. Value must be treated as opaque by clients and . More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency',
        type: 'string',
      },
      selfLink: {
        description:
          'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.',
        type: 'string',
      },
      uid: {
        description:
          'UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations.\n\nPopulated by the system. Read-only. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids',
        type: 'string',
      },
    },
    type: 'object',
  },
  [`${M}OwnerReference`]: {
    description:
      'OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.',
    properties: {
      apiVersion: { default: '', description: 'API version of the referent.', type: 'string' },
      blockOwnerDeletion: {
        description:
          'If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed. See https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion for how the garbage collector interacts with this field and enforces the foreground deletion. Defaults to false. To set this field, a user needs "delete" permission of the owner, otherwise 422 (Unprocessable Entity) will be returned.',
        type: 'boolean',
      },
      controller: {
        description: 'If true, this reference points to the managing controller.',
        type: 'boolean',
      },
      kind: {
        default: '',
        description:
          'Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
        type: 'string',
      },
      name: {
        default: '',
        description:
          'Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
        type: 'string',
      },
      uid: {
        default: '',
        description:
          'UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids',
        type: 'string',
      },
    },
    required: ['apiVersion', 'kind', 'name', 'uid'],
    type: 'object',
    'x-kubernetes-map-type': 'atomic',
  },
  [`${M}Patch`]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
  [`${M}Preconditions`]: {
    description: 'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
    properties: {
      resourceVersion: { description: 'Specifies the target ResourceVersion', type: 'string' },
      uid: { description: 'Specifies the target UID.', type: 'string' },
    },
    type: 'object',
  },
  [`${M}Status`]: {
    description: "Status is a return value for calls that don't return other objects.",
    properties: {
      apiVersion: apiVersionProp,
      code: {
        description: 'Suggested HTTP return code for this status, 0 if not set.',
        format: 'int32',
        type: 'integer',
      },
      details: {
        $ref: ref(`${M}StatusDetails`),
        description:
          'Extended data associated with the reason.  Each reason may define its own extended details. This field is optional and the data returned is not guaranteed to conform to any schema except that defined by the reason type.',
        'x-kubernetes-list-type': 'atomic',
      },
      kind: kindProp,
      message: {
        description: 'A human-readable description of the status of this operation.',
        type: 'string',
      },
      metadata: {
        $ref: ref(`${M}ListMeta`),
        default: {},
        description:
          'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      },
      reason: {
        description:
          'A machine-readable description of why this operation is in the "Failure" status. If this value is empty there is no information available. A Reason clarifies an HTTP status code but does not override it.',
        type: 'string',
      },
      status: {
        description:
          'Status of the operation. One of: "Success" or "Failure". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status',
        type: 'string',
      },
    },
    type: 'object',
    'x-kubernetes-group-version-kind': gvk('', 'Status'),
  },
  [`${M}StatusCause`]: {
    description:
      'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
    properties: {
      field: {
        description:
          'The field of the resource that has caused this error, as named by its JSON serialization. May include dot and postfix notation for nested attributes. Arrays are zero-indexed.  Fields may appear more than once in an array of causes due to fields having multiple errors. Optional.\n\nExamples:\n  "name" - the field "name" on the current resource\n  "items[0].name" - the field "name" on the first array entry in "items"',
        type: 'string',
      },
      message: {
        description:
          'A human-readable description of the cause of the error.  This field may be presented as-is to a reader.',
        type: 'string',
      },
      reason: {
        description:
          'A machine-readable description of the cause of the error. If this value is empty there is no information available.',
        type: 'string',
      },
    },
    type: 'object',
  },
  [`${M}StatusDetails`]: {
    description:
      'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response. The Reason field of a Status object defines what attributes will be set. Clients must ignore fields that do not match the defined type of each attribute, and should assume that any attribute may be empty, invalid, or under defined.',
    properties: {
      causes: {
        description:
          'The Causes array includes more details associated with the StatusReason failure. Not all StatusReasons may provide detailed causes.',
        items: { $ref: ref(`${M}StatusCause`), default: {} },
        type: 'array',
        'x-kubernetes-list-type': 'atomic',
      },
      group: {
        description: 'The group attribute of the resource associated with the status StatusReason.',
        type: 'string',
      },
      kind: {
        description:
          'The kind attribute of the resource associated with the status StatusReason. On some operations may differ from the requested resource Kind. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
        type: 'string',
      },
      name: {
        description:
          'The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).',
        type: 'string',
      },
      retryAfterSeconds: {
        description:
          'If specified, the time in seconds before the operation should be retried. Some errors may indicate the client must take an alternate action - for those errors this field may indicate how long to wait before taking the alternate action.',
        format: 'int32',
        type: 'integer',
      },
      uid: {
        description:
          'UID of the resource. (when there is a single resource which can be described). More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids',
        type: 'string',
      },
    },
    type: 'object',
  },
  [`${M}Time`]: {
    description:
      'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    format: 'date-time',
    type: 'string',
  },
  [`${M}WatchEvent`]: {
    description: 'Event represents a single event to a watched resource.',
    properties: {
      object: {
        $ref: '#/components/schemas/io.k8s.apimachinery.pkg.runtime.RawExtension',
        default: {},
        description:
          'Object is:\n * If Type is Added or Modified: the new state of the object.\n * If Type is Deleted: the state of the object immediately before deletion.\n * If Type is Error: *Status is recommended; other types may make sense\n   depending on context.',
      },
      type: { default: '', type: 'string' },
    },
    required: ['type', 'object'],
    type: 'object',
    'x-kubernetes-group-version-kind': [
      { group: '', kind: 'WatchEvent', version: 'v1' },
      { group: 'coordination.k8s.io', kind: 'WatchEvent', version: 'v1' },
    ],
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    description:
      'RawExtension is used to hold extensions in external versions.\n\nTo use this, make a field which has RawExtension as its type in your external, versioned struct, and Object in your internal struct. You also need to register your various plugin types.',
    type: 'object',
  },
};

// ----- paths -----

type Param = Record<string, unknown>;
const query = (name: string, type: string, description?: string): Param => ({
  ...(description ? { description } : {}),
  in: 'query',
  name,
  schema: { type, uniqueItems: true },
});
const pathParam = (name: string, description: string): Param => ({
  description,
  in: 'path',
  name,
  required: true,
  schema: { type: 'string', uniqueItems: true },
});

const p = {
  dryRun: query(
    'dryRun',
    'string',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: query(
    'fieldManager',
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  ),
  fieldManagerPatch: query(
    'fieldManager',
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).',
  ),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  ),
  force: query(
    'force',
    'boolean',
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  ),
  pretty: query(
    'pretty',
    'string',
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  ),
  namespace: pathParam('namespace', 'object name and auth scope, such as for teams and projects'),
  name: pathParam('name', 'name of the Lease'),
  labelSelector: query(
    'labelSelector',
    'string',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  fieldSelector: query(
    'fieldSelector',
    'string',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  limit: query(
    'limit',
    'integer',
    'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.',
  ),
  continue: query(
    'continue',
    'string',
    'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.',
  ),
  resourceVersion: query(
    'resourceVersion',
    'string',
    'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ),
  resourceVersionMatch: query(
    'resourceVersionMatch',
    'string',
    'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ),
  timeoutSeconds: query(
    'timeoutSeconds',
    'integer',
    'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.',
  ),
  watch: query(
    'watch',
    'boolean',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
  ),
  allowWatchBookmarks: query(
    'allowWatchBookmarks',
    'boolean',
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.',
  ),
  sendInitialEvents: query(
    'sendInitialEvents',
    'boolean',
    '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.',
  ),
  gracePeriodSeconds: query(
    'gracePeriodSeconds',
    'integer',
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  ),
  propagationPolicy: query(
    'propagationPolicy',
    'string',
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ),
  orphanDependents: query(
    'orphanDependents',
    'boolean',
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  ),
};

const listParams = [
  p.allowWatchBookmarks,
  p.continue,
  p.fieldSelector,
  p.labelSelector,
  p.limit,
  p.resourceVersion,
  p.resourceVersionMatch,
  p.sendInitialEvents,
  p.timeoutSeconds,
  p.watch,
];

const content = (schema: string, watch = false) => {
  const s = { schema: { $ref: ref(schema) } };
  return {
    'application/json': s,
    ...(watch ? { 'application/json;stream=watch': s } : {}),
    'application/vnd.kubernetes.protobuf': s,
    ...(watch ? { 'application/vnd.kubernetes.protobuf;stream=watch': s } : {}),
    'application/yaml': s,
  };
};
const responses = (schema: string, codes: Record<string, string>, watch = false) =>
  Object.fromEntries(
    Object.entries(codes).map(([code, description]) => [
      code,
      { content: content(schema, watch), description },
    ]),
  );
const body = (schema: string) => ({ content: { '*/*': { schema: { $ref: ref(schema) } } }, required: true });

const leaseGvk = { group: 'coordination.k8s.io', kind: 'Lease', version: 'v1' };
const op = (
  action: string,
  description: string,
  operationId: string,
  extra: Record<string, unknown>,
  kind: typeof leaseGvk | undefined = leaseGvk,
) => ({
  description,
  operationId,
  ...extra,
  tags: ['coordination_v1'],
  'x-kubernetes-action': action,
  ...(kind ? { 'x-kubernetes-group-version-kind': kind } : {}),
});

const L = `${C}Lease`;
const paths = {
  '/apis/coordination.k8s.io/v1/': {
    get: op(
      'get',
      'get available resources',
      'getCoordinationV1APIResources',
      { responses: responses(`${M}APIResourceList`, { '200': 'OK' }) },
      undefined,
    ),
  },
  '/apis/coordination.k8s.io/v1/leases': {
    get: op('list', 'list or watch objects of kind Lease', 'listCoordinationV1LeaseForAllNamespaces', {
      responses: responses(`${C}LeaseList`, { '200': 'OK' }, true),
    }),
    parameters: [...listParams, p.pretty],
  },
  '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases': {
    delete: op(
      'deletecollection',
      'delete collection of Lease',
      'deleteCoordinationV1CollectionNamespacedLease',
      {
        parameters: [
          p.continue,
          p.dryRun,
          p.fieldSelector,
          p.gracePeriodSeconds,
          p.labelSelector,
          p.limit,
          p.orphanDependents,
          p.propagationPolicy,
          p.resourceVersion,
          p.resourceVersionMatch,
          p.sendInitialEvents,
          p.timeoutSeconds,
        ],
        requestBody: { content: { '*/*': { schema: { $ref: ref(`${M}DeleteOptions`) } } } },
        responses: responses(`${M}Status`, { '200': 'OK' }),
      },
    ),
    get: op('list', 'list or watch objects of kind Lease', 'listCoordinationV1NamespacedLease', {
      parameters: listParams,
      responses: responses(`${C}LeaseList`, { '200': 'OK' }, true),
    }),
    parameters: [p.namespace, p.pretty],
    post: op('post', 'create a Lease', 'createCoordinationV1NamespacedLease', {
      parameters: [p.dryRun, p.fieldManager, p.fieldValidation],
      requestBody: body(L),
      responses: responses(L, { '200': 'OK', '201': 'Created', '202': 'Accepted' }),
    }),
  },
  '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}': {
    delete: op('delete', 'delete a Lease', 'deleteCoordinationV1NamespacedLease', {
      parameters: [p.dryRun, p.gracePeriodSeconds, p.orphanDependents, p.propagationPolicy],
      requestBody: { content: { '*/*': { schema: { $ref: ref(`${M}DeleteOptions`) } } } },
      responses: responses(`${M}Status`, { '200': 'OK', '202': 'Accepted' }),
    }),
    get: op('get', 'read the specified Lease', 'readCoordinationV1NamespacedLease', {
      responses: responses(L, { '200': 'OK' }),
    }),
    parameters: [p.name, p.namespace, p.pretty],
    patch: op('patch', 'partially update the specified Lease', 'patchCoordinationV1NamespacedLease', {
      parameters: [p.dryRun, p.fieldManagerPatch, p.fieldValidation, p.force],
      requestBody: {
        content: Object.fromEntries(
          [
            'application/apply-patch+yaml',
            'application/json-patch+json',
            'application/merge-patch+json',
            'application/strategic-merge-patch+json',
          ].map((t) => [t, { schema: { $ref: ref(`${M}Patch`) } }]),
        ),
        required: true,
      },
      responses: responses(L, { '200': 'OK', '201': 'Created' }),
    }),
    put: op('put', 'replace the specified Lease', 'replaceCoordinationV1NamespacedLease', {
      parameters: [p.dryRun, p.fieldManager, p.fieldValidation],
      requestBody: body(L),
      responses: responses(L, { '200': 'OK', '201': 'Created' }),
    }),
  },
  '/apis/coordination.k8s.io/v1/watch/leases': {
    get: op(
      'watchlist',
      "watch individual changes to a list of Lease. deprecated: use the 'watch' parameter with a list operation instead.",
      'watchCoordinationV1LeaseListForAllNamespaces',
      { responses: responses(`${M}WatchEvent`, { '200': 'OK' }, true) },
    ),
    parameters: [...listParams, p.pretty],
  },
  '/apis/coordination.k8s.io/v1/watch/namespaces/{namespace}/leases': {
    get: op(
      'watchlist',
      "watch individual changes to a list of Lease. deprecated: use the 'watch' parameter with a list operation instead.",
      'watchCoordinationV1NamespacedLeaseList',
      { responses: responses(`${M}WatchEvent`, { '200': 'OK' }, true) },
    ),
    parameters: [...listParams, p.namespace, p.pretty],
  },
  '/apis/coordination.k8s.io/v1/watch/namespaces/{namespace}/leases/{name}': {
    get: op(
      'watch',
      "watch changes to an object of kind Lease. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.",
      'watchCoordinationV1NamespacedLease',
      { responses: responses(`${M}WatchEvent`, { '200': 'OK' }, true) },
    ),
    parameters: [...listParams, p.name, p.namespace, p.pretty],
  },
};

/**
 * kube-openapi (since v1.28) wraps a `$ref` that has sibling keys (description, default) in `allOf`, as
 * OpenAPI 3.0 ignores a `$ref`'s siblings; kubectl explain then shows the field's own description.
 */
function wrapRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(wrapRefs);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, wrapRefs(v)] as const);
  const obj = Object.fromEntries(entries) as Record<string, unknown>;
  if (typeof obj.$ref === 'string' && Object.keys(obj).length > 1) {
    const { $ref, ...rest } = obj;
    return { allOf: [{ $ref }], ...rest };
  }
  return obj;
}

const coordinationV1 = JSON.stringify({
  components: { schemas: wrapRefs(schemas) },
  info: { title: 'Kubernetes', version: 'v1.32.0' },
  openapi: '3.0.0',
  paths,
});

/** handler3.go computeETag: the upper-case hex SHA-512 of the document. */
const coordinationV1Hash = createHash('sha512').update(coordinationV1).digest('hex').toUpperCase();

const documents: Record<string, { body: string; hash: string }> = {
  'apis/coordination.k8s.io/v1': { body: coordinationV1, hash: coordinationV1Hash },
};

export interface OpenApiResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * The response for an `/openapi/v3…` path, or undefined for any other path. Like kube-apiserver, it is
 * served to any authenticated caller (system:discovery grants it; no resource RBAC is consulted).
 */
export function openApiResponse(pathname: string, query: URLSearchParams): OpenApiResponse | undefined {
  if (pathname === '/openapi/v3' || pathname === '/openapi/v3/') {
    const index = {
      paths: Object.fromEntries(
        Object.entries(documents).map(([gv, d]) => [
          gv,
          { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.hash}` },
        ]),
      ),
    };
    return { status: 200, body: JSON.stringify(index), headers: { 'Content-Type': 'application/json' } };
  }
  if (!pathname.startsWith('/openapi/v3/')) return undefined;
  const doc = documents[pathname.slice('/openapi/v3/'.length)];
  if (!doc) {
    return {
      status: 404,
      body: '404 page not found\n',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    };
  }
  const hash = query.get('hash');
  if (hash !== null && hash !== doc.hash) {
    // handler3.go: an outdated hash is redirected to the current one (301, never cached).
    return {
      status: 301,
      body: '',
      headers: {
        Location: `${pathname}?hash=${doc.hash}`,
        'Cache-Control': 'no-cache, no-store, must-revalidate',
      },
    };
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Etag: `"${doc.hash}"` };
  if (hash !== null) headers['Cache-Control'] = 'public, immutable';
  else headers['Cache-Control'] = 'no-cache, no-store, must-revalidate';
  return { status: 200, body: doc.body, headers };
}

import { type KubeObject, rfc3339 } from './kube-object.ts';
import { SeededRandom } from './random.ts';

/**
 * Nodes shaped like the ones an EKS cluster (1.32, Amazon Linux 2023) returns to `kubectl get node -o yaml`:
 * the label and annotation sets of a managed node group or of a Karpenter-provisioned node, the
 * managedFields the kubelet, the cloud controller manager and kube-controller-manager leave, and a status
 * as the kubelet's setters write it (pkg/kubelet/nodestatus/setters.go: addresses, capacity/allocatable,
 * nodeInfo, images capped at --node-status-max-images=50 and sorted by size, daemonEndpoints, conditions,
 * runtimeHandlers, features). Serialized, each is ~15–25 KB, as real nodes are, so list payloads weigh
 * what they weigh on a real cluster.
 */

/** Images an EKS worker commonly holds: add-ons first, then typical workloads. */
const imagePool: readonly { repo: string; tag: string; mb: number }[] = [
  { repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni', tag: 'v1.19.2-eksbuild.1', mb: 47 },
  {
    repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni-init',
    tag: 'v1.19.2-eksbuild.1',
    mb: 62,
  },
  {
    repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon/aws-network-policy-agent',
    tag: 'v1.1.6-eksbuild.1',
    mb: 32,
  },
  {
    repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/kube-proxy',
    tag: 'v1.32.0-minimal-eksbuild.2',
    mb: 36,
  },
  { repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/coredns', tag: 'v1.11.4-eksbuild.2', mb: 25 },
  { repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/pause', tag: '3.10', mb: 1 },
  { repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/aws-ebs-csi-driver', tag: 'v1.38.1', mb: 78 },
  {
    repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/csi-node-driver-registrar',
    tag: 'v2.12.0-eks-1-32-1',
    mb: 14,
  },
  {
    repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/livenessprobe',
    tag: 'v2.14.0-eks-1-32-1',
    mb: 13,
  },
  {
    repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/csi-provisioner',
    tag: 'v5.1.0-eks-1-32-1',
    mb: 28,
  },
  { repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/csi-attacher', tag: 'v4.7.0-eks-1-32-1', mb: 27 },
  { repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/csi-resizer', tag: 'v1.12.0-eks-1-32-1', mb: 27 },
  {
    repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/csi-snapshotter',
    tag: 'v8.1.0-eks-1-32-1',
    mb: 26,
  },
  { repo: '602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/eks-pod-identity-agent', tag: '0.1.12', mb: 21 },
  { repo: 'public.ecr.aws/eks/aws-load-balancer-controller', tag: 'v2.11.0', mb: 41 },
  { repo: 'public.ecr.aws/karpenter/controller', tag: '1.2.1', mb: 53 },
  { repo: 'public.ecr.aws/aws-observability/aws-for-fluent-bit', tag: '2.32.5', mb: 104 },
  {
    repo: 'public.ecr.aws/aws-secrets-manager/secrets-store-csi-driver-provider-aws',
    tag: '1.0.r2-80',
    mb: 22,
  },
  { repo: 'registry.k8s.io/csi-secrets-store/driver', tag: 'v1.4.7', mb: 31 },
  { repo: 'registry.k8s.io/metrics-server/metrics-server', tag: 'v0.7.2', mb: 19 },
  { repo: 'registry.k8s.io/kube-state-metrics/kube-state-metrics', tag: 'v2.14.0', mb: 17 },
  { repo: 'registry.k8s.io/autoscaling/cluster-autoscaler', tag: 'v1.32.0', mb: 39 },
  { repo: 'registry.k8s.io/ingress-nginx/controller', tag: 'v1.12.0', mb: 110 },
  { repo: 'quay.io/prometheus/node-exporter', tag: 'v1.8.2', mb: 11 },
  { repo: 'quay.io/prometheus/prometheus', tag: 'v3.1.0', mb: 132 },
  { repo: 'quay.io/prometheus-operator/prometheus-config-reloader', tag: 'v0.79.2', mb: 13 },
  { repo: 'quay.io/prometheus-operator/prometheus-operator', tag: 'v0.79.2', mb: 16 },
  { repo: 'quay.io/jetstack/cert-manager-controller', tag: 'v1.16.3', mb: 22 },
  { repo: 'quay.io/jetstack/cert-manager-webhook', tag: 'v1.16.3', mb: 19 },
  { repo: 'quay.io/jetstack/cert-manager-cainjector', tag: 'v1.16.3', mb: 17 },
  { repo: 'quay.io/argoproj/argocd', tag: 'v2.13.3', mb: 175 },
  { repo: 'ghcr.io/dexidp/dex', tag: 'v2.41.1', mb: 37 },
  { repo: 'docker.io/grafana/grafana', tag: '11.4.0', mb: 128 },
  { repo: 'docker.io/grafana/loki', tag: '3.3.2', mb: 39 },
  { repo: 'docker.io/grafana/promtail', tag: '3.3.2', mb: 76 },
  { repo: 'docker.io/datadog/agent', tag: '7.61.0', mb: 482 },
  { repo: 'docker.io/istio/proxyv2', tag: '1.24.2', mb: 98 },
  { repo: 'docker.io/istio/pilot', tag: '1.24.2', mb: 67 },
  { repo: 'docker.io/library/redis', tag: '7.4.2-alpine', mb: 17 },
  { repo: 'docker.io/library/nginx', tag: '1.27.3-alpine', mb: 20 },
  { repo: 'docker.io/bitnami/kubectl', tag: '1.32.0', mb: 89 },
  { repo: 'docker.io/fluent/fluent-bit', tag: '3.2.4', mb: 37 },
  { repo: 'docker.io/envoyproxy/envoy', tag: 'v1.32.3', mb: 68 },
  { repo: 'docker.io/openpolicyagent/gatekeeper', tag: 'v3.18.2', mb: 33 },
  { repo: 'docker.io/kyverno/kyverno', tag: 'v1.13.2', mb: 43 },
  { repo: 'ghcr.io/external-secrets/external-secrets', tag: 'v0.12.1', mb: 41 },
  { repo: 'ghcr.io/fluxcd/source-controller', tag: 'v1.4.1', mb: 31 },
  { repo: 'ghcr.io/fluxcd/kustomize-controller', tag: 'v1.4.0', mb: 38 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api', tag: '2025.01.14-3f2c1ab', mb: 212 },
  {
    repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/worker',
    tag: '2025.01.14-3f2c1ab',
    mb: 198,
  },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout/web', tag: '4.18.2', mb: 143 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout/cart', tag: '4.18.2', mb: 121 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/search/indexer', tag: '1.42.0', mb: 356 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/search/query', tag: '1.42.0', mb: 287 },
  {
    repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-pipelines/trainer',
    tag: 'cu124-2.5.1',
    mb: 4_812,
  },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-pipelines/feature-store', tag: '0.9.3', mb: 642 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/platform/lease-controller', tag: 'v1.4.2', mb: 24 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/platform/admission-webhook', tag: 'v3.0.7', mb: 29 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/platform/otel-collector', tag: '0.117.0', mb: 93 },
  { repo: '123456789012.dkr.ecr.us-east-1.amazonaws.com/platform/vector', tag: '0.43.1', mb: 118 },
];

/** Each pool image's digest, fixed (independent of any scenario seed). */
const digests = (() => {
  const r = new SeededRandom(0x1ba9e);
  return imagePool.map(() => r.hex(64));
})();

/** The kubelet reports at most this many images (--node-status-max-images default). */
const maxImages = 50;
/** The first images are the add-ons every node runs (DaemonSets); the rest vary per node. */
const daemonSetImages = 9;

function nodeImages(r: SeededRandom): { names: string[]; sizeBytes: number }[] {
  const picked = new Set<number>(Array.from({ length: daemonSetImages }, (_, i) => i));
  const want = r.int(28, maxImages + 1);
  while (picked.size < want) picked.add(r.int(daemonSetImages, imagePool.length));
  // setters.go Images: sorted by size, largest first, then cut at the maximum.
  return [...picked]
    .map((i) => {
      const img = imagePool[i] ?? imagePool[0];
      const mb = img?.mb ?? 1;
      return {
        names: [`${img?.repo}@sha256:${digests[i]}`, `${img?.repo}:${img?.tag}`],
        sizeBytes: mb * 1_048_576 + ((i * 7_919) % 1_000_000),
      };
    })
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, maxImages);
}

const instanceTypes = [
  { type: 'm6i.xlarge', cpu: 4, memKi: 16_070_072, pods: 58, family: 'm6i', category: 'm', size: 'xlarge' },
  { type: 'm6i.2xlarge', cpu: 8, memKi: 32_386_312, pods: 58, family: 'm6i', category: 'm', size: '2xlarge' },
  { type: 'c6i.2xlarge', cpu: 8, memKi: 15_834_972, pods: 58, family: 'c6i', category: 'c', size: '2xlarge' },
  { type: 'r6i.xlarge', cpu: 4, memKi: 32_386_312, pods: 58, family: 'r6i', category: 'r', size: 'xlarge' },
] as const;

const zones = [
  { zone: 'us-east-1a', id: 'use1-az1' },
  { zone: 'us-east-1b', id: 'use1-az2' },
  { zone: 'us-east-1c', id: 'use1-az4' },
] as const;

/** A fieldsV1 set with `.` for the map itself and an empty entry per key (as structured-merge-diff writes). */
const fieldSet = (keys: readonly string[]) =>
  Object.fromEntries([['.', {}], ...keys.map((k) => [`f:${k}`, {}])]);

export interface EksNodeOptions {
  name: string;
  uid: string;
  createdMs: number;
  nowMs: number;
  ready: boolean;
}

/** An EKS worker Node; one in three is Karpenter-provisioned, the others belong to a managed node group. */
export function eksNode(o: EksNodeOptions, r: SeededRandom): KubeObject {
  const karpenter = r.int(0, 3) === 0;
  const it = r.pick(instanceTypes);
  const z = r.pick(zones);
  const ip = `10.0.${r.int(0, 256)}.${r.int(1, 255)}`;
  const dns = `ip-${ip.replaceAll('.', '-')}.ec2.internal`;
  const instanceId = `i-0${r.hex(16)}`;
  const created = rfc3339(o.createdMs);
  const heartbeat = rfc3339(o.nowMs - r.int(0, 30_000));
  const registered = rfc3339(o.createdMs + r.int(20_000, 60_000));

  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': it.type,
    'beta.kubernetes.io/os': 'linux',
    'failure-domain.beta.kubernetes.io/region': 'us-east-1',
    'failure-domain.beta.kubernetes.io/zone': z.zone,
    'k8s.io/cloud-provider-aws': 'a94967527effcefb5f5829f529c0a1b9',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': o.name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': it.type,
    'topology.ebs.csi.aws.com/zone': z.zone,
    'topology.k8s.aws/zone-id': z.id,
    'topology.kubernetes.io/region': 'us-east-1',
    'topology.kubernetes.io/zone': z.zone,
  };
  const annotations: Record<string, string> = {
    'alpha.kubernetes.io/provided-node-ip': ip,
    'csi.volume.kubernetes.io/nodeid': `{"ebs.csi.aws.com":"${instanceId}"}`,
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  const metadataExtra: Record<string, unknown> = {};
  if (karpenter) {
    Object.assign(labels, {
      'karpenter.k8s.aws/ec2nodeclass': 'default',
      'karpenter.k8s.aws/instance-category': it.category,
      'karpenter.k8s.aws/instance-cpu': String(it.cpu),
      'karpenter.k8s.aws/instance-cpu-manufacturer': 'intel',
      'karpenter.k8s.aws/instance-ebs-bandwidth': '10000',
      'karpenter.k8s.aws/instance-encryption-in-transit-supported': 'true',
      'karpenter.k8s.aws/instance-family': it.family,
      'karpenter.k8s.aws/instance-generation': '6',
      'karpenter.k8s.aws/instance-hypervisor': 'nitro',
      'karpenter.k8s.aws/instance-memory': String(Math.round(it.memKi / 1024 / 1024) * 1024),
      'karpenter.k8s.aws/instance-network-bandwidth': '1562',
      'karpenter.k8s.aws/instance-size': it.size,
      'karpenter.sh/capacity-type': r.pick(['on-demand', 'spot']),
      'karpenter.sh/initialized': 'true',
      'karpenter.sh/nodepool': 'default',
      'karpenter.sh/registered': 'true',
    });
    Object.assign(annotations, {
      'karpenter.k8s.aws/ec2nodeclass-hash': String(r.int(1e15, 9e15)),
      'karpenter.k8s.aws/ec2nodeclass-hash-version': 'v4',
      'karpenter.sh/nodepool-hash': String(r.int(1e15, 9e15)),
      'karpenter.sh/nodepool-hash-version': 'v3',
    });
    metadataExtra.finalizers = ['karpenter.sh/termination'];
    metadataExtra.ownerReferences = [
      {
        apiVersion: 'karpenter.sh/v1',
        blockOwnerDeletion: true,
        kind: 'NodeClaim',
        name: `default-${r.hex(5)}`,
        uid: r.uuid(),
      },
    ];
  } else {
    Object.assign(labels, {
      'eks.amazonaws.com/capacityType': 'ON_DEMAND',
      'eks.amazonaws.com/nodegroup': 'general-purpose',
      'eks.amazonaws.com/nodegroup-image': 'ami-0c2b8ca1dad447f8a',
      'eks.amazonaws.com/sourceLaunchTemplateId': 'lt-0f1e2d3c4b5a69788',
      'eks.amazonaws.com/sourceLaunchTemplateVersion': '1',
    });
  }
  const sortedLabels = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

  const capacity = {
    cpu: String(it.cpu),
    'ephemeral-storage': '83873772Ki',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${it.memKi}Ki`,
    pods: String(it.pods),
  };
  const allocatable = {
    ...capacity,
    cpu: `${it.cpu * 1000 - 80}m`,
    'ephemeral-storage': '76224326324',
    memory: `${it.memKi - 1_016_832}Ki`,
  };
  const condition = (type: string, status: string, reason: string, message: string) => ({
    lastHeartbeatTime: heartbeat,
    lastTransitionTime:
      o.ready || type !== 'Ready' ? registered : rfc3339(o.nowMs - r.int(300_000, 1_800_000)),
    message,
    reason,
    status,
    type,
  });
  const conditions = [
    condition(
      'MemoryPressure',
      'False',
      'KubeletHasSufficientMemory',
      'kubelet has sufficient memory available',
    ),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    o.ready
      ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : condition('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
  ];

  // managedFields: who wrote what, as the apiserver's field manager records it.
  const kubeletLabels = Object.keys(labels).filter(
    (k) =>
      !k.startsWith('karpenter.') &&
      k !== 'topology.k8s.aws/zone-id' &&
      k !== 'topology.ebs.csi.aws.com/zone',
  );
  const managedFields: Record<string, unknown>[] = [
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          'f:annotations': fieldSet([
            'alpha.kubernetes.io/provided-node-ip',
            'volumes.kubernetes.io/controller-managed-attach-detach',
          ]),
          'f:labels': fieldSet(kubeletLabels),
        },
        'f:spec': { 'f:providerID': {} },
      },
      manager: 'kubelet',
      operation: 'Update',
      time: registered,
    },
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:topology.k8s.aws/zone-id': {} } } },
      manager: 'aws-cloud-controller-manager',
      operation: 'Update',
      time: registered,
    },
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:node.alpha.kubernetes.io/ttl': {} } } },
      manager: 'kube-controller-manager',
      operation: 'Update',
      time: registered,
    },
    ...(karpenter
      ? [
          {
            apiVersion: 'v1',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:metadata': {
                'f:annotations': {
                  'f:karpenter.k8s.aws/ec2nodeclass-hash': {},
                  'f:karpenter.k8s.aws/ec2nodeclass-hash-version': {},
                  'f:karpenter.sh/nodepool-hash': {},
                  'f:karpenter.sh/nodepool-hash-version': {},
                },
                'f:finalizers': { '.': {}, 'v:"karpenter.sh/termination"': {} },
                'f:labels': fieldSet(Object.keys(labels).filter((k) => k.startsWith('karpenter.'))),
                'f:ownerReferences': {
                  '.': {},
                  [`k:{"uid":"${(metadataExtra.ownerReferences as { uid: string }[])[0]?.uid}"}`]: {},
                },
              },
            },
            manager: 'karpenter',
            operation: 'Update',
            time: registered,
          },
        ]
      : []),
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:annotations': { 'f:csi.volume.kubernetes.io/nodeid': {} } },
        'f:status': {
          'f:allocatable': { 'f:ephemeral-storage': {} },
          'f:conditions': Object.fromEntries(
            conditions.map((c) => [`k:{"type":"${c.type}"}`, { 'f:lastHeartbeatTime': {} }]),
          ),
          'f:images': {},
        },
      },
      manager: 'kubelet',
      operation: 'Update',
      subresource: 'status',
      time: heartbeat,
    },
  ];

  return {
    metadata: {
      name: o.name,
      uid: o.uid,
      creationTimestamp: created,
      labels: sortedLabels,
      annotations,
      ...metadataExtra,
      managedFields,
    },
    spec: { providerID: `aws:///${z.zone}/${instanceId}` },
    status: {
      addresses: [
        { address: ip, type: 'InternalIP' },
        { address: dns, type: 'InternalDNS' },
        { address: dns, type: 'Hostname' },
      ],
      allocatable,
      capacity,
      conditions,
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      features: { supplementalGroupsPolicy: true },
      images: nodeImages(r),
      nodeInfo: {
        architecture: 'amd64',
        bootID: r.uuid(),
        containerRuntimeVersion: 'containerd://1.7.25',
        kernelVersion: '6.1.124-134.200.amzn2023.x86_64',
        kubeProxyVersion: 'v1.32.0-eks-aeac579',
        kubeletVersion: 'v1.32.0-eks-aeac579',
        machineID: r.hex(32),
        operatingSystem: 'linux',
        osImage: 'Amazon Linux 2023.6.20250123',
        systemUUID: `ec2${r.hex(5)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}`,
      },
      runtimeHandlers: [
        { features: { recursiveReadOnlyMounts: true, userNamespaces: true }, name: '' },
        { features: { recursiveReadOnlyMounts: true, userNamespaces: true }, name: 'runc' },
      ],
    },
  };
}

/**
 * The managedFields a kubelet leaves on its heartbeat lease (pkg/kubelet/nodelease creates it with the
 * owner reference and spec; every renewal is an Update by manager `kubelet`).
 */
export function kubeletLeaseManagedFields(
  ownerUid: string | undefined,
  renewMs: number,
): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'coordination.k8s.io/v1',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        ...(ownerUid
          ? { 'f:metadata': { 'f:ownerReferences': { '.': {}, [`k:{"uid":"${ownerUid}"}`]: {} } } }
          : {}),
        'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
      },
      manager: 'kubelet',
      operation: 'Update',
      time: rfc3339(renewMs),
    },
  ];
}

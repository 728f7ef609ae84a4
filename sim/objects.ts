import { type KubeObject, microTime, rfc3339 } from './kube-object.ts';
import type { SeededRandom } from './random.ts';

/**
 * Builders for objects shaped like the ones real clusters hold: kubelet node leases, EKS-like Nodes,
 * apiserver identity leases of each Kubernetes generation, client-go leader-election leases, Pods.
 */

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Container images a node reports; one shared array, as nodes of a pool pull the same images. */
const nodeImages = [
  'amazon/aws-node:v1.19.2',
  'amazon/aws-network-policy-agent:v1.1.6',
  'eks/kube-proxy:v1.32.0-eksbuild.2',
  'eks/coredns:v1.11.4-eksbuild.2',
  'ebs-csi-driver/aws-ebs-csi-driver:v1.38.1',
  'eks-distro/kubernetes-csi/livenessprobe:v2.14.0',
  'eks-distro/kubernetes-csi/node-driver-registrar:v2.12.0',
  'eks/pause:3.10',
  'prometheus/node-exporter:v1.8.2',
  'fluent/fluent-bit:3.2.2',
  'datadog/agent:7.60.0',
  'istio/proxyv2:1.24.2',
].map((image, i) => ({
  names: [
    `602401143452.dkr.ecr.us-east-1.amazonaws.com/${image.split(':')[0]}@sha256:${(i + 1).toString(16).padStart(2, '0').repeat(32)}`,
    `602401143452.dkr.ecr.us-east-1.amazonaws.com/${image}`,
  ],
  sizeBytes: 10_000_000 + i * 7_654_321,
}));

export function nodeObject(
  name: string,
  uid: string,
  r: SeededRandom,
  createdMs: number,
  nowMs: number,
  ready = true,
): KubeObject {
  const zone = r.pick(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  const ip = `10.${r.int(0, 256)}.${r.int(0, 256)}.${r.int(1, 255)}`;
  const heartbeat = rfc3339(nowMs - r.int(0, 30_000));
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: rfc3339(createdMs),
    reason,
    message,
  });
  const resources = {
    cpu: '4',
    'ephemeral-storage': '83873772Ki',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '16070072Ki',
    pods: '58',
  };
  return {
    metadata: {
      name,
      uid,
      creationTimestamp: rfc3339(createdMs),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'm6i.xlarge',
        'beta.kubernetes.io/os': 'linux',
        'eks.amazonaws.com/capacityType': 'ON_DEMAND',
        'eks.amazonaws.com/nodegroup': 'general-purpose',
        'eks.amazonaws.com/nodegroup-image': 'ami-0c2b8ca1dad447f8a',
        'failure-domain.beta.kubernetes.io/region': 'us-east-1',
        'failure-domain.beta.kubernetes.io/zone': zone,
        'k8s.io/cloud-provider-aws': 'a94967527effcefb5f5829f529c0a1b9',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.xlarge',
        'topology.ebs.csi.aws.com/zone': zone,
        'topology.kubernetes.io/region': 'us-east-1',
        'topology.kubernetes.io/zone': zone,
      },
      annotations: {
        'alpha.kubernetes.io/provided-node-ip': ip,
        'csi.volume.kubernetes.io/nodeid': `{"ebs.csi.aws.com":"i-0${r.hex(16)}"}`,
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { providerID: `aws:///${zone}/i-0${r.hex(16)}` },
    status: {
      capacity: resources,
      allocatable: { ...resources, cpu: '3920m', memory: '15053240Ki' },
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready
          ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : condition('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
      ],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'InternalDNS', address: `ip-${ip.replaceAll('.', '-')}.ec2.internal` },
        { type: 'Hostname', address: `ip-${ip.replaceAll('.', '-')}.ec2.internal` },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: r.hex(32),
        systemUUID: r.uuid(),
        bootID: r.uuid(),
        kernelVersion: '6.1.119-129.201.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.6.20241212',
        containerRuntimeVersion: 'containerd://1.7.23',
        kubeletVersion: 'v1.32.0-eks-aeac579',
        kubeProxyVersion: 'v1.32.0-eks-aeac579',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: nodeImages,
    },
  };
}

/** A kubelet's heartbeat lease: name = node name = holder, owned by its Node, 40 s duration. */
export function nodeLease(
  nodeName: string,
  owner: { uid: string } | undefined,
  renewMs: number,
  createdMs: number,
): KubeObject {
  return {
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      creationTimestamp: rfc3339(createdMs),
      ...(owner
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: owner.uid }] }
        : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: microTime(renewMs) },
  };
}

export type ApiServerIdentityStyle = '1.20' | '1.26' | '1.27';

/**
 * A kube-apiserver identity lease in kube-system. Names and labels changed across releases:
 * 1.20–1.25 `kube-apiserver-<uuid>` + `k8s.io/component`; 1.26 `kube-apiserver-<hash>` + `k8s.io/component`;
 * 1.27+ `apiserver-<hash>` + `apiserver.kubernetes.io/identity`.
 */
export function apiServerIdentityLease(
  style: ApiServerIdentityStyle,
  hostname: string,
  r: SeededRandom,
  renewMs: number,
  createdMs: number,
): KubeObject {
  const id =
    style === '1.20'
      ? `kube-apiserver-${r.uuid()}`
      : `${style === '1.26' ? 'kube-apiserver' : 'apiserver'}-${r.hex(26)}`;
  const componentLabel: Record<string, string> =
    style === '1.27'
      ? { 'apiserver.kubernetes.io/identity': 'kube-apiserver' }
      : { 'k8s.io/component': 'kube-apiserver' };
  return {
    metadata: {
      name: id,
      namespace: 'kube-system',
      creationTimestamp: rfc3339(createdMs),
      labels: { ...componentLabel, 'kubernetes.io/hostname': hostname },
    },
    spec: { holderIdentity: `${id}_${r.uuid()}`, leaseDurationSeconds: 3600, renewTime: microTime(renewMs) },
  };
}

export interface LeaderLeaseOptions {
  namespace: string;
  name: string;
  holder: string;
  renewMs: number;
  acquireMs: number;
  createdMs: number;
  durationSeconds?: number;
  transitions?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Coordinated leader election (1.31+) fields. */
  strategy?: string;
  preferredHolder?: string;
}

/** A client-go leader-election lease (15 s by default); a released one has an empty holder and 1 s duration. */
export function leaderLease(o: LeaderLeaseOptions): KubeObject {
  return {
    metadata: {
      name: o.name,
      namespace: o.namespace,
      creationTimestamp: rfc3339(o.createdMs),
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      holderIdentity: o.holder,
      leaseDurationSeconds: o.durationSeconds ?? 15,
      acquireTime: microTime(o.acquireMs),
      renewTime: microTime(o.renewMs),
      leaseTransitions: o.transitions ?? 0,
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.preferredHolder ? { preferredHolder: o.preferredHolder } : {}),
    },
  };
}

export function podObject(
  namespace: string,
  name: string,
  nodeName: string,
  phase: string,
  createdMs: number,
): KubeObject {
  return {
    metadata: {
      name,
      namespace,
      creationTimestamp: rfc3339(createdMs),
      labels: { app: name.split('-')[0] ?? name },
    },
    spec: {
      nodeName,
      containers: [{ name: 'manager', image: 'registry.example.com/controller:v1.4.2' }],
    },
    status: { phase, podIP: '10.0.0.1', startTime: rfc3339(createdMs) },
  };
}

export function namespaceObject(name: string, createdMs: number): KubeObject {
  return {
    metadata: {
      name,
      creationTimestamp: rfc3339(createdMs),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

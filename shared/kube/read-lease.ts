import type { KubeClient } from './kube-client.ts';

/**
 * One lease, read whole as the server holds it, or undefined when it does not exist. Read as a list by name
 * (`fieldSelector=metadata.name=`), the `list` verb the audit's RBAC already grants, so neither a saved plan's
 * apply nor a tombstone needs `get` too. kube-apiserver's lease registry supports the metadata.name field
 * selector (`DefaultClusterScopedAttr`/`DefaultNamespaceScopedAttr` in k8s.io/apiserver `pkg/registry/generic`).
 */
export async function readLease(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const res = await client.request({
    method: 'GET',
    path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`,
    query: { fieldSelector: `metadata.name=${name}` },
    operation: `read lease ${namespace}/${name}`,
  });
  const items = (JSON.parse(res.text) as { items?: unknown }).items;
  // The selector is the server's to honour; the name and namespace are checked here all the same.
  return (Array.isArray(items) ? items : []).find((item): item is Record<string, unknown> => {
    const metadata = objectOf(objectOf(item)?.metadata);
    return metadata?.namespace === namespace && metadata.name === name;
  });
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

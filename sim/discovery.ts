import { authorizationGroup, authorizationResources } from './access-review.ts';
import { allResources, type ResourceDef } from './resources.ts';

/**
 * Legacy discovery documents (`/api`, `/apis`, group-versions). kubectl asks for aggregated discovery
 * first and falls back to these when the response is plain `application/json`, as with older servers.
 */
export const SIM_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-lease-reaper-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const groupOf = (def: ResourceDef) => def.group;

function resourceList(groupVersion: string, defs: readonly ResourceDef[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: defs.map((d) => ({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs,
      ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    })),
  };
}

// authorization.k8s.io serves SelfSubjectAccessReview (sim/access-review.ts), which has no stored objects.
const groups = [...new Set([...allResources.map(groupOf).filter((g) => g !== ''), authorizationGroup])];

const apiGroup = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
  preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
});

/** The discovery document served at `path`, or undefined when the path is not a discovery path. */
export function discoveryDocument(path: string, serverAddress: string): unknown {
  if (path === '/version') return SIM_VERSION;
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  if (path === '/api/v1')
    return resourceList(
      'v1',
      allResources.filter((d) => d.group === ''),
    );
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
  for (const g of groups) {
    if (path === `/apis/${g}`) return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) };
    if (path === `/apis/${g}/v1`) {
      if (g === authorizationGroup) return authorizationResources;
      return resourceList(
        `${g}/v1`,
        allResources.filter((d) => d.group === g),
      );
    }
  }
  return undefined;
}

export function findResource(group: string, resource: string): ResourceDef | undefined {
  return allResources.find((d) => d.group === group && d.resource === resource);
}

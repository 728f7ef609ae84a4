import { authorizationGroup, authorizationResources } from './access-review.ts';
import { allResources, type ResourceDef, versionOf } from './resources.ts';

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

/** `/version` of a sim that emulates another minor release (only LeaseCandidate serving depends on it). */
export function simVersion(minor: number): typeof SIM_VERSION {
  if (String(minor) === SIM_VERSION.minor) return SIM_VERSION;
  return { ...SIM_VERSION, minor: String(minor), gitVersion: `v1.${minor}.0-lease-reaper-sim` };
}

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

/**
 * Stable before beta before alpha, as the group's versions are listed and the preferred one picked
 * (k8s.io/apimachinery `pkg/version/helpers.go` CompareKubeAwareVersionStrings, used by
 * staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go for a group's version order).
 */
function versionRank(v: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return 0;
  const stage = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return stage * 1e6 + Number(m[1]) * 1e3 + Number(m[3] ?? 0);
}

/** The discovery of one simulated apiserver: the resources it serves, each at its own group-version. */
export class Discovery {
  /** group → versions it serves, preferred first. */
  private readonly groupVersions = new Map<string, string[]>();

  constructor(
    readonly served: readonly ResourceDef[] = allResources,
    private readonly version: typeof SIM_VERSION = SIM_VERSION,
  ) {
    for (const d of served) {
      if (d.group === '') continue;
      const versions = this.groupVersions.get(d.group) ?? [];
      if (!versions.includes(versionOf(d))) versions.push(versionOf(d));
      this.groupVersions.set(d.group, versions);
    }
    // authorization.k8s.io serves SelfSubjectAccessReview (sim/access-review.ts), which has no stored objects.
    if (!this.groupVersions.has(authorizationGroup)) this.groupVersions.set(authorizationGroup, ['v1']);
    for (const versions of this.groupVersions.values())
      versions.sort((a, b) => versionRank(b) - versionRank(a));
  }

  private apiGroup(name: string) {
    const versions = this.groupVersions.get(name) ?? [];
    const preferred = versions[0] ?? 'v1';
    return {
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
    };
  }

  /** The discovery document served at `path`, or undefined when the path is not a discovery path. */
  document(path: string, serverAddress: string): unknown {
    if (path === '/version') return this.version;
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
        this.served.filter((d) => d.group === ''),
      );
    if (path === '/apis') {
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...this.groupVersions.keys()].map((g) => this.apiGroup(g)),
      };
    }
    for (const [g, versions] of this.groupVersions) {
      if (path === `/apis/${g}`) return { kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroup(g) };
      for (const v of versions) {
        if (path !== `/apis/${g}/${v}`) continue;
        if (g === authorizationGroup) return authorizationResources;
        return resourceList(
          `${g}/${v}`,
          this.served.filter((d) => d.group === g && versionOf(d) === v),
        );
      }
    }
    return undefined;
  }

  /** The served resource at group/version/resource, if any. */
  find(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.served.find((d) => d.group === group && d.resource === resource && versionOf(d) === version);
  }
}

const defaultDiscovery = new Discovery();

/** The discovery document of a default sim (leases, nodes, pods, namespaces at v1). */
export function discoveryDocument(path: string, serverAddress: string): unknown {
  return defaultDiscovery.document(path, serverAddress);
}

export function findResource(group: string, resource: string): ResourceDef | undefined {
  return allResources.find((d) => d.group === group && d.resource === resource);
}

/** lease-reaper's version; a unit test keeps it equal to package.json's. */
export const VERSION = '0.1.0';

/** Go's names for Node's architectures, as Kubernetes clients spell them in their User-Agent. */
const goArch: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm: 'arm' };

/**
 * The User-Agent every request carries, in client-go's form (`kubectl/v1.32.4 (linux/amd64) …`), so a
 * cluster's audit log attributes lease-reaper's lists and deletes to it.
 */
export function userAgent(platform: string = process.platform, arch: string = process.arch): string {
  return `lease-reaper/${VERSION} (${platform}/${goArch[arch] ?? arch})`;
}

import { createHash, createHmac } from 'node:crypto';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * What the cluster side does with an EKS bearer token — a JUDGE for the product's tokens, so it imports
 * nothing from shared/. Written from kubernetes-sigs/aws-iam-authenticator at 81b1daba (2026-07-14):
 * - pkg/token/token.go `Verify`: prefix `k8s-aws-v1.`, ≤ 4 KiB, base64url, https, host (below), path `/`,
 *   no duplicate or non-whitelisted query parameter, Action=GetCallerIdentity, x-k8s-aws-id among the
 *   signed headers, 0 ≤ X-Amz-Expires ≤ 900, X-Amz-Date present and not older than
 *   `presignedURLExpiration` (15 min); then it GETs the URL with `x-k8s-aws-id: <its cluster id>`.
 * - token.go `verifySTSHostnameFormat` / `getStsRegion`: the host's region is its second label
 *   (`sts.amazonaws.com` is "global", accepted in the aws partition only); the host must be one the SDK's
 *   STS endpoint resolver gives for that region (FIPS and dual-stack included) — or a default host of the
 *   verifier's own partition and region — and its domain (labels 3…) must be the verifier's partition's.
 * - pkg/endpoints/partitions.go: the partition domains below, transcribed.
 * STS then answers the GET: the SigV4 signature must match (computed here by hand from the SigV4 spec,
 * not with the SDK's signer), the credential scope must be the host's region and `sts`, the request not
 * older than 15 minutes, and the signing credentials not expired (ExpiredToken).
 */

/** partitions.go `GetSTSPartitionDomain`. */
export const STS_PARTITION_DOMAIN: Readonly<Record<string, string>> = {
  aws: 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-us-gov': 'amazonaws.com',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
  'aws-eusc': 'amazonaws.eu',
};
/** partitions.go `GetSTSDualStackPartitionDomain`. */
const STS_DUAL_STACK_DOMAIN: Readonly<Record<string, string>> = {
  aws: 'api.aws',
  'aws-us-gov': 'api.aws',
  'aws-cn': 'api.amazonwebservices.com.cn',
  'aws-eusc': 'api.amazonwebservices.eu',
};

const PARAMETER_WHITELIST = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);
const PRESIGNED_URL_EXPIRATION_MS = 15 * 60_000;
const REGION_FORMAT = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

/** The STS endpoint resolver the Go verifier calls (`sts.NewDefaultEndpointResolverV2`), in its JS build. */
const stsEndpoints = new STSClient({ region: 'us-east-1' }).config.endpointProvider;

function getStsRegion(host: string): string {
  const parts = host.split('.');
  if (parts.length < 3) throw new Error(`invalid host format: ${host}`);
  return host === 'sts.amazonaws.com' ? 'global' : (parts[1] ?? '');
}

/** token.go `verifyHost`: a host once accepted is remembered (`validSTShostnames`); refusals are not. */
const acceptedHosts = new Set<string>();

/** token.go `verifyHost` / `verifySTSHostnameFormat`: undefined when the host is accepted, else the reason. */
export function verifyStsHost(host: string, partition: string, region: string): string | undefined {
  const key = `${partition} ${region} ${host}`;
  if (acceptedHosts.has(key)) return undefined;
  const refusal = verifyStsHostnameFormat(host, partition, region);
  if (refusal === undefined) acceptedHosts.add(key);
  return refusal;
}

function verifyStsHostnameFormat(host: string, partition: string, region: string): string | undefined {
  let hostRegion: string;
  try {
    hostRegion = getStsRegion(host);
  } catch (err) {
    return `could not parse region for pre-signed URL ${host}: ${(err as Error).message}`;
  }
  if (hostRegion === 'global')
    return partition === 'aws' ? undefined : `global endpoint unsupported in partition ${partition}`;
  if (!REGION_FORMAT.test(hostRegion)) return `invalid region identifier format provided: ${hostRegion}`;
  const resolved: string[] = [];
  for (const UseFIPS of [true, false])
    for (const UseDualStack of [true, false]) {
      try {
        resolved.push(stsEndpoints({ Region: hostRegion, UseFIPS, UseDualStack }).url.host);
      } catch {
        // token.go: `continue`
      }
    }
  if (!resolved.includes(host)) {
    const domain = STS_PARTITION_DOMAIN[partition];
    if (!domain || !REGION_FORMAT.test(region)) return `unexpected hostname "${host}" in pre-signed URL`;
    const defaults = [`sts.${region}.${domain}`];
    const dualStack = STS_DUAL_STACK_DOMAIN[partition];
    if (dualStack) defaults.push(`sts.${region}.${dualStack}`);
    return defaults.includes(host) ? undefined : `unexpected hostname "${host}" in pre-signed URL`;
  }
  const parts = host.split('.');
  if (parts.length < 4) return `invalid host format, too few labels: ${host}`;
  const actualDomain = parts.slice(2).join('.');
  const expected = STS_PARTITION_DOMAIN[partition];
  if (expected === undefined) return `partition ${partition} not valid`;
  if (actualDomain !== expected && actualDomain !== STS_DUAL_STACK_DOMAIN[partition])
    return `partition {${partition}} does not support hostname ${host}`;
  return undefined;
}

/** What STS knows of credentials it issued. */
export interface IssuedCredentials {
  secretAccessKey: string;
  sessionToken?: string;
  expiresAtMs?: number;
}

export interface Verifier {
  /** The cluster's name as EKS knows it (the x-k8s-aws-id header EKS sends). */
  clusterId: string;
  /** The cluster's partition and region (the verifier's configuration). */
  partition: string;
  region: string;
  /** STS's view of an access key id. */
  credentials: (accessKeyId: string) => IssuedCredentials | undefined;
}

export type Verdict =
  | { ok: true; accessKeyId: string }
  | { ok: false; by: 'authenticator' | 'sts'; reason: string };

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();

/**
 * Everything but the clock depends on the token alone (the issued secret never changes for a key id), so it
 * is remembered per token and verifier: a simulated week sends each token many times.
 */
const timeless = new Map<string, Verdict & { signedAtMs?: number }>();

/** Verifies a token at `nowMs` as aws-iam-authenticator and then STS would. */
export function verifyEksToken(token: string, nowMs: number, v: Verifier): Verdict {
  const key = `${v.clusterId} ${v.partition} ${v.region} ${token}`;
  let checked = timeless.get(key);
  if (!checked) {
    checked = checkTimeless(token, v);
    if (timeless.size > 10_000) timeless.clear();
    timeless.set(key, checked);
  }
  if (!checked.ok || checked.signedAtMs === undefined) return checked;
  // token.go: `if now.After(date.Add(presignedURLExpiration))`.
  if (nowMs > checked.signedAtMs + PRESIGNED_URL_EXPIRATION_MS)
    return {
      ok: false,
      by: 'authenticator',
      reason: 'X-Amz-Date parameter is expired (15 minute expiration)',
    };
  // STS refuses a request dated too far ahead (clock skew).
  if (checked.signedAtMs > nowMs + PRESIGNED_URL_EXPIRATION_MS)
    return { ok: false, by: 'sts', reason: 'signature not yet current' };
  const expiresAtMs = v.credentials(checked.accessKeyId)?.expiresAtMs;
  if (expiresAtMs !== undefined && nowMs >= expiresAtMs)
    return {
      ok: false,
      by: 'sts',
      reason: 'ExpiredToken: the security token included in the request is expired',
    };
  return { ok: true, accessKeyId: checked.accessKeyId };
}

function checkTimeless(token: string, v: Verifier): Verdict & { signedAtMs?: number } {
  const reject = (reason: string): Verdict => ({ ok: false, by: 'authenticator', reason });
  const stsReject = (reason: string): Verdict => ({ ok: false, by: 'sts', reason });
  if (token.length > 4096) return reject('token is too large');
  if (!token.startsWith('k8s-aws-v1.')) return reject('token is missing expected "k8s-aws-v1." prefix');
  const encoded = token.slice('k8s-aws-v1.'.length);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return reject('not base64url without padding');
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (err) {
    return reject((err as Error).message);
  }
  if (url.protocol !== 'https:') return reject(`unexpected scheme "${url.protocol}" in pre-signed URL`);
  const hostError = verifyStsHost(url.host, v.partition, v.region);
  if (hostError) return reject(hostError);
  if (url.pathname !== '/') return reject('unexpected path in pre-signed URL');
  const params = new Map<string, string>();
  const seen = new Set<string>();
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (seen.has(lower)) return reject(`duplicate query parameter found: "${key}"`);
    seen.add(lower);
    if (!PARAMETER_WHITELIST.has(lower)) return reject(`non-whitelisted query parameter "${key}"`);
    params.set(lower, value);
  }
  if (params.get('action') !== 'GetCallerIdentity')
    return reject('unexpected action parameter in pre-signed URL');
  const signedHeaders = (params.get('x-amz-signedheaders') ?? '').split(';');
  if (!signedHeaders.some((h) => h.toLowerCase() === 'x-k8s-aws-id'))
    return reject('client did not sign the x-k8s-aws-id header in the pre-signed URL');
  const expires = Number.parseInt(params.get('x-amz-expires') ?? '', 10);
  if (!Number.isInteger(expires) || expires < 0 || expires > 900)
    return reject('invalid X-Amz-Expires parameter in pre-signed URL');
  const date = params.get('x-amz-date');
  if (!date) return reject('X-Amz-Date parameter must be present in pre-signed URL');
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m) return reject(`error parsing X-Amz-Date parameter ${date}`);
  const [y = 0, mo = 1, d = 0, h = 0, mi = 0, sec = 0] = m.slice(1).map(Number);
  const signedAtMs = Date.UTC(y, mo - 1, d, h, mi, sec);

  // STS, answering the GET that EKS sends with its own x-k8s-aws-id.
  const requestHeaders: Record<string, string> = {
    host: url.host,
    'x-k8s-aws-id': v.clusterId,
    accept: 'application/json',
  };
  const [accessKeyId = '', scopeDate, scopeRegion, scopeService, terminator] = (
    params.get('x-amz-credential') ?? ''
  ).split('/');
  if (params.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') return stsReject('unsupported algorithm');
  if (scopeDate !== date.slice(0, 8) || scopeService !== 'sts' || terminator !== 'aws4_request')
    return stsReject('malformed credential scope');
  if (scopeRegion !== getStsRegion(url.host) && getStsRegion(url.host) !== 'global')
    return stsReject(`credential should be scoped to a valid region, not '${scopeRegion}'`);
  const issued = v.credentials(accessKeyId);
  if (!issued) return stsReject('InvalidClientTokenId');
  if (issued.sessionToken !== params.get('x-amz-security-token'))
    return stsReject('InvalidClientTokenId (session token)');
  const canonicalQuery = [...url.searchParams]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, val]) => [rfc3986(k), rfc3986(val)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, val]) => `${k}=${val}`)
    .join('&');
  const names = signedHeaders.map((h) => h.toLowerCase()).sort();
  if (names.some((h) => requestHeaders[h] === undefined))
    return stsReject('signed header missing from the request');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    names.map((h) => `${h}:${(requestHeaders[h] ?? '').trim()}\n`).join(''),
    names.join(';'),
    sha256(''),
  ].join('\n');
  const scope = `${scopeDate}/${scopeRegion}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${issued.secretAccessKey}`, scopeDate);
  for (const part of [scopeRegion ?? '', 'sts', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (signature !== params.get('x-amz-signature')) return stsReject('SignatureDoesNotMatch');
  return { ok: true, accessKeyId, signedAtMs };
}

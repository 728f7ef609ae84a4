import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as the SDKs resolve them (a role's, after AssumeRole, carry a session token). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** EKS accepts a token for 15 minutes; refresh a little before. */
export const EKS_TOKEN_LIFETIME_MS = 14 * 60_000;

/**
 * An EKS bearer token: a presigned STS GetCallerIdentity URL whose signed headers include
 * `x-k8s-aws-id: <cluster name>`, base64url-encoded without padding behind `k8s-aws-v1.` — what
 * `aws eks get-token` produces. Presigning is local: no STS call is made here (EKS makes it).
 */
export async function eksToken(
  clusterName: string,
  region: string,
  credentials: AwsCredentials,
  signingDate: Date = new Date(),
): Promise<string> {
  const hostname = `sts.${region}.amazonaws.com`;
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': clusterName },
  });
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256 });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url).toString('base64url');
}

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { registerSecret } from '../redaction.ts';
import { stsHostname } from './partitions.ts';

/** AWS credentials as the SDKs resolve them (a role's, after AssumeRole, carry a session token). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When STS stops accepting them (assumed-role and other temporary credentials). */
  expiration?: Date;
}

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/**
 * SHA-256 and HMAC-SHA256 for the signer from Node's own crypto: a token is minted per cluster per run,
 * and a JavaScript SHA-256 made that ~10× slower.
 */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/**
 * An EKS bearer token: a presigned STS GetCallerIdentity URL whose signed headers include
 * `x-k8s-aws-id: <cluster name>`, base64url-encoded without padding behind `k8s-aws-v1.` — what
 * `aws eks get-token` produces. Presigning is local: no STS call is made here (EKS makes it). The token and
 * the credentials that signed it are registered for redaction. The host is the region's own partition's
 * (`….amazonaws.com.cn` in China): aws-iam-authenticator rejects any other. How long a token may be used
 * is token-lifetime.ts's to say.
 */
export async function eksToken(
  clusterName: string,
  region: string,
  credentials: AwsCredentials,
  signingDate: Date = new Date(),
): Promise<string> {
  const hostname = stsHostname(region);
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': clusterName },
  });
  registerSecret(credentials.secretAccessKey);
  registerSecret(credentials.sessionToken);
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    region,
    service: 'sts',
    sha256: NodeSha256,
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  const token = EKS_TOKEN_PREFIX + Buffer.from(url).toString('base64url');
  registerSecret(token);
  return token;
}

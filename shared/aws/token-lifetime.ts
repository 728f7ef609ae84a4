/**
 * How long an EKS token and the credentials that sign it may be used. Two clocks run: EKS accepts a
 * token for 15 minutes after its X-Amz-Date (aws-iam-authenticator, `pkg/token/token.go`:
 * `presignedURLExpiration`), and STS refuses a signature made with credentials that have expired — an
 * assumed role's expire after the session's duration. A token is only as good as the shorter of the two.
 */

/** aws-iam-authenticator's `presignedURLExpiration`. */
export const EKS_TOKEN_ACCEPTED_MS = 15 * 60_000;
/**
 * Room for clock skew and a request in flight, on both clocks (aws-iam-authenticator's own generator
 * reports its tokens as expiring one minute early, too).
 */
export const EXPIRY_MARGIN_MS = 60_000;

/** The last moment a token signed at `signedAtMs` may be sent. */
export function tokenUsableUntil(signedAtMs: number, credentialsExpireAtMs?: number): number {
  const byEks = signedAtMs + EKS_TOKEN_ACCEPTED_MS - EXPIRY_MARGIN_MS;
  return credentialsExpireAtMs === undefined
    ? byEks
    : Math.min(byEks, credentialsExpireAtMs - EXPIRY_MARGIN_MS);
}

/**
 * Whether credentials stay valid for a whole run that may last `runTimeoutMs` from now: a run that starts
 * with credentials about to expire would have its later tokens refused by STS.
 */
export function lastsTheRun(
  credentialsExpireAtMs: number | undefined,
  nowMs: number,
  runTimeoutMs: number,
): boolean {
  return (
    credentialsExpireAtMs === undefined || nowMs + runTimeoutMs + EXPIRY_MARGIN_MS <= credentialsExpireAtMs
  );
}

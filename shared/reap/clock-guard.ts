import type { AuditClock } from '../fleet/audit-clusters.ts';

/** Why a cluster's deletes were not sent: its clock could not be trusted. */
export interface ClockRefusal {
  reason: 'clockSkew' | 'clockUnmeasured';
  /** The limit the skew was held to, in seconds (the policy's maxClockSkew, or --max-clock-skew). */
  maxClockSkewSeconds: number;
  /** The measured skew (server minus local), when there was one. */
  skewMs?: number;
  message: string;
}

/**
 * The reaper's clock guard. Lease ages are judged by the API server's clock, but leases are renewed by
 * their holders' clocks: when the server's `Date` and this machine's clock disagree by more than the
 * limit, one of them is wrong and nobody can tell which — a server 40 days ahead makes a lease renewed
 * seconds ago look 40 days expired. Such a cluster's deletes are not sent. With no Date header at all the
 * clock cannot be checked, which is refused the same way. A time given for a dry run (`override`) judges
 * by neither clock, so only the measurement is reported. Pure.
 */
export function clockRefusal(clock: AuditClock, maxClockSkewSeconds: number): ClockRefusal | undefined {
  if (clock.source === 'override') return undefined;
  const limit = `maxClockSkew ${maxClockSkewSeconds} s`;
  if (clock.skewMs === undefined) {
    return {
      reason: 'clockUnmeasured',
      maxClockSkewSeconds,
      message: `refused: the API server sent no usable Date header, so its clock could not be checked against this machine's (${limit}); no delete was sent`,
    };
  }
  if (Math.abs(clock.skewMs) <= maxClockSkewSeconds * 1000) return undefined;
  return {
    reason: 'clockSkew',
    maxClockSkewSeconds,
    skewMs: clock.skewMs,
    message: `refused: the API server's clock is ${formatSkew(Math.abs(clock.skewMs)).slice(1)} ${clock.skewMs > 0 ? 'ahead of' : 'behind'} this machine's (skew ${formatSkew(clock.skewMs)}), more than ${limit}; lease ages cannot be trusted, no delete was sent`,
  };
}

/** A skew for people, signed and without spaces (a table cell): `+0.5s`, `-12.0s`, `+2.5h`, `+40.0d`. */
export function formatSkew(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  if (abs < 3_600_000) return `${sign}${(abs / 1000).toFixed(1)}s`;
  if (abs < 86_400_000) return `${sign}${(abs / 3_600_000).toFixed(1)}h`;
  return `${sign}${(abs / 86_400_000).toFixed(1)}d`;
}

/**
 * Durations as people write and read them. The simulated cluster keeps its own copy of humanDuration
 * (sim/human-duration.ts): it is a judge and imports nothing from the product.
 */

/** Formats an age the way kubectl and the apiserver's table printer do (apimachinery duration.HumanDuration). */
export function humanDuration(ms: number): string {
  // Go's int(d.Seconds()) truncates toward zero: -1.9 s is -1, which prints as 0s.
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0 || ms < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8)
    return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/**
 * Whole seconds in the unit a policy or a flag would have been written in: `90s`, `5m`, `24h`, `7d`.
 * The largest of s, m, h that divides evenly, and days from 48 hours on (as kubectl's ages switch to
 * days there), so 86400 is `24h` and 5400 is `90m`.
 */
export function formatSeconds(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return `${seconds}s`;
  if (seconds % 86_400 === 0 && seconds >= 2 * 86_400) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

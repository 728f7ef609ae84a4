/** Set on a lease to keep the reaper away from it, whatever the policy says. */
export const PROTECT_ANNOTATION = 'lease-reaper.io/protect';

/**
 * The only values that leave a lease unprotected, matched exactly (no trimming, no other case mix). The
 * annotation fails closed: someone who wrote it meant to protect the lease, so `"True"`, `"yes"`, `"1"`,
 * `"on"`, `""`, `" false"` or a typo all protect. Only a value that clearly says false does not.
 */
export const UNPROTECTED_VALUES: ReadonlySet<string> = new Set([
  'false',
  'False',
  'FALSE',
  '0',
  'no',
  'No',
  'NO',
]);

/** Why the annotations protect a lease (the detail a skip reports), or undefined when they do not. */
export function protection(annotations: Readonly<Record<string, string>>): string | undefined {
  const value = Object.hasOwn(annotations, PROTECT_ANNOTATION) ? annotations[PROTECT_ANNOTATION] : undefined;
  if (value === undefined || UNPROTECTED_VALUES.has(value)) return undefined;
  // Annotation values may be long (256 KiB per object); the detail is one log field.
  return `annotated ${PROTECT_ANNOTATION}: ${JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)}`;
}

/**
 * Glob matching of `*` (any run of characters, empty included) and `?` (exactly one character), anchored at
 * both ends; every other character matches itself.
 *
 * Why not a RegExp: a pattern from a policy compiled to `^a.*b.*c…$` backtracks, and a few stars against a
 * 253-character name took seconds. This is the greedy two-pointer matcher: on a mismatch it only moves the
 * most recent star one character further, never an earlier one — the leftmost match of everything after
 * that star is all that can matter, because the later stars absorb any extra characters. So the work is at
 * most (value length + 1) × (pattern length + 1) steps, whatever the pattern, with no recursion or
 * backtracking stack.
 */
export interface GlobMatch {
  matched: boolean;
  /** Loop iterations taken: the measure of work the bound above is about (tests assert it). */
  steps: number;
}

/** Matches one value against one glob, and says how much work it took. */
export function globMatch(pattern: string, value: string): GlobMatch {
  let p = 0; // next pattern character
  let v = 0; // next value character
  let star = -1; // position of the last `*` seen in the pattern, -1 before any
  let resume = 0; // the value position that star's current attempt started at
  let steps = 0;
  while (v < value.length) {
    steps++;
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = v;
    } else if (c === '?' || c === value[v]) {
      // (A used-up pattern gives c === undefined, which equals no character of the value.)
      p++;
      v++;
    } else if (star >= 0) {
      // Let the last star swallow one more character and retry what follows it.
      p = star + 1;
      v = ++resume;
    } else {
      return { matched: false, steps };
    }
  }
  // The value is used up: only stars (matching nothing) may remain of the pattern.
  while (pattern[p] === '*') {
    steps++;
    p++;
  }
  return { matched: p === pattern.length, steps };
}

/**
 * A glob as it is matched: runs of stars match what one star does, and collapsing them keeps the step bound
 * in the pattern's real size.
 */
export function compileGlob(pattern: string): string {
  return pattern.replace(/\*{2,}/g, '*');
}

/** A predicate true for a value that matches any of the globs (none: false). */
export function globMatcher(patterns: readonly string[]): (value: string) => boolean {
  const compiled = patterns.map(compileGlob);
  return (value) => compiled.some((p) => globMatch(p, value).matched);
}

/** One target a benchmark checked: what was measured, against what, and whether it holds. */
export interface Verdict {
  figure: string;
  measured: string;
  target: string;
  met: boolean;
}

/** The closing block of `npm run bench`: every target checked in this run, one per line. */
export function renderVerdicts(verdicts: readonly Verdict[], machine: string): string {
  if (verdicts.length === 0) return '';
  const width = Math.max(...verdicts.map((v) => v.figure.length));
  const lines = verdicts.map(
    (v) =>
      `  ${v.met ? 'met    ' : 'NOT MET'}  ${v.figure.padEnd(width)}  ${v.measured} (target ${v.target})`,
  );
  const met = verdicts.filter((v) => v.met).length;
  return `\ntargets: ${met} of ${verdicts.length} met in this run; ${machine}\n${lines.join('\n')}\n`;
}

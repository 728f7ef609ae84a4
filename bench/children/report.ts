/** Every benchmark child prints one JSON line: what it listed, how long the listing took, its peak RSS. */
export interface ChildReport {
  leases: number;
  nodes: number;
  listMs: number;
  maxRssMb: number;
}

export function report(leases: number, nodes: number, started: number): void {
  const r: ChildReport = {
    leases,
    nodes,
    listMs: Math.round(performance.now() - started),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

/**
 * Short cluster names for tables. An EKS context is usually the cluster's ARN
 * (`arn:aws:eks:eu-west-1:123456789012:cluster/prod`, as `aws eks update-kubeconfig` names it), which
 * repeated on every row is most of the row: the table shows the cluster name from the ARN instead. A short
 * name that would be ambiguous in this run (two regions or accounts with a `prod`, or another context
 * already called `prod`) falls back to the full name. JSON and YAML keep the full names.
 */

const EKS_ARN = /^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:cluster\/([A-Za-z0-9][A-Za-z0-9_-]*)$/;

/** The EKS cluster name of an ARN context, or undefined for any other name. */
export function eksClusterName(context: string): string | undefined {
  return EKS_ARN.exec(context)?.[1];
}

/** For each name of the run, what a table shows: the short name where it is unambiguous. */
export function shortClusterNames(names: readonly string[]): Map<string, string> {
  const unique = [...new Set(names)];
  const short = new Map(unique.map((n) => [n, eksClusterName(n) ?? n]));
  const uses = new Map<string, number>();
  for (const s of short.values()) uses.set(s, (uses.get(s) ?? 0) + 1);
  return new Map(unique.map((n) => [n, (uses.get(short.get(n) ?? n) ?? 0) > 1 ? n : (short.get(n) ?? n)]));
}

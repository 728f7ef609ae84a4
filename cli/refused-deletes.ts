import { leaseDeleteForbiddenMessage } from '../shared/kube/failure-hints.ts';
import type { ActionRecord } from '../shared/reap/execute-plan.ts';
import type { ClusterReap } from '../shared/reap/reap-clusters.ts';

/**
 * A delete RBAC refused carries only the server's text (a 403 is an outcome of a delete, not an error):
 * these say, as a refused read does, which verb on which resource in which namespace, how to check it
 * and how to grant it — in the action log, the JSON report and the table alike.
 */
export function explainAction(record: ActionRecord): ActionRecord {
  if (record.outcome !== 'forbidden') return record;
  return { ...record, detail: leaseDeleteForbiddenMessage(record.namespace, record.detail) };
}

export function explainRefusedDeletes(results: readonly ClusterReap[]): ClusterReap[] {
  return results.map((r) =>
    r.status === 'error' || r.execution.forbidden === 0
      ? r
      : { ...r, execution: { ...r.execution, actions: r.execution.actions.map(explainAction) } },
  );
}

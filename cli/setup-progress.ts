import { ClusterConnector } from '../shared/fleet/cluster-connector.ts';
import type { RegistryCluster } from '../shared/fleet/cluster-registry.ts';
import type { ClusterTarget } from '../shared/fleet/cluster-target.ts';
import { type LiveBoard, type LiveBoardOptions, liveBoard } from './live-progress.ts';

/** What setting up one registry entry does, in a line: the AWS calls it waits on. Pure. */
export function setupText(entry: RegistryCluster): string {
  if (entry.type === 'kubeconfig') return `fetching kubeconfig secret ${entry.secretArn}`;
  const role = entry.roleArn ? `, as ${entry.roleArn}` : '';
  return `resolving EKS cluster ${entry.clusterName} in ${entry.region}${role}`;
}

/** The connector of a `--clusters` run, telling a live board when each entry starts and ends. */
class ShownConnector extends ClusterConnector {
  constructor(private readonly board: LiveBoard) {
    super();
  }

  override async connect(entry: RegistryCluster): Promise<ClusterTarget> {
    this.board.set(entry.name, { phase: 'active', text: setupText(entry) });
    try {
      const target = await super.connect(entry);
      this.board.set(entry.name, {
        phase: 'done',
        ok: true,
        text: entry.type === 'eks' ? 'endpoint, CA and token ready' : 'kubeconfig read',
      });
      return target;
    } catch (err) {
      this.board.set(entry.name, { phase: 'done', ok: false, text: 'failed (reported below)' });
      throw err;
    }
  }
}

/**
 * The connector for a registry's entries and, on a terminal, the live board of its AWS set-up (describing
 * EKS clusters, assuming roles, fetching kubeconfig secrets): minutes on a slow or throttled account are
 * not a blank screen. `clear` erases the board before the next phase draws its own.
 */
export function setupConnector(
  entries: readonly RegistryCluster[],
  display: (LiveBoardOptions & { err: NodeJS.WriteStream }) | undefined,
): { connector: ClusterConnector; clear: () => void } {
  const board = display
    ? liveBoard(
        display.err,
        entries.map((e) => e.name),
        'Setting up AWS access to',
        display,
      )
    : undefined;
  if (!board) return { connector: new ClusterConnector(), clear: () => {} };
  return { connector: new ShownConnector(board), clear: () => board.clear() };
}

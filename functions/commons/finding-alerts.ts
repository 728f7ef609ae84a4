import { type CurrentFinding, diffFindings, statelessView } from '../../shared/alerting/finding-diff.ts';
import {
  type FindingEvent,
  type FindingEventSink,
  findingEvents,
} from '../../shared/alerting/finding-events.ts';
import {
  FINDING_LOG_MESSAGE,
  FINDINGS_NOT_LOGGED_MESSAGE,
  findingLogLines,
} from '../../shared/alerting/finding-log.ts';
import {
  type FindingStateStore,
  type LoadedFindingState,
  needsWrite,
  relistDue,
} from '../../shared/alerting/finding-state.ts';
import type { OpenFinding } from '../../shared/alerting/open-findings.ts';
import { fitsInItem } from '../../shared/alerting/state-codec.ts';
import type { FindingType } from '../../shared/audit/findings.ts';
import type { ClusterResult } from '../../shared/fleet/audit-clusters.ts';
import { mapConcurrent } from '../../shared/fleet/map-concurrent.ts';
import type { Logger } from './logger.ts';

export interface FindingAlertDeps {
  /** Finding state between runs; unset (the CLI, a stack without it): no transitions, no events. */
  state?: FindingStateStore;
  /** Where opened/resolved events go; unset: none are sent. */
  events?: FindingEventSink;
  log: Logger;
  /** The deployed stack, named in every event. */
  stack?: string;
}

export interface FindingAlertsSummary {
  opened: number;
  resolved: number;
  /** Still-open findings that became more severe (announced again as opened). */
  escalated: number;
  events: { sent: number; failed: number };
  state: {
    written: number;
    /** Another run wrote first: this run sent no events for that cluster. */
    conflicts: number;
    /** Reads or writes that failed: that cluster's events were not sent. */
    failures: number;
    /** Failed scans whose finding metrics were re-published from the stored state. */
    carriedForward: number;
  };
}

export interface FindingAlerts {
  summary: FindingAlertsSummary;
  /** Finding counts to re-publish for clusters whose scan failed (fleetMetrics' `carried`). */
  carried: Map<string, Partial<Record<FindingType, number>>>;
}

type ClusterOutcome =
  | {
      kind: 'diffed';
      events: FindingEvent[];
      opened: number;
      resolved: number;
      escalated: number;
      written: boolean;
    }
  | { kind: 'unsent'; reason: 'conflict' | 'failure' }
  | { kind: 'carried'; counts: Partial<Record<FindingType, number>> }
  | { kind: 'none' };

/**
 * Per cluster: read the stored open findings, diff this run's against them, write the new state (a
 * conditional write that claims the transitions), log the findings; then send the events of the clusters
 * whose write won. A failed scan leaves the state untouched and its stored counts are carried forward. A
 * state or event failure is logged and counted against its cluster, never the run's end.
 */
export async function trackFindings(
  deps: FindingAlertDeps,
  results: readonly ClusterResult[],
  options: { findingLogLimit: number; concurrency: number; signal?: AbortSignal },
): Promise<FindingAlerts> {
  const outcomes = await mapConcurrent(results, options.concurrency, (r) =>
    trackCluster(deps, r, options).catch((err: unknown): ClusterOutcome => {
      // Not expected (every I/O step catches its own): still, never the end of the run.
      deps.log.log('error', 'finding state could not be kept', { cluster: r.cluster, error: err });
      return { kind: 'unsent', reason: 'failure' };
    }),
  );

  const summary: FindingAlertsSummary = {
    opened: 0,
    resolved: 0,
    escalated: 0,
    events: { sent: 0, failed: 0 },
    state: { written: 0, conflicts: 0, failures: 0, carriedForward: 0 },
  };
  const carried = new Map<string, Partial<Record<FindingType, number>>>();
  const events: FindingEvent[] = [];
  outcomes.forEach((o, i) => {
    if (o.kind === 'diffed') {
      summary.opened += o.opened;
      summary.resolved += o.resolved;
      summary.escalated += o.escalated;
      if (o.written) summary.state.written++;
      events.push(...o.events);
    } else if (o.kind === 'unsent') {
      if (o.reason === 'conflict') summary.state.conflicts++;
      else summary.state.failures++;
    } else if (o.kind === 'carried') {
      summary.state.carriedForward++;
      carried.set((results[i] as ClusterResult).cluster, o.counts);
    }
  });

  if (deps.events && events.length > 0) {
    const sent = await deps.events.send(events);
    summary.events = { sent: sent.sent, failed: sent.failed };
    if (sent.failed > 0)
      deps.log.log('error', 'some finding events were not sent', {
        failed: sent.failed,
        sent: sent.sent,
        errors: sent.errors.slice(0, 10),
      });
  }
  return { summary, carried };
}

async function trackCluster(
  deps: FindingAlertDeps,
  r: ClusterResult,
  options: { findingLogLimit: number; signal?: AbortSignal },
): Promise<ClusterOutcome> {
  const loaded =
    deps.state && !options.signal?.aborted ? await load(deps, r.cluster, options.signal) : undefined;

  if (r.status === 'error') {
    // A failed scan is not a recovery: nothing is resolved, nothing written, the last counts stand.
    if (!loaded) return loaded === null ? { kind: 'unsent', reason: 'failure' } : { kind: 'none' };
    // Never scanned (no item), or nothing readable stored: there is nothing known to carry.
    if (loaded.revision === 0 || loaded.unreadable) return { kind: 'none' };
    deps.log.log('warn', 'finding metrics carried forward', {
      cluster: r.cluster,
      counts: loaded.state.counts,
      openFindings: loaded.state.open.length + loaded.state.untracked,
      ...(loaded.updatedAt ? { stateUpdatedAt: loaded.updatedAt } : {}),
    });
    return { kind: 'carried', counts: loaded.state.counts };
  }

  const { cluster } = r;
  const nowMs = r.audit.nowMs;
  if (!deps.state || !loaded) {
    logFindings(
      deps.log,
      cluster,
      statelessView(cluster, r.audit.findings, nowMs),
      [],
      options.findingLogLimit,
    );
    return loaded === null ? { kind: 'unsent', reason: 'failure' } : { kind: 'none' };
  }

  const diff = diffFindings(loaded.state, r.audit.findings, { cluster, nowMs, fits: fitsInItem });
  // Every open finding is logged once an hour; in between, only what opened, escalated or resolved. (With
  // nothing open there is nothing to list, and no reason to write.)
  const relist = diff.current.length > 0 && relistDue(loaded.state, nowMs);
  const { listedAt } = loaded.state;
  const next = relist
    ? { ...diff.next, listedAt: new Date(nowMs).toISOString() }
    : { ...diff.next, ...(listedAt !== undefined ? { listedAt } : {}) };
  const logged = relist
    ? diff.current
    : diff.current.filter((c) => c.state === 'opened' || c.escalatedFrom !== undefined);
  let written = false;
  if (relist || needsWrite(diff, loaded, nowMs)) {
    let outcome: 'saved' | 'conflict' | 'failed';
    try {
      outcome = await deps.state.save(cluster, next, loaded.revision, nowMs);
    } catch (err) {
      deps.log.log('error', 'finding state could not be written', { cluster, error: err });
      outcome = 'failed';
    }
    if (outcome !== 'saved') {
      if (outcome === 'conflict')
        deps.log.log(
          'warn',
          'finding state changed by another run: this run sends no events for the cluster',
          {
            cluster,
            revision: loaded.revision,
          },
        );
      // The transitions are not ours to announce (nor the hourly listing): log what is open, not what
      // opened or resolved.
      const open = logged.map((c): CurrentFinding => ({ state: 'open', finding: c.finding }));
      logFindings(deps.log, cluster, open, [], options.findingLogLimit);
      return { kind: 'unsent', reason: outcome === 'conflict' ? 'conflict' : 'failure' };
    }
    written = true;
  }
  logFindings(deps.log, cluster, logged, diff.resolved, options.findingLogLimit);
  if (diff.next.untracked > 0)
    deps.log.log('warn', 'finding state full: some findings are not tracked', {
      cluster,
      tracked: diff.next.open.length,
      untracked: diff.next.untracked,
    });
  return {
    kind: 'diffed',
    events: findingEvents(diff, {
      cluster,
      nowMs,
      ...(deps.stack !== undefined ? { stack: deps.stack } : {}),
    }),
    opened: diff.opened.length,
    resolved: diff.resolved.length,
    escalated: diff.escalated.length,
    written,
  };
}

/** The stored state, or null when it could not be read (logged). */
async function load(
  deps: FindingAlertDeps,
  cluster: string,
  signal: AbortSignal | undefined,
): Promise<LoadedFindingState | null> {
  try {
    const loaded = await (deps.state as FindingStateStore).load(cluster, signal);
    if (loaded.unreadable)
      deps.log.log('warn', 'stored finding state unreadable: replaced by this run', {
        cluster,
        error: loaded.unreadable,
      });
    return loaded;
  } catch (err) {
    deps.log.log('error', 'finding state could not be read', { cluster, error: err });
    return null;
  }
}

function logFindings(
  log: Logger,
  cluster: string,
  current: readonly CurrentFinding[],
  resolved: readonly OpenFinding[],
  limit: number,
): void {
  const { lines, notLogged } = findingLogLines(cluster, current, resolved, limit);
  for (const line of lines) log.log('info', FINDING_LOG_MESSAGE, { ...line });
  if (notLogged > 0)
    log.log('info', FINDINGS_NOT_LOGGED_MESSAGE, { cluster, count: notLogged, findingLogLimit: limit });
}

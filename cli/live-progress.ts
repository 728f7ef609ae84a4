import type { ClusterProgress } from '../shared/fleet/audit-clusters.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import { shortClusterNames } from './cluster-names.ts';

/** One cluster's line on a live board: not started, under way (with what it is doing), or finished. */
export type BoardLine =
  | { phase: 'waiting' }
  | { phase: 'active'; text: string }
  | { phase: 'done'; ok: boolean; text: string };

/** A live display of one line per cluster, on a terminal's stderr. */
export interface LiveBoard {
  set(cluster: string, line: BoardLine): void;
  /** Erases the display, leaving the cursor where it started (before the report is printed). */
  clear(): void;
}

export interface LiveBoardOptions {
  colour: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Clusters shown one per line; beyond this the finished ones fold into the header line. */
const MAX_LINES = 12;
/** Redraws at most this often: the work only records what happened, it never waits for the terminal. */
const FRAME_MS = 100;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/**
 * One line per cluster on stderr, when stderr is a terminal that can move its cursor (not a pipe, not
 * TERM=dumb): `title` heads it (`Reading 3 clusters: 1 done`), a spinner shows that a slow cluster is
 * still under way, and it is erased before the report. Colour only when `colour` says so (--no-color,
 * NO_COLOR). Every phase of a run that can take long (AWS set-up, reads, a saved plan's deletes) uses it.
 */
export function liveBoard(
  err: NodeJS.WriteStream,
  clusters: readonly string[],
  title: string,
  options: LiveBoardOptions,
): LiveBoard | undefined {
  const env = options.env ?? process.env;
  if (err.isTTY !== true || env.TERM === 'dumb' || clusters.length === 0) return undefined;
  const names = shortClusterNames(clusters);
  const lines = new Map<string, BoardLine>(clusters.map((c) => [c, { phase: 'waiting' }]));
  const paint = (code: string, text: string) => (options.colour ? `${code}${text}${RESET}` : text);
  let drawnLines = 0;
  let frame = 0;
  let dirty = true;
  let stopped = false;

  const line = (cluster: string, state: BoardLine): string => {
    const name = escapeTerminal(names.get(cluster) ?? cluster);
    switch (state.phase) {
      case 'waiting':
        return `${paint(DIM, '·')} ${name}  ${paint(DIM, 'waiting')}`;
      case 'active':
        return `${SPINNER[frame % SPINNER.length]} ${name}  ${escapeTerminal(state.text)}`;
      case 'done':
        return `${state.ok ? paint(GREEN, '✓') : paint(RED, '✗')} ${name}  ${escapeTerminal(state.text)}`;
    }
  };

  const render = (): string[] => {
    const all = [...lines.entries()];
    const finished = all.filter(([, s]) => s.phase === 'done').length;
    const header = `${title} ${clusters.length} ${clusters.length === 1 ? 'cluster' : 'clusters'}: ${finished} done`;
    // Past MAX_LINES, show the clusters under way (and then waiting) first.
    const order = (s: BoardLine) => (s.phase === 'active' ? 0 : s.phase === 'waiting' ? 1 : 2);
    const shown = all.length <= MAX_LINES ? all : [...all].sort((a, b) => order(a[1]) - order(b[1]));
    const body = shown.slice(0, MAX_LINES).map(([c, s]) => line(c, s));
    if (all.length > MAX_LINES) body.push(paint(DIM, `… and ${all.length - MAX_LINES} more`));
    return [header, ...body];
  };

  // Lines longer than the terminal would wrap, and moving up by the count drawn would then miss.
  const fit = (text: string) => {
    const width = Math.max(20, (err.columns || 80) - 1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the SGR codes this module writes
    const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
    return visible.length > width ? `${visible.slice(0, width - 1)}…` : text;
  };

  const erase = () => (drawnLines > 0 ? `\x1b[${drawnLines}A\r\x1b[J` : '');
  const hasActive = () => [...lines.values()].some((s) => s.phase === 'active');

  const draw = () => {
    if (stopped) return;
    frame++;
    if (!dirty && !hasActive()) return;
    dirty = false;
    const drawn = render().map(fit);
    err.write(`${erase()}${drawn.join('\n')}\n`);
    drawnLines = drawn.length;
  };

  // The timer drives the spinner and coalesces updates; unref'd, so it never keeps the process alive.
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  draw();

  return {
    set(cluster, state) {
      lines.set(cluster, state);
      dirty = true;
    },
    clear() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (drawnLines > 0) err.write(erase());
      drawnLines = 0;
    },
  };
}

/** What the reading display is told: reads as they go, and each cluster's end. */
export interface LiveProgress {
  update(cluster: string, progress: ClusterProgress): void;
  done(cluster: string, ok: boolean): void;
  /** Erases the display, leaving the cursor where it started (before the report is printed). */
  clear(): void;
}

const counts = (p: ClusterProgress | undefined) =>
  p ? `${p.pages} ${p.pages === 1 ? 'page' : 'pages'}, ${p.objects.toLocaleString('en-US')} objects` : '';

/**
 * Live reading progress per cluster (a board headed "Reading"): pages read and objects so far, retries
 * with their reason, then each cluster's total or its failure.
 */
export function liveProgress(
  err: NodeJS.WriteStream,
  clusters: readonly string[],
  options: LiveBoardOptions,
): LiveProgress | undefined {
  const board = liveBoard(err, clusters, 'Reading', options);
  if (!board) return undefined;
  const last = new Map<string, ClusterProgress>();
  return {
    update(cluster, p) {
      last.set(cluster, p);
      const what = p.pages === 0 ? 'connecting' : `reading ${counts(p)}`;
      const retry = p.lastRetry ? `, attempt ${p.lastRetry.attempt} after: ${p.lastRetry.reason}` : '';
      board.set(cluster, { phase: 'active', text: `${what}${retry}` });
    },
    done(cluster, ok) {
      board.set(cluster, { phase: 'done', ok, text: ok ? counts(last.get(cluster)) : 'failed' });
    },
    clear: () => board.clear(),
  };
}

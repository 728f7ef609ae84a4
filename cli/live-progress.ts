import type { ClusterProgress } from '../shared/fleet/audit-clusters.ts';
import { escapeTerminal } from '../shared/report/escape.ts';
import { shortClusterNames } from './cluster-names.ts';

/** What the progress display is told: reads as they go, and each cluster's end. */
export interface LiveProgress {
  update(cluster: string, progress: ClusterProgress): void;
  done(cluster: string, ok: boolean): void;
  /** Erases the display, leaving the cursor where it started (before the report is printed). */
  clear(): void;
}

type State =
  | { phase: 'waiting' }
  | { phase: 'reading'; progress: ClusterProgress }
  | { phase: 'done'; ok: boolean; progress: ClusterProgress | undefined };

/** Clusters shown one per line; beyond this the finished ones fold into the header line. */
const MAX_LINES = 12;
/** Redraws at most this often: the list path only records numbers, it never waits for the terminal. */
const FRAME_MS = 100;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/**
 * Live progress per cluster on stderr, when stderr is a terminal that can move its cursor (not a pipe,
 * not TERM=dumb): pages read and objects so far, retries with their reason, a spinner so that one slow
 * cluster still shows movement. Colour only when `colour` says so (--no-color, NO_COLOR).
 */
export function liveProgress(
  err: NodeJS.WriteStream,
  clusters: readonly string[],
  options: { colour: boolean; env?: NodeJS.ProcessEnv },
): LiveProgress | undefined {
  const env = options.env ?? process.env;
  if (err.isTTY !== true || env.TERM === 'dumb' || clusters.length === 0) return undefined;
  const names = shortClusterNames(clusters);
  const states = new Map<string, State>(clusters.map((c) => [c, { phase: 'waiting' }]));
  const paint = (code: string, text: string) => (options.colour ? `${code}${text}${RESET}` : text);
  let drawnLines = 0;
  let frame = 0;
  let dirty = true;
  let stopped = false;

  const line = (cluster: string, state: State): string => {
    const name = escapeTerminal(names.get(cluster) ?? cluster);
    const counts = (p: ClusterProgress | undefined) =>
      p ? `${p.pages} ${p.pages === 1 ? 'page' : 'pages'}, ${p.objects.toLocaleString('en-US')} objects` : '';
    switch (state.phase) {
      case 'waiting':
        return `${paint(DIM, '·')} ${name}  ${paint(DIM, 'waiting')}`;
      case 'reading': {
        const p = state.progress;
        const what = p.pages === 0 ? 'connecting' : `reading ${counts(p)}`;
        const retry = p.lastRetry
          ? `, attempt ${p.lastRetry.attempt} after: ${escapeTerminal(p.lastRetry.reason)}`
          : '';
        return `${SPINNER[frame % SPINNER.length]} ${name}  ${what}${retry}`;
      }
      case 'done':
        return state.ok
          ? `${paint(GREEN, '✓')} ${name}  ${counts(state.progress)}`
          : `${paint(RED, '✗')} ${name}  failed`;
    }
  };

  const render = (): string[] => {
    const all = [...states.entries()];
    const finished = all.filter(([, s]) => s.phase === 'done').length;
    const header = `Reading ${clusters.length} ${clusters.length === 1 ? 'cluster' : 'clusters'}: ${finished} done`;
    // Past MAX_LINES, show the clusters still being read (and then waiting) first.
    const order = (s: State) => (s.phase === 'reading' ? 0 : s.phase === 'waiting' ? 1 : 2);
    const shown = all.length <= MAX_LINES ? all : [...all].sort((a, b) => order(a[1]) - order(b[1]));
    const lines = shown.slice(0, MAX_LINES).map(([c, s]) => line(c, s));
    if (all.length > MAX_LINES) lines.push(paint(DIM, `… and ${all.length - MAX_LINES} more`));
    return [header, ...lines];
  };

  // Lines longer than the terminal would wrap, and moving up by the count drawn would then miss.
  const fit = (text: string) => {
    const width = Math.max(20, (err.columns || 80) - 1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the SGR codes this module writes
    const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
    return visible.length > width ? `${visible.slice(0, width - 1)}…` : text;
  };

  const erase = () => (drawnLines > 0 ? `\x1b[${drawnLines}A\r\x1b[J` : '');

  const draw = () => {
    if (stopped) return;
    frame++;
    if (!dirty && !hasReading()) return;
    dirty = false;
    const lines = render().map(fit);
    err.write(`${erase()}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  const hasReading = () => [...states.values()].some((s) => s.phase === 'reading');

  // The timer drives the spinner and coalesces updates; unref'd, so it never keeps the process alive.
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  draw();

  return {
    update(cluster, progress) {
      states.set(cluster, { phase: 'reading', progress });
      dirty = true;
    },
    done(cluster, ok) {
      const before = states.get(cluster);
      states.set(cluster, {
        phase: 'done',
        ok,
        progress: before?.phase === 'reading' ? before.progress : undefined,
      });
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

import { describe, expect, it } from 'vitest';
import { liveProgress } from '../../../cli/live-progress.ts';

/** A stand-in for process.stderr that records what is written. */
function terminal(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY,
    columns: 60,
    write: (chunk: string) => {
      written.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('liveProgress', () => {
  it('is off when stderr is not a terminal, or the terminal is dumb', () => {
    expect(liveProgress(terminal(false).stream, ['a'], { colour: true, env: {} })).toBeUndefined();
    expect(
      liveProgress(terminal(true).stream, ['a'], { colour: true, env: { TERM: 'dumb' } }),
    ).toBeUndefined();
  });

  it('draws each cluster at once, without colour when told so, and erases exactly what it drew', () => {
    const { stream, written } = terminal(true);
    const progress = liveProgress(stream, ['a', 'b'], { colour: false, env: {} });

    progress?.clear();

    expect(written[0]).toBe('Reading 2 clusters: 0 done\n· a  waiting\n· b  waiting\n');
    expect(written[1]).toBe('\x1b[3A\r\x1b[J');
    expect(written.join('')).not.toContain('\x1b[2m');
  });

  it('cuts lines to the terminal width so that moving up by the lines drawn stays exact', () => {
    const { stream, written } = terminal(true);
    const progress = liveProgress(stream, ['x'.repeat(200)], { colour: true, env: {} });
    progress?.clear();
    for (const line of (written[0] ?? '').split('\n')) expect(line.length).toBeLessThan(60);
  });
});

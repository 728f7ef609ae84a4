// The mutation score of each mutated file, from the reports Stryker keeps for incremental runs, one per group
// (committed, so a clean clone has the last scores and the next run tests only what changed):
// `node mutate/scores.mjs` (`--survivors` lists what survived).
// Score = (killed + timeout) / (valid mutants), as Stryker counts it: mutants that do not compile (caught by
// the TypeScript checker) are not valid; mutants no test reaches ("no coverage") count as survivors.
// Each group's report counts for the files the group mutates now: Stryker carries a file moved to another
// group in the old group's report, with its old results.
import { existsSync, readFileSync } from 'node:fs';
import { groups } from './groups.mjs';

const reports = new URL('reports/', import.meta.url);
/** The groups' patterns use `*` within one path segment only. */
const matcher = (pattern) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
const files = {};
for (const [name, group] of Object.entries(groups)) {
  const report = new URL(`${name}.incremental.json`, reports);
  if (!existsSync(report)) continue;
  const mutated = group.mutate.map(matcher);
  for (const [file, result] of Object.entries(JSON.parse(readFileSync(report, 'utf8')).files))
    if (mutated.some((m) => m.test(file))) files[file] = result;
}
const KILLED = new Set(['Killed', 'Timeout']);
const INVALID = new Set(['CompileError', 'RuntimeError', 'Ignored']);
const rows = Object.entries(files)
  .map(([file, { mutants }]) => {
    const valid = mutants.filter((m) => !INVALID.has(m.status));
    const killed = valid.filter((m) => KILLED.has(m.status)).length;
    const survived = valid.filter((m) => !KILLED.has(m.status));
    return { file, killed, valid: valid.length, survived };
  })
  .sort((a, b) => a.file.localeCompare(b.file));

const pct = (r) => (r.valid === 0 ? 100 : (100 * r.killed) / r.valid);
const lines = ['| File | Mutants (valid) | Killed + timeout | Score |', '|---|---:|---:|---:|'];
for (const r of rows) lines.push(`| \`${r.file}\` | ${r.valid} | ${r.killed} | ${pct(r).toFixed(1)} % |`);
const all = rows.reduce((a, r) => ({ killed: a.killed + r.killed, valid: a.valid + r.valid }), {
  killed: 0,
  valid: 0,
});
lines.push(`| **all** | ${all.valid} | ${all.killed} | ${pct(all).toFixed(1)} % |`);
process.stdout.write(`${lines.join('\n')}\n`);

const below = rows.filter((r) => pct(r) < 90);
if (process.argv.includes('--survivors'))
  for (const r of rows)
    for (const m of r.survived)
      process.stdout.write(
        `${r.file}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}\n`,
      );
if (below.length > 0) {
  process.stderr.write(`below 90 %: ${below.map((r) => r.file).join(', ')}\n`);
  process.exitCode = 1;
}

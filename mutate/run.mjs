// `npm run mutate [-- [--force] group...]`: Stryker over each group of mutate/groups.mjs (all when none is
// named), each with its own incremental report (mutate/reports/<group>.incremental.json, committed: a clean
// clone tests only what changed since), then the score of every file (mutate/scores.mjs).
// `--force` tests every mutant again: after tests are added, Stryker's incremental mode still reuses the old
// result of a mutant whose code and covering tests did not change — a survivor the new test kills included
// (a new test file covers nothing in the old report).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { groups } from './groups.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const force = process.argv.includes('--force');
const asked = process.argv.slice(2).filter((arg) => arg !== '--force');
const unknown = asked.filter((name) => !(name in groups));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown group ${unknown.join(', ')}: the groups are ${Object.keys(groups).join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of asked.length > 0 ? asked : Object.keys(groups)) {
  process.stdout.write(`\n== mutation group ${name}: ${groups[name].mutate.join(' ')}\n`);
  const run = spawnSync(
    'mutate/node_modules/.bin/stryker',
    ['run', 'mutate/stryker.config.mjs', ...(force ? ['--force'] : [])],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, MUTATE_GROUP: name },
    },
  );
  if (run.status !== 0) process.exit(run.status ?? 1);
}
const scores = spawnSync(process.execPath, ['mutate/scores.mjs'], { cwd: root, stdio: 'inherit' });
process.exit(scores.status ?? 1);

// `npm run mutate [group...]`: Stryker over each group of mutate/groups.mjs (all when none is named), each
// with its own incremental report (mutate/reports/<group>.incremental.json, committed: a clean clone tests
// only what changed since), then the score of every file (mutate/scores.mjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { groups } from './groups.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in groups));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown group ${unknown.join(', ')}: the groups are ${Object.keys(groups).join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of asked.length > 0 ? asked : Object.keys(groups)) {
  process.stdout.write(`\n== mutation group ${name}: ${groups[name].mutate.join(' ')}\n`);
  const run = spawnSync('mutate/node_modules/.bin/stryker', ['run', 'mutate/stryker.config.mjs'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, MUTATE_GROUP: name },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
const scores = spawnSync(process.execPath, ['mutate/scores.mjs'], { cwd: root, stdio: 'inherit' });
process.exit(scores.status ?? 1);

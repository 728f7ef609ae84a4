// Bundles the CLI, dependencies included, into dist/cli.mjs: one file loads several times faster than
// Node resolving hundreds of ESM modules of @kubernetes/client-node, which matters for a command-line tool.
// Bundling everything also makes the published package dependency-free: `npm i -g lease-reaper` fetches
// one tarball (dist/cli.mjs, bin/, README) and nothing else, so every package is a devDependency.
// The licences of the bundled packages go to dist/THIRD-PARTY-NOTICES.md, shipped next to the bundle:
// most of them ask that their notice travel with every copy, and minifying removes it from the code.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleCli } from './bundle.mjs';

// Chunk names carry their content's hash, so each build writes new files beside the last one's: without
// this, a working copy's dist/ (and the package `npm pack` makes of it) keeps every chunk ever built.
rmSync('dist', { recursive: true, force: true });
const result = await bundleCli('dist');

writeFileSync('dist/THIRD-PARTY-NOTICES.md', thirdPartyNotices(bundledPackageDirs(result.metafile)));

/** The folders of the npm packages with code in the bundle (a nested copy is a package of its own). */
function bundledPackageDirs(metafile) {
  const dirs = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = bytesInOutput > 0 && input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
      if (match) dirs.add(match[1]);
    }
  }
  return [...dirs];
}

/** Packages grouped by identical licence text, so the Apache licence of 40 AWS packages appears once. */
function thirdPartyNotices(dirs) {
  const byText = new Map();
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const files = readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(f));
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8').trim()).join('\n\n');
    const id = `${pkg.name}@${pkg.version} (${licenseName(pkg.license)})`;
    byText.set(text, [...(byText.get(text) ?? []), id]);
  }
  const sections = [...byText]
    .map(([text, ids]) => [ids.sort(), text])
    .sort(([a], [b]) => (a[0] < b[0] ? -1 : 1))
    .map(([ids, text]) => {
      const body = text ? `\n\n\`\`\`\`text\n${text}\n\`\`\`\`` : '\n\n(No licence file in the package.)';
      return `## ${ids.join(', ')}${body}\n`;
    });
  return `# Third-party software in dist/cli.mjs\n\ndist/cli.mjs bundles these packages, under these licences.\n\n${sections.join('\n')}`;
}

function licenseName(license) {
  if (typeof license === 'string') return license;
  return license?.type ?? 'see the licence text';
}

// How lease-reaper's code is bundled, in one place: the CLI (`npm run build` → dist/), the Lambda functions
// (the CDK stack's assets), the runtime-parity test and the benchmarks all build through here, so the code
// measured and tested is the code shipped. Plain JavaScript: `prepare` runs it before anything is compiled.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The Lambda functions' entry points, relative to the repository root. */
export const FUNCTION_ENTRIES = {
  audit: 'functions/audit/handler.ts',
  reap: 'functions/reap/handler.ts',
};

/** Built-ins still reached through require() by CommonJS dependencies bundled into ESM. */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** How the functions are bundled for the nodejs24.x runtime. */
export const LAMBDA_BUNDLE = {
  target: 'node24',
  format: 'esm',
  minify: true,
  /** The nodejs24.x runtime provides AWS SDK v3; bundling it would add ~1 MB and cold-start time. */
  external: ['@aws-sdk/*'],
  banner: REQUIRE_BANNER,
};

const NODE_FETCH_STUB = fileURLToPath(new URL('./node-fetch-stub.mjs', import.meta.url));

/**
 * @kubernetes/client-node, loading only what is used. Its index re-exports every generated API and model
 * (~350 KB minified) and the package declares no "sideEffects", so esbuild keeps every module the index
 * reaches. Its modules do nothing when imported (generated classes and functions; checked for bare imports
 * and global writes), so they are declared side-effect free and esbuild drops what lease-reaper never calls:
 * it uses KubeConfig and the request context, and sends requests itself (shared/kube/kube-client.ts).
 * node-fetch, with its URL polyfill (whatwg-url, tr46: ~300 KB), is reached only through client-node's fetch
 * transport and `applyToFetchOptions`, neither of which lease-reaper calls; it is replaced by a stub that
 * throws if it ever is, so a future use fails loudly instead of sending requests without the cluster's TLS.
 */
export const clientNodeSubset = {
  name: 'client-node-subset',
  setup(b) {
    b.onResolve({ filter: /^node-fetch$/ }, (args) =>
      args.importer.includes('/@kubernetes/client-node/') ? { path: NODE_FETCH_STUB } : undefined,
    );
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === clientNodeSubset) return undefined;
      const inPackage = (p) => p.includes('/@kubernetes/client-node/');
      if (!inPackage(args.importer) && !args.path.startsWith('@kubernetes/client-node')) return undefined;
      const resolved = await b.resolve(args.path, {
        importer: args.importer,
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: clientNodeSubset,
      });
      if (resolved.errors.length > 0 || !inPackage(resolved.path)) return resolved;
      return { ...resolved, sideEffects: false };
    });
  },
};

/**
 * What client-node imports for kubeconfigs that few have — a proxy (socks-proxy-agent with socks and
 * ip-address, hpagent) or an OIDC, Azure or GCP auth provider (openid-client, jsonpath-plus) — and uses only
 * inside the functions that serve them. Each is replaced, for client-node, by a module exporting the names
 * it uses, which loads the real package on the first call: bundled as before, but evaluated only by the
 * runs that need it, not at every start-up (~30 ms of a CLI start on a 2-core machine). A name client-node
 * starts to use and that is not listed fails the build ("No matching export").
 */
const LAZY_CLIENT_NODE_IMPORTS = {
  'socks-proxy-agent': { classes: ['SocksProxyAgent'] },
  hpagent: { classes: ['HttpProxyAgent', 'HttpsProxyAgent'] },
  'openid-client': { functions: ['discovery', 'refreshTokenGrant'] },
  'jsonpath-plus': { functions: ['JSONPath'] },
};

export const lazyClientNodeImports = {
  name: 'lazy-client-node-imports',
  setup(b) {
    const names = Object.keys(LAZY_CLIENT_NODE_IMPORTS);
    b.onResolve({ filter: /^[a-z@][\w@/.-]*$/ }, (args) =>
      names.includes(args.path) && args.importer.includes('/@kubernetes/client-node/')
        ? { path: args.path, namespace: 'lazy-client-node-import' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-client-node-import' }, (args) => {
      const { classes = [], functions = [] } = LAZY_CLIENT_NODE_IMPORTS[args.path];
      // A class whose constructor returns the real instance, a function that forwards the call.
      const lines = [
        `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
        ...classes.map(
          (n) => `export class ${n} { constructor(...args) { return new (load().${n})(...args); } }`,
        ),
        ...functions.map(
          (n) =>
            `export function ${n}(...args) { return new.target ? new (load().${n})(...args) : load().${n}(...args); }`,
        ),
      ];
      return { contents: lines.join('\n'), loader: 'js', resolveDir: ROOT };
    });
  },
};

/**
 * node:http and node:https reached through require(), not `import`: for an imported built-in, Node builds an
 * ES module facade that reads every export, and on Node 24 that runs the lazy getters of node:http, which load
 * undici (~18 ms of every cold start, for a fetch nothing here uses). The module is the same object either way.
 */
export const httpThroughRequire = {
  name: 'http-through-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?https?$/ }, (args) =>
      args.namespace === 'builtin-require'
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ''), namespace: 'builtin-require' },
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');`,
      loader: 'js',
    }));
  },
};

/** Bundles one Lambda function to `outfile` (an `index.mjs` whose `handler` export Lambda calls). */
export async function bundleFunction(job, outfile) {
  return build({
    entryPoints: [join(ROOT, FUNCTION_ENTRIES[job])],
    outfile,
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLE.target,
    format: LAMBDA_BUNDLE.format,
    minify: LAMBDA_BUNDLE.minify,
    external: LAMBDA_BUNDLE.external,
    banner: { js: LAMBDA_BUNDLE.banner },
    plugins: [clientNodeSubset, httpThroughRequire],
    metafile: true,
    logLevel: 'warning',
  });
}

/** Bundles the CLI into dist/: every dependency included, so the published package needs none. */
export async function bundleCli(outdir = 'dist') {
  return build({
    entryPoints: { cli: join(ROOT, 'cli/main.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // What only some commands use (the simulated cluster, the AWS SDK) goes to chunks loaded on first use,
    // so `audit` and `--version` start without parsing them.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // ES modules first (the AWS SDK ships both): a chunk of CommonJS code exports only a default, so
    // `(await import('@aws-sdk/client-eks')).EKSClient` would be undefined in a split bundle.
    mainFields: ['module', 'main'],
    // For debugging in the repository; the map is not in the package (see "files" in package.json).
    sourcemap: true,
    metafile: true,
    banner: { js: REQUIRE_BANNER },
    plugins: [lazyClientNodeImports, clientNodeSubset],
    logLevel: 'warning',
  });
}

// `node scripts/bundle.mjs function <audit|reap> <outfile>`: the CDK stack's local bundling runs this.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [what, job, outfile] = process.argv.slice(2);
  if (what !== 'function' || !(job in FUNCTION_ENTRIES) || !outfile) {
    process.stderr.write('usage: node scripts/bundle.mjs function <audit|reap> <outfile>\n');
    process.exit(64);
  }
  await bundleFunction(job, outfile);
}

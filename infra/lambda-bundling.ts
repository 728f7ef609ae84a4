/**
 * How the functions are bundled for nodejs24.x, in one place: the CDK stack's NodejsFunctions and the
 * cold-start benchmark (bench/fleet-bench.ts) both read it, so the figure measured is the code deployed.
 * Plain data: importing it loads no aws-cdk-lib.
 */
export const LAMBDA_BUNDLE = {
  target: 'node24',
  format: 'esm',
  minify: true,
  /** The nodejs24.x runtime provides AWS SDK v3; bundling it would add ~1 MB and cold-start time. */
  external: ['@aws-sdk/*'],
  /** CommonJS dependencies bundled into ESM still call require() for Node built-ins. */
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
} as const;

/** The handler entry points, relative to the repository root. */
export const FUNCTION_ENTRIES = {
  audit: 'functions/audit/handler.ts',
  reap: 'functions/reap/handler.ts',
} as const;

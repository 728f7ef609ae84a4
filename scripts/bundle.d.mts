import type { BuildResult, Plugin } from 'esbuild';

export declare const FUNCTION_ENTRIES: { readonly audit: string; readonly reap: string };
export declare const LAMBDA_BUNDLE: {
  readonly target: string;
  readonly format: 'esm';
  readonly minify: boolean;
  readonly external: readonly string[];
  readonly banner: string;
};
export declare const clientNodeSubset: Plugin;
export declare function bundleFunction(
  job: keyof typeof FUNCTION_ENTRIES,
  outfile: string,
): Promise<BuildResult<{ metafile: true }>>;
export declare function bundleCli(outdir?: string): Promise<BuildResult<{ metafile: true }>>;

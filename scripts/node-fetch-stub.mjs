// Stands in for node-fetch inside the bundles (see clientNodeSubset in bundle.mjs): lease-reaper never sends
// requests through @kubernetes/client-node's fetch transport, and must not start to without noticing.
const unused = (what) => {
  throw new Error(
    `${what} from node-fetch is not bundled: lease-reaper sends requests with shared/kube/kube-client.ts`,
  );
};
export default function fetch() {
  unused('fetch');
}
export class Headers {
  constructor() {
    unused('Headers');
  }
}
export class AbortError extends Error {}
export class FetchError extends Error {}

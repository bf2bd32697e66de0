/**
 * Imported first by every entry point (`bin.ts`, `cli.ts`): on a Node.js older than Triage supports
 * it prints one line naming both versions and exits 2, before any other module of the program is
 * evaluated, so no library that needs a newer Node (better-sqlite3 13 crashes on Node 20) is loaded.
 */
import { describeNodeVersion, isSupportedNode } from './node-version.js';

if (!isSupportedNode()) {
  process.stderr.write(`triage: ${describeNodeVersion()}\n`);
  process.exit(2);
}

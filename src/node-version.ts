/**
 * Which Node.js Triage runs on. Kept free of imports and of anything newer than ES2022, because
 * `node-guard.ts` evaluates it on whatever Node a user happens to start the CLI with.
 */

/** The oldest Node.js major Triage supports; `engines.node` in package.json says the same. */
export const REQUIRED_NODE_MAJOR = 24;

/** The release lines CI runs the suite on (`.ci/run`), as the messages say it. */
export const TESTED_NODE_LINES = 'the LTS lines 24 and 26 are tested';

/** Whether Triage runs on this Node.js version (`process.versions.node`, as `24.22.3`). */
export function isSupportedNode(version: string = process.versions.node): boolean {
  const major = Number.parseInt(version, 10);
  return Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR;
}

/** One line for a person, naming the running and the required version. */
export function describeNodeVersion(version: string = process.versions.node): string {
  return isSupportedNode(version)
    ? `Node.js v${version} (supported: ${REQUIRED_NODE_MAJOR} or newer; ${TESTED_NODE_LINES})`
    : `Node.js v${version} is not supported: Triage needs Node.js ${REQUIRED_NODE_MAJOR} or newer (${TESTED_NODE_LINES})`;
}

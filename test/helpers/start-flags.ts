import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

/**
 * The Node.js options `npm start` runs the bot with (the V8 heap settings of package.json's start
 * script), so the ingest benchmark measures the process as it is launched and the service unit can
 * be held to the same settings.
 */
export function startNodeFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/src\/bin\.js start$/.exec(scripts.start ?? '');
  if (!match) throw new Error(`package.json's start script is not "node [--flags] dist/src/bin.js start": ${scripts.start}`);
  return match[1]!.trim().split(' ').filter((flag) => flag !== '');
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/setup.js';

const RECORD = ['--import', pathToFileURL(join(ROOT, 'test', 'fixtures', 'record-modules.mjs')).href];

/** Libraries only the bot needs (chats, sources, the HTTP listener, metrics) or only classification needs. */
const BOT_ONLY = ['discord.js', '@discordjs/rest', '@slack/bolt', '@slack/web-api', 'twitter-api-v2', '@atproto/api', 'masto', 'google-auth-library', 'openid-client', 'fastify', 'prom-client'];
const CLASSIFIER = ['sentiment', 'eld'];

/** The packages (node_modules/NAME or @scope/NAME) and the project's own files a process loaded. */
function loadedBy(file: string): { packages: Set<string>; own: string[] } {
  const urls = readFileSync(file, 'utf8').split('\n');
  const packages = new Set(urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
  const own = urls.filter((url) => url.includes('/dist/src/')).map((url) => url.slice(url.indexOf('/dist/src/') + '/dist/'.length));
  return { packages, own };
}

describe('what a command loads', () => {
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(() => {
    temp = tempDir();
    env = { DATABASE_PATH: join(temp.dir, 'triage.db'), RECORD_MODULES_FILE: join(temp.dir, 'modules.txt') };
  });
  afterEach(() => temp.cleanup());

  async function run(args: string[], input = ''): Promise<{ packages: Set<string>; own: string[] }> {
    const result = await runCli(args, { env, cwd: temp.dir, input, nodeArgs: RECORD });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return loadedBy(env.RECORD_MODULES_FILE!);
  }

  it('prints the usage without loading any library', async () => {
    const { packages, own } = await run(['--help']);
    expect([...packages]).toEqual([]);
    expect(own.some((f) => f.startsWith('src/commands/'))).toBe(false);
  });

  it('writes the SLA report with the store and the policy only: no chat, source, metrics, logger or classifier', async () => {
    const { packages, own } = await run(['sla-report']);
    expect(packages).toContain('better-sqlite3');
    for (const name of [...BOT_ONLY, ...CLASSIFIER, 'pino', 'pg', '@resvg/resvg-js']) expect(packages, name).not.toContain(name);
    expect(own.filter((f) => /^src\/(classify|chat|sources|web)\/|^src\/(main|pipeline|scheduler|app)\.js$/.test(f) && !f.startsWith('src/sources/session-store.js'))).toEqual([]);
  });

  it('writes the Markdown digest without the chat clients, the classifier or the chart renderer', async () => {
    const { packages, own } = await run(['digest']);
    expect(packages).toContain('better-sqlite3');
    for (const name of [...BOT_ONLY, ...CLASSIFIER, 'pino', 'pg', '@resvg/resvg-js']) expect(packages, name).not.toContain(name);
    expect(own).not.toContain('src/classify/classify-mention.js');
    expect(own).not.toContain('src/app.js');
  });

  it('replays a file with poll --once without any chat, platform client or the HTTP listener', async () => {
    const result = await runCli(['poll', '--once', '--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], { env, cwd: temp.dir, nodeArgs: RECORD });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^triage poll: \d+ read, \d+ new/);
    const { packages } = loadedBy(env.RECORD_MODULES_FILE!);
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('sentiment');
    // @atproto/api alone is ~50 MB of RSS: the ingest's peak (issue 19) starts from what is loaded.
    for (const name of BOT_ONLY.filter((n) => n !== 'prom-client')) expect(packages, name).not.toContain(name);
  });

  it('classifies without the store, the chats or the sources', async () => {
    const { packages } = await run(['classify'], '{"id":1,"text":"the portal is down again"}\n');
    expect(packages).toContain('sentiment');
    for (const name of [...BOT_ONLY, 'better-sqlite3', 'pg', 'pino', '@resvg/resvg-js']) expect(packages, name).not.toContain(name);
  });
});

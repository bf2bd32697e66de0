import { loadConfig } from '../config.js';
import { loadDataFiles } from '../data-files.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { createXClient, resolveXUserId, translateXError } from '../sources/x/x-client.js';
import { describeXUsage } from '../sources/x/x-usage.js';
import { ConfigError, TriageError } from '../util/errors.js';
import { describeNodeVersion, isSupportedNode } from '../node-version.js';
import type { CommandIo } from './command.js';

/** `triage doctor`: checks settings, data files and the database, and says what is wrong and how to fix it. */
export async function doctorCommand(io: CommandIo): Promise<number> {
  const say = (ok: boolean, line: string) => io.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${line}\n`);
  let failures = 0;
  say(isSupportedNode(), describeNodeVersion());
  let config;
  try {
    config = loadConfig(io.env, io.cwd);
    say(true, 'settings');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) say(false, problem);
    return 2;
  }
  try {
    loadDataFiles(config);
    say(true, `data files (${config.paths.lexicon}, ${config.paths.slaPolicy}, ${config.paths.templates})`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) say(false, problem);
    failures++;
  }
  let usage: string | undefined;
  try {
    const store = new SqliteStore(config.databasePath);
    const { mentions, alerts } = store.counts();
    usage = describeXUsage(store.readsInMonth(Date.now()), config.x?.monthlyReadBudget);
    store.close();
    say(true, `database ${config.databasePath} (${mentions} mentions, ${alerts} alerts)`);
  } catch (error) {
    if (!(error instanceof TriageError)) throw error;
    say(false, error.message);
    failures++;
  }
  if (config.x) {
    try {
      const account = await resolveXUserId(createXClient(config.x, { timeoutMs: 10_000 }), { handle: config.x.handle ?? '', ...(config.x.userId !== undefined && { userId: config.x.userId }) });
      const client = createXClient(config.x, { timeoutMs: 10_000 });
      // One cheap read proves the token may read this account's mentions (the access level allows it).
      await client.v2.get(`users/${account.id}/mentions`, { max_results: '5' });
      say(true, `X: ${config.x.apiBaseUrl} accepts the token; watching ${account.username ? `@${account.username}` : 'the account'} (id ${account.id})`);
    } catch (error) {
      const e = error instanceof TriageError ? error : translateXError(error, 'the mentions timeline');
      say(false, `X: ${e.message}`);
      failures++;
    }
    if (usage) say(true, `X ${usage}`);
  } else {
    say(true, 'X: not configured (set X_BEARER_TOKEN and X_HANDLE to poll mentions)');
  }
  say(true, config.discord ? 'Discord: token set' : 'Discord: not configured (alerts print to the console)');
  return failures > 0 ? 1 : 0;
}

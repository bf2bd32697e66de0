import { loadConfig } from '../config.js';
import { loadDataFiles } from '../data-files.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { ConfigError, TriageError } from '../util/errors.js';
import type { CommandIo } from './command.js';

/** `triage doctor`: checks settings, data files and the database, and says what is wrong and how to fix it. */
export async function doctorCommand(io: CommandIo): Promise<number> {
  const say = (ok: boolean, line: string) => io.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${line}\n`);
  let failures = 0;
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
  try {
    const store = new SqliteStore(config.databasePath);
    const { mentions, alerts } = store.counts();
    store.close();
    say(true, `database ${config.databasePath} (${mentions} mentions, ${alerts} alerts)`);
  } catch (error) {
    if (!(error instanceof TriageError)) throw error;
    say(false, error.message);
    failures++;
  }
  say(true, config.x ? 'X: credentials set' : 'X: not configured (set X_BEARER_TOKEN and X_HANDLE to poll mentions)');
  say(true, config.discord ? 'Discord: token set' : 'Discord: not configured (alerts print to the console)');
  return failures > 0 ? 1 : 0;
}

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { backupDatabase, restoreDatabase, type DatabaseSummary } from '../store/backup.js';
import type { CommandIo } from './command.js';

function describe(summary: DatabaseSummary): string {
  const size = summary.bytes >= 1024 * 1024 ? `${(summary.bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(summary.bytes / 1024))} KB`;
  return `${size}, ${summary.mentions} mentions, ${summary.alerts} alerts, schema version ${summary.schemaVersion}`;
}

/**
 * With `DATABASE_URL` the database is the DBA's: backed up and restored with PostgreSQL's own tools
 * (`pg_dump`/`pg_restore`, or their base backups and replication), which know its roles, its
 * point-in-time recovery and their own retention. Triage does not run them for you: a copy it made
 * could not be restored by those tools any better, and a half-configured `pg_dump` on PATH would
 * give a false sense of a backup. One line saying so, exit 2.
 */
function onPostgres(io: CommandIo, config: { databaseUrl?: string }, command: 'backup' | 'restore'): boolean {
  if (config.databaseUrl === undefined) return false;
  const how = command === 'backup' ? 'pg_dump --format=custom --file=FILE "$DATABASE_URL"' : 'pg_restore --clean --dbname="$DATABASE_URL" FILE (with every bot stopped)';
  io.stderr.write(`triage ${command}: the store is PostgreSQL (DATABASE_URL), which your DBA backs up; use ${how}. triage ${command} works on the SQLite file (unset DATABASE_URL).\n`);
  return true;
}

/**
 * `triage backup FILE [--force]`: a consistent copy of the database, safe while the bot runs (SQLite's
 * online backup), checked with `PRAGMA integrity_check`. An existing FILE is kept unless `--force`.
 */
export async function backupCommand(io: CommandIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean' } } });
  if (positionals.length !== 1) {
    io.stderr.write('usage: triage backup FILE [--force]\n');
    return 2;
  }
  const config = loadConfig(io.env, io.cwd);
  if (onPostgres(io, config, 'backup')) return 2;
  const target = resolve(io.cwd, positionals[0] as string);
  const summary = await backupDatabase(config.databasePath, target, { force: values.force === true });
  io.stdout.write(`Backed up ${config.databasePath} to ${summary.path}: ${describe(summary)}.\n`);
  return 0;
}

/**
 * `triage restore FILE`: replaces the database at DATABASE_PATH with FILE once FILE is shown to be a
 * sound Triage database no newer than this program. Refuses while a bot runs on the database.
 */
export async function restoreCommand(io: CommandIo, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) {
    io.stderr.write('usage: triage restore FILE\n');
    return 2;
  }
  const config = loadConfig(io.env, io.cwd);
  if (onPostgres(io, config, 'restore')) return 2;
  const source = resolve(io.cwd, positionals[0] as string);
  const { restored, replaced } = await restoreDatabase(source, config.databasePath);
  io.stdout.write(`Restored ${source} into ${config.databasePath}: ${describe(restored)}${replaced ? ` (it replaced ${replaced.mentions} mentions, ${replaced.alerts} alerts)` : ''}.\n`);
  return 0;
}

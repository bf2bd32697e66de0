import { existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { TriageError } from '../util/errors.js';
import { acquireBotLock, describeHeld, liveLockHolder } from './bot-lock.js';
import { MIGRATIONS } from './migrations.js';

/** What a database file holds, as checked before it is trusted. */
export interface DatabaseSummary {
  path: string;
  bytes: number;
  schemaVersion: number;
  mentions: number;
  alerts: number;
}

/** Tables every Triage database has had since the first migration. */
const CORE_TABLES = ['mentions', 'classifications', 'alerts', 'alert_events', 'cursors'];

/**
 * Copies the database at `source` into `target` while the bot may be writing to it, with SQLite's
 * online backup API. The copy is written next to `target` and moved into place only once it is
 * complete and passes `PRAGMA integrity_check`, so `target` is never a half-written file. Without
 * `force` an existing `target` is left alone (and a race with another writer of `target` is lost
 * cleanly: the final step is a hard link, which fails if the name exists).
 */
export async function backupDatabase(source: string, target: string, options: { force?: boolean } = {}): Promise<DatabaseSummary> {
  if (!existsSync(source)) throw new TriageError('store', `there is no database at ${source}; check DATABASE_PATH`);
  if (!options.force && existsSync(target)) throw new TriageError('store', `${target} already exists; choose another file or pass --force to overwrite it`);
  if (!existsSync(dirname(target))) throw new TriageError('store', `folder ${dirname(target)} does not exist; create it first`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // The first step only sets the backup up; the next copies every page at once. SQLite restarts a
    // backup whose source another connection changed between steps, so small steps under a busy
    // ingest could restart for ever; one step reads one consistent snapshot (WAL readers do not block
    // the writer) holding every transaction committed before it began.
    await db.backup(partial, { progress: () => 0x7fffffff });
  } catch (error) {
    rmSync(partial, { force: true });
    throw new TriageError('store', `backup of ${source} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
  }
  try {
    // A self-contained single file (no -wal beside it) that can be copied anywhere.
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    inspectDatabase(partial);
    if (options.force) renameSync(partial, target);
    else {
      linkSync(partial, target);
      rmSync(partial, { force: true });
    }
  } catch (error) {
    rmSync(partial, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TriageError('store', `${target} already exists; choose another file or pass --force to overwrite it`);
    throw error;
  }
  return { ...inspectDatabase(target), path: target };
}

/**
 * Checks that `path` is a Triage database this program can use: it opens, passes
 * `PRAGMA integrity_check`, has our tables, and its schema is not newer than ours. Read-only.
 */
export function inspectDatabase(path: string): DatabaseSummary {
  if (!existsSync(path)) throw new TriageError('store', `${path} does not exist`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new TriageError('store', `${path} cannot be opened as a SQLite database: ${(error as Error).message}`, { cause: error });
  }
  try {
    let check: string[];
    try {
      check = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    } catch (error) {
      throw new TriageError('store', `${path} is not a usable SQLite database: ${(error as Error).message}`, { cause: error });
    }
    if (check.length !== 1 || check[0] !== 'ok') throw new TriageError('store', `${path} fails PRAGMA integrity_check: ${check.slice(0, 3).join('; ')}`);
    const tables = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]);
    const missing = CORE_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) throw new TriageError('store', `${path} is not a Triage database (no ${missing.join(', ')} table)`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion < 1) throw new TriageError('store', `${path} is not a Triage database (schema version ${schemaVersion})`);
    if (schemaVersion > MIGRATIONS.length) {
      throw new TriageError('store', `${path} has schema version ${schemaVersion}, newer than this program knows (${MIGRATIONS.length}); upgrade Triage first`);
    }
    const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    return { path, bytes: statSync(path).size, schemaVersion, mentions: count('mentions'), alerts: count('alerts') };
  } finally {
    db.close();
  }
}

/**
 * Replaces the database at `target` with the Triage database in `source`, after checking it. Refuses
 * while a running bot holds `target` (its lock file names a live pid), and holds the lock itself
 * meanwhile so no bot starts half-way.
 *
 * The copy goes through SQLite's backup API into `target` rather than over it as a file: the
 * destination connection replaces every page inside one transaction and leaves any `-wal`/`-shm`
 * of `target` consistent with the new content, whereas copying the file would let SQLite replay a
 * stale WAL of the old database onto the restored one (corrupting it). Only when `target` is not a
 * database at all (it cannot be opened as one) are it and its `-wal`/`-shm` deleted and the backup
 * written afresh; we hold the lock, so no bot has them open.
 */
export async function restoreDatabase(source: string, target: string): Promise<{ restored: DatabaseSummary; replaced: DatabaseSummary | null }> {
  const holder = liveLockHolder(target);
  if (holder) throw new TriageError('store', `${describeHeld(target, holder)}; nothing was restored`);
  inspectDatabase(source);
  const lock = acquireBotLock(target);
  try {
    let replaced: DatabaseSummary | null = null;
    if (existsSync(target)) {
      try {
        replaced = inspectDatabase(target);
      } catch {
        replaced = null;
      }
    }
    const from = new Database(source, { readonly: true, fileMustExist: true });
    try {
      try {
        await from.backup(target, { progress: () => 0x7fffffff });
      } catch (error) {
        if (replaced !== null) throw error;
        for (const file of [target, `${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(file, { force: true });
        await from.backup(target, { progress: () => 0x7fffffff });
      }
    } catch (error) {
      throw new TriageError('store', `restore into ${target} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      from.close();
    }
    // The bot opens the file in WAL mode; migrations for an older backup run when it next starts.
    const db = new Database(target);
    try {
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
    return { restored: { ...inspectDatabase(target), path: target }, replaced };
  } finally {
    lock.release();
  }
}

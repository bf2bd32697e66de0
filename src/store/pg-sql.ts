import pg from 'pg';
import { TriageError } from '../util/errors.js';
import { MIGRATIONS } from './migrations.js';

/** A connection or the pool: what a statement runs on. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

const cache = new Map<string, { text: string; names: string[] | null }>();

/**
 * The store's SQL (written for SQLite and kept portable) as PostgreSQL reads it: `?` and `@name`
 * parameters become `$n`, and camelCase aliases are quoted (PostgreSQL folds unquoted names to
 * lower case). Translated once per statement text.
 */
export function toPg(sql: string): { text: string; names: string[] | null } {
  let hit = cache.get(sql);
  if (hit) return hit;
  let n = 0;
  const names: string[] = [];
  let text = sql.replace(/\bAS ([a-z]+[A-Z]\w*)/g, 'AS "$1"');
  if (/@[a-zA-Z]\w*/.test(text)) {
    const index = new Map<string, number>();
    text = text.replace(/@([a-zA-Z]\w*)/g, (_, name: string) => {
      let i = index.get(name);
      if (i === undefined) {
        index.set(name, (i = ++n));
        names.push(name);
      }
      return `$${i}`;
    });
    hit = { text, names };
  } else {
    text = text.replace(/\?/g, () => `$${++n}`);
    hit = { text, names: null };
  }
  cache.set(sql, hit);
  return hit;
}

/** Runs one statement; `params` positional for `?`, an object for `@name`. */
/** The statement and its values as PostgreSQL takes them. */
function pgStatement(sql: string, params: readonly unknown[] | Record<string, unknown>): { text: string; values: unknown[] } {
  const { text, names } = toPg(sql);
  return { text, values: names ? names.map((name) => (params as Record<string, unknown>)[name] ?? null) : (params as unknown[]) };
}

export async function query<T = Record<string, unknown>>(on: Queryable, sql: string, params: readonly unknown[] | Record<string, unknown> = []): Promise<{ rows: T[]; rowCount: number }> {
  const result = await on.query(pgStatement(sql, params));
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}

/** Rows as arrays in the columns' order (`rowMode: 'array'`): no object per row, for the year's CSV. */
export async function allArrays<T extends readonly unknown[]>(on: Queryable, sql: string, params: readonly unknown[] | Record<string, unknown> = []): Promise<T[]> {
  return (await on.query({ ...pgStatement(sql, params), rowMode: 'array' })).rows as unknown as T[];
}

export async function all<T>(on: Queryable, sql: string, params?: readonly unknown[] | Record<string, unknown>): Promise<T[]> {
  return (await query<T>(on, sql, params)).rows;
}

export async function one<T>(on: Queryable, sql: string, params?: readonly unknown[] | Record<string, unknown>): Promise<T | undefined> {
  return (await query<T>(on, sql, params)).rows[0];
}

/** Rows changed. */
export async function run(on: Queryable, sql: string, params?: readonly unknown[] | Record<string, unknown>): Promise<number> {
  return (await query(on, sql, params)).rowCount;
}

/** Epoch-ms columns are BIGINT and counts are BIGINT or NUMERIC: both read as JavaScript numbers. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** A pool for `url`, checked with one round trip. A bad URL or an unreachable server is one line naming DATABASE_URL. */
export async function openPool(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, types, max: 10, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 10_000, application_name: 'triage' });
  pool.on('error', () => {
    // An idle connection dropped by the server: the pool replaces it; the next query reports a real problem.
  });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new TriageError('store', `cannot reach PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}. Check DATABASE_URL.`, { cause: error });
  }
  return pool;
}

/** The URL without its password, for logs and `triage doctor`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

/** Runs `fn` in one transaction on one connection; rolled back if it throws. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The SQLite migrations as PostgreSQL reads them: the same versions, so both stores move in step.
 * Row ids become identity columns, epoch-ms INTEGER columns BIGINT, REAL DOUBLE PRECISION.
 */
export const PG_MIGRATIONS: readonly string[] = MIGRATIONS.map((sql) =>
  sql
    .replace(/\bid INTEGER PRIMARY KEY\b/g, 'id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY')
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION'),
);

/** Advisory-lock key of the schema migration, so two instances starting together migrate once. */
const MIGRATION_LOCK = 0x7472_6961;

/** Applies the migrations not yet applied, each in its own transaction, under an advisory lock; refuses a newer schema. */
export async function migratePg(pool: pg.Pool): Promise<void> {
  await transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS triage_schema (version INTEGER NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM triage_schema')).rows[0];
    let version = row?.version ?? 0;
    if (row === undefined) await client.query('INSERT INTO triage_schema (version) VALUES (0)');
    if (version > PG_MIGRATIONS.length) {
      throw new TriageError('store', `database schema version ${version} is newer than this program knows (${PG_MIGRATIONS.length}); upgrade Triage`);
    }
    for (; version < PG_MIGRATIONS.length; version++) {
      await client.query(PG_MIGRATIONS[version] as string);
      await client.query('UPDATE triage_schema SET version = $1', [version + 1]);
    }
  });
}

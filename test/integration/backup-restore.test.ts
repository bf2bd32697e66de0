import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, inspectDatabase, restoreDatabase } from '../../src/store/backup.js';
import { lockPathOf } from '../../src/store/bot-lock.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { runCli } from '../helpers/cli.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { loadFixtureWeek, fixtureWeekPosts, at } from '../helpers/week-fixture.js';
import { tempDir } from '../helpers/setup.js';
import { waitForOutput } from '../helpers/wait-for-output.js';

const count = (path: string, sql: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
};

function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** A JSON Lines replay of `n` posts that classify as chatter (no alerts, so nothing prints). */
function writeReplay(path: string, n: number, from = 0): void {
  const start = Date.UTC(2026, 10, 1);
  const lines: string[] = [];
  for (let i = from; i < from + n; i++) {
    lines.push(JSON.stringify({ platform: 'x', id: String(1_950_000_000_000_000_000n + BigInt(i)), text: `visited the new wing today with my aunt, visit ${i}`, created_at: new Date(start + i * 1000).toISOString(), author: { id: `u${i % 997}`, handle: `visitor${i % 997}` } }));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('triage backup', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;

  beforeEach(async () => {
    fx = await pipelineFixture(() => at(2026, 10, 20, 0));
    await loadFixtureWeek(fx, fixtureWeekPosts());
  });
  afterEach(() => fx.close());

  it('writes a checked copy, says what it wrote, and keeps an existing file unless --force', async () => {
    const file = join(fx.dir, 'copy.db');
    const run = await runCli(['backup', 'copy.db'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Backed up ${fx.path} to ${file}: ${Math.round(statSync(file).size / 1024)} KB, 14 mentions, 12 alerts, schema version ${MIGRATIONS.length}.\n`);
    expect(integrity(file)).toBe('ok');
    // One self-contained file: no WAL beside it.
    expect(existsSync(`${file}-wal`)).toBe(false);

    const again = await runCli(['backup', 'copy.db'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`triage: ${file} already exists; choose another file or pass --force to overwrite it\n`);
    const forced = await runCli(['backup', 'copy.db', '--force'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(forced.code).toBe(0);
    const usage = await runCli(['backup'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(usage).toMatchObject({ code: 2, stderr: 'usage: triage backup FILE [--force]\n' });
  });

  it('on PostgreSQL, says the DBA backs it up with pg_dump and restores with pg_restore, without touching anything', async () => {
    const env = { DATABASE_PATH: fx.path, DATABASE_URL: 'postgres://triage@127.0.0.1:1/triage' };
    const backup = await runCli(['backup', 'copy.db'], { env, cwd: fx.dir });
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(/^triage backup: the store is PostgreSQL \(DATABASE_URL\), which your DBA backs up; use pg_dump --format=custom --file=FILE "\$DATABASE_URL"\. .*\n$/);
    expect(existsSync(join(fx.dir, 'copy.db'))).toBe(false);
    const restore = await runCli(['restore', fx.path], { env, cwd: fx.dir });
    expect(restore.code).toBe(2);
    expect(restore.stderr).toMatch(/^triage restore: .* use pg_restore --clean/);
    expect(restore.stderr.split('\n')).toHaveLength(2);
  });

  it('taken while another process ingests, opens, passes integrity_check and holds every row committed before it started', async () => {
    const total = 60_000;
    const replay = join(fx.dir, 'big.jsonl');
    writeReplay(replay, total);
    let ingest!: ChildProcess;
    const polling = runCli(['poll', '--once', '--replay', replay], { env: { DATABASE_PATH: fx.path, LOG_LEVEL: 'debug' }, cwd: fx.dir, timeoutMs: 120_000, onSpawn: (c) => (ingest = c) });
    // Wait until the ingest has committed some batches of its own.
    await waitForOutput(ingest, /"msg":"batch stored"/);
    await waitForOutput(ingest, /"msg":"batch stored"/);
    // One statement, one snapshot: the rows committed at this instant, and the newest of them.
    const db = new Database(fx.path, { readonly: true });
    const { committed, lastId } = db.prepare('SELECT COUNT(*) AS committed, MAX(id) AS lastId FROM mentions').get() as { committed: number; lastId: number };
    db.close();
    expect(committed).toBeGreaterThan(14);

    const file = join(fx.dir, 'during-ingest.db');
    const backup = await runCli(['backup', file], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    // The ingest was still writing when the backup finished: this was a backup under load.
    expect(ingest.exitCode).toBeNull();

    expect(integrity(file)).toBe('ok');
    const copied = count(file, 'SELECT COUNT(*) FROM mentions');
    expect(count(file, `SELECT COUNT(*) FROM mentions WHERE id <= ${lastId}`)).toBe(committed);
    expect(copied).toBeLessThan(total + 14);
    // A consistent snapshot: every stored post has its classification, and the replay cursor matches the posts.
    expect(count(file, 'SELECT COUNT(*) FROM classifications')).toBe(copied);
    expect(count(file, `SELECT CAST(value AS INTEGER) FROM cursors WHERE source = 'replay'`)).toBe(copied - 14);

    const done = await polling;
    expect(done.code).toBe(0);
    expect(count(fx.path, 'SELECT COUNT(*) FROM mentions')).toBe(total + 14);
  }, 120_000);
});

describe('triage restore', () => {
  let temp: ReturnType<typeof tempDir>;
  let live: string;
  let saved: string;
  let replay: string;

  beforeEach(async () => {
    temp = tempDir();
    live = join(temp.dir, 'triage.db');
    saved = join(temp.dir, 'saved.db');
    replay = join(temp.dir, 'more.jsonl');
    const fx = await pipelineFixture(() => at(2026, 10, 20, 0));
    try {
      await loadFixtureWeek(fx, fixtureWeekPosts());
      await fx.store.close();
      await backupDatabase(fx.path, saved);
      copyFileSync(fx.path, live);
    } finally {
      fx.close();
    }
    writeReplay(replay, 25);
  });
  afterEach(() => temp.cleanup());

  it('refuses while a running bot holds the database, and restores once it has stopped', async () => {
    const env = { DATABASE_PATH: live, LOG_LEVEL: 'info' };
    let bot!: ChildProcess;
    const running = runCli(['start', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 60_000, onSpawn: (c) => (bot = c) });
    // The start-up poll has stored the replay file once its first cycle is done.
    await waitForOutput(bot, /"msg":"poll cycle done"/);
    expect(count(live, 'SELECT COUNT(*) FROM mentions')).toBe(14 + 25);

    const second = await runCli(['start', '--replay', replay], { env, cwd: temp.dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^triage: the database ${live.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by a running bot \\(pid ${bot.pid}, started [^)]+\\); stop it first\\n$`));

    const refused = await runCli(['restore', saved], { env, cwd: temp.dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(new RegExp(`^triage: the database .* is in use by a running bot \\(pid ${bot.pid}, .*\\); stop it first; nothing was restored\\n$`));
    expect(count(live, 'SELECT COUNT(*) FROM mentions')).toBe(14 + 25);

    bot.kill('SIGTERM');
    expect((await running).code).toBe(0);
    expect(existsSync(lockPathOf(live))).toBe(false);

    const restored = await runCli(['restore', saved], { env, cwd: temp.dir });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(new RegExp(`^Restored ${saved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} into .*: \\d+ KB, 14 mentions, 12 alerts, schema version ${MIGRATIONS.length} \\(it replaced 39 mentions, 12 alerts\\)\\.\\n$`));
    expect(integrity(live)).toBe('ok');
    expect(count(live, 'SELECT COUNT(*) FROM mentions')).toBe(14);
  }, 60_000);

  it('ignores a stale lock whose process is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    writeFileSync(lockPathOf(live), JSON.stringify({ pid: dead, host: hostname(), startedAt: 0 }));
    const run = await runCli(['restore', saved], { env: { DATABASE_PATH: live }, cwd: temp.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(existsSync(lockPathOf(live))).toBe(false);
  });

  it('replaces a crashed database whose WAL still holds frames without replaying them onto the backup', async () => {
    // A bot killed mid-write: the database with a -wal full of frames that were never checkpointed.
    const crashed = join(temp.dir, 'crashed.db');
    const writer = new Database(live);
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare(`INSERT INTO cursors (source, stream, value, updated_at) VALUES ('stale', 'wal', 'from the old database', 1)`).run();
    copyFileSync(live, crashed);
    copyFileSync(`${live}-wal`, `${crashed}-wal`);
    writer.close();
    expect(count(crashed, `SELECT COUNT(*) FROM cursors WHERE source = 'stale'`)).toBe(1);

    await restoreDatabase(saved, crashed);
    expect(integrity(crashed)).toBe('ok');
    expect(count(crashed, `SELECT COUNT(*) FROM cursors WHERE source = 'stale'`)).toBe(0);
    expect(inspectDatabase(crashed)).toMatchObject({ mentions: 14, alerts: 12 });
  });

  it('restores into a path where there is no database yet, or where the file is not a database', async () => {
    const fresh = join(temp.dir, 'fresh.db');
    expect(await restoreDatabase(saved, fresh)).toMatchObject({ restored: { mentions: 14 }, replaced: null });
    const junk = join(temp.dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text '.repeat(200));
    expect(await restoreDatabase(saved, junk)).toMatchObject({ restored: { mentions: 14 }, replaced: null });
    expect(integrity(junk)).toBe('ok');
  });

  it('checks FILE first: a SQLite database, sound, ours, and not newer than this program', async () => {
    const junk = join(temp.dir, 'junk.bin');
    writeFileSync(junk, 'hello');
    const other = join(temp.dir, 'other.db');
    const o = new Database(other);
    o.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    o.close();
    const newer = join(temp.dir, 'newer.db');
    copyFileSync(saved, newer);
    const n = new Database(newer);
    n.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    n.close();
    const cases: Array<[string, RegExp]> = [
      [join(temp.dir, 'missing.db'), /missing\.db does not exist$/],
      [junk, /junk\.bin is not a usable SQLite database: file is not a database$/],
      [other, /other\.db is not a Triage database \(no mentions, classifications, alerts, alert_events, cursors table\)$/],
      [newer, new RegExp(`newer\\.db has schema version ${MIGRATIONS.length + 1}, newer than this program knows \\(${MIGRATIONS.length}\\); upgrade Triage first$`)],
    ];
    for (const [file, message] of cases) {
      const run = await runCli(['restore', file], { env: { DATABASE_PATH: live }, cwd: temp.dir });
      expect(run.code, file).toBe(1);
      expect(run.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(run.stderr.trim(), file).toMatch(message);
    }
    expect(count(live, 'SELECT COUNT(*) FROM mentions')).toBe(14);
  });
});

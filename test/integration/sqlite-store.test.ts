import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideFor } from '../../src/pipeline.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { OVERDUE_WHERE } from '../../src/store/digest-queries.js';
import { slaRowsSql } from '../../src/store/sqlite-reports.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { classifier, policy, tempDir } from '../helpers/setup.js';
import { mention } from '../helpers/mentions.js';

const now = Date.UTC(2026, 10, 20, 13, 0);
const decide = decideFor({ classifier: classifier(), policy });

/** What only the SQLite adapter does (WAL, file upgrades); every repository behaviour is in store-conformance.test.ts. */
describe('SqliteStore', () => {
  let temp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let path: string;

  beforeEach(() => {
    temp = tempDir();
    path = join(temp.dir, 'triage.db');
    store = new SqliteStore(path);
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  it('runs in WAL mode with the schema migrated', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('upgrades a database made by an older version, keeping and back-filling its data', async () => {
    await store.close();
    const oldPath = join(temp.dir, 'old.db');
    const old = new Database(oldPath);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.prepare(`INSERT INTO mentions (id, platform, native_id, author_id, author_handle, text, created_at, received_at) VALUES (1, 'x', '1', 'u', 'u', 'rude staff', ?, ?)`).run(now, now);
    old.prepare(`INSERT INTO classifications VALUES (1, 'negative', -3, '["complaint"]', 'normal', '[]', 1, ?)`).run(now);
    old.close();
    store = new SqliteStore(oldPath);
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(store.db.prepare('SELECT is_complaint FROM mentions WHERE id = 1').pluck().get()).toBe(1);
  });

  it('copies the deliveries of a one-chat database into per-chat deliveries, each under the chat its ids show', async () => {
    await store.ingest({ source: 'x', mentions: [mention(), mention(), mention(), mention()], now }, decide);
    const [discord, slack, member, waiting] = (await store.pendingAlerts(10)).map((a) => a.id) as [number, number, number, number];
    await store.markPosted(discord, '1100000000000000001', '1200000000000000001', now);
    await store.markPosted(slack, 'C0ALERTS1', '1700000000.000100', now);
    await store.markGrouped(slack, [member], 'C0ALERTS1', '1700000000.000100', now);
    // The database as the version before per-chat deliveries left it (without the tables of the migrations after it).
    const deliveries = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE deliveries'));
    for (const later of MIGRATIONS.slice(deliveries).flatMap((m) => [...m.matchAll(/CREATE TABLE (\w+)/g)].map((t) => t[1]))) store.db.exec(`DROP TABLE ${later}`);
    store.db.pragma(`user_version = ${deliveries}`);
    await store.close();
    store = new SqliteStore(path);
    expect(await store.deliveries.messageOf('discord', discord)).toEqual({ channelId: '1100000000000000001', messageId: '1200000000000000001' });
    expect(await store.deliveries.messageOf('slack', slack)).toEqual({ channelId: 'C0ALERTS1', messageId: '1700000000.000100' });
    expect(await store.deliveries.messageOf('slack', member)).toEqual({ channelId: 'C0ALERTS1', messageId: '1700000000.000100' });
    expect(await store.deliveries.messageOf('discord', slack)).toBeUndefined();
    expect((await store.deliveries.claimCards('discord', 10, now, 60_000)).map((a) => a.id)).toEqual([slack, member, waiting]);
  });

  it('keeps what was committed when the process dies', async () => {
    await store.ingest({ source: 'x', mentions: [mention(), mention()], cursor: { stream: 'mentions', value: '7' }, now }, decide);
    // No close(): open the file from a second connection as a restarted process would.
    const other = new Database(path, { readonly: true });
    expect((other.prepare('SELECT COUNT(*) AS n FROM mentions').get() as { n: number }).n).toBe(2);
    other.close();
  });


  it('answers the reports from their indexes (query plans), not by reading the whole history', async () => {
    // A history where most alerts were answered long ago, and the statistics PRAGMA optimize keeps.
    await store.ingest({ source: 'x', mentions: Array.from({ length: 300 }, () => mention()), now }, decide);
    for (const alert of (await store.pendingAlerts(300)).slice(10)) await store.applyAction(alert.id, 'respond', 'ana', now);
    store.db.exec('ANALYZE');
    const plan = (sql: string, params: Record<string, number>) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    const rows = plan(slaRowsSql(true), { from: 0, to: 1, afterAt: -1, afterId: 0 });
    expect(rows).toMatch(/SEARCH a USING INDEX alerts_arrived \(arrived_at>\? AND arrived_at<\?\)/);
    expect(rows).not.toMatch(/SCAN a\b/);
    // The CSV's links: each row's post looked up by its key, not the mentions read whole.
    expect(rows).toMatch(/SEARCH m USING INTEGER PRIMARY KEY/);
    expect(rows).not.toMatch(/SCAN m\b/);
    expect(rows).not.toMatch(/TEMP B-TREE/);
    const overdue = (store.db.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM alerts a WHERE ${OVERDUE_WHERE}`).all(1, 1) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    expect(overdue).toMatch(/USING (COVERING )?INDEX alerts_overdue/);
  });
});

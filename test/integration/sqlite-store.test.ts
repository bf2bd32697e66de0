import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideFor } from '../../src/pipeline.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { classifier, policy, tempDir } from '../helpers/setup.js';
import { mention } from '../helpers/mentions.js';

const now = Date.UTC(2026, 10, 20, 13, 0);
const decide = decideFor({ classifier: classifier(), policy });

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

  it('stores a mention once however often it is ingested', async () => {
    const m = mention();
    const first = await store.ingest({ source: 'x', mentions: [m, m], now }, decide);
    const second = await store.ingest({ source: 'x', mentions: [m], now }, decide);
    expect(first).toEqual({ inserted: 1, duplicates: 1, alerts: 1, responded: 0 });
    expect(second).toEqual({ inserted: 0, duplicates: 1, alerts: 0, responded: 0 });
    expect(await store.counts()).toEqual({ mentions: 1, alerts: 1 });
  });

  it('stores the alert with its SLA due times and the policy version', async () => {
    const m = mention({ text: 'i want it all to end' });
    await store.ingest({ source: 'x', mentions: [m], now }, decide);
    const [alert] = await store.pendingAlerts(10);
    expect(alert).toMatchObject({ urgency: 'critical', state: 'open', policyVersion: 2, firstResponseDueAt: m.createdAt + 3600_000 });
    expect(alert?.categories).toContain('crisis');
  });

  it('writes the cursor in the same transaction as the batch: a failing batch leaves neither', async () => {
    const good = mention();
    const failing = () => {
      throw new Error('classifier crashed');
    };
    await expect(store.ingest({ source: 'x', mentions: [good], cursor: { stream: 'mentions', value: '42' }, now }, failing)).rejects.toThrow();
    expect(await store.getCursor('x', 'mentions')).toBeUndefined();
    expect((await store.counts()).mentions).toBe(0);
    await store.ingest({ source: 'x', mentions: [good], cursor: { stream: 'mentions', value: '42' }, now }, decide);
    expect(await store.getCursor('x', 'mentions')).toBe('42');
  });

  it('keeps what was committed when the process dies', async () => {
    await store.ingest({ source: 'x', mentions: [mention(), mention()], cursor: { stream: 'mentions', value: '7' }, now }, decide);
    // No close(): open the file from a second connection as a restarted process would.
    const other = new Database(path, { readonly: true });
    expect((other.prepare('SELECT COUNT(*) AS n FROM mentions').get() as { n: number }).n).toBe(2);
    other.close();
  });

  it('raises urgency for an author who keeps complaining this week', async () => {
    const author = { id: 'repeat', handle: 'repeat', followers: 10 };
    for (let i = 0; i < 3; i++) await store.ingest({ source: 'x', mentions: [mention({ author, text: 'portal is not working again' })], now }, decide);
    const urgencies = (await store.pendingAlerts(10)).map((a) => a.urgency);
    expect(urgencies).toEqual(['high', 'normal', 'normal']);
  });

  it('lists the outbox most urgent first and forgets posted alerts', async () => {
    await store.ingest({ source: 'x', mentions: [mention({ text: 'where do I park?' }), mention({ text: 'chest pain, ER or 911?' })], now }, decide);
    const pending = await store.pendingAlerts(10);
    expect(pending.map((a) => a.urgency)).toEqual(['critical', 'normal']);
    expect(await store.markPosted(pending[0]!.id, 'c1', 'm1', now)).toBe(true);
    expect(await store.markPosted(pending[0]!.id, 'c1', 'm2', now)).toBe(false);
    expect((await store.pendingAlerts(10)).map((a) => a.id)).toEqual([pending[1]!.id]);
  });

  it('lets one of two people claim an alert and tells the other who has it', async () => {
    await store.ingest({ source: 'x', mentions: [mention()], now }, decide);
    const id = (await store.pendingAlerts(1))[0]!.id;
    expect(await store.applyAction(id, 'claim', 'ana', now)).toMatchObject({ ok: true, changed: true });
    expect(await store.applyAction(id, 'claim', 'ana', now)).toMatchObject({ ok: true, changed: false });
    expect(await store.applyAction(id, 'claim', 'ben', now)).toMatchObject({ ok: false, reason: 'already claimed by ana' });
    expect(await store.applyAction(id, 'respond', 'ana', now + 60_000)).toMatchObject({ ok: true, alert: { state: 'responded', firstResponseAt: now + 60_000, respondedBy: 'ana' } });
    expect(await store.applyAction(id, 'resolve', 'ana', now + 120_000)).toMatchObject({ ok: true, alert: { state: 'resolved', firstResponseAt: now + 60_000 } });
    expect(await store.applyAction(id, 'claim', 'ben', now)).toMatchObject({ ok: false, reason: 'cannot claim an alert that is resolved' });
    expect((await store.alertEvents(id)).map((e) => `${e.actor}:${e.action}:${e.fromState}->${e.toState}`)).toEqual([
      'ana:claim:open->claimed', 'ana:respond:claimed->responded', 'ana:resolve:responded->resolved',
    ]);
  });

  it('summarises the open queue by urgency with what is due next', async () => {
    await store.ingest({ source: 'x', mentions: [mention({ text: 'where do I park?' }), mention({ text: 'chest pain, ER or 911?', createdAt: now - 2 * 3600_000 })], now }, decide);
    const summary = await store.queueSummary(now);
    expect(summary.open).toMatchObject({ critical: 1, normal: 1 });
    expect(summary.total).toBe(2);
    expect(summary.breached).toBe(1);
    expect(summary.nextDue).toMatchObject({ urgency: 'critical', kind: 'first response' });
  });
});

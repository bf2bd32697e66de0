import { setImmediate as yieldTurn } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertCard, Chat, PostedMessage } from '../../src/chat/chat.js';
import { createLogger } from '../../src/logger.js';
import { decideFor, dispatchPending, runSlaSweep, type PipelineDeps } from '../../src/pipeline.js';
import { OVERDUE_WHERE } from '../../src/store/digest-queries.js';
import { toPg } from '../../src/store/pg-sql.js';
import { PgStore } from '../../src/store/pg-store.js';
import { slaRowsSql } from '../../src/store/sqlite-reports.js';
import type { PendingNotification } from '../../src/store/store-port.js';
import { storePolicyBook } from '../../src/triage/policy-book.js';
import { createReplyGuard } from '../../src/triage/reply-guard.js';
import { createMetrics } from '../../src/web/metrics.js';
import { mention } from '../helpers/mentions.js';
import { postgresMissing, startPgCluster, type PgCluster } from '../helpers/postgres.js';
import { classifier, lexicon, rawPolicy, templates } from '../helpers/setup.js';

const missing = postgresMissing();
const NOW = Date.UTC(2026, 10, 24, 15, 0);

/** Records every send, yielding first so that two instances' sends interleave. */
function recordingChat(sent: string[]): Chat {
  return {
    name: 'recording',
    async postAlert(card: AlertCard, nonce: string): Promise<PostedMessage> {
      await yieldTurn();
      sent.push(`card:${card.alert.id}:${nonce}`);
      for (const g of card.grouped ?? []) sent.push(`card:${g.id}:${nonce}`);
      return { channelId: 'c', messageId: nonce };
    },
    async postNotification(n: PendingNotification, nonce: string) {
      await yieldTurn();
      sent.push(`note:${n.alert.id}:${n.kind}`);
      return { channelId: 'c', messageId: nonce };
    },
    async close() {},
  };
}

async function depsFor(store: PgStore): Promise<PipelineDeps> {
  const policies = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', NOW);
  return {
    store, classifier: classifier(), policy: policies.current, policies, templates, guard: createReplyGuard(lexicon),
    log: createLogger('silent'), now: () => NOW, metrics: createMetrics(),
  };
}

describe.skipIf(missing !== undefined)(`several instances on one PostgreSQL database${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: PgCluster;
  let n = 0;
  let a: PgStore;
  let b: PgStore;

  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());
  beforeEach(async () => {
    const url = cluster.createDatabase(`instances_${++n}`);
    a = await PgStore.open(url);
    b = await PgStore.open(url);
  });
  afterEach(async () => {
    await a.close().catch(() => undefined);
    await b.close().catch(() => undefined);
  });

  it('sends every card and every SLA notification once when two instances dispatch and sweep at the same time', async () => {
    const da = await depsFor(a);
    const db = await depsFor(b);
    // Critical posts from three hours ago: their breach and escalation are due at once.
    const posts = Array.from({ length: 60 }, (_, i) => mention({ text: `chest pain, ER or 911? (#${i})`, createdAt: NOW - 3 * 3600_000 + i * 1000 }));
    await a.ingest({ source: 'x', mentions: posts, now: NOW - 3 * 3600_000 + 60_000 }, decideFor(da), da.policies.resume);
    const sent: string[] = [];
    const signal = new AbortController().signal;
    await Promise.all([dispatchPending(recordingChat(sent), da, signal), dispatchPending(recordingChat(sent), db, signal)]);
    await Promise.all([runSlaSweep(recordingChat(sent), da, signal), runSlaSweep(recordingChat(sent), db, signal)]);
    const cards = sent.filter((s) => s.startsWith('card:'));
    const notes = sent.filter((s) => s.startsWith('note:'));
    expect(cards).toHaveLength(60);
    expect(new Set(cards.map((c) => c.split(':')[1])).size).toBe(60);
    expect(notes.length).toBeGreaterThanOrEqual(60);
    expect(new Set(notes).size, 'no notification twice').toBe(notes.length);
    expect(await a.pendingNotifications(1000)).toEqual([]);
    expect(await a.pendingAlerts(1000)).toEqual([]);
  });

  it('leaves a live instance its claims and leases, and takes them over at once when it dies', async () => {
    await a.ingest({ source: 'x', mentions: [mention(), mention()], now: NOW }, decideFor(await depsFor(a)));
    expect(await a.outbox.claimCards(10, NOW, 60_000)).toHaveLength(2);
    expect(await b.outbox.claimCards(10, NOW, 60_000)).toEqual([]);
    expect(await a.ops.takeLease('poll', NOW, 60_000)).toBe(true);
    expect(await b.ops.takeLease('poll', NOW, 60_000)).toBe(false);
    expect(await a.ops.takeLease('poll', NOW + 1000, 60_000)).toBe(true);
    // A lease or claim that ran out is taken over even from a live instance.
    expect(await b.ops.takeLease('poll', NOW + 62_000, 60_000)).toBe(true);
    expect(await a.ops.takeLease('poll', NOW + 62_000, 60_000)).toBe(false);
    await b.close();
    // b is gone (its connection and liveness lock with it): a takes over before the lease runs out.
    expect(await a.ops.takeLease('poll', NOW + 63_000, 60_000)).toBe(true);
    const c = await PgStore.open(cluster.url.replace(/\/postgres$/, `/instances_${n}`));
    try {
      await a.close();
      expect(await c.outbox.claimCards(10, NOW, 60_000)).toHaveLength(2);
    } finally {
      await c.close();
    }
  });

  it('answers the reports from their indexes (query plans)', async () => {
    const client = await a.pool.connect();
    try {
      // An empty table is cheapest to scan: ask the planner what it would do once scans cost more.
      await client.query('SET enable_seqscan = off');
      const explain = async (sql: string, values: unknown[]) => (await client.query(`EXPLAIN ${toPg(sql).text}`, values)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      const rows = await explain(slaRowsSql(true), [0, 1, -1, 0]);
      expect(rows).toMatch(/Index Scan using alerts_arrived on alerts a/);
      // The CSV's links: each row's post found by its key.
      expect(rows).toMatch(/Index Scan using mentions_pkey on mentions m/);
      expect(await explain(`SELECT COUNT(*) FROM alerts a WHERE ${OVERDUE_WHERE}`, [1, 1])).toMatch(/using alerts_overdue/);
    } finally {
      client.release();
    }
  });
});

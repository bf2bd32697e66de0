import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decideFor } from '../../src/pipeline.js';
import { PgStore } from '../../src/store/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store-port.js';
import { storePolicyBook } from '../../src/triage/policy-book.js';
import { classifier, policy, rawPolicy, tempDir } from '../helpers/setup.js';
import { mention } from '../helpers/mentions.js';
import { postgresMissing, startPgCluster, type PgCluster } from '../helpers/postgres.js';

const now = Date.UTC(2026, 10, 20, 13, 0);
const decide = decideFor({ classifier: classifier(), policy });

interface Adapter {
  name: string;
  /** Why it cannot run here (the PG half without PostgreSQL, outside CI), or undefined. */
  missing: string | undefined;
  setup(): Promise<void>;
  open(): Promise<Store>;
  teardown(): Promise<void>;
}

function sqliteAdapter(): Adapter {
  const temps: Array<ReturnType<typeof tempDir>> = [];
  return {
    name: 'SQLite',
    missing: undefined,
    async setup() {},
    async open() {
      const temp = tempDir();
      temps.push(temp);
      return new SqliteStore(join(temp.dir, 'triage.db'));
    },
    async teardown() {
      for (const temp of temps.splice(0)) temp.cleanup();
    },
  };
}

function postgresAdapter(): Adapter {
  let cluster: PgCluster | undefined;
  let n = 0;
  return {
    name: 'PostgreSQL',
    missing: postgresMissing(),
    async setup() {
      cluster = await startPgCluster();
    },
    async open() {
      return PgStore.open((cluster as PgCluster).createDatabase(`conformance_${++n}`));
    },
    async teardown() {
      cluster?.stop();
    },
  };
}

/** Every repository behaviour, run against each adapter: SQLite (the default) and PostgreSQL. */
for (const adapter of [sqliteAdapter(), postgresAdapter()]) {
  describe.skipIf(adapter.missing !== undefined)(`store conformance: ${adapter.name}${adapter.missing ? ` (skipped: ${adapter.missing})` : ''}`, () => {
    let store: Store;

    beforeAll(() => adapter.setup(), 60_000);
    afterAll(() => adapter.teardown());
    beforeEach(async () => {
      store = await adapter.open();
    });
    afterEach(async () => {
      await store.close();
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
}

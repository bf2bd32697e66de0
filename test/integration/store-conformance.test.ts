import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decideFor } from '../../src/pipeline.js';
import { holderGone, PgStore } from '../../src/store/pg-store.js';
import { REMOVED } from '../../src/store/retention.js';
import { tokenSeal } from '../../src/store/oauth-logins.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { SqlRunner, Store } from '../../src/store/store-port.js';
import { DeliveryQueries } from '../../src/store/delivery-queries.js';
import { all, run } from '../../src/store/pg-sql.js';
import { storePolicyBook } from '../../src/triage/policy-book.js';
import { alertFigures, buildSlaReport, renderSlaReportMarkdown, slaReportRowOf, type SlaRawRow, type SlaReportRow } from '../../src/triage/sla-report.js';
import { measureAlertMinutes } from '../../src/triage/sla-minutes.js';
import { classifier, policy, rawPolicy } from '../helpers/setup.js';
import { mention } from '../helpers/mentions.js';
import { storeBackends } from '../helpers/store-backends.js';

const now = Date.UTC(2026, 10, 20, 13, 0);
const decide = decideFor({ classifier: classifier(), policy });

/** A second instance's view of the same database (another claimant id). */
function sqlRunnerOf(store: Store): SqlRunner {
  if (store instanceof PgStore) return { all: (text, params) => all(store.pool, text, params), run: async (text, params) => void (await run(store.pool, text, params)) };
  const { db } = store as SqliteStore;
  return { all: async <T>(text: string, params: readonly unknown[]) => db.prepare(text).all(...params) as T[], run: async (text, params) => void db.prepare(text).run(...params) };
}

/** Every repository behaviour, run against each adapter: SQLite (the default) and PostgreSQL. */
for (const adapter of storeBackends('conformance')) {
  describe.skipIf(adapter.missing !== undefined)(`store conformance: ${adapter.name}${adapter.missing ? ` (skipped: ${adapter.missing})` : ''}`, () => {
    let store: Store;

    beforeAll(() => adapter.setup(), 60_000);
    afterAll(() => adapter.teardown());
    beforeEach(async () => {
      store = await adapter.place().open();
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

    it('counts the complaints earlier in the same batch as the ones stored before it', async () => {
      const author = { id: 'repeat', handle: 'repeat', followers: 10 };
      const first = mention({ author, text: 'portal is not working again' });
      await store.ingest({ source: 'x', mentions: [first], now }, decide);
      // Out of order in the page: the older one is counted before the newer one.
      const later = [2, 1].map((n) => mention({ author, text: 'portal is not working again', createdAt: first.createdAt + n * 60_000 }));
      expect(await store.ingest({ source: 'x', mentions: [...later, later[0]!], now }, decide)).toEqual({ inserted: 2, duplicates: 1, alerts: 2, responded: 0 });
      expect((await store.pendingAlerts(10)).map((a) => a.urgency)).toEqual(['high', 'normal', 'normal']);
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

    it('keeps each source stream cursor and the posts read per month', async () => {
      await store.ingest({ source: 'x', mentions: [], cursor: { stream: 'mentions', value: '9' }, usage: { stream: 'mentions', reads: 40, requests: 2 }, now }, decide);
      await store.ingest({ source: 'x', mentions: [], cursor: { stream: 'search', value: '3' }, usage: { stream: 'mentions', reads: 2, requests: 1 }, now }, decide);
      expect(await store.cursors('x')).toEqual(new Map([['mentions', '9'], ['search', '3']]));
      expect(await store.readsInMonth(now)).toEqual([{ source: 'x', stream: 'mentions', reads: 42, requests: 3 }]);
      expect(await store.readsInMonth(Date.UTC(2026, 11, 2))).toEqual([]);
    });

    it('marks an alert responded when the brand replies on the platform, before or after the mention arrives', async () => {
      const early = mention();
      const late = mention();
      await store.ingest({ source: 'x', mentions: [early], now }, decide);
      await store.ingest({ source: 'x', mentions: [], ownPosts: [{ platform: 'x', nativeId: 'r1', createdAt: now + 60_000, inReplyToId: early.nativeId }, { platform: 'x', nativeId: 'r2', createdAt: now + 30_000, inReplyToId: late.nativeId }], now: now + 60_000 }, decide);
      const result = await store.ingest({ source: 'x', mentions: [late], now: now + 90_000 }, decide);
      expect(result.responded).toBe(1);
      const alerts = await store.openAlerts(10);
      expect(alerts.map((a) => [a.state, a.respondedBy, a.firstResponseAt])).toEqual(expect.arrayContaining([['responded', 'x:reply', now + 60_000], ['responded', 'x:reply', now + 30_000]]));
    });

    it("marks an alert responded when the brand's reply comes in the same batch as the mention, and only on the reply's platform", async () => {
      const answered = mention({ text: 'the portal is down again' });
      const elsewhere = mention({ platform: 'mastodon', nativeId: answered.nativeId, text: 'the portal is down again' });
      const result = await store.ingest({ source: 'x', mentions: [answered, elsewhere], ownPosts: [{ platform: 'x', nativeId: 'r9', createdAt: now + 10_000, inReplyToId: answered.nativeId }], now }, decide);
      expect(result).toMatchObject({ inserted: 2, alerts: 2, responded: 1 });
      const alerts = await store.openAlerts(10);
      expect(alerts.map((a) => [a.mention.platform, a.state, a.firstResponseAt]).sort()).toEqual([['mastodon', 'open', null], ['x', 'responded', now + 10_000]]);
    });

    it('resumes a paused clock when the author writes again in the conversation', async () => {
      const book = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', now);
      const first = mention({ conversationId: 'c1', author: { id: 'pat', handle: 'pat', followers: 5 } });
      await store.ingest({ source: 'x', mentions: [first], now }, decide, book.resume);
      const id = (await store.openAlerts(1))[0]!.id;
      expect(await store.applyAction(id, 'wait', 'ana', now + 60_000)).toMatchObject({ ok: true });
      await store.ingest({ source: 'x', mentions: [mention({ conversationId: 'c1', author: { id: 'pat', handle: 'pat', followers: 5 }, createdAt: now + 3600_000 })], now: now + 3600_000 }, decide, book.resume);
      const alert = (await store.getAlert(id))!;
      expect(alert.waitingSince).toBeNull();
      expect((await store.alertEvents(id)).map((e) => `${e.actor}:${e.action}`)).toEqual(['ana:wait', 'x:author:resume']);
    });

    it('records each reminder and escalation once, however often the sweep runs, and sends it once', async () => {
      const book = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', now);
      const m = mention({ text: 'chest pain, ER or 911?', createdAt: now });
      await store.ingest({ source: 'x', mentions: [m], now }, decide, book.resume);
      const id = (await store.openAlerts(1))[0]!.id;
      expect(await store.policies()).toEqual(new Map([[rawPolicy.version, JSON.stringify(rawPolicy)]]));
      const later = now + 2 * 3600_000;
      const first = await store.sweepSla(later, book.eventsOf);
      expect(first.created).toBeGreaterThan(0);
      expect(await store.sweepSla(later, book.eventsOf)).toEqual({ checked: 0, created: 0 });
      const pending = await store.pendingNotifications(10);
      expect(pending.map((n) => n.alert.id)).toEqual(pending.map(() => id));
      await store.outbox.markNotificationAttempted(pending[0]!.id, later);
      expect((await store.outbox.unrecordedNotifications()).map((n) => n.id)).toEqual([pending[0]!.id]);
      for (const n of pending) await store.markNotificationSent(n.id, `msg-${n.id}`, later);
      await store.markNotificationSent(pending[0]!.id, 'again', later);
      expect(await store.pendingNotifications(10)).toEqual([]);
      expect((await store.notifications(id)).filter((n) => n.status === 'sent').length).toBe(pending.length);
      expect((await store.ops.gauges()).notificationBacklog).toBe(0);
    });

    it('keeps the card outbox: attempts, deliveries of storm cards, cards found after a crash, cards set aside', async () => {
      await store.ingest({ source: 'x', mentions: [mention(), mention(), mention(), mention()], now }, decide);
      const [lead, member, other, last] = (await store.pendingAlerts(10)).map((a) => a.id) as [number, number, number, number];
      await store.outbox.markAttempted(lead, [member], now);
      expect(await store.outbox.unrecordedCards()).toEqual([{ lead, urgency: 'normal', account: null, attemptedAt: now, members: [member], leadMessage: undefined }]);
      expect(await store.outbox.recordDelivery(lead, [member], { channelId: 'c', messageId: 'm1' }, now)).toBe(true);
      expect(await store.outbox.recordDelivery(lead, [member], { channelId: 'c', messageId: 'm1' }, now)).toBe(false);
      expect(await store.groupMembers(lead)).toEqual([member]);
      expect(await store.messageOf(member)).toEqual({ channelId: 'c', messageId: 'm1' });
      await store.outbox.markAttempted(other, [], now);
      await store.outbox.recordFound({ lead: other, urgency: 'normal', account: null, attemptedAt: now, members: [], leadMessage: undefined }, { channelId: 'c', messageId: 'm2' }, now);
      expect((await store.staleCards(10)).map((a) => a.id)).toEqual([other]);
      await store.markCardFresh(other);
      expect(await store.staleCards(10)).toEqual([]);
      expect(await store.outbox.setAside(last, 'cannot draw', now)).toBe(true);
      expect(await store.outbox.setAside(last, 'cannot draw', now)).toBe(false);
      expect(await store.pendingAlerts(10)).toEqual([]);
      expect(await store.outbox.undeliverable()).toEqual([{ alertId: last, failedAt: now, reason: 'cannot draw' }]);
      expect(await store.outbox.countUndeliverable()).toBe(1);
      expect(await store.outbox.putBack(last)).toBe(true);
      await store.outbox.markAttempted(last, [], now);
      await store.outbox.clearAttempt([last]);
      expect(await store.outbox.unrecordedCards()).toEqual([]);
      await store.markGrouped(lead, [last], 'c', 'm1', now);
      expect(await store.groupMembers(lead)).toEqual([member, last]);
      expect((await store.ops.gauges()).outboxDepth).toBe(0);
    });

    it('lists unrecorded cards by lead, each with every alert it carries, and records a chunk of deliveries together or with the next chunk\'s attempts', async () => {
      await store.ingest({ source: 'x', mentions: Array.from({ length: 8 }, () => mention()), now }, decide);
      const [a, b, c, d, e, f, g, h] = (await store.pendingAlerts(10)).map((x) => x.id).sort((x, y) => x - y) as [number, number, number, number, number, number, number, number];
      // A storm card of the lowest ids carrying five, then two cards of the newest: the limit is on cards, not alerts.
      await store.outbox.markAttemptedMany([{ leadId: a, memberIds: [b, c, d, e] }, { leadId: g, memberIds: [] }, { leadId: h, memberIds: [] }], now);
      expect((await store.outbox.unrecordedCards(2)).map((card) => [card.lead, card.members])).toEqual([[a, [b, c, d, e]], [g, []]]);
      expect((await store.outbox.unrecordedCards(3)).map((card) => card.lead)).toEqual([a, g, h]);
      await store.outbox.recordDeliveries([
        { leadId: a, memberIds: [b, c, d, e], message: { channelId: 'c', messageId: 'm1' } },
        { leadId: g, memberIds: [], message: { channelId: 'c', messageId: 'm2' } },
      ], now);
      expect((await store.outbox.unrecordedCards()).map((card) => card.lead)).toEqual([h]);
      expect(await store.groupMembers(a)).toEqual([b, c, d, e]);
      expect(await store.messageOf(e)).toEqual({ channelId: 'c', messageId: 'm1' });
      expect(await store.messageOf(g)).toEqual({ channelId: 'c', messageId: 'm2' });
      expect((await store.pendingAlerts(10)).map((x) => x.id).sort((x, y) => x - y)).toEqual([f, h]);
      // The next chunk's attempts and the previous chunk's deliveries in one call (one transaction).
      expect([...(await store.outbox.markAttemptedMany([{ leadId: f, memberIds: [] }], now, undefined, [{ leadId: h, memberIds: [], message: { channelId: 'c', messageId: 'm3' } }]))]).toEqual([f]);
      expect(await store.messageOf(h)).toEqual({ channelId: 'c', messageId: 'm3' });
      expect((await store.outbox.unrecordedCards()).map((card) => card.lead)).toEqual([f]);
    });

    it('marks cards as attempted in batches: a card whose claim is lost is not written at all, the others are', async () => {
      await store.ingest({ source: 'x', mentions: [mention(), mention(), mention(), mention(), mention()], now }, decide);
      const [a, b, c, d, e] = (await store.pendingAlerts(10)).map((x) => x.id) as [number, number, number, number, number];
      // d is on a card already: the card of c carrying d cannot be sent, and nothing of it is marked.
      await store.outbox.recordDelivery(d, [], { channelId: 'c', messageId: 'm0' }, now);
      expect([...(await store.outbox.markAttemptedMany([{ leadId: a, memberIds: [b] }, { leadId: c, memberIds: [d] }, { leadId: e, memberIds: [] }], now))].sort()).toEqual([a, e].sort());
      expect(await store.outbox.unrecordedCards()).toEqual([
        { lead: a, urgency: 'normal', account: null, attemptedAt: now, members: [b], leadMessage: undefined },
        { lead: e, urgency: 'normal', account: null, attemptedAt: now, members: [], leadMessage: undefined },
      ]);
      await store.outbox.recordDelivery(a, [b], { channelId: 'c', messageId: 'm1' }, now);
      await store.outbox.recordDelivery(e, [], { channelId: 'c', messageId: 'm2' }, now);
      expect(await store.outbox.unrecordedCards()).toEqual([]);
      expect(await store.messageOf(b)).toEqual({ channelId: 'c', messageId: 'm1' });
      expect(await store.messageOf(e)).toEqual({ channelId: 'c', messageId: 'm2' });
      expect(await store.groupMembers(a)).toEqual([b]);
      expect((await store.pendingAlerts(10)).map((x) => x.id)).toEqual([c]);
    });

    it('keeps one delivery per chat: each chat claims, attempts, records, finds and redraws its own card', async () => {
      await store.ingest({ source: 'x', mentions: [mention(), mention(), mention()], now }, decide);
      const [lead, member, other] = (await store.pendingAlerts(10)).map((a) => a.id) as [number, number, number];
      const { deliveries } = store;
      expect((await deliveries.claimCards('discord', 10, now, 60_000)).map((a) => a.id)).toEqual([lead, member, other]);
      // Claimed for Discord by this instance: Slack's outbox is its own.
      expect((await deliveries.claimCards('slack', 10, now, 60_000)).map((a) => a.id)).toEqual([lead, member, other]);
      expect(await deliveries.markAttempted('discord', lead, [member], now, 60_000)).toBe(true);
      expect(await deliveries.unrecordedCards('discord', 10, now)).toEqual([{ lead, urgency: 'normal', account: null, attemptedAt: now, members: [member], leadMessage: undefined }]);
      // The limit counts cards, each with every alert it carries.
      expect((await deliveries.unrecordedCards('discord', 1, now)).map((card) => card.members)).toEqual([[member]]);
      expect(await deliveries.unrecordedCards('slack', 10, now)).toEqual([]);
      expect(await deliveries.recordDelivery('discord', lead, [member], { channelId: 'c', messageId: 'd1' }, now)).toBe(true);
      expect(await deliveries.recordDelivery('discord', lead, [member], { channelId: 'c', messageId: 'd1' }, now)).toBe(false);
      expect(await deliveries.messageOf('discord', member)).toEqual({ channelId: 'c', messageId: 'd1' });
      expect(await deliveries.messageOf('slack', lead)).toBeUndefined();
      expect((await deliveries.claimCards('discord', 10, now, 60_000)).map((a) => a.id)).toEqual([other]);
      expect(await deliveries.markAttempted('slack', lead, [], now, 60_000)).toBe(true);
      await deliveries.recordFound('slack', (await deliveries.unrecordedCards('slack', 10, now))[0]!, { channelId: 'C0ALERTS1', messageId: '1700000000.000100' }, now);
      expect(await deliveries.staleCards('slack', 10)).toEqual([lead]);
      await deliveries.markCardFresh('slack', lead);
      // A claim in Slack on the member redraws the lead's card in Discord only.
      await deliveries.markStale(member, 'slack');
      expect(await deliveries.staleCards('discord', 10)).toEqual([lead]);
      expect(await deliveries.staleCards('slack', 10)).toEqual([]);
      expect(await deliveries.messagesOf(lead)).toEqual([{ chat: 'discord', channelId: 'c', messageId: 'd1' }, { chat: 'slack', channelId: 'C0ALERTS1', messageId: '1700000000.000100' }]);
      expect(await deliveries.setAside('slack', other, 'cannot draw', now)).toBe(true);
      expect(await deliveries.setAside('slack', other, 'cannot draw', now)).toBe(false);
      expect(await deliveries.outboxDepth(['discord', 'slack', 'teams'])).toEqual(new Map([['discord', 1], ['slack', 1], ['teams', 3]]));
      await deliveries.clearAttempt('discord', [other]);
    });

    it('copies in cards a one-chat run recorded in the alerts alone, under the chat their ids show, once', async () => {
      await store.ingest({ source: 'x', mentions: [mention(), mention(), mention()], now }, decide);
      const [onDiscord, onSlack, waiting] = (await store.pendingAlerts(10)).map((a) => a.id) as [number, number, number];
      await store.markPosted(onDiscord, '1100000000000000001', '1200000000000000001', now);
      await store.markPosted(onSlack, 'C0ALERTS1', '1700000000.000100', now);
      expect(await store.deliveries.adoptRecorded()).toBe(2);
      expect(await store.deliveries.adoptRecorded()).toBe(0);
      expect(await store.deliveries.messageOf('discord', onDiscord)).toEqual({ channelId: '1100000000000000001', messageId: '1200000000000000001' });
      expect((await store.deliveries.claimCards('slack', 10, now, 60_000)).map((a) => a.id)).toEqual([onDiscord, waiting]);
    });

    // SQLite runs one bot per file: a claim left in it is a dead process's, so it never blocks.
    it.skipIf(adapter.name === 'SQLite')('lets only one of two instances claim a chat delivery until the claim lapses', async () => {
      await store.ingest({ source: 'x', mentions: [mention()], now }, decide);
      const [id] = (await store.pendingAlerts(10)).map((a) => a.id) as [number];
      const rival = new DeliveryQueries(sqlRunnerOf(store), 'rival', holderGone);
      expect((await store.deliveries.claimCards('slack', 10, now, 60_000)).map((a) => a.id)).toEqual([id]);
      expect(await rival.claimCards('slack', 10, now, 60_000)).toEqual([]);
      expect(await rival.markAttempted('slack', id, [], now, 60_000)).toBe(false);
      expect(await store.deliveries.markAttempted('slack', id, [], now, 60_000)).toBe(true);
      // This instance died after the attempt: once the claim lapses the rival looks for the card.
      expect(await rival.unrecordedCards('slack', 10, now)).toEqual([]);
      expect((await rival.unrecordedCards('slack', 10, now + 120_000)).map((c) => c.lead)).toEqual([id]);
      expect((await rival.claimCards('slack', 10, now + 120_000, 60_000)).map((a) => a.id)).toEqual([id]);
      expect(await store.deliveries.markAttempted('slack', id, [], now + 120_000, 60_000)).toBe(false);
    });

    it('sends each SLA notification once per chat', async () => {
      const book = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', now);
      await store.ingest({ source: 'x', mentions: [mention({ text: 'chest pain, ER or 911?', createdAt: now })], now }, decide, book.resume);
      await store.sweepSla(now + 2 * 3600_000, book.eventsOf);
      const ids = (await store.pendingNotifications(10)).map((n) => n.id);
      expect(ids.length).toBeGreaterThan(0);
      const first = ids[0] as number;
      expect(await store.deliveries.claimNotifications('discord', 10, now, 60_000)).toEqual(ids);
      expect(await store.deliveries.markNotificationAttempted('discord', first, now, 60_000)).toBe(true);
      expect(await store.deliveries.unrecordedNotifications('discord', 10, now)).toEqual([{ id: first, attemptedAt: now }]);
      await store.deliveries.markNotificationSent('discord', first, { channelId: 'c', messageId: 'n1' }, now);
      expect(await store.deliveries.unrecordedNotifications('discord', 10, now)).toEqual([]);
      expect(await store.deliveries.claimNotifications('discord', 10, now, 60_000)).toEqual(ids.slice(1));
      expect(await store.deliveries.claimNotifications('slack', 10, now, 60_000)).toEqual(ids);
    });

    it("records each post to one of a chat's several destinations once, apart from the chat's own deliveries", async () => {
      await store.ingest({ source: 'x', mentions: [mention({ text: 'the portal is down again', createdAt: now })], now }, decide);
      expect(await store.deliveries.postOf('url-card', 1, 'teams:aa')).toBeUndefined();
      await store.deliveries.recordPost('url-card', 1, 'teams:aa', { channelId: 'teams', messageId: 'teams-n1' }, now);
      await store.deliveries.recordPost('url-card', 1, 'teams:aa', { channelId: 'teams', messageId: 'teams-other' }, now + 1);
      expect(await store.deliveries.postOf('url-card', 1, 'teams:aa')).toEqual({ channelId: 'teams', messageId: 'teams-n1' });
      expect(await store.deliveries.postOf('url-card', 1, 'teams:bb')).toBeUndefined();
      expect(await store.deliveries.postOf('url-digest', 1, 'teams:aa')).toBeUndefined();
      // Not a delivery of the card to any chat: the outbox still has it for Teams.
      expect(await store.deliveries.messageOf('teams', 1)).toBeUndefined();
      expect((await store.deliveries.claimCards('teams', 10, now, 60_000)).map((a) => a.id)).toEqual([1]);
    });

    it('queues an escalation notice once for the chats that did not announce it in place', async () => {
      await store.ingest({ source: 'x', mentions: [mention({ text: 'the portal is down again', createdAt: now })], now }, decide);
      const id = await store.deliveries.queueNotice(1, 'escalated-1', now, ['discord', 'slack']);
      expect(id).toBeTypeOf('number');
      expect(await store.deliveries.queueNotice(1, 'escalated-1', now, ['discord', 'slack'])).toBeUndefined();
      expect((await store.pendingNotifications(10)).map((n) => [n.id, n.kind, n.alert.id])).toEqual([[id, 'escalated-1', 1]]);
      expect(await store.deliveries.claimNotifications('discord', 10, now, 60_000)).toEqual([]);
      expect(await store.deliveries.claimNotifications('teams', 10, now, 60_000)).toEqual([id]);
      await store.deliveries.markNotificationSent('teams', id as number, { channelId: 'teams', messageId: 'teams-x' }, now);
      expect(await store.deliveries.notificationSentToAll(id as number, ['discord', 'slack', 'teams'])).toBe(true);
      // Not an SLA breach: the breaches gauge (labelled by kind) does not grow a label per escalation.
      expect((await store.ops.gauges()).breaches).toEqual([]);
    });

    it('finds alerts by text case-insensitively, taking % and _ literally', async () => {
      await store.ingest({ source: 'x', mentions: [mention({ text: 'The PORTAL is 100% down and nobody answers the phone' }), mention({ text: 'the portal is 100 down and nobody answers the phone' })], now }, decide);
      expect((await store.findAlerts('portal', 10)).length).toBe(2);
      expect((await store.findAlerts('100%', 10)).map((a) => a.mention.text)).toEqual(['The PORTAL is 100% down and nobody answers the phone']);
      expect(await store.findAlerts('_', 10)).toEqual([]);
    });

    it('purges expired posts of closed alerts in batches, keeps open ones, and erases an author on request', async () => {
      const old = now - 400 * 86_400_000;
      const closed = mention({ createdAt: old, author: { id: 'gone', handle: 'Gone_Person', followers: 5 }, text: 'the portal is down, call me at 555 0100' });
      const open = mention({ createdAt: old + 1000, author: { id: 'kept', handle: 'kept_person', followers: 5 } });
      const another = mention({ createdAt: old + 2000, author: { id: 'gone2', handle: 'gone_too', followers: 5 } });
      await store.ingest({ source: 'x', mentions: [closed, open, another], now: old }, decide);
      const [closedAlert, openAlert, anotherAlert] = (await store.findAlerts('', 10)).sort((a, b) => a.mention.createdAt - b.mention.createdAt).map((a) => a.id);
      for (const id of [closedAlert!, anotherAlert!]) expect(await store.applyAction(id, 'dismiss', 'ana', old + 60_000, { reason: 'spam' })).toMatchObject({ ok: true });
      const factsOf = async () => ({ themes: ['portal'], quote: 'a quote' });
      const first = await store.retention.purgeExpired({ cutoff: now - 365 * 86_400_000, now, factsOf, batchSize: 1 });
      expect(first).toMatchObject({ mentions: 2, alerts: 2, replyTexts: 0 });
      expect((await store.getAlert(closedAlert!))?.mention).toMatchObject({ text: REMOVED, authorHandle: REMOVED });
      expect((await store.getAlert(openAlert!))?.mention).toMatchObject({ text: open.text, authorHandle: 'kept_person' });
      expect((await store.alertEvents(closedAlert!)).map((e) => e.detail)).toContainEqual({ reason: 'spam' });
      expect(await store.retention.purgeExpired({ cutoff: now - 365 * 86_400_000, now, factsOf })).toMatchObject({ mentions: 0 });
      // On request: whatever the alert's state, matched without regard to case; the card in chat is redrawn.
      expect(await store.markPosted(openAlert!, 'c1', 'm1', now)).toBe(true);
      const request = await store.retention.purgeAuthor({ handle: '@KEPT_PERSON', platform: 'x', now: now + 1, factsOf });
      expect(request).toMatchObject({ mentions: 1, alerts: 1 });
      expect((await store.getAlert(openAlert!))?.mention).toMatchObject({ text: REMOVED, authorHandle: REMOVED });
      expect((await store.staleCards(10)).map((a) => a.id)).toEqual([openAlert]);
      expect((await store.retention.purges()).map((p) => [p.id, p.reason, p.mentions, p.alerts])).toEqual([
        [request.purgeId, 'request', 1, 1], [first.purgeId + 1, 'retention', 0, 0], [first.purgeId, 'retention', 2, 2],
      ]);
    });

    it("keeps each source account's saved login, writes in the order made, and reports a failed write once", async () => {
      const pat = store.sessions(() => now).for('bluesky', 'pat.example');
      const sam = store.sessions(() => now).for('bluesky', 'sam.example');
      pat.save('{"v":1}');
      pat.save('{"v":2}');
      sam.save('{"sam":true}');
      await pat.settled();
      expect(await pat.load()).toBe('{"v":2}');
      // Another instance (a new store port on the same table) reads what this one committed.
      expect(await store.sessions().for('bluesky', 'pat.example').load()).toBe('{"v":2}');
      pat.clear();
      pat.save('{"v":3}');
      pat.clear();
      await pat.settled();
      expect(await pat.load()).toBeUndefined();
      expect(await sam.load()).toBe('{"sam":true}');
      // A value the table refuses (NOT NULL) fails that write only; the next one still lands.
      const broken = store.sessions(() => null as unknown as number).for('bluesky', 'pat.example');
      broken.save('{"v":4}');
      await expect(broken.settled()).rejects.toThrow();
      await expect(broken.settled()).resolves.toBeUndefined();
      pat.save('{"v":5}');
      await pat.settled();
      expect(await pat.load()).toBe('{"v":5}');
    });

    it('keeps an OAuth login per account sealed, readable only with its key, and marks it revoked only if unchanged', async () => {
      const seal = tokenSeal('k'.repeat(40));
      const tokens = { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: now + 7200_000, scope: ['tweet.write', 'offline.access'] };
      await store.oauthLogins.save('x', 'system-x', { userId: '42', username: 'RiverbendHealth', tokens }, seal);
      await store.oauthLogins.save('x', 'research-x', { userId: '43', username: 'RiverbendLabs', tokens: { ...tokens, accessToken: 'at-2' } }, seal);
      const login = await store.oauthLogins.load('x', 'system-x', seal);
      expect(login).toMatchObject({ userId: '42', username: 'RiverbendHealth', tokens, expiresAt: now + 7200_000, revokedAt: null });
      expect((await store.oauthLogins.load('x', 'research-x', seal))?.tokens.accessToken).toBe('at-2');
      // The secrets are not in the table in the clear, and another key cannot open them.
      expect(login!.sealed).not.toContain('at-1');
      expect(login!.sealed).not.toContain('rt-1');
      await expect(store.oauthLogins.load('x', 'system-x', tokenSeal('z'.repeat(40)))).rejects.toThrow(/TRIAGE_SECRET_KEY/);
      // A refresh saved meanwhile wins over a revocation seen on the older tokens.
      await store.oauthLogins.save('x', 'system-x', { userId: '42', username: 'RiverbendHealth', tokens: { ...tokens, refreshToken: 'rt-2' } }, seal);
      expect(await store.oauthLogins.markRevoked('x', 'system-x', login!.sealed, 'invalid_request')).toBe(false);
      const current = await store.oauthLogins.load('x', 'system-x', seal);
      expect(await store.oauthLogins.markRevoked('x', 'system-x', current!.sealed, 'invalid_request')).toBe(true);
      expect(await store.oauthLogins.identity('x', 'system-x')).toMatchObject({ username: 'RiverbendHealth', revokedReason: 'invalid_request', revokedAt: expect.any(Number) });
      expect((await store.oauthLogins.identity('x', 'research-x'))?.revokedAt).toBeNull();
      // A new consent clears it.
      await store.oauthLogins.save('x', 'system-x', { userId: '42', username: 'RiverbendHealth', tokens }, seal);
      expect((await store.oauthLogins.identity('x', 'system-x'))?.revokedAt).toBeNull();
      expect(await store.oauthLogins.identity('x', 'nobody')).toBeUndefined();
    });

    it('reads SLA rows in chunks of the size asked across ties in arrival time, each row once, as objects or arrays alike', async () => {
      const at = now - 3600_000;
      // Three arrival instants shared by 700 posts each: the chunk boundaries fall inside a tie.
      const posts = Array.from({ length: 2100 }, (_, i) => mention({ createdAt: at + Math.floor(i / 700) * 1000 }));
      for (let i = 0; i < posts.length; i += 700) await store.ingest({ source: 'x', mentions: posts.slice(i, i + 700), now }, decide);
      const sizes: number[] = [];
      const ids: number[] = [];
      const rows: SlaReportRow[] = [];
      for await (const chunk of store.slaRowChunks(at, at + 3000, { chunkRows: 1000 })) {
        sizes.push(chunk.length);
        ids.push(...chunk.map((r) => r.id));
        rows.push(...chunk);
      }
      expect(sizes).toEqual([1000, 1000, 100]);
      expect(new Set(ids).size).toBe(2100);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      // The CSV's arrays: the same rows in the same order, in the default (larger) chunks.
      const raw: SlaRawRow[] = [];
      for await (const chunk of store.slaRawRowChunks(at, at + 3000)) raw.push(...chunk);
      expect(raw.map((r) => slaReportRowOf(r, new Map()))).toEqual(rows);
    });

    it('records label corrections and gives the corrected labels back', async () => {
      await store.ingest({ source: 'x', mentions: [mention()], now }, decide);
      const id = (await store.pendingAlerts(1))[0]!.id;
      await store.corrections.record(id, { kind: 'urgency', urgency: 'high' }, 'ana', now, 'normal');
      await store.corrections.record(id, { kind: 'category', category: 'phi', present: true }, 'ben', now + 1);
      expect((await store.corrections.forAlert(id)).map((c) => [c.actor, c.correction, c.previous])).toEqual([
        ['ana', { kind: 'urgency', urgency: 'high' }, 'normal'], ['ben', { kind: 'category', category: 'phi', present: true }, null],
      ]);
      expect((await store.corrections.between(now + 1, now + 2)).map((c) => c.actor)).toEqual(['ben']);
      expect(await store.corrections.labelledRows()).toEqual([expect.objectContaining({ id: `alert-${id}`, urgency: 'high', categories: expect.arrayContaining(['phi']) })]);
    });

    it('records job runs and answers the health probe', async () => {
      await store.ops.jobStarted('poll', now);
      await store.ops.jobFinished('poll', now, now + 1500, null);
      await store.ops.jobStarted('sla-sweep', now);
      await store.ops.jobFinished('sla-sweep', now, now + 10, 'boom');
      expect(await store.ops.jobRuns()).toEqual([
        { job: 'poll', startedAt: now, finishedAt: now + 1500, okAt: now + 1500, error: null, durationMs: 1500 },
        { job: 'sla-sweep', startedAt: now, finishedAt: now + 10, okAt: null, error: 'boom', durationMs: 10 },
      ]);
      expect(await store.ops.probe()).toBeUndefined();
    });

    it('answers the weekly digest queries', async () => {
      const day = 86_400_000;
      const starts = Array.from({ length: 8 }, (_, i) => now + i * day);
      const posts = [
        mention({ text: 'the portal is down again and nobody answers the phone', createdAt: now + 1000 }),
        mention({ text: 'thank you to the wonderful nurses, best care ever', createdAt: now + day + 1000 }),
        mention({ text: 'chest pain, ER or 911?', createdAt: now + 2 * day + 1000 }),
      ];
      await store.ingest({ source: 'x', mentions: posts, usage: { stream: 'mentions', reads: 3, requests: 1 }, ownPosts: [{ platform: 'x', nativeId: 'own-1', createdAt: now + 5000 }, { platform: 'x', nativeId: 'own-2', createdAt: now + day + 5000, inReplyToId: 'zzz' }], now: now + 3 * day }, decide);
      const q = store.digestQueries;
      expect((await q.volume(starts)).map((r) => [r.day, r.source, r.n]).sort()).toEqual([[0, 'x:', 1], [1, 'x:', 1], [2, 'x:', 1]]);
      const mix = await q.sentimentMix(now, now + 7 * day);
      expect(mix.negative + mix.neutral + mix.positive).toBe(3);
      expect((await q.categories(now, now + 7 * day)).complaint).toBe(1);
      expect((await q.complaints(now, now + 7 * day)).map((c) => [c.text, c.purged])).toEqual([[posts[0]!.text, null]]);
      expect((await q.praise(now, now + 7 * day, 5)).map((p) => [p.text, p.purgedQuote])).toEqual([[posts[1]!.text, null]]);
      expect(await q.crisis(now, now + 7 * day)).toEqual([{ firstResponseMinutes: null }]);
      const overdue = await q.overdue(now + 6 * day, 5);
      expect(overdue.count).toBeGreaterThanOrEqual(1);
      expect(overdue.oldest[0]).toMatchObject({ urgency: 'critical', url: null });
      expect((await q.ownPosts(starts)).slice(0, 2)).toEqual([{ day: 0, replies: 0, originals: 1 }, { day: 1, replies: 1, originals: 0 }]);
      const today = new Date(now + 3 * day).toISOString().slice(0, 10);
      expect(await q.reads(today, today)).toEqual([{ source: 'x', stream: 'mentions', reads: 3, requests: 1 }]);
      expect(await q.wasPosted('2026-W47')).toBe(false);
      await q.markPosted('2026-W47', 'm1', now);
      await q.markPosted('2026-W47', 'm2', now);
      expect(await q.wasPosted('2026-W47')).toBe(true);
    });

    it('reads the SLA report rows of a window in chunks, with links and responder figures', async () => {
      const posts = Array.from({ length: 25 }, (_, i) => mention({ text: 'where do I park?', createdAt: now + i * 60_000, url: `https://x.com/u/status/${i}` }));
      await store.ingest({ source: 'x', mentions: posts, now }, decide);
      const ids = (await store.openAlerts(100)).map((a) => a.id).sort((a, b) => a - b);
      await store.applyAction(ids[0]!, 'respond', 'ana', now + 10 * 60_000);
      await store.applyAction(ids[1]!, 'respond', 'ana', now + 31 * 60_000);
      await store.applyAction(ids[2]!, 'dismiss', 'ben', now);
      const rows = [];
      for await (const chunk of store.slaRowChunks(now + 60_000, now + 20 * 60_000, { withUrls: true })) rows.push(...chunk);
      expect(rows.map((r) => r.id)).toEqual(ids.slice(1, 20).filter((id) => id !== ids[2]));
      expect(rows[0]).toMatchObject({ urgency: 'normal', categories: expect.any(Array), state: 'responded', respondedBy: 'ana', url: expect.stringMatching(/^https:\/\/x\.com\/i\/web\/status\//) });
      // Arrays in the columns' order, numbers as numbers on both databases (the CSV writes them as they come).
      const raw: SlaRawRow[] = [];
      for await (const chunk of store.slaRawRowChunks(now + 60_000, now + 20 * 60_000, { withUrls: true })) raw.push(...chunk);
      expect(raw.map((r) => slaReportRowOf(r, new Map()))).toEqual(rows);
      expect(typeof raw[0]![6]).toBe('number');
      expect(typeof raw[0]![11]).toBe('number');
      expect((await store.urlsOf([ids[0]!, 999_999])).size).toBe(1);
      expect(await store.responderStats(0)).toEqual([{ responder: 'ana', answered: 2, medianMinutes: 20, withinTarget: 2 }]);
    });
    it('stores each alert\'s open minutes when measured, gives them with the report rows while still current, and the report stays the same', async () => {
      const book = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', now);
      const texts = ['where do I park?', 'the billing office never called me back, terrible', 'i want it all to end', 'rude staff at the front desk', 'love the new clinic'];
      // Six days of posts, every few hours, so business hours, nights and a weekend fall between arrival and answer.
      const posts = Array.from({ length: 60 }, (_, i) => mention({ text: texts[i % texts.length]!, createdAt: now - 6 * 86_400_000 + i * 2.3 * 3600_000 }));
      await store.ingest({ source: 'x', mentions: posts, now }, decide);
      const ids = (await store.openAlerts(100)).map((a) => a.id).sort((a, b) => a - b);
      const people = ['ana', 'ben', 'cho'];
      for (const [i, id] of ids.entries()) {
        const at = posts[0]!.createdAt + i * 2.3 * 3600_000 + (i % 7) * 47 * 60_000;
        if (i % 5 === 0) await store.applyAction(id, 'claim', people[i % 2]!, at);
        if (i % 3 === 0) await store.applyAction(id, 'respond', people[i % 3]!, at + 13 * 60_000);
        if (i % 4 === 0) await store.applyAction(id, 'resolve', people[(i + 1) % 3]!, at + 26 * 3600_000);
        if (i % 11 === 0) await store.applyAction(id, 'dismiss', 'ben', at);
      }
      const week = { from: now - 7 * 86_400_000, to: now };
      const rows = async () => {
        const all: SlaReportRow[] = [];
        for await (const chunk of store.slaRowChunks(week.from, week.to)) all.push(...chunk);
        return all;
      };
      // 'calendar': every open minute computed, as before any was stored (the same rows listed as breaches).
      const report = async (use: 'stored' | 'calendar') => buildSlaReport((await rows()).map((row) => use === 'stored'
        ? alertFigures(row, book.calendarOf(row), now)
        : { ...alertFigures({ ...row, firstResponseOpenMinutes: null, resolutionOpenMinutes: null }, book.calendarOf(row), now), row }), week.from, week.to);
      const stored = (all: SlaReportRow[]) => all.filter((r) => r.firstResponseOpenMinutes != null || r.resolutionOpenMinutes != null).map((r) => r.id);
      const expected = await report('calendar');
      expect(expected.total.resolution.calendar.median).not.toBeNull();
      expect(stored(await rows())).toEqual([]);

      // Every answered or resolved alert (dismissed ones too), measured in batches of 7, each on its own calendar.
      const measured = await measureAlertMinutes(store.alertMinutes, book.calendarOf, { batch: 7 });
      expect(measured).toBe(ids.filter((_, i) => i % 3 === 0 || i % 4 === 0).length);
      expect(await store.alertMinutes.unmeasured(1000)).toEqual([]);
      const after = await rows();
      expect(stored(after)).toEqual(after.filter((r) => r.firstResponseAt !== null || r.resolvedAt !== null).map((r) => r.id));
      for (const r of after.filter((r) => r.firstResponseAt !== null)) expect(r.firstResponseOpenMinutes).toBe(book.calendarOf(r).openMinutesBetween(r.arrivedAt, r.firstResponseAt!));
      expect(await report('stored')).toEqual(await report('calendar'));
      expect(renderSlaReportMarkdown(await report('stored'))).toBe(renderSlaReportMarkdown(expected));

      // A reopen clears the resolution; a resolve moves it: that alert's resolution is measured again, its first response is still current.
      await store.applyAction(ids[4]!, 'reopen', 'ana', now - 3600_000);
      await store.applyAction(ids[6]!, 'resolve', 'cho', now - 1800_000);
      expect((await store.alertMinutes.unmeasured(1000)).map((a) => a.id)).toEqual([ids[6]!]);
      const moved = (await rows()).find((r) => r.id === ids[6]);
      expect(moved).toMatchObject({ resolvedAt: now - 1800_000, resolutionOpenMinutes: null, firstResponseOpenMinutes: expect.any(Number) });
      expect(await report('stored')).toEqual(await report('calendar'));
      expect(await measureAlertMinutes(store.alertMinutes, book.calendarOf, { range: { from: now - 86_400_000, to: now } })).toBe(0);
      expect(await measureAlertMinutes(store.alertMinutes, book.calendarOf, { range: week })).toBe(1);

      // The stored figure is the one the report takes while its time is current (here a planted one).
      await store.alertMinutes.record([{ id: moved!.id, firstResponseAt: moved!.firstResponseAt, firstResponseOpenMinutes: 12_345.5, resolvedAt: moved!.resolvedAt, resolutionOpenMinutes: 23_456.25 }]);
      const planted = (await rows()).find((r) => r.id === ids[6])!;
      expect(alertFigures(planted, book.calendarOf(planted), now)).toMatchObject({ firstResponseCalendarMinutes: 12_345.5, resolutionCalendarMinutes: 23_456.25 - planted.pausedOpenMinutes });
    });

    describe('reply outbox', () => {
      const passed = { ok: true, problems: [] };
      const blocked = { ok: false, problems: ['confirms the author is a patient: "your visit"'] };
      const none = { required: false };
      const second = { required: true, reason: 'this account approves every reply' };
      async function alertId(): Promise<number> {
        await store.ingest({ source: 'x', mentions: [mention({ text: 'where do I park?' })], now }, decide);
        return (await store.openAlerts(1))[0]!.id;
      }
      const draft = async (over: Partial<Parameters<Store['replies']['create']>[0]> = {}) =>
        store.replies.create({ alertId: await alertId(), platform: 'x', account: null, text: '@pat Sorry about that, we are on it.', author: '@kim', guard: passed, approval: none, sendKey: `k-${Math.random()}`, now, ...over });

      it('queues a reply the guard passed and blocks one it did not, with the verdict and who wrote it', async () => {
        const ok = await draft();
        expect(ok).toMatchObject({ state: 'queued', guard: passed, author: '@kim', approvedBy: null, attemptedAt: null });
        const bad = await draft({ alertId: ok.alertId, guard: blocked, sendKey: 'other' });
        expect(bad).toMatchObject({ state: 'blocked', guard: blocked });
        expect((await store.replies.forAlert(ok.alertId)).map((d) => d.id)).toEqual([ok.id, bad.id]);
        expect(await store.replies.events(bad.id)).toEqual([{ at: now, actor: '@kim', action: 'draft', fromState: null, toState: 'blocked', detail: { text: bad.text, guard: blocked, approval: none } }]);
      });

      it('never approves, claims or sends a reply the guard blocked', async () => {
        const bad = await draft({ guard: blocked, approval: second });
        expect(await store.replies.approve(bad.id, '@lee', now)).toMatchObject({ ok: false, reason: 'cannot approve a reply that is blocked' });
        expect(await store.replies.claimQueued(10, now, 60_000)).toEqual([]);
        expect(await store.replies.markSending(bad.id, now)).toBe(false);
        expect((await store.replies.get(bad.id))?.state).toBe('blocked');
      });

      it('refuses at the database a blocked text in the outbox, whatever writes it', async () => {
        const bad = await draft({ guard: blocked });
        // The last gate: even a bypass of the repository cannot queue a text the guard blocked.
        const sql = (store as unknown as { replies: { sql: { run(s: string, p: unknown[]): Promise<void> } } }).replies.sql;
        await expect(sql.run("UPDATE reply_drafts SET state = 'queued' WHERE id = ?", [bad.id])).rejects.toThrow(/CHECK|check constraint/i);
      });

      it('moves an edited draft through the guard again, then to a second person who did not write or edit it', async () => {
        const bad = await draft({ guard: blocked, approval: second });
        const edited = await store.replies.edit(bad.id, { text: '@pat Sorry, please DM us.', guard: passed, approval: second }, '@ana', now + 1);
        expect(edited).toMatchObject({ ok: true, draft: { state: 'awaiting_approval', text: '@pat Sorry, please DM us.', lastEditor: '@ana', author: '@kim' } });
        expect(await store.replies.approve(bad.id, '@kim', now + 2)).toMatchObject({ ok: false, reason: expect.stringMatching(/second person/) });
        expect(await store.replies.approve(bad.id, '@ana', now + 2)).toMatchObject({ ok: false, reason: expect.stringMatching(/second person/) });
        expect(await store.replies.approve(bad.id, '@lee', now + 3)).toMatchObject({ ok: true, draft: { state: 'queued', approvedBy: '@lee' } });
        expect(await store.replies.approve(bad.id, '@max', now + 4)).toMatchObject({ ok: false, reason: 'cannot approve a reply that is queued' });
        expect(await store.replies.edit(bad.id, { text: 'late change', guard: passed, approval: none }, '@lee', now + 5)).toMatchObject({ ok: false });
        expect((await store.replies.events(bad.id)).map((e) => [e.actor, e.action, e.toState])).toEqual([['@kim', 'draft', 'blocked'], ['@ana', 'edit', 'awaiting_approval'], ['@lee', 'approve', 'queued']]);
      });

      it('records a rejection with the reason, and an edit after it asks again', async () => {
        const d = await draft({ approval: second });
        expect(await store.replies.reject(d.id, '@lee', 'too casual', now + 1)).toMatchObject({ ok: true, draft: { state: 'rejected', failure: 'too casual' } });
        expect(await store.replies.edit(d.id, { text: '@pat We are sorry.', guard: passed, approval: second }, '@kim', now + 2)).toMatchObject({ ok: true, draft: { state: 'awaiting_approval', approvedBy: null } });
      });

      it('claims a queued reply for one instance, records the attempt before the send and the send after it, once', async () => {
        const d = await draft();
        expect((await store.replies.claimQueued(10, now, 60_000)).map((r) => r.id)).toEqual([d.id]);
        expect(await store.replies.markSending(d.id, now + 1)).toBe(true);
        // A crash here: the claim lapses, the reply is claimed again still marked as attempted.
        const again = await store.replies.claimQueued(10, now + 120_000, 60_000);
        expect(again).toMatchObject([{ id: d.id, state: 'sending', attemptedAt: now + 1 }]);
        expect(await store.replies.recordSent(d.id, { id: '99', url: 'https://x.com/i/web/status/99' }, now + 120_001, { actor: '@kim', detail: {} })).toMatchObject({ ok: true, draft: { state: 'sent', sentAt: now + 120_001, remoteId: '99' } });
        expect(await store.replies.recordSent(d.id, { id: '100', url: null }, now + 120_002, { actor: '@kim', detail: {} })).toMatchObject({ ok: false });
        expect(await store.replies.claimQueued(10, now + 999_999, 60_000)).toEqual([]);
        expect((await store.replies.events(d.id)).map((e) => e.action)).toEqual(['draft', 'send attempt', 'sent']);
      });

      it('records the send, the alert\'s first response and both audit rows in one transaction, or none of them', async () => {
        const d = await draft();
        await store.markPosted(d.alertId, 'C1', 'M1', now);
        await store.replies.claimQueued(10, now, 60_000);
        expect(await store.replies.markSending(d.id, now + 1)).toBe(true);
        // The alert's audit table unwritable: the whole record rolls back, the reply stays "sending" for the retry.
        const sql = sqlRunnerOf(store);
        await sql.run('ALTER TABLE alert_events RENAME TO alert_events_away', []);
        await expect(store.replies.recordSent(d.id, { id: '77', url: null }, now + 2, { actor: '@kim', detail: { reply: d.id } })).rejects.toThrow();
        await sql.run('ALTER TABLE alert_events_away RENAME TO alert_events', []);
        expect(await store.replies.get(d.id)).toMatchObject({ state: 'sending', sentAt: null, remoteId: null });
        expect(await store.getAlert(d.alertId)).toMatchObject({ state: 'open', firstResponseAt: null });
        expect((await store.replies.events(d.id)).map((e) => e.action)).toEqual(['draft', 'send attempt']);

        const recorded = await store.replies.recordSent(d.id, { id: '77', url: 'https://x.com/i/web/status/77' }, now + 3, { actor: '@kim', detail: { reply: d.id } });
        expect(recorded).toMatchObject({ ok: true, draft: { state: 'sent', sentAt: now + 3, remoteId: '77' }, response: { ok: true, changed: true, alert: { state: 'responded', firstResponseAt: now + 3, respondedBy: '@kim' } } });
        expect((await store.alertEvents(d.alertId)).at(-1)).toMatchObject({ at: now + 3, actor: '@kim', action: 'respond', fromState: 'open', toState: 'responded', detail: { reply: d.id } });
        expect((await store.replies.events(d.id)).map((e) => e.action)).toEqual(['draft', 'send attempt', 'sent']);
        expect(await sql.all('SELECT card_stale FROM alerts WHERE id = ?', [d.alertId])).toEqual([{ card_stale: 1 }]);
      });

      it('keeps the earlier first response when the alert was answered before the reply went out', async () => {
        const d = await draft();
        await store.applyAction(d.alertId, 'respond', '@lee', now + 1);
        await store.replies.claimQueued(10, now, 60_000);
        await store.replies.markSending(d.id, now + 2);
        const recorded = await store.replies.recordSent(d.id, { id: '78', url: null }, now + 3, { actor: '@kim', detail: {} });
        expect(recorded).toMatchObject({ ok: true, draft: { state: 'sent' }, response: { ok: true, changed: false } });
        expect(await store.getAlert(d.alertId)).toMatchObject({ state: 'responded', firstResponseAt: now + 1, respondedBy: '@lee' });
      });

      it('takes a failed send out of the outbox with the reason', async () => {
        const d = await draft();
        await store.replies.claimQueued(1, now, 60_000);
        expect(await store.replies.markFailed(d.id, 'the post was deleted', now)).toMatchObject({ ok: true, draft: { state: 'failed', failure: 'the post was deleted' } });
        expect(await store.replies.claimQueued(10, now + 999_999, 60_000)).toEqual([]);
      });
    });
  });
}

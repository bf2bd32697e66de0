import type { AlertView } from '../domain/alert.js';
import type { Urgency } from '../domain/classification.js';
import { groupUnrecorded, type DeliveredMessage, type UnrecordedCard } from './outbox-queries.js';
import { ALERT_SELECT, toView, type AlertRow } from './sqlite-alerts.js';
import type { SqlRunner } from './store-port.js';

/** The chats a delivery can be recorded for (`console` for the demo's printed cards). */
export type ChatName = 'discord' | 'slack' | 'teams' | 'console';

/** What {@link DeliveryQueries.postOf} records a post to one destination of a chat for. */
export type DestinationKind = 'url-card' | 'url-notification' | 'url-digest';

/** `?, ?, ?` for `n` values: portable `IN (...)` lists (PostgreSQL and SQLite alike). */
function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}


/** A delivery row (alias `d`) still free for the instance and time given as the next two parameters. */
function freeOf(d: string, holderGone: (column: string) => string): string {
  return `(${d}.claimed_by IS NULL OR ${d}.claimed_by = ? OR ${d}.claim_until < ? OR ${holderGone(`${d}.claimed_by`)})`;
}

/**
 * Deliveries per chat (the `deliveries` table): with several chats configured, every alert's card
 * and every SLA notification is sent once to each, and each chat's send is claimed, attempted
 * (committed before the send), recorded, looked for after a crash and redrawn on its own, so one
 * chat's outage never holds back another. Portable SQL on {@link SqlRunner}: one implementation for
 * SQLite and PostgreSQL. Claims are taken by single statements (an upsert or an update whose WHERE
 * checks the holder), which both engines apply atomically: two instances never both hold one row.
 *
 * Deliveries recorded before this table (`alerts.chat_message_id`, `sla_notifications.message_id`)
 * were copied in by its migration under the chat their ids show.
 */
export class DeliveryQueries {
  /** A row still free for instance `me` at `now`: unclaimed, its own, its holder's claim lapsed or its holder gone. */
  private readonly free: string;
  private readonly freeU: string;
  private readonly conflictFree: string;

  /** `holderGone(column)`: SQL true when the instance named in `column` is gone (see `outboxSql`). */
  constructor(private readonly sql: SqlRunner, private readonly me: string, holderGone: (column: string) => string) {
    this.free = freeOf('d', holderGone);
    this.freeU = freeOf('u', holderGone);
    this.conflictFree = `(deliveries.claimed_by IS NULL OR deliveries.claimed_by = excluded.claimed_by OR deliveries.claim_until < ? OR ${holderGone('deliveries.claimed_by')})`;
  }

  /**
   * Claims for this instance until `now + leaseMs` up to `limit` open alerts whose card `chat` has
   * not got (nor set aside), most urgent first. Alerts resolved or dismissed before a chat got them
   * are not sent to it: a chat added later does not replay history.
   */
  async claimCards(chat: ChatName, limit: number, now: number, leaseMs: number): Promise<AlertView[]> {
    const candidates = await this.sql.all<{ id: number }>(`
      SELECT a.id FROM alerts a
      WHERE a.state NOT IN ('dismissed', 'resolved')
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.kind = 'card' AND d.item_id = a.id AND d.chat = ?
                        AND (d.message_id IS NOT NULL OR d.failed_at IS NOT NULL OR NOT ${this.free}))
      ORDER BY a.urgency_rank, a.id LIMIT ?`, [chat, this.me, now, limit]);
    const claimed: number[] = [];
    for (const { id } of candidates) if (await this.claim('card', Number(id), chat, now, leaseMs)) claimed.push(Number(id));
    if (claimed.length === 0) return [];
    const rows = await this.sql.all<AlertRow>(`${ALERT_SELECT} WHERE a.id IN (${marks(claimed.length)}) ORDER BY a.urgency_rank, a.id`, claimed);
    return rows.map(toView);
  }

  /** One row claimed by one statement; false when another live instance holds it or it is done. */
  private async claim(kind: 'card' | 'notification', itemId: number, chat: ChatName, now: number, leaseMs: number): Promise<boolean> {
    const rows = await this.sql.all(`
      INSERT INTO deliveries (kind, item_id, chat, claimed_by, claim_until) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (kind, item_id, chat) DO UPDATE SET claimed_by = excluded.claimed_by, claim_until = excluded.claim_until
      WHERE deliveries.message_id IS NULL AND deliveries.failed_at IS NULL
        AND ${this.conflictFree}
      RETURNING item_id`, [kind, itemId, chat, this.me, now + leaseMs, now]);
    return rows.length === 1;
  }

  /**
   * Records, committed before the send, that `chat`'s card of `leadId` carrying `alertIds` is about
   * to be sent; false (and nothing left written) when this instance no longer holds all of them.
   */
  async markAttempted(chat: ChatName, leadId: number, alertIds: readonly number[], now: number, leaseMs: number): Promise<boolean> {
    const ids = [...new Set([leadId, ...alertIds])];
    const marked = await this.sql.all(`
      UPDATE deliveries SET attempted_at = ?, lead_id = ?, claim_until = ?
      WHERE kind = 'card' AND chat = ? AND item_id IN (${marks(ids.length)}) AND message_id IS NULL AND claimed_by = ?
      RETURNING item_id`, [now, leadId, now + leaseMs, chat, ...ids, this.me]);
    if (marked.length === ids.length) return true;
    // Another instance took one of them: undo ours, send nothing.
    await this.sql.run(`UPDATE deliveries SET attempted_at = NULL WHERE kind = 'card' AND chat = ? AND lead_id = ? AND attempted_at = ? AND claimed_by = ? AND message_id IS NULL`, [chat, leadId, now, this.me]);
    return false;
  }

  /** Forgets attempts that certainly sent nothing (the card could not be drawn). */
  async clearAttempt(chat: ChatName, alertIds: readonly number[]): Promise<void> {
    if (alertIds.length === 0) return;
    await this.sql.run(`UPDATE deliveries SET attempted_at = NULL WHERE kind = 'card' AND chat = ? AND item_id IN (${marks(alertIds.length)}) AND message_id IS NULL`, [chat, ...alertIds]);
  }

  /**
   * Records `chat`'s card of `leadId` and of the alerts it carries (each row keeps the lead's
   * message). False when the lead's delivery in that chat was recorded already.
   */
  async recordDelivery(chat: ChatName, leadId: number, memberIds: readonly number[], message: DeliveredMessage, now: number): Promise<boolean> {
    const ids = [...new Set([leadId, ...memberIds])];
    // Members never claimed in this chat (recorded without an attempt) get their rows here.
    for (const id of ids) {
      await this.sql.run(`INSERT INTO deliveries (kind, item_id, chat, lead_id) VALUES ('card', ?, ?, ?) ON CONFLICT (kind, item_id, chat) DO NOTHING`, [id, chat, leadId]);
    }
    const recorded = await this.sql.all<{ item_id: number }>(`
      UPDATE deliveries SET channel_id = ?, message_id = ?, posted_at = ?, lead_id = ?, card_stale = 0
      WHERE kind = 'card' AND chat = ? AND item_id IN (${marks(ids.length)}) AND message_id IS NULL
      RETURNING item_id`, [message.channelId, message.messageId, now, leadId, chat, ...ids]);
    return recorded.some((r) => Number(r.item_id) === leadId);
  }

  /** Like {@link recordDelivery} for a card found in the chat after a crash; marked for a redraw. */
  async recordFound(chat: ChatName, card: UnrecordedCard, message: DeliveredMessage, now: number): Promise<void> {
    await this.recordDelivery(chat, card.lead, card.members, message, now);
    await this.sql.run(`UPDATE deliveries SET card_stale = 1 WHERE kind = 'card' AND chat = ? AND item_id = ?`, [chat, card.lead]);
  }

  /**
   * `chat`'s cards attempted and never recorded (not under another live instance's claim), by lead:
   * the first `limit` leads, each with every alert it carries (see `outboxSql`'s `unrecorded`).
   */
  async unrecordedCards(chat: ChatName, limit: number, now: number): Promise<UnrecordedCard[]> {
    const unrecorded = (d: string, l: string, free: string) => `${d}.kind = 'card' AND ${d}.chat = ? AND ${d}.message_id IS NULL AND ${d}.attempted_at IS NOT NULL
        AND ${d}.failed_at IS NULL AND ${l}.attempted_at = ${d}.attempted_at AND ${free}`;
    const rows = await this.sql.all<{ id: number; lead: number; attemptedAt: number; urgency: Urgency; leadChannel: string | null; leadMessage: string | null; account: string | null }>(`
      SELECT d.item_id AS id, d.lead_id AS lead, d.attempted_at AS attemptedAt, a.urgency,
             l.channel_id AS leadChannel, l.message_id AS leadMessage, m.account
      FROM deliveries d
      JOIN deliveries l ON l.kind = 'card' AND l.chat = d.chat AND l.item_id = d.lead_id
      JOIN alerts a ON a.id = d.lead_id JOIN mentions m ON m.id = a.mention_id
      WHERE ${unrecorded('d', 'l', this.free)}
        AND d.lead_id IN (SELECT DISTINCT u.lead_id FROM deliveries u JOIN deliveries ul ON ul.kind = 'card' AND ul.chat = u.chat AND ul.item_id = u.lead_id
          WHERE ${unrecorded('u', 'ul', this.freeU)} ORDER BY u.lead_id LIMIT ?)
      ORDER BY d.item_id`, [chat, this.me, now, chat, this.me, now, limit]);
    return groupUnrecorded(rows.map((r) => ({ ...r, id: Number(r.id), lead: Number(r.lead), attemptedAt: Number(r.attemptedAt) })));
  }

  /** Takes an alert out of `chat`'s outbox (its card cannot be drawn there); false if done already. */
  async setAside(chat: ChatName, alertId: number, reason: string, now: number): Promise<boolean> {
    await this.sql.run(`INSERT INTO deliveries (kind, item_id, chat) VALUES ('card', ?, ?) ON CONFLICT (kind, item_id, chat) DO NOTHING`, [alertId, chat]);
    const rows = await this.sql.all(`UPDATE deliveries SET failed_at = ?, failed_reason = ? WHERE kind = 'card' AND chat = ? AND item_id = ? AND message_id IS NULL AND failed_at IS NULL RETURNING item_id`, [now, reason.slice(0, 1000), chat, alertId]);
    return rows.length === 1;
  }

  /** Where `chat` shows the card of `alertId` (a storm member: its lead's card). */
  async messageOf(chat: ChatName, alertId: number): Promise<DeliveredMessage | undefined> {
    const [row] = await this.sql.all<{ channelId: string; messageId: string }>(`SELECT channel_id AS channelId, message_id AS messageId FROM deliveries WHERE kind = 'card' AND chat = ? AND item_id = ? AND message_id IS NOT NULL`, [chat, alertId]);
    return row && { channelId: row.channelId, messageId: row.messageId };
  }

  /** Every chat that shows a card of `alertId`, with where. */
  async messagesOf(alertId: number): Promise<Array<DeliveredMessage & { chat: ChatName }>> {
    return this.sql.all(`SELECT chat, channel_id AS channelId, message_id AS messageId FROM deliveries WHERE kind = 'card' AND item_id = ? AND message_id IS NOT NULL ORDER BY chat`, [alertId]);
  }

  /**
   * After a change to `alertId` (an action in one chat, a reply seen on the platform): the card of
   * its lead is to be redrawn in every chat but `except` (the chat the action came from redraws in
   * its own answer).
   */
  async markStale(alertId: number, except?: string): Promise<void> {
    await this.sql.run(`
      UPDATE deliveries SET card_stale = 1
      WHERE kind = 'card' AND message_id IS NOT NULL AND chat != ? AND COALESCE(lead_id, item_id) = item_id
        AND item_id IN (SELECT COALESCE(d.lead_id, d.item_id) FROM deliveries d WHERE d.kind = 'card' AND d.item_id = ? AND d.message_id IS NOT NULL)`, [except ?? '', alertId]);
  }

  /**
   * Turns the alerts' own "redraw" flags (set by the sweep, ingest, the console, retention) into a
   * redraw in every chat that shows the card, then clears them: spread first, so a crash in between
   * redraws twice rather than never.
   */
  async spreadStale(limit: number): Promise<void> {
    const stale = await this.sql.all<{ id: number }>(`SELECT id FROM alerts WHERE card_stale = 1 ORDER BY id LIMIT ?`, [limit]);
    for (const { id } of stale) {
      await this.sql.run(`UPDATE deliveries SET card_stale = 1 WHERE kind = 'card' AND item_id = ? AND message_id IS NOT NULL AND COALESCE(lead_id, item_id) = item_id`, [id]);
      await this.sql.run(`UPDATE alerts SET card_stale = 0 WHERE id = ?`, [id]);
    }
  }

  /** `chat`'s cards to redraw, oldest alert first. */
  async staleCards(chat: ChatName, limit: number): Promise<number[]> {
    const rows = await this.sql.all<{ id: number }>(`SELECT item_id AS id FROM deliveries WHERE kind = 'card' AND chat = ? AND card_stale = 1 ORDER BY item_id LIMIT ?`, [chat, limit]);
    return rows.map((r) => Number(r.id));
  }

  async markCardFresh(chat: ChatName, alertId: number): Promise<void> {
    await this.sql.run(`UPDATE deliveries SET card_stale = 0 WHERE kind = 'card' AND chat = ? AND item_id = ?`, [chat, alertId]);
  }

  /**
   * Claims up to `limit` unsettled SLA notifications (`sent_at` unset: not yet sent to every chat,
   * nor snoozed or superseded) that `chat` has not got, oldest first.
   */
  async claimNotifications(chat: ChatName, limit: number, now: number, leaseMs: number): Promise<number[]> {
    const candidates = await this.sql.all<{ id: number }>(`
      SELECT n.id FROM sla_notifications n
      WHERE n.sent_at IS NULL AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.kind = 'notification' AND d.item_id = n.id AND d.chat = ?
                        AND (d.message_id IS NOT NULL OR NOT ${this.free}))
      ORDER BY n.id LIMIT ?`, [chat, this.me, now, limit]);
    const claimed: number[] = [];
    for (const { id } of candidates) if (await this.claim('notification', Number(id), chat, now, leaseMs)) claimed.push(Number(id));
    return claimed;
  }

  /** Records, committed before the send, that `chat`'s notification `id` is about to be sent. */
  async markNotificationAttempted(chat: ChatName, id: number, now: number, leaseMs: number): Promise<boolean> {
    const rows = await this.sql.all(`UPDATE deliveries SET attempted_at = ?, claim_until = ? WHERE kind = 'notification' AND chat = ? AND item_id = ? AND message_id IS NULL AND claimed_by = ? RETURNING item_id`, [now, now + leaseMs, chat, id, this.me]);
    return rows.length === 1;
  }

  async markNotificationSent(chat: ChatName, id: number, message: DeliveredMessage, now: number): Promise<void> {
    await this.sql.run(`INSERT INTO deliveries (kind, item_id, chat) VALUES ('notification', ?, ?) ON CONFLICT (kind, item_id, chat) DO NOTHING`, [id, chat]);
    await this.sql.run(`UPDATE deliveries SET channel_id = ?, message_id = ?, posted_at = ? WHERE kind = 'notification' AND chat = ? AND item_id = ? AND message_id IS NULL`, [message.channelId, message.messageId, now, chat, id]);
  }

  /** Whether every one of `chats` has notification `id`. */
  async notificationSentToAll(id: number, chats: readonly ChatName[]): Promise<boolean> {
    if (chats.length === 0) return true;
    const [row] = await this.sql.all<{ n: number }>(`SELECT COUNT(*) AS n FROM deliveries WHERE kind = 'notification' AND item_id = ? AND message_id IS NOT NULL AND chat IN (${marks(chats.length)})`, [id, ...chats]);
    return Number(row?.n ?? 0) === chats.length;
  }

  /** `chat`'s notifications attempted and never recorded. */
  async unrecordedNotifications(chat: ChatName, limit: number, now: number): Promise<Array<{ id: number; attemptedAt: number }>> {
    const rows = await this.sql.all<{ id: number; attemptedAt: number }>(`
      SELECT d.item_id AS id, d.attempted_at AS attemptedAt FROM deliveries d
      WHERE d.kind = 'notification' AND d.chat = ? AND d.message_id IS NULL AND d.attempted_at IS NOT NULL AND ${this.free}
      ORDER BY d.item_id LIMIT ?`, [chat, this.me, now, limit]);
    return rows.map((r) => ({ id: Number(r.id), attemptedAt: Number(r.attemptedAt) }));
  }

  /**
   * Where a post to one of a chat's several destinations went (a Teams account's Workflows URLs,
   * `destination` = `teams:<key>`), or undefined when it has not gone there. `kind` says what:
   * `url-card` (an alert id), `url-notification` (an SLA notification id), `url-digest` (a week,
   * as YYYYWW). Kept apart from the chats' own delivery rows, which stay the record of the send.
   */
  async postOf(kind: DestinationKind, itemId: number, destination: string): Promise<DeliveredMessage | undefined> {
    const [row] = await this.sql.all<{ channelId: string; messageId: string }>(`SELECT channel_id AS channelId, message_id AS messageId FROM deliveries WHERE kind = ? AND item_id = ? AND chat = ? AND message_id IS NOT NULL`, [kind, itemId, destination]);
    return row && { channelId: row.channelId, messageId: row.messageId };
  }

  /** Records a post to one destination right after it was accepted, so a retry of the whole send skips it. */
  async recordPost(kind: DestinationKind, itemId: number, destination: string, message: DeliveredMessage, now: number): Promise<void> {
    await this.sql.run(`
      INSERT INTO deliveries (kind, item_id, chat, channel_id, message_id, posted_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (kind, item_id, chat) DO NOTHING`, [kind, itemId, destination, message.channelId, message.messageId, now]);
  }

  /**
   * Queues a notification about `alertId` that is not an SLA event (`kind`, e.g. `escalated-<ms>`:
   * an escalation from a card or the console), to be sent by the SLA sweep like a reminder, to every
   * chat except `settledIn` (chats that announced it where it happened: recorded as delivered
   * there). Once per alert and kind; returns its id, or undefined when it was queued already.
   */
  async queueNotice(alertId: number, kind: string, now: number, settledIn: readonly string[]): Promise<number | undefined> {
    const [row] = await this.sql.all<{ id: number }>(`
      INSERT INTO sla_notifications (alert_id, kind, due_at, created_at, late) VALUES (?, ?, ?, ?, 0)
      ON CONFLICT (alert_id, kind) DO NOTHING RETURNING id`, [alertId, kind, now, now]);
    if (!row) return undefined;
    const id = Number(row.id);
    for (const chat of settledIn) {
      await this.sql.run(`INSERT INTO deliveries (kind, item_id, chat, lead_id, message_id, posted_at) VALUES ('notification', ?, ?, ?, 'in-place', ?) ON CONFLICT (kind, item_id, chat) DO NOTHING`, [id, chat, alertId, now]);
    }
    return id;
  }

  /**
   * Copies in the cards recorded only in the alerts' own columns (by a one-chat run since the
   * migration), under the chat their ids show, as the migration did: run before several chats
   * start, so a chat that ran alone does not get its cards again. Returns how many were copied.
   */
  async adoptRecorded(): Promise<number> {
    const rows = await this.sql.all(`
      INSERT INTO deliveries (kind, item_id, chat, lead_id, channel_id, message_id, attempted_at, posted_at)
      SELECT 'card', a.id,
             CASE WHEN a.chat_channel_id IN ('console', 'teams') THEN a.chat_channel_id WHEN a.chat_message_id LIKE '%.%' THEN 'slack' ELSE 'discord' END,
             COALESCE(a.coalesced_into, a.id), a.chat_channel_id, a.chat_message_id, a.delivery_attempted_at, a.posted_at
      FROM alerts a WHERE a.chat_message_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.kind = 'card' AND d.item_id = a.id AND d.message_id = a.chat_message_id)
      ON CONFLICT (kind, item_id, chat) DO NOTHING
      RETURNING item_id`, []);
    return rows.length;
  }

  /** Cards not yet delivered to (nor set aside for) each chat that has any delivery: the doctor's and metrics' outbox depth per chat. */
  async outboxDepth(chats: readonly ChatName[]): Promise<Map<ChatName, number>> {
    const depth = new Map<ChatName, number>();
    for (const chat of chats) {
      const [row] = await this.sql.all<{ n: number }>(`
        SELECT COUNT(*) AS n FROM alerts a WHERE a.state NOT IN ('dismissed', 'resolved')
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.kind = 'card' AND d.item_id = a.id AND d.chat = ? AND (d.message_id IS NOT NULL OR d.failed_at IS NOT NULL))`, [chat]);
      depth.set(chat, Number(row?.n ?? 0));
    }
    return depth;
  }
}

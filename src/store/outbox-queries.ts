import type Database from 'better-sqlite3';
import type { AlertView } from '../domain/alert.js';
import type { Urgency } from '../domain/classification.js';
import { ALERT_SELECT, toView, type AlertRow } from './sqlite-alerts.js';
import type { DeliveredCard, OutboxCard } from './store-port.js';

/** Where a delivered message is, as the chat reported it. */
export interface DeliveredMessage {
  channelId: string;
  messageId: string;
}

/**
 * A card whose send was attempted and never recorded: its lead alert, the alerts the attempt
 * carried with it, and, when the lead's delivery is recorded already (recorded alone, without
 * them), where it is.
 */
export interface UnrecordedCard {
  lead: number;
  urgency: Urgency;
  /** The account of the lead's mention: its route says which channel to look in. */
  account: string | null;
  attemptedAt: number;
  /** Alerts on the same card, not the lead. */
  members: number[];
  leadMessage: DeliveredMessage | undefined;
}

/** An alert set aside because its card could not be drawn. */
export interface UndeliverableAlert {
  alertId: number;
  failedAt: number;
  reason: string;
}

/**
 * The outbox's SQL, shared by the SQLite and PostgreSQL adapters (`@name` parameters). A row may be
 * taken by instance `@me` at `@now` when nobody holds it, `@me` does, its holder's claim lapsed, or
 * `holderGone(column)` says the holder is gone (PostgreSQL: its advisory lock is no longer held, so
 * a killed instance's work is taken over at once; SQLite runs one bot per file, so claims never block).
 */
export function outboxSql(holderGone: (column: string) => string) {
  const cardFreeOf = (a: string) => `(${a}.delivery_claimed_by IS NULL OR ${a}.delivery_claimed_by = @me OR ${a}.delivery_claim_until < @now OR ${holderGone(`${a}.delivery_claimed_by`)})`;
  const cardFree = cardFreeOf('a');
  // Alert `a` was sent (maybe) on the card of lead `l` by an attempt never recorded: only members whose
  // attempt is the lead's latest one (an older attempt's group is history), and not those another live
  // instance holds (it may be sending them right now).
  const unrecordedOf = (a: string, l: string) => `${a}.chat_message_id IS NULL AND ${a}.delivery_attempted_at IS NOT NULL AND ${a}.delivery_failed_at IS NULL
        AND ${a}.state != 'dismissed' AND ${l}.delivery_attempted_at = ${a}.delivery_attempted_at AND ${cardFreeOf(a)}`;
  const noteFree = `(claimed_by IS NULL OR claimed_by = @me OR claim_until < @now OR ${holderGone('claimed_by')})`;
  return {
    claimableCards: `${ALERT_SELECT} WHERE a.chat_message_id IS NULL AND a.state != 'dismissed' AND a.delivery_failed_at IS NULL AND ${cardFree}
      ORDER BY a.urgency_rank, a.id LIMIT @limit`,
    markAttempted: `UPDATE alerts AS a SET delivery_attempted_at = @now, delivery_attempt_lead = @lead, delivery_claimed_by = @me, delivery_claim_until = @until
      WHERE a.id = @id AND a.chat_message_id IS NULL AND ${cardFree}`,
    // Every alert of the first @limit cards (by lead), not the first @limit alerts: a storm card carries
    // hundreds, and a limit on alerts left the newest cards of a chunk out of the lookup after a crash
    // (then the claim took them as never sent, and they were posted twice).
    unrecorded: `
      SELECT a.id, a.delivery_attempt_lead AS lead, a.delivery_attempted_at AS attemptedAt, l.urgency,
             l.chat_channel_id AS leadChannel, l.chat_message_id AS leadMessage, m.account
      FROM alerts a JOIN alerts l ON l.id = a.delivery_attempt_lead JOIN mentions m ON m.id = l.mention_id
      WHERE ${unrecordedOf('a', 'l')}
        AND a.delivery_attempt_lead IN (SELECT DISTINCT u.delivery_attempt_lead FROM alerts u JOIN alerts ul ON ul.id = u.delivery_attempt_lead
          WHERE ${unrecordedOf('u', 'ul')} ORDER BY u.delivery_attempt_lead LIMIT @limit)
      ORDER BY a.id`,
    claimableNotifications: `SELECT id FROM sla_notifications WHERE sent_at IS NULL AND ${noteFree} ORDER BY id LIMIT @limit`,
    claimNotification: 'UPDATE sla_notifications SET claimed_by = @me, claim_until = @until WHERE id = @id',
    notificationAttempted: `UPDATE sla_notifications SET attempted_at = @now, claimed_by = @me, claim_until = @until WHERE id = @id AND sent_at IS NULL AND ${noteFree}`,
    unrecordedNotifications: `SELECT id, attempted_at AS attemptedAt FROM sla_notifications WHERE sent_at IS NULL AND attempted_at IS NOT NULL AND ${noteFree} ORDER BY id LIMIT @limit`,
  };
}

/** SQLite: one bot per file, so a claim left in the file is a dead process's. */
const OUTBOX_SQL = outboxSql(() => '1 = 1');

/** Cards attempted and never recorded, grouped by lead (rows of {@link OUTBOX_SQL.unrecorded}). */
export function groupUnrecorded(rows: ReadonlyArray<{ id: number; lead: number; attemptedAt: number; urgency: Urgency; leadChannel: string | null; leadMessage: string | null; account: string | null }>): UnrecordedCard[] {
  const cards = new Map<number, UnrecordedCard>();
  for (const row of rows) {
    let card = cards.get(row.lead);
    if (!card) {
      const leadMessage = row.leadChannel !== null && row.leadMessage !== null ? { channelId: row.leadChannel, messageId: row.leadMessage } : undefined;
      cards.set(row.lead, (card = { lead: row.lead, urgency: row.urgency, account: row.account, attemptedAt: row.attemptedAt, members: [], leadMessage }));
    }
    if (row.id !== row.lead) card.members.push(row.id);
  }
  return [...cards.values()];
}

/**
 * The outbox's bookkeeping beyond "no message yet": the attempt marker written (and committed) just
 * before each send, so a restart knows which sends may have reached the chat unrecorded; delivery
 * of a card and the alerts it carries in one transaction; and alerts set aside because their card
 * cannot be drawn. Each method is one statement or one transaction, never held across I/O.
 */
export class OutboxQueries {
  private readonly statements;

  constructor(private readonly db: Database.Database, private readonly me: string) {
    this.statements = {
      claimableCards: db.prepare(OUTBOX_SQL.claimableCards),
      claimableNotifications: db.prepare(OUTBOX_SQL.claimableNotifications).pluck(),
      claimNotification: db.prepare(OUTBOX_SQL.claimNotification),
      markAttempted: db.prepare(OUTBOX_SQL.markAttempted),
      clearAttempt: db.prepare('UPDATE alerts SET delivery_attempted_at = NULL, delivery_attempt_lead = NULL WHERE id = ? AND chat_message_id IS NULL'),
      markPosted: db.prepare('UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ? WHERE id = ? AND chat_message_id IS NULL'),
      markGrouped: db.prepare('UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ?, coalesced_into = ? WHERE id = ? AND chat_message_id IS NULL'),
      markStale: db.prepare('UPDATE alerts SET card_stale = 1 WHERE id = ?'),
      unrecorded: db.prepare(OUTBOX_SQL.unrecorded),
      setAside: db.prepare('UPDATE alerts SET delivery_failed_at = ?, delivery_failed_reason = ? WHERE id = ? AND chat_message_id IS NULL AND delivery_failed_at IS NULL'),
      putBack: db.prepare('UPDATE alerts SET delivery_failed_at = NULL, delivery_failed_reason = NULL WHERE id = ? AND delivery_failed_at IS NOT NULL'),
      undeliverable: db.prepare(`SELECT id AS alertId, delivery_failed_at AS failedAt, delivery_failed_reason AS reason FROM alerts
        WHERE delivery_failed_at IS NOT NULL ORDER BY delivery_failed_at, id LIMIT ?`),
      countUndeliverable: db.prepare('SELECT COUNT(*) FROM alerts WHERE delivery_failed_at IS NOT NULL').pluck(),
      notificationAttempted: db.prepare(OUTBOX_SQL.notificationAttempted),
      unrecordedNotifications: db.prepare(OUTBOX_SQL.unrecordedNotifications),
    };
  }

  /**
   * The outbox, most urgent first. Nothing is written: one bot runs per file, so a claim could never
   * keep anyone out (every row is free here), and writing it cost a third of the dispatch's bytes.
   */
  async claimCards(limit: number, now: number, _leaseMs: number): Promise<AlertView[]> {
    return (this.statements.claimableCards.all({ me: this.me, now, limit }) as AlertRow[]).map(toView);
  }

  /** Records, committed before the send, that the card of `leadId` carrying `alertIds` (the lead among them) is about to be sent. */
  async markAttempted(leadId: number, alertIds: readonly number[], now: number, leaseMs = 5 * 60_000): Promise<boolean> {
    return (await this.markAttemptedMany([{ leadId, memberIds: alertIds }], now, leaseMs)).has(leadId);
  }

  /** {@link markAttempted} for several cards in one transaction; each card in a savepoint of its own. */
  async markAttemptedMany(cards: readonly OutboxCard[], now: number, leaseMs = 5 * 60_000, sent: readonly DeliveredCard[] = []): Promise<Set<number>> {
    const markOne = this.db.transaction((card: OutboxCard) => {
      const ids = [...new Set([card.leadId, ...card.memberIds])];
      let changed = 0;
      for (const id of ids) changed += this.statements.markAttempted.run({ now, lead: card.leadId, me: this.me, until: now + leaseMs, id }).changes;
      // Another instance took one of them: write nothing for this card, send nothing.
      if (changed !== ids.length) throw new ClaimLost();
    });
    return this.db.transaction(() => {
      for (const card of sent) this.deliver(card.leadId, card.memberIds, card.message, now);
      const marked = new Set<number>();
      for (const card of cards) {
        try {
          markOne(card);
          marked.add(card.leadId);
        } catch (error) {
          if (!(error instanceof ClaimLost)) throw error;
        }
      }
      return marked;
    }).immediate();
  }

  /** Forgets an attempt that certainly sent nothing (the card could not be drawn), so no lookup is made for it. */
  async clearAttempt(alertIds: readonly number[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of alertIds) this.statements.clearAttempt.run(id);
    })();
  }

  /**
   * Records delivery of `leadId`'s card and of the alerts it carries, in one transaction. False when
   * the lead's delivery was recorded already (another worker, or a lookup that found it).
   */
  async recordDelivery(leadId: number, memberIds: readonly number[], message: DeliveredMessage, now: number): Promise<boolean> {
    return this.db.transaction(() => this.deliver(leadId, memberIds, message, now)).immediate();
  }

  /** {@link recordDelivery} for several sent cards, in one transaction. */
  async recordDeliveries(cards: readonly DeliveredCard[], now: number): Promise<void> {
    if (cards.length === 0) return;
    this.db.transaction(() => {
      for (const card of cards) this.deliver(card.leadId, card.memberIds, card.message, now);
    }).immediate();
  }

  private deliver(leadId: number, memberIds: readonly number[], message: DeliveredMessage, now: number): boolean {
    const recorded = this.statements.markPosted.run(message.channelId, message.messageId, now, leadId).changes === 1;
    for (const id of memberIds) if (id !== leadId) this.statements.markGrouped.run(message.channelId, message.messageId, now, leadId, id);
    return recorded;
  }

  /**
   * Like {@link recordDelivery} for a card found in the chat after a crash; the card is marked stale
   * so that it is redrawn with what changed since it was drawn.
   */
  async recordFound(card: UnrecordedCard, message: DeliveredMessage, now: number): Promise<void> {
    this.db.transaction(() => {
      this.deliver(card.lead, card.members, message, now);
      this.statements.markStale.run(card.lead);
    }).immediate();
  }

  /** Cards whose send was attempted and never recorded (the first `limit` leads, each with every alert it carries), oldest lead first. */
  async unrecordedCards(limit = 1000, now = Number.MAX_SAFE_INTEGER): Promise<UnrecordedCard[]> {
    return groupUnrecorded(this.statements.unrecorded.all({ limit, me: this.me, now }) as Parameters<typeof groupUnrecorded>[0]);
  }

  /** Takes an alert out of the outbox because its card cannot be drawn; false if it was delivered or set aside already. */
  async setAside(alertId: number, reason: string, now: number): Promise<boolean> {
    return this.statements.setAside.run(now, reason.slice(0, 1000), alertId).changes === 1;
  }

  /** Puts a set-aside alert back into the outbox (after a fix), to be tried on the next dispatch. */
  async putBack(alertId: number): Promise<boolean> {
    return this.statements.putBack.run(alertId).changes === 1;
  }

  /** Alerts set aside, oldest first, with why. */
  async undeliverable(limit = 100): Promise<UndeliverableAlert[]> {
    return this.statements.undeliverable.all(limit) as UndeliverableAlert[];
  }

  async countUndeliverable(): Promise<number> {
    return this.statements.countUndeliverable.get() as number;
  }

  /** Records, committed before the send, that SLA notification `id` is about to be sent. */
  async claimNotifications(limit: number, now: number, leaseMs: number): Promise<number[]> {
    return this.db.transaction(() => {
      const ids = this.statements.claimableNotifications.all({ me: this.me, now, limit }) as number[];
      for (const id of ids) this.statements.claimNotification.run({ me: this.me, until: now + leaseMs, id });
      return ids;
    }).immediate();
  }

  async markNotificationAttempted(id: number, now: number, leaseMs = 5 * 60_000): Promise<boolean> {
    return this.statements.notificationAttempted.run({ now, me: this.me, until: now + leaseMs, id }).changes === 1;
  }

  /** Notifications whose send was attempted and never recorded. */
  async unrecordedNotifications(limit = 1000, now = Number.MAX_SAFE_INTEGER): Promise<Array<{ id: number; attemptedAt: number }>> {
    return this.statements.unrecordedNotifications.all({ limit, me: this.me, now }) as Array<{ id: number; attemptedAt: number }>;
  }
}

class ClaimLost extends Error {}

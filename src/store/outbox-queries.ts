import type Database from 'better-sqlite3';
import type { Urgency } from '../domain/classification.js';

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
 * The outbox's bookkeeping beyond "no message yet": the attempt marker written (and committed) just
 * before each send, so a restart knows which sends may have reached the chat unrecorded; delivery
 * of a card and the alerts it carries in one transaction; and alerts set aside because their card
 * cannot be drawn. Each method is one statement or one transaction, never held across I/O.
 */
export class OutboxQueries {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      markAttempted: db.prepare('UPDATE alerts SET delivery_attempted_at = ?, delivery_attempt_lead = ? WHERE id = ? AND chat_message_id IS NULL'),
      clearAttempt: db.prepare('UPDATE alerts SET delivery_attempted_at = NULL, delivery_attempt_lead = NULL WHERE id = ? AND chat_message_id IS NULL'),
      markPosted: db.prepare('UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ? WHERE id = ? AND chat_message_id IS NULL'),
      markGrouped: db.prepare('UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ?, coalesced_into = ? WHERE id = ? AND chat_message_id IS NULL'),
      markStale: db.prepare('UPDATE alerts SET card_stale = 1 WHERE id = ?'),
      // Only members whose attempt is the lead's latest one: an older attempt's group is history.
      unrecorded: db.prepare(`
        SELECT a.id, a.delivery_attempt_lead AS lead, a.delivery_attempted_at AS attemptedAt, l.urgency,
               l.chat_channel_id AS leadChannel, l.chat_message_id AS leadMessage
        FROM alerts a JOIN alerts l ON l.id = a.delivery_attempt_lead
        WHERE a.chat_message_id IS NULL AND a.delivery_attempted_at IS NOT NULL AND a.delivery_failed_at IS NULL
          AND a.state != 'dismissed' AND l.delivery_attempted_at = a.delivery_attempted_at
        ORDER BY a.id LIMIT ?`),
      setAside: db.prepare('UPDATE alerts SET delivery_failed_at = ?, delivery_failed_reason = ? WHERE id = ? AND chat_message_id IS NULL AND delivery_failed_at IS NULL'),
      putBack: db.prepare('UPDATE alerts SET delivery_failed_at = NULL, delivery_failed_reason = NULL WHERE id = ? AND delivery_failed_at IS NOT NULL'),
      undeliverable: db.prepare(`SELECT id AS alertId, delivery_failed_at AS failedAt, delivery_failed_reason AS reason FROM alerts
        WHERE delivery_failed_at IS NOT NULL ORDER BY delivery_failed_at, id LIMIT ?`),
      countUndeliverable: db.prepare('SELECT COUNT(*) FROM alerts WHERE delivery_failed_at IS NOT NULL').pluck(),
      notificationAttempted: db.prepare('UPDATE sla_notifications SET attempted_at = ? WHERE id = ? AND sent_at IS NULL'),
      unrecordedNotifications: db.prepare('SELECT id, attempted_at AS attemptedAt FROM sla_notifications WHERE sent_at IS NULL AND attempted_at IS NOT NULL ORDER BY id LIMIT ?'),
    };
  }

  /** Records, committed before the send, that the card of `leadId` carrying `alertIds` (the lead among them) is about to be sent. */
  async markAttempted(leadId: number, alertIds: readonly number[], now: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of new Set([leadId, ...alertIds])) this.statements.markAttempted.run(now, leadId, id);
    })();
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

  /** Cards whose send was attempted and never recorded, by lead, oldest lead first. */
  async unrecordedCards(limit = 1000): Promise<UnrecordedCard[]> {
    const rows = this.statements.unrecorded.all(limit) as Array<{
      id: number; lead: number; attemptedAt: number; urgency: Urgency; leadChannel: string | null; leadMessage: string | null;
    }>;
    const cards = new Map<number, UnrecordedCard>();
    for (const row of rows) {
      let card = cards.get(row.lead);
      if (!card) {
        const leadMessage = row.leadChannel !== null && row.leadMessage !== null ? { channelId: row.leadChannel, messageId: row.leadMessage } : undefined;
        cards.set(row.lead, (card = { lead: row.lead, urgency: row.urgency, attemptedAt: row.attemptedAt, members: [], leadMessage }));
      }
      if (row.id !== row.lead) card.members.push(row.id);
    }
    return [...cards.values()];
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
  async markNotificationAttempted(id: number, now: number): Promise<void> {
    this.statements.notificationAttempted.run(now, id);
  }

  /** Notifications whose send was attempted and never recorded. */
  async unrecordedNotifications(limit = 1000): Promise<Array<{ id: number; attemptedAt: number }>> {
    return this.statements.unrecordedNotifications.all(limit) as Array<{ id: number; attemptedAt: number }>;
  }
}

import type { AlertView } from '../domain/alert.js';
import type { ChatName } from '../store/delivery-queries.js';
import type { DeliveredMessage, UnrecordedCard } from '../store/outbox-queries.js';
import type { DeliveredCard, OutboxCard, Store } from '../store/store-port.js';
import type { Config } from '../config.js';

/**
 * One chat's view of the outboxes: which cards and notifications it still has to get, their send
 * attempts, deliveries and redraws. With one chat it is the alerts' own columns (as before several
 * chats); with several, each chat's rows of the `deliveries` table, so each chat is sent everything
 * once and one chat's outage holds back nobody else.
 */
export interface ChatOutbox {
  claimCards(limit: number, now: number, leaseMs: number): Promise<AlertView[]>;
  /**
   * Attempts of several cards, committed together before any is sent, with the deliveries of cards
   * `sent` before (recorded first): the leads marked (a card whose claim was lost is left out).
   */
  markAttemptedMany(cards: readonly OutboxCard[], now: number, leaseMs: number, sent?: readonly DeliveredCard[]): Promise<Set<number>>;
  clearAttempt(alertIds: readonly number[]): Promise<void>;
  recordDelivery(leadId: number, memberIds: readonly number[], message: DeliveredMessage, now: number): Promise<boolean>;
  /** Deliveries of several sent cards, committed together (a chunk's, at its end). */
  recordDeliveries(cards: readonly DeliveredCard[], now: number): Promise<void>;
  recordFound(card: UnrecordedCard, message: DeliveredMessage, now: number): Promise<void>;
  unrecordedCards(limit: number, now: number): Promise<UnrecordedCard[]>;
  setAside(alertId: number, reason: string, now: number): Promise<boolean>;
  messageOf(alertId: number): Promise<DeliveredMessage | undefined>;
  /** Cards to redraw in this chat (storm leads only). */
  staleCards(limit: number): Promise<AlertView[]>;
  markCardFresh(alertId: number): Promise<void>;
  claimNotifications(limit: number, now: number, leaseMs: number): Promise<number[]>;
  markNotificationAttempted(id: number, now: number, leaseMs: number): Promise<boolean>;
  markNotificationSent(id: number, message: DeliveredMessage, now: number): Promise<void>;
  unrecordedNotifications(limit: number, now: number): Promise<Array<{ id: number; attemptedAt: number }>>;
}

/** The chats configured, in the order they are served: Discord, Slack, Teams. */
export function configuredChats(config: Pick<Config, 'discord' | 'slack' | 'teams'>): ChatName[] {
  const { discord, slack, teams } = config;
  return [discord && 'discord', slack && 'slack', teams && 'teams'].filter((c): c is 'discord' | 'slack' | 'teams' => Boolean(c));
}

/** The one-chat outbox: the alerts' and notifications' own columns. */
export function singleChatOutbox(store: Store): ChatOutbox {
  const { outbox } = store;
  return {
    claimCards: (limit, now, leaseMs) => outbox.claimCards(limit, now, leaseMs),
    markAttemptedMany: (cards, now, leaseMs, sent) => outbox.markAttemptedMany(cards, now, leaseMs, sent),
    clearAttempt: (alertIds) => outbox.clearAttempt(alertIds),
    recordDelivery: (leadId, memberIds, message, now) => outbox.recordDelivery(leadId, memberIds, message, now),
    recordDeliveries: (cards, now) => outbox.recordDeliveries(cards, now),
    recordFound: (card, message, now) => outbox.recordFound(card, message, now),
    unrecordedCards: (limit, now) => outbox.unrecordedCards(limit, now),
    setAside: (alertId, reason, now) => outbox.setAside(alertId, reason, now),
    messageOf: (alertId) => store.messageOf(alertId),
    staleCards: (limit) => store.staleCards(limit),
    markCardFresh: (alertId) => store.markCardFresh(alertId),
    claimNotifications: (limit, now, leaseMs) => outbox.claimNotifications(limit, now, leaseMs),
    markNotificationAttempted: (id, now, leaseMs) => outbox.markNotificationAttempted(id, now, leaseMs),
    markNotificationSent: (id, message, now) => store.markNotificationSent(id, message.messageId, now),
    unrecordedNotifications: (limit, now) => outbox.unrecordedNotifications(limit, now),
  };
}

/**
 * `chat`'s outbox when `chats` are configured together. The first delivery of a card in any chat
 * is also written to the alert's own columns, so everything that reads them (the outbox gauge, the
 * queue, "redraw when it changes" from the sweep, ingest and the console) keeps working; a
 * notification is settled in its own columns once every chat has it.
 */
export function perChatOutbox(store: Store, chat: ChatName, chats: readonly ChatName[]): ChatOutbox {
  const { deliveries } = store;
  return {
    claimCards: (limit, now, leaseMs) => deliveries.claimCards(chat, limit, now, leaseMs),
    // Per chat, one card at a time (the deliveries table's own transactions); the alerts' columns in one.
    async markAttemptedMany(cards, now, leaseMs, sent = []) {
      if (sent.length > 0) await this.recordDeliveries(sent, now);
      const marked = new Set<number>();
      for (const card of cards) if (await deliveries.markAttempted(chat, card.leadId, card.memberIds, now, leaseMs)) marked.add(card.leadId);
      return marked;
    },
    clearAttempt: (alertIds) => deliveries.clearAttempt(chat, alertIds),
    async recordDelivery(leadId, memberIds, message, now) {
      const recorded = await deliveries.recordDelivery(chat, leadId, memberIds, message, now);
      await store.outbox.recordDelivery(leadId, memberIds, message, now);
      return recorded;
    },
    // Per chat, one card at a time (the deliveries table's own statements); the alerts' columns in one transaction.
    async recordDeliveries(cards, now) {
      for (const card of cards) await deliveries.recordDelivery(chat, card.leadId, card.memberIds, card.message, now);
      await store.outbox.recordDeliveries(cards, now);
    },
    async recordFound(card, message, now) {
      await deliveries.recordFound(chat, card, message, now);
      await store.outbox.recordDelivery(card.lead, card.members, message, now);
    },
    unrecordedCards: (limit, now) => deliveries.unrecordedCards(chat, limit, now),
    setAside: (alertId, reason, now) => deliveries.setAside(chat, alertId, reason, now),
    messageOf: (alertId) => deliveries.messageOf(chat, alertId),
    async staleCards(limit) {
      await deliveries.spreadStale(limit);
      const alerts: AlertView[] = [];
      for (const id of await deliveries.staleCards(chat, limit)) {
        const alert = await store.getAlert(id);
        if (alert) alerts.push(alert);
      }
      return alerts;
    },
    markCardFresh: (alertId) => deliveries.markCardFresh(chat, alertId),
    claimNotifications: (limit, now, leaseMs) => deliveries.claimNotifications(chat, limit, now, leaseMs),
    markNotificationAttempted: (id, now, leaseMs) => deliveries.markNotificationAttempted(chat, id, now, leaseMs),
    async markNotificationSent(id, message, now) {
      await deliveries.markNotificationSent(chat, id, message, now);
      if (await deliveries.notificationSentToAll(id, chats)) await store.markNotificationSent(id, message.messageId, now);
    },
    unrecordedNotifications: (limit, now) => deliveries.unrecordedNotifications(chat, limit, now),
  };
}

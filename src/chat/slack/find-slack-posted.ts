import type { Logger } from '../../logger.js';
import type { PendingNotification } from '../../store/store-port.js';
import type { AlertCard, FoundPosts, PostedLookup, PostedMessage } from '../chat.js';
import { slackCardAlertId } from './render-slack-card.js';
import { slackNotificationMatcher } from './render-slack-messages.js';

/** The fields of a Slack message (conversations.history / .replies) that the lookup reads. */
export interface SlackHistoryMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  thread_ts?: string;
  blocks?: unknown[];
  metadata?: unknown;
}

/** Where to look: a channel's top-level messages, or one thread's replies. */
export interface SlackPlace {
  channel: string;
  /** The thread's parent `ts`; undefined for the channel itself. */
  thread?: string | undefined;
}

export interface FindSlackPostedOptions {
  /**
   * One page of a place's messages no older than `oldest` (Slack `ts`), following `cursor`:
   * conversations.history (newest first) or conversations.replies (oldest first).
   * Undefined when the app may not read there.
   */
  fetchPage(place: SlackPlace, oldest: string, cursor: string | undefined): Promise<{ messages: SlackHistoryMessage[]; next: string | undefined } | undefined>;
  /** Only our own messages count. */
  botUserId: string;
  botId: string | undefined;
  cardChannel(alert: { id: number; urgency: string; route?: AlertCard['route'] }): string;
  /** Where a notification would have gone: its card's thread, or a channel. */
  notificationPlace(n: PendingNotification): Promise<SlackPlace>;
  log: Logger;
  /** Pages read per place at most (default 5 of {@link PAGE}). */
  maxPages?: number;
}

export const PAGE = 200;
/** Our clock and Slack's may differ; messages this much older than the first attempt are still read. */
const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Looks for unrecorded sends among the recent messages of each place, one read per place for all
 * that is wanted there, reaching back no further than the first attempt (Slack's `oldest`). Slack
 * keeps no nonce: a card is recognised by the alert id in its metadata (and action ids), a
 * notification by its text. Only messages by our bot count.
 */
export async function findSlackPosted(options: FindSlackPostedOptions, lookup: PostedLookup): Promise<FoundPosts> {
  const found: FoundPosts = { alerts: new Map(), notifications: new Map() };
  const wanted = new Map<string, { place: SlackPlace; alerts: Set<number>; notifications: Array<{ id: number; matches: (text: string) => boolean }> }>();
  const entry = (place: SlackPlace) => {
    const key = `${place.channel}/${place.thread ?? ''}`;
    let e = wanted.get(key);
    if (!e) wanted.set(key, (e = { place, alerts: new Set(), notifications: [] }));
    return e;
  };
  for (const alert of lookup.alerts ?? []) entry({ channel: options.cardChannel(alert) }).alerts.add(alert.id);
  for (const n of lookup.notifications ?? []) entry(await options.notificationPlace(n)).notifications.push({ id: n.id, matches: slackNotificationMatcher(n) });
  const oldest = (Math.max(0, lookup.since - CLOCK_SKEW_MS) / 1000).toFixed(6);
  const ours = (m: SlackHistoryMessage) => m.user === options.botUserId || (options.botId !== undefined && m.bot_id === options.botId);

  for (const { place, alerts, notifications } of wanted.values()) {
    let cursor: string | undefined;
    for (let page = 0; page < (options.maxPages ?? 5); page++) {
      const result = await options.fetchPage(place, oldest, cursor);
      if (result === undefined) break;
      for (const message of result.messages) {
        if (!ours(message) || typeof message.ts !== 'string') continue;
        const at: PostedMessage = { channelId: place.channel, messageId: message.ts };
        // A thread's parent comes back with its replies: it is the card, not a notification.
        if (place.thread !== undefined && message.ts === place.thread) continue;
        const alertId = slackCardAlertId(message);
        if (alertId !== undefined && alerts.delete(alertId)) found.alerts.set(alertId, at);
        const text = typeof message.text === 'string' ? message.text : '';
        if (alertId === undefined && text && notifications.length > 0) {
          const hit = notifications.findIndex((n) => n.matches(text));
          if (hit !== -1) found.notifications.set(notifications.splice(hit, 1)[0]!.id, at);
        }
      }
      if (alerts.size === 0 && notifications.length === 0) break;
      if (result.next === undefined) break;
      cursor = result.next;
    }
    if (alerts.size > 0 || notifications.length > 0) {
      options.log.debug({ ...place, alerts: [...alerts], notifications: notifications.map((n) => n.id) }, 'not among the recent messages: sending again');
    }
  }
  return found;
}

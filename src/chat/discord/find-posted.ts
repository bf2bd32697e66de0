import type { Logger } from '../../logger.js';
import type { PendingNotification } from '../../store/store-port.js';
import type { AlertCard, FoundPosts, PostedLookup } from '../chat.js';
import { cardAlertId } from './render-alert-card.js';
import { notificationMatcher } from './render-notification.js';

/** The fields of a Discord message (GET /channels/:id/messages) that the lookup reads. */
export interface ChannelMessage {
  id: string;
  channel_id?: string;
  author?: { id?: string };
  content?: string;
  timestamp?: string;
  embeds?: unknown[];
  components?: unknown[];
}

export interface FindPostedOptions {
  /**
   * One page of a channel's messages, newest first, older than `before` when given (Discord's
   * `limit` = {@link PAGE}). Undefined when the bot may not read the channel's history.
   */
  fetchPage(channelId: string, before: string | undefined): Promise<ChannelMessage[] | undefined>;
  /** Only our own messages count. */
  botUserId: string;
  cardChannel(alert: { id: number; urgency: string; route?: AlertCard['route'] }): string;
  notificationChannel(n: PendingNotification): string;
  log: Logger;
  /** Pages read per channel at most (default 5, 500 messages), for a channel busy with other posts. */
  maxPages?: number;
}

export const PAGE = 100;
/** Our clock and Discord's may differ; messages this much older than the first attempt are still read. */
const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Looks for unrecorded sends among each channel's recent messages: one read per channel covers every
 * card and notification wanted there, and more pages are read only while some are still missing and
 * the page reaches back no further than the first attempt. A card is recognised by the alert id its
 * buttons and footer carry, a notification by its text (see {@link notificationMatcher}); a nonce is
 * no use here, since Discord does not return it when listing messages.
 */
export async function findPostedMessages(options: FindPostedOptions, lookup: PostedLookup): Promise<FoundPosts> {
  const found: FoundPosts = { alerts: new Map(), notifications: new Map() };
  const wanted = new Map<string, { alerts: Set<number>; notifications: Array<{ id: number; matches: (content: string) => boolean }> }>();
  const entry = (channelId: string) => {
    let e = wanted.get(channelId);
    if (!e) wanted.set(channelId, (e = { alerts: new Set(), notifications: [] }));
    return e;
  };
  for (const alert of lookup.alerts ?? []) entry(options.cardChannel(alert)).alerts.add(alert.id);
  for (const n of lookup.notifications ?? []) entry(options.notificationChannel(n)).notifications.push({ id: n.id, matches: notificationMatcher(n) });
  const oldest = lookup.since - CLOCK_SKEW_MS;

  for (const [channelId, want] of wanted) {
    let before: string | undefined;
    for (let page = 0; page < (options.maxPages ?? 5); page++) {
      const messages = await options.fetchPage(channelId, before);
      if (messages === undefined) break;
      for (const message of messages) {
        if (message.author?.id !== options.botUserId) continue;
        const at = { channelId: message.channel_id ?? channelId, messageId: message.id };
        const alertId = cardAlertId(message);
        if (alertId !== undefined && want.alerts.delete(alertId)) found.alerts.set(alertId, at);
        const content = typeof message.content === 'string' ? message.content : '';
        if (content && want.notifications.length > 0) {
          const hit = want.notifications.findIndex((n) => n.matches(content));
          if (hit !== -1) found.notifications.set(want.notifications.splice(hit, 1)[0]!.id, at);
        }
      }
      const last = messages.at(-1);
      if (want.alerts.size === 0 && want.notifications.length === 0) break;
      if (!last || messages.length < PAGE) break;
      const lastAt = Date.parse(last.timestamp ?? '');
      if (Number.isFinite(lastAt) && lastAt < oldest) break;
      before = last.id;
    }
    if (want.alerts.size > 0 || want.notifications.length > 0) {
      options.log.debug({ channelId, alerts: [...want.alerts], notifications: want.notifications.map((n) => n.id) }, 'not among the recent messages: sending again');
    }
  }
  return found;
}

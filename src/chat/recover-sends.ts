import type { PipelineDeps } from '../pipeline.js';
import type { PendingNotification } from '../store/store-port.js';
import type { UnrecordedCard } from '../store/outbox-queries.js';
import { TriageError } from '../util/errors.js';
import { isChatOutage } from './chat-backoff.js';
import { capabilitiesOf, type AlertCard, type Chat } from './chat.js';
import type { ChatOutbox } from './chat-outbox.js';

/*
 * After a crash between the chat accepting a send and the store recording it: the sends the outbox
 * marked as attempted (committed before sending) and never recorded are looked for in the chat
 * before anything is sent again. Only such sends cost a lookup, and one call covers all of them.
 */

/** Unrecorded cards read and looked for at a time (leads; each with every alert it carries). */
const RECOVERY_PAGE = 1000;

/**
 * Before posting: cards attempted by an earlier run and never recorded are looked for in the chat,
 * with one {@link Chat.findPosted} call per {@link RECOVERY_PAGE} of them, and recorded where found.
 * Those not found were not sent (as far as the chat shows): their attempt is cleared, so that they
 * are posted again as usual and the next page is new. Only once none is left may the dispatcher
 * claim and post, since a claim takes an attempted card like any other: one the recovery did not
 * look for would be posted blind. `skip` lists alerts not to post this run (the lookup failed:
 * posting them blind could post them twice); `outage` means nothing should be sent (the chat is
 * unreachable, or a failed lookup left more unrecorded cards than it covered).
 */
export async function recoverUnrecordedCards(chat: Chat, deps: PipelineDeps, signal: AbortSignal, outbox: ChatOutbox): Promise<{ recovered: number; outage: boolean; skip: number[] }> {
  let recovered = 0;
  const log = deps.log.child({ chat: chat.name });
  for (;;) {
    const unrecorded = await outbox.unrecordedCards(RECOVERY_PAGE, deps.now());
    const lookFor: UnrecordedCard[] = [];
    for (const card of unrecorded) {
      // The lead's delivery is recorded but not that of the alerts the same attempt carried (someone
      // recorded the lead alone, with store.markPosted): no lookup needed, its message is known.
      if (card.leadMessage) {
        await outbox.recordDelivery(card.lead, card.members, card.leadMessage, deps.now());
        recovered += card.members.length;
      } else {
        lookFor.push(card);
      }
    }
    if (lookFor.length === 0 || !chat.findPosted || !capabilitiesOf(chat).lookBack || signal.aborted) return { recovered, outage: false, skip: [] };
    let found;
    try {
      found = await chat.findPosted({ alerts: lookFor.map((c) => ({ id: c.lead, urgency: c.urgency, ...routeOf(deps, c.account, chat.name) })), since: Math.min(...lookFor.map((c) => c.attemptedAt)) });
    } catch (error) {
      if (error instanceof TriageError && error.code === 'chat-auth') throw error;
      if (isChatOutage(error)) {
        log.warn({ err: (error as Error).message, cards: lookFor.length }, 'chat unreachable; alerts stay in the outbox until it answers');
        return { recovered, outage: true, skip: [] };
      }
      log.error({ err: error, cards: lookFor.length }, 'could not look for cards sent before a restart; those alerts wait for the next run');
      return { recovered, outage: unrecorded.length === RECOVERY_PAGE, skip: lookFor.flatMap((c) => [c.lead, ...c.members]) };
    }
    const notFound: number[] = [];
    for (const card of lookFor) {
      const message = found.alerts.get(card.lead);
      if (!message) {
        notFound.push(card.lead, ...card.members);
        continue;
      }
      await outbox.recordFound(card, message, deps.now());
      recovered += 1 + card.members.length;
      log.info({ alertId: card.lead, carried: card.members.length, messageId: message.messageId }, 'card was posted before a restart; recorded it instead of posting again');
    }
    if (notFound.length > 0) await outbox.clearAttempt(notFound);
    log.info({ looked: lookFor.length, found: found.alerts.size }, 'looked for cards sent before a restart');
    if (unrecorded.length < RECOVERY_PAGE) return { recovered, outage: false, skip: [] };
  }
}

/**
 * Notifications attempted by an earlier run and never recorded, looked for in the chat with one
 * {@link Chat.findPosted} call; those found are recorded as sent. Returns the ids not to send now
 * (found, or not looked for because the lookup failed), or 'outage' when the chat is unreachable.
 */
export async function recoverUnrecordedNotifications(chat: Chat, deps: PipelineDeps, pending: readonly PendingNotification[], outbox: ChatOutbox): Promise<Set<number> | 'outage'> {
  const settled = new Set<number>();
  if (!chat.findPosted || !capabilitiesOf(chat).lookBack) return settled;
  const attempts = new Map((await outbox.unrecordedNotifications(1000, deps.now())).map((n) => [n.id, n.attemptedAt]));
  const lookFor = pending.filter((n) => attempts.has(n.id));
  if (lookFor.length === 0) return settled;
  const log = deps.log.child({ chat: chat.name });
  try {
    const found = await chat.findPosted({ notifications: lookFor, since: Math.min(...lookFor.map((n) => attempts.get(n.id) as number)) });
    for (const [id, message] of found.notifications) {
      await outbox.markNotificationSent(id, message, deps.now());
      settled.add(id);
      log.info({ notification: id, messageId: message.messageId }, 'SLA notification was sent before a restart; recorded it instead of sending again');
    }
  } catch (error) {
    if (error instanceof TriageError && error.code === 'chat-auth') throw error;
    if (isChatOutage(error)) {
      log.warn({ err: (error as Error).message }, 'chat unreachable; SLA notifications wait until it answers');
      return 'outage';
    }
    log.error({ err: error }, 'could not look for SLA notifications sent before a restart; they wait for the next sweep');
    for (const n of lookFor) settled.add(n.id);
  }
  return settled;
}

/**
 * The account's route in `chat`, for a card lookup or a card (nothing when the account has none):
 * its `routing.<chat>` channels first, then its plain ones where they are that chat's (a Discord
 * channel id never reaches Slack, nor a Slack one Discord). Other chats take the plain ones.
 */
export function routeOf(deps: Pick<PipelineDeps, 'accounts'>, account: string | null | undefined, chat?: string): { route?: NonNullable<AlertCard['route']> } {
  const routing = deps.accounts?.routingOf(account);
  if (!routing) return {};
  const known = chat === 'discord' || chat === 'slack' ? chat : undefined;
  const own = known && routing.chats?.[known];
  const fits = (id: string | undefined) => (id !== undefined && (known === undefined || channelOf(id) === known) ? id : undefined);
  const alertChannelId = own?.alertChannelId ?? fits(routing.alertChannelId);
  const urgentChannelId = own?.urgentChannelId ?? fits(routing.urgentChannelId);
  if (alertChannelId === undefined && urgentChannelId === undefined) return {};
  return { route: { ...(alertChannelId !== undefined && { alertChannelId }), ...(urgentChannelId !== undefined && { urgentChannelId }) } };
}

/** Which chat a channel id is of: Discord's are digits, Slack's start with C or G. */
function channelOf(id: string): 'discord' | 'slack' {
  return /^\d+$/.test(id) ? 'discord' : 'slack';
}

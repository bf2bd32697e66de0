import type { Logger } from '../logger.js';
import type { PendingNotification } from '../store/store-port.js';
import type { AlertCard, Chat, DigestMessage, PostedMessage } from './chat.js';
import type { ChatOutbox } from './chat-outbox.js';

/** One of several chats configured together, with its own outbox. */
export interface ChatTarget {
  chat: Chat;
  outbox: ChatOutbox;
}

const TARGETS = Symbol('chat targets');

/** A {@link Chat} standing for several: the pipeline sends to each through its own outbox. */
export interface ChatFanOut extends Chat {
  readonly [TARGETS]: readonly ChatTarget[];
}

/** The chats behind a fan-out, or undefined for a single chat. */
export function chatTargetsOf(chat: Chat): readonly ChatTarget[] | undefined {
  return (chat as Partial<ChatFanOut>)[TARGETS];
}

/**
 * Several chats at once (Discord, Slack, Teams): the card outbox, SLA notifications and redraws go
 * to each through its own outbox (see `dispatchPending`, `runSlaSweep`); the weekly digest is posted
 * to each chat that takes one, a chat that fails it logged and skipped; escalations from the web
 * console are announced in each chat that announces them.
 */
export function fanOutChats(targets: readonly ChatTarget[], log: Logger): ChatFanOut {
  const chats = targets.map((t) => t.chat);
  const digestChats = chats.filter((c) => c.postDigest);
  const fanOut: ChatFanOut & { announceEscalation(alertId: number, urgency: string, actor: string): Promise<void> } = {
    [TARGETS]: targets,
    name: chats.map((c) => c.name).join('+'),
    async postAlert(card: AlertCard, nonce: string): Promise<PostedMessage> {
      // The pipeline sends to each chat through its own outbox; this is for callers that post one card.
      return (chats[0] as Chat).postAlert(card, nonce);
    },
    async postNotification(notification: PendingNotification, nonce: string): Promise<PostedMessage> {
      const [first] = chats.filter((c) => c.postNotification);
      if (!first?.postNotification) throw new Error('no configured chat sends SLA notifications');
      return first.postNotification(notification, nonce);
    },
    ...(digestChats.length > 0 && {
      async postDigest(digest: DigestMessage, nonce: string): Promise<PostedMessage> {
        let posted: PostedMessage | undefined;
        let failure: unknown;
        for (const chat of digestChats) {
          try {
            const message = await chat.postDigest!(digest, nonce);
            posted ??= message;
          } catch (error) {
            failure ??= error;
            log.error({ chat: chat.name, err: error }, 'could not post the weekly digest to this chat');
          }
        }
        if (!posted) throw failure;
        return posted;
      },
    }),
    async announceEscalation(alertId, urgency, actor) {
      for (const chat of chats) await (chat as { announceEscalation?: (id: number, u: string, a: string) => Promise<void> }).announceEscalation?.(alertId, urgency, actor);
    },
    async close() {
      await Promise.allSettled(chats.map((c) => c.close()));
    },
  };
  return fanOut;
}

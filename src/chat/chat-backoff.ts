import type { Logger } from '../logger.js';
import { TriageError } from '../util/errors.js';
import type { Chat } from './chat.js';

export interface BackoffOptions {
  now: () => number;
  log: Logger;
  /** First pause after a failure; doubles with each failed try. Default 30 s. */
  baseDelayMs?: number;
  /** Longest pause. Default 10 min. */
  maxDelayMs?: number;
}

/** True for failures that say the chat is down or throttling us, not that this one message is wrong. */
export function isChatOutage(error: unknown): error is TriageError {
  return error instanceof TriageError && (error.code === 'chat-unavailable' || error.code === 'chat-rate-limited');
}

/**
 * Wraps a chat so that, once it is unreachable, every send fails at once without calling it until
 * a pause has passed; one try is let through after each pause, and the pause doubles while that
 * try fails. Without this a Discord outage meant every card and redraw retried every minute, each
 * with the library's own retries and timeouts. What was not sent stays in the outbox.
 */
export function withBackoff<C extends Chat>(chat: C, options: BackoffOptions): C {
  const base = options.baseDelayMs ?? 30_000;
  const max = options.maxDelayMs ?? 10 * 60_000;
  let failures = 0;
  let retryAt = 0;

  async function guarded<T>(what: string, send: () => Promise<T>): Promise<T> {
    const now = options.now();
    if (now < retryAt) {
      throw new TriageError('chat-unavailable', `${chat.name} is unreachable; not ${what} before ${new Date(retryAt).toISOString()}`, { retryable: true });
    }
    try {
      const result = await send();
      if (failures > 0) options.log.info({ chat: chat.name, failures }, 'chat reachable again');
      failures = 0;
      retryAt = 0;
      return result;
    } catch (error) {
      if (isChatOutage(error)) {
        const pause = Math.min(max, base * 2 ** failures);
        failures++;
        retryAt = Math.max(options.now() + pause, error.resetAt ?? 0);
        const why = error.code === 'chat-rate-limited' ? 'chat rate limit' : 'chat unreachable';
        options.log.warn({ chat: chat.name, failures, retryAt: new Date(retryAt).toISOString(), err: error.message }, `${why}; pausing sends`);
      }
      throw error;
    }
  }

  const wrapped: Chat = {
    name: chat.name,
    postAlert: (card, nonce) => guarded(`posting alert #${card.alert.id}`, () => chat.postAlert(card, nonce)),
    close: () => chat.close(),
  };
  if (chat.postNotification) wrapped.postNotification = (n, nonce) => guarded(`sending an SLA ${n.kind}`, () => chat.postNotification!(n, nonce));
  if (chat.postDigest) wrapped.postDigest = (d, nonce) => guarded(`posting the ${d.data.week} digest`, () => chat.postDigest!(d, nonce));
  if (chat.findPosted) wrapped.findPosted = (lookup) => guarded('looking for unrecorded sends', () => chat.findPosted!(lookup));
  if (chat.updateAlert) wrapped.updateAlert = (card, message) => guarded(`redrawing alert #${card.alert.id}`, () => chat.updateAlert!(card, message));
  // Everything else the chat offers (the Discord client for interactions, renderCard) passes through.
  return Object.assign(Object.create(chat) as C, wrapped);
}

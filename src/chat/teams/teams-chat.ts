import { createHash } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { DeliveredMessage } from '../../store/outbox-queries.js';
import type { DestinationKind } from '../../store/delivery-queries.js';
import { TriageError } from '../../util/errors.js';
import { sleep } from '../../util/sleep.js';
import type { CardLinks } from '../../web/card-links.js';
import { CardRenderError, renderOrFail, type AlertCard, type Chat, type PostedMessage } from '../chat.js';
import { isEscalationNotice } from './teams-escalations.js';
import { fitTeamsMessage, renderTeamsAlertCard, renderTeamsDigestCard, renderTeamsNotificationCard, type WorkflowMessage } from './render-teams-card.js';

export interface TeamsConfig {
  /** TEAMS_WORKFLOW_URL: the Workflows "when a Teams webhook request is received" trigger. */
  workflowUrl: string;
}

/** Where each post to one of several Workflows URLs is recorded (the store's deliveries). */
export interface TeamsLedger {
  postOf(kind: DestinationKind, itemId: number, destination: string): Promise<DeliveredMessage | undefined>;
  recordPost(kind: DestinationKind, itemId: number, destination: string, message: DeliveredMessage, now: number): Promise<void>;
}

export interface TeamsChatOptions {
  config: TeamsConfig;
  /** Accounts with Workflows URLs of their own (data/accounts.json `routing.teams`): account id → URLs. Others use TEAMS_WORKFLOW_URL. */
  accountUrls?: ReadonlyMap<string, readonly string[]>;
  /** Records each URL's post, so a retry after one URL failed skips those that have it (needed with several URLs). */
  ledger?: TeamsLedger;
  /** Who escalated an alert last (its audit log), for the escalation card. */
  escalatedBy?: (alertId: number) => Promise<string | undefined>;
  links: CardLinks;
  log: Logger;
  now: () => number;
  signal?: AbortSignal;
  onRateLimited?: () => void;
  /** Longest Retry-After waited out in place (default 60 s); a longer one goes back to the outbox. */
  maxRetryAfterMs?: number;
  /** 429s waited out per send before it goes back to the outbox (default 3). */
  maxRetries?: number;
  /** Per request (default 15 s). */
  timeoutMs?: number;
}

export interface TeamsChat extends Chat {
  postNotification: NonNullable<Chat['postNotification']>;
  postDigest: NonNullable<Chat['postDigest']>;
}

/** A Workflows URL's name in the deliveries: `teams` for TEAMS_WORKFLOW_URL, `teams:<hash>` for an account's own (the URL is a secret). */
export function destinationOf(url: string, defaultUrl: string): string {
  return url === defaultUrl ? 'teams' : `teams:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

const isAuthFailure = (error: unknown): boolean => error instanceof TriageError && error.code === 'chat-auth';

/** `2026-W48` → 202648, the digest's item id in the deliveries. */
function weekNumber(week: string): number {
  return Number(week.replace(/\D/g, '').slice(0, 6)) || 0;
}

/** Seconds or an HTTP date, as Retry-After may say; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d{1,6}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Microsoft Teams through a Workflows webhook: outbound HTTPS only, so it works behind a hospital
 * firewall; no Azure bot registration. Each alert is an Adaptive Card whose buttons open the
 * console. The webhook returns no message id and takes no idempotency key, and a posted card
 * cannot be edited, so:
 * - the outbox commits each attempt (with the alert's nonce) before this posts it;
 * - a 429 means Workflows took nothing: it is waited out (Retry-After) and retried here, safely;
 * - a timeout, a dropped connection or a 5xx after the request went out may or may not have
 *   posted: that send goes back to the outbox and is posted again on the next dispatch. This is
 *   the one place Teams is at-least-once (a rare duplicate card, never a lost one); the card's
 *   `alert #N` line and the console show it is the same alert.
 */
export function createTeamsChat(options: TeamsChatOptions): TeamsChat {
  const { config, log, signal } = options;
  const maxWait = options.maxRetryAfterMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 3;

  const urlsOfAccount = (account: string | null | undefined): readonly string[] => (account != null ? options.accountUrls?.get(account) : undefined) ?? [config.workflowUrl];
  const allUrls = [...new Set([config.workflowUrl, ...[...(options.accountUrls?.values() ?? [])].flat()])];
  /** What to tell people to check when a URL is refused: the setting or the accounts file's field it came from. */
  const settingOf = (url: string): string => {
    if (url === config.workflowUrl) return 'TEAMS_WORKFLOW_URL';
    const owners = [...(options.accountUrls ?? [])].filter(([, urls]) => urls.includes(url)).map(([id]) => `"${id}"`);
    return `routing.teams of account ${owners.join(', ')} in the accounts file`;
  };

  /**
   * Posts `message` to each of `urls`, each a delivery of its own: with a ledger, a URL that has it
   * already is skipped and each accepted post is recorded at once; a URL that fails does not stop
   * the others, and its error is thrown after them, so the send stays in the outbox for that URL
   * alone (nothing twice on the others, nothing lost on it).
   */
  async function postToAll(urls: readonly string[], message: WorkflowMessage, nonce: string, what: string, item: { kind: DestinationKind; id: number }): Promise<PostedMessage> {
    const ledger = urls.length > 1 ? options.ledger : undefined;
    let first: PostedMessage | undefined;
    let failure: unknown;
    for (const url of urls) {
      const destination = destinationOf(url, config.workflowUrl);
      const had = await ledger?.postOf(item.kind, item.id, destination);
      if (had) {
        first ??= had;
        continue;
      }
      try {
        const posted = await post(url, message, nonce, what);
        await ledger?.recordPost(item.kind, item.id, destination, posted, options.now());
        first ??= posted;
      } catch (error) {
        // An auth failure (it stops the bot) wins over a rate limit or an outage (the send stays in the outbox).
        if (failure === undefined || (isAuthFailure(error) && !isAuthFailure(failure))) failure = error;
        if (signal?.aborted) break;
      }
    }
    if (failure !== undefined) throw failure;
    return first ?? { channelId: 'teams', messageId: `teams-${nonce}` };
  }

  async function post(url: string, message: WorkflowMessage, nonce: string, what: string): Promise<PostedMessage> {
    const body = fitTeamsMessage(message);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-triage-idempotency-key': nonce },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        throw new TriageError('chat-unavailable', `Teams Workflows did not answer ${what} (${(error as Error).message}); it stays in the outbox and may be posted again`, { retryable: true, cause: error });
      }
      const text = await response.text().catch(() => '');
      if (response.ok) return { channelId: 'teams', messageId: `teams-${nonce}` };
      if (response.status === 429) {
        options.onRateLimited?.();
        const wait = retryAfterMs(response.headers.get('retry-after'), options.now()) ?? 2 ** attempt * 1000;
        if (attempt >= maxRetries || wait > maxWait) {
          throw new TriageError('chat-rate-limited', `Teams Workflows is throttling us (${what}); retry after ${Math.round(wait / 1000)} s`, { retryable: true, resetAt: options.now() + wait });
        }
        log.warn({ waitMs: wait, attempt: attempt + 1, what }, 'Teams Workflows throttled us (429); waiting, then retrying');
        await sleep(wait, signal);
        if (signal?.aborted) throw new TriageError('chat-unavailable', `stopped while waiting to retry ${what}`, { retryable: true });
        continue;
      }
      const detail = text.slice(0, 200).replace(/\s+/g, ' ');
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        throw new TriageError('chat-auth', `Teams Workflows refused ${what} (HTTP ${response.status}${detail ? `: ${detail}` : ''}). Check ${settingOf(url)}: copy the URL of the workflow's "When a Teams webhook request is received" trigger again.`);
      }
      if (response.status >= 500) throw new TriageError('chat-unavailable', `Teams Workflows failed ${what} (HTTP ${response.status}); it stays in the outbox and may be posted again`, { retryable: true });
      throw new TriageError('chat-bad-request', `Teams Workflows refused ${what} (HTTP ${response.status}${detail ? `: ${detail}` : ''})`);
    }
  }

  return {
    name: 'teams',
    // A Workflows webhook only posts: no redraws, no reading back; its cards' buttons open the console.
    can: { editInPlace: false, threads: false, modals: false, buttons: false, fileUpload: false, lookBack: false },
    async postAlert(card: AlertCard, nonce: string) {
      const message = renderOrFail(card.alert.id, () => renderTeamsAlertCard(card, { now: options.now(), links: options.links }));
      try {
        return await postToAll(urlsOfAccount(card.alert.mention.account), message, nonce, `posting alert #${card.alert.id}`, { kind: 'url-card', id: card.alert.id });
      } catch (error) {
        // Workflows answers 400 for a card it cannot parse: a retry cannot draw it either.
        if (error instanceof TriageError && error.code === 'chat-bad-request') throw new CardRenderError(card.alert.id, error);
        throw error;
      }
    },
    async postNotification(notification, nonce) {
      const escalatedBy = isEscalationNotice(notification.kind) ? await options.escalatedBy?.(notification.alert.id) : undefined;
      const message = renderTeamsNotificationCard(notification, { now: options.now(), links: options.links, escalatedBy });
      return postToAll(urlsOfAccount(notification.alert.mention.account), message, nonce, `sending ${notification.kind} for alert #${notification.alert.id}`, { kind: 'url-notification', id: notification.id });
    },
    async postDigest(digest, nonce) {
      // Every account's channels take the digest, each URL once.
      return postToAll(allUrls, renderTeamsDigestCard(digest.data, { baseUrl: options.links.baseUrl }), nonce, `posting the ${digest.data.week} digest`, { kind: 'url-digest', id: weekNumber(digest.data.week) });
    },
    async close() {},
  };
}

import type { Logger } from '../logger.js';
import type { ReplyDraft } from '../store/reply-outbox.js';
import { CLAIM_MS, type Store } from '../store/store-port.js';
import { TriageError } from '../util/errors.js';
import { isCredentialsRefused, type ReplyPublisher } from './reply-publisher.js';

export interface ReplySenderDeps {
  store: Store;
  log: Logger;
  now: () => number;
  /** The publisher of an account (or of the platform's one-account settings); undefined where sending is not set up. */
  publisherFor(platform: string, account: string | null): ReplyPublisher | undefined;
}

export interface SendSummary {
  sent: number;
  failed: number;
  /** Left for the next round: the platform was unreachable or limited us. */
  retrying: number;
}

/**
 * The reply outbox's dispatcher: each queued reply is claimed, its attempt committed, sent once,
 * then recorded in one transaction: sent, the alert's first response at the send time by the reply's
 * author with its audit row, and the card marked for a redraw. A reply attempted before (a crash, a lapsed claim) is sent again with the same key
 * and the publisher finds or collides with the first.
 */
export async function sendReplies(deps: ReplySenderDeps, signal?: AbortSignal, limit = 20): Promise<SendSummary> {
  const summary: SendSummary = { sent: 0, failed: 0, retrying: 0 };
  // Accounts whose credentials the platform refused this round: their other replies wait, untried.
  const refused = new Set<string>();
  for (const draft of await deps.store.replies.claimQueued(limit, deps.now(), CLAIM_MS)) {
    if (signal?.aborted) break;
    const account = `${draft.platform}:${draft.account ?? ''}`;
    const outcome = refused.has(account) ? 'retrying' : await sendOne(deps, draft, signal, () => refused.add(account));
    summary[outcome]++;
  }
  return summary;
}

async function sendOne(deps: ReplySenderDeps, draft: ReplyDraft, signal: AbortSignal | undefined, onCredentialsRefused: () => void): Promise<keyof SendSummary> {
  const { store, log } = deps;
  const alert = await store.getAlert(draft.alertId);
  const publisher = deps.publisherFor(draft.platform, draft.account);
  const fail = async (reason: string) => {
    await store.replies.markFailed(draft.id, reason, deps.now());
    log.warn({ draftId: draft.id, alertId: draft.alertId, reason }, 'reply not sent');
    return 'failed' as const;
  };
  if (!alert) return fail('the alert is gone');
  if (!publisher) return fail(`replying on ${draft.platform} is not set up for this account: copy the text and post it there`);
  if (await publisher.held?.()) return 'retrying';
  const retry = draft.attemptedAt !== null;
  if (!(await store.replies.markSending(draft.id, deps.now()))) return 'retrying';
  let remote;
  try {
    const thread = await store.replies.threadOf(alert.id);
    remote = await publisher.publish({ text: draft.text, sendKey: draft.sendKey, createdAt: draft.createdAt, retry }, { ...alert.mention, ...thread }, signal);
  } catch (error) {
    if (await publisher.held?.()) return 'retrying';
    if (isCredentialsRefused(error)) {
      onCredentialsRefused();
      log.error({ platform: draft.platform, account: draft.account, err: error }, `replies paused: ${error.message}`);
      return 'retrying';
    }
    if (error instanceof TriageError && !error.retryable) return fail(error.message);
    log.warn({ draftId: draft.id, err: error }, 'reply send failed; retried next round with the same key');
    return 'retrying';
  }
  const sentAt = deps.now();
  const detail = { reply: draft.id, text: draft.text, url: remote.url, approvedBy: draft.approvedBy };
  // One transaction: the reply sent, the alert's first response and its audit row, the card's redraw.
  const recorded = await store.replies.recordSent(draft.id, remote, sentAt, { actor: draft.author, detail });
  if (!recorded.ok) {
    log.warn({ draftId: draft.id, reason: recorded.reason }, 'reply sent, but recorded by another attempt first');
    return 'sent';
  }
  if (recorded.response && !recorded.response.ok) log.debug({ alertId: alert.id, reason: recorded.response.reason }, 'reply sent on an alert already past responded');
  log.info({ draftId: draft.id, alertId: alert.id, platform: draft.platform, remoteId: remote.id }, 'reply sent');
  return 'sent';
}

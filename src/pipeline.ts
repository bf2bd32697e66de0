import { capabilitiesOf, CardRenderError, type AlertCard, type Chat, type ChatLimits } from './chat/chat.js';
import { planDispatch } from './triage/plan-dispatch.js';
import { correctedLabels } from './store/corrections.js';
import type { Classifier } from './classify/classify-mention.js';
import type { Logger } from './logger.js';
import type { Source } from './sources/source.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CLAIM_MS, type DecideMention, type DeliveredCard, type Store } from './store/store-port.js';
import { decideTriage } from './triage/decide-triage.js';
import type { ReplyGuard } from './triage/reply-guard.js';
import type { TemplatesFile } from './triage/reply-templates.js';
import type { ReplyTarget } from './triage/platform-replies.js';
import type { CompiledPolicy } from './triage/sla-policy.js';
import type { PolicyBook } from './triage/policy-book.js';
import { suggestReplies } from './triage/suggest-replies.js';
import { TriageError } from './util/errors.js';
import type { AlertView } from './domain/alert.js';
import { isChatOutage } from './chat/chat-backoff.js';
import type { Metrics } from './web/metrics.js';
import type { AccountDirectory } from './accounts.js';
import { singleChatOutbox, type ChatOutbox } from './chat/chat-outbox.js';
import { chatTargetsOf, type ChatTarget } from './chat/chat-fan-out.js';
import { recoverUnrecordedCards, recoverUnrecordedNotifications, routeOf } from './chat/recover-sends.js';

export interface PipelineDeps {
  store: Store;
  classifier: Classifier;
  /** The current SLA policy (new alerts are opened under it). */
  policy: CompiledPolicy;
  /** Every policy version, for alerts opened under older ones. */
  policies: PolicyBook;
  /** The policy of an account that has its own (data/accounts.json `slaPolicy`); others use `policy`. */
  policyFor?: (account: string | undefined) => CompiledPolicy | undefined;
  templates: TemplatesFile;
  guard: ReplyGuard;
  log: Logger;
  now: () => number;
  metrics: Metrics;
  /** The configured accounts: names on cards, routing. Absent: every card goes to the chat's own channels. */
  accounts?: AccountDirectory;
  /** Several chats: told after an action in one chat, to redraw the card in the others now. */
  onCardsChanged?: () => void;
}

export interface PollResult {
  read: number;
  inserted: number;
  duplicates: number;
  alerts: number;
  responded: number;
}

/** Classify and plan one new mention: the pure part of ingesting it. */
export function decideFor(deps: Pick<PipelineDeps, 'classifier' | 'policy' | 'policyFor'>): DecideMention {
  return (mention, context) => {
    const classification = deps.classifier.classify(mention.text, context);
    return { classification, plan: decideTriage(classification, mention.createdAt, deps.policyFor?.(mention.account) ?? deps.policy) };
  };
}

/**
 * One poll of one source: each batch it yields is stored, with its cursor, in one transaction
 * before the next is asked for. Nothing is sent from here; the outbox does that.
 */
export async function pollSource(source: Source, deps: PipelineDeps, signal: AbortSignal): Promise<PollResult> {
  const total: PollResult = { read: 0, inserted: 0, duplicates: 0, alerts: 0, responded: 0 };
  const decide = decideFor(deps);
  // Sources read their cursors synchronously: this poll's are read once, and follow what each batch commits.
  const cursors = await deps.store.cursors(source.name);
  const endTimer = deps.metrics.pollDuration.startTimer({ source: source.name });
  try {
    for await (const batch of source.poll((stream) => cursors.get(stream), signal)) {
      const result = await deps.store.ingest(
        {
          source: source.name,
          mentions: batch.mentions,
          ...(batch.ownPosts !== undefined && { ownPosts: batch.ownPosts }),
          ...(batch.reads !== undefined && { usage: { stream: batch.stream, reads: batch.reads, requests: 1 } }),
          ...(batch.cursor !== undefined && { cursor: { stream: batch.stream, value: batch.cursor } }),
          now: deps.now(),
        },
        decide,
        deps.policies.resume,
      );
      if (batch.cursor !== undefined) cursors.set(batch.stream, batch.cursor);
      total.responded += result.responded;
      total.read += batch.mentions.length;
      total.inserted += result.inserted;
      total.duplicates += result.duplicates;
      total.alerts += result.alerts;
      deps.metrics.mentionsRead.inc({ source: source.name }, batch.mentions.length);
      deps.metrics.mentionsStored.inc({ source: source.name }, result.inserted);
      deps.metrics.duplicates.inc({ source: source.name }, result.duplicates);
      deps.log.debug({ source: source.name, stream: batch.stream, ...result }, 'batch stored');
      // Stopped: what is committed stays, with its cursor; the rest is read on the next poll. A source
      // that never waits on I/O (a replay file in the page cache) still lets the stop signal in here.
      await yieldToEventLoop();
      if (signal.aborted) break;
    }
  } finally {
    endTimer();
  }
  return total;
}

/** One cycle: every source once, then the outbox. */
export async function pollOnce(
  deps: PipelineDeps,
  sources: readonly Source[],
  chat: Chat,
  signal: AbortSignal,
  limits: ChatLimits,
): Promise<{ poll: PollResult; posted: number }> {
  const poll: PollResult = { read: 0, inserted: 0, duplicates: 0, alerts: 0, responded: 0 };
  for (const source of sources) {
    if (signal.aborted) break;
    const result = await pollSource(source, deps, signal);
    poll.read += result.read;
    poll.inserted += result.inserted;
    poll.duplicates += result.duplicates;
    poll.alerts += result.alerts;
    poll.responded += result.responded;
  }
  const { posted } = await dispatchPending(chat, deps, signal, limits);
  return { poll, posted };
}

/**
 * What a card shows for an alert: the suggested replies, chosen by the labels people corrected on
 * the card (a confirmed crisis gets the crisis runbook) when there are corrections.
 */
export async function cardFor(alert: AlertView, deps: Pick<PipelineDeps, 'templates' | 'guard' | 'accounts'> & { store?: Pick<Store, 'corrections'> & Partial<Pick<Store, 'replies'>> }, chat?: string): Promise<AlertCard> {
  const corrections = await deps.store?.corrections.forAlert(alert.id) ?? [];
  const sent = (await deps.store?.replies?.forAlert(alert.id))?.filter((d) => d.state === 'sent').at(-1);
  const sentReply = sent && { by: sent.author, text: sent.text, url: sent.remoteUrl, at: sent.sentAt ?? sent.updatedAt };
  const labelled = corrections.length > 0 ? correctedLabels(alert, corrections) : alert;
  const id = alert.mention.account ?? undefined;
  const { templates, target } = replyContextOf(alert, deps);
  const replies = suggestReplies(labelled, { text: alert.mention.text, authorHandle: alert.mention.authorHandle, target }, templates, deps.guard);
  const account = id === undefined ? undefined : deps.accounts?.labelOf(id);
  return { alert, replies, ...(corrections.length > 0 && { corrections }), ...(account !== undefined && { account }), ...(sentReply && { sentReply }), ...routeOf(deps, alert.mention.account, chat) };
}

/** The templates with the account's placeholders, and the platform rules a reply to `alert` is held to. */
export function replyContextOf(alert: AlertView, deps: Pick<PipelineDeps, 'templates' | 'accounts'>): { templates: TemplatesFile; target: ReplyTarget } {
  const id = alert.mention.account ?? undefined;
  const own = id === undefined ? undefined : deps.accounts?.placeholdersOf(id);
  const templates = own && Object.keys(own).length > 0 ? { ...deps.templates, placeholders: { ...deps.templates.placeholders, ...own } } : deps.templates;
  const brand = templates.placeholders.brand;
  return { templates, target: { platform: alert.mention.platform, maxCharacters: id === undefined ? undefined : deps.accounts?.maxCharactersOf(id), ...(brand !== undefined && { signOff: `The ${brand} team` }) } };
}

/** The alerts of `ids` that exist, in order. */
export async function alertsOf(store: Pick<Store, 'getAlert'>, ids: readonly number[]): Promise<AlertView[]> {
  const alerts: AlertView[] = [];
  for (const id of ids) {
    const alert = await store.getAlert(id);
    if (alert) alerts.push(alert);
  }
  return alerts;
}

/**
 * Cards are drawn, marked as attempted (committed before the first is sent), sent and recorded per
 * chunk: one transaction per chunk (its attempts and the previous chunk's deliveries) instead of
 * one per card, and a turn of the event loop (for a stop signal) between chunks. A crash leaves up
 * to a chunk of cards sent and unrecorded; the next run looks for them among each channel's recent
 * messages, which it reads back at most 500 deep on Discord (5 pages of 100) and 1,000 on Slack (5
 * of 200). 100 leaves room for what else lands in the channel meanwhile (another instance's cards,
 * SLA notifications): the chunk must stay well inside what the lookup sees, or a crash could post
 * twice what it cannot see.
 */
export const CARD_CHUNK = 100;

/** Stable per alert and within Discord's 25 characters. */
export function nonceFor(alertId: number): string {
  return `triage-alert-${alertId}`;
}

/**
 * Posts every alert that has no chat message yet, most urgent first, recording the deliveries of
 * each chunk of cards together once it is sent. In a storm, similar alerts share a card (see
 * {@link planDispatch}); critical alerts never do.
 *
 * Never twice: each chunk's attempts are committed before any of its cards is sent, so after a
 * crash between the chat accepting a card and the store recording it, the next run knows which
 * alerts may be in the channel already, looks for every one of them there before it claims anything
 * ({@link Chat.findPosted}: one read per channel for all of them) and records what it finds instead
 * of posting again; the nonce covers a retry within the chat's own short window. Alerts never
 * attempted cost no lookup.
 *
 * Never stuck: a card the chat cannot draw (a {@link CardRenderError}, or building it throws) is
 * set aside with the reason, logged once, and no longer retried; the alerts it carried go back to
 * the outbox.
 */
export async function dispatchPending(
  chat: Chat,
  deps: PipelineDeps,
  signal: AbortSignal,
  limits: ChatLimits = { stormThreshold: Number.POSITIVE_INFINITY },
  outbox: ChatOutbox = singleChatOutbox(deps.store),
): Promise<{ posted: number; failed: number; cards: number; recovered: number }> {
  const targets = chatTargetsOf(chat);
  if (targets) return forEachChat(targets, (t) => dispatchPending(t.chat, deps, signal, limits, t.outbox), (a, b) => ({ posted: a.posted + b.posted, failed: a.failed + b.failed, cards: a.cards + b.cards, recovered: a.recovered + b.recovered }));
  let posted = 0;
  let failed = 0;
  let cards = 0;
  const recovery = await recoverUnrecordedCards(chat, deps, signal, outbox);
  const skip = new Set<number>(recovery.skip);
  let outage = recovery.outage;
  const setAside = async (alert: AlertView, error: unknown) => {
    failed++;
    deps.metrics.cardsFailed.inc({ chat: chat.name });
    const reason = error instanceof Error ? error.message : String(error);
    if (await outbox.setAside(alert.id, reason, deps.now())) deps.log.error({ alertId: alert.id, chat: chat.name, err: error, reason }, 'alert card cannot be drawn; set aside, not retried (see delivery_failed_reason)');
  };
  // Sent and not recorded yet: committed in the next chunk's transaction, before its attempts, or on
  // their own when no chunk follows (a claim would take them again: they still have no message).
  let sent: DeliveredCard[] = [];
  const recordSent = async () => {
    if (sent.length === 0) return;
    await outbox.recordDeliveries(sent, deps.now());
    sent = [];
  };
  while (!signal.aborted && !outage) {
    // Claimed for this instance: another one on the same database takes other alerts, never these.
    const pending = (await outbox.claimCards(5000 + skip.size, deps.now(), CLAIM_MS)).filter((a) => !skip.has(a.id));
    if (pending.length === 0) break;
    const plan = planDispatch(pending, limits.stormThreshold);
    for (let from = 0; from < plan.length && !signal.aborted && !outage; from += CARD_CHUNK) {
      // Drawn first: a card that cannot be drawn is set aside before anything is marked.
      const drawn: Array<{ card: AlertCard; leadId: number; memberIds: number[] }> = [];
      for (const { alert, grouped } of plan.slice(from, from + CARD_CHUNK)) {
        try {
          drawn.push({ card: { ...(await cardFor(alert, deps, chat.name)), grouped }, leadId: alert.id, memberIds: grouped.map((g) => g.id) });
        } catch (error) {
          await setAside(alert, error);
        }
      }
      // Committed before the sends, with the previous chunk's deliveries, in one transaction: if we die
      // after the chat accepts a card and before the chunk's deliveries are recorded, the next run
      // looks for it before reposting.
      const markedAt = deps.now();
      const marked = await outbox.markAttemptedMany(drawn, markedAt, CLAIM_MS, sent);
      sent = [];
      const unsent: number[] = [];
      // A slow chat (rate limits) must not outlast the claim: past half of it, the rest is claimed again.
      let reclaim = false;
      let done = false;
      try {
        for (const item of drawn) {
          const { card, leadId, memberIds } = item;
          if (!marked.has(leadId)) {
            // Another instance took these over (our claim lapsed): it sends them, not us.
            for (const id of [leadId, ...memberIds]) skip.add(id);
            continue;
          }
          if (signal.aborted || outage || (reclaim ||= deps.now() - markedAt > CLAIM_MS / 2)) {
            unsent.push(leadId, ...memberIds);
            continue;
          }
          const log = deps.log.child({ alertId: leadId, chat: chat.name });
          try {
            const message = await chat.postAlert(card, nonceFor(leadId));
            sent.push({ leadId, memberIds, message });
            posted += 1 + memberIds.length;
            cards++;
            deps.metrics.cardsPosted.inc({ chat: chat.name }, 1 + memberIds.length);
          } catch (error) {
            // Nothing was sent. Only the lead is set aside: the alerts it carried are planned again without it.
            if (error instanceof CardRenderError) {
              unsent.push(leadId, ...memberIds);
              await setAside(card.alert, error);
              continue;
            }
            failed += 1 + memberIds.length;
            deps.metrics.cardsFailed.inc({ chat: chat.name }, 1 + memberIds.length);
            for (const id of [leadId, ...memberIds]) skip.add(id);
            if (error instanceof TriageError && error.code === 'chat-auth') {
              // The bot stops: the rest of the chunk was certainly not sent.
              for (const rest of drawn.slice(drawn.indexOf(item) + 1)) if (marked.has(rest.leadId)) unsent.push(rest.leadId, ...rest.memberIds);
              throw error;
            }
            // The chat is down or throttling: the rest would fail the same way, so stop until the next run.
            outage = isChatOutage(error);
            if (outage) log.warn({ err: (error as Error).message, pending: pending.length }, 'chat unreachable; alerts stay in the outbox until it answers');
            else log.error({ err: error }, 'could not post alert card; it stays in the outbox');
          }
        }
        done = true;
      } finally {
        // Whatever happens (a stop, an outage, a rejected token), what certainly was not sent is no
        // longer marked as attempted, and what was sent is recorded now unless another chunk follows.
        if (unsent.length > 0) await outbox.clearAttempt(unsent);
        if (!done || signal.aborted || outage || reclaim || from + CARD_CHUNK >= plan.length) await recordSent();
      }
      // Sources, store and console may never wait on I/O: let a stop signal in between chunks.
      await yieldToEventLoop();
      if (reclaim) break;
    }
  }
  // A stop seen between two chunks: the last one's deliveries were left for the next.
  await recordSent();
  if (capabilitiesOf(chat).editInPlace && !signal.aborted && !outage) await refreshStaleCards(chat, deps, signal, outbox);
  return { posted, failed, cards, recovered: recovery.recovered };
}

/**
 * Several chats: redraws now, in each chat that edits in place, the cards an action in another chat
 * changed. Runs one at a time; a redraw asked for while one runs follows it.
 */
export function redrawElsewhere(chat: Chat, deps: PipelineDeps, signal: AbortSignal): () => void {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async (): Promise<void> => {
    do {
      again = false;
      for (const target of chatTargetsOf(chat) ?? []) {
        if (signal.aborted || !capabilitiesOf(target.chat).editInPlace) continue;
        try {
          await refreshStaleCards(target.chat, deps, signal, target.outbox);
        } catch (error) {
          deps.log.warn({ chat: target.chat.name, err: error }, 'could not redraw cards after an action elsewhere; the next sweep retries');
        }
      }
    } while (again && !signal.aborted);
    running = undefined;
  };
  return () => {
    if (running) again = true;
    else running = run();
  };
}

/** Redraws cards whose alerts changed outside chat (e.g. the brand's reply seen on X). */
async function refreshStaleCards(chat: Chat, deps: PipelineDeps, signal: AbortSignal, outbox: ChatOutbox): Promise<void> {
  for (const alert of await outbox.staleCards(100)) {
    if (signal.aborted) return;
    const message = await outbox.messageOf(alert.id);
    try {
      if (message && chat.updateAlert && capabilitiesOf(chat).editInPlace) await chat.updateAlert({ ...(await cardFor(alert, deps, chat.name)), grouped: await alertsOf(deps.store, await deps.store.groupMembers(alert.id)) }, message);
      await outbox.markCardFresh(alert.id);
    } catch (error) {
      if (error instanceof CardRenderError) {
        // Retrying cannot help; the card keeps its last drawing.
        await outbox.markCardFresh(alert.id);
        deps.log.error({ alertId: alert.id, err: error }, 'alert card cannot be redrawn; it keeps its last drawing');
        continue;
      }
      deps.log.warn({ alertId: alert.id, err: error }, 'could not redraw the alert card; will retry');
      if (error instanceof TriageError && error.code === 'chat-auth') throw error;
      if (isChatOutage(error)) return;
    }
  }
}

/**
 * The SLA sweep (every minute): records the reminders and escalations that have fallen due, then
 * sends every recorded one not yet sent. A notification is recorded once per alert and kind, and
 * sent with a nonce of its own and, like a card, an attempt committed first: one sent just before a
 * crash is found in the channel and recorded on the next sweep, so a restart neither repeats nor
 * loses one.
 */
export async function runSlaSweep(chat: Chat, deps: PipelineDeps, signal: AbortSignal): Promise<{ checked: number; created: number; sent: number }> {
  const { checked, created } = await deps.store.sweepSla(deps.now(), deps.policies.eventsOf);
  const targets = chatTargetsOf(chat);
  const sent = targets
    ? await forEachChat(targets, (t) => sendNotifications(t.chat, deps, signal, t.outbox), (a, b) => a + b)
    : await sendNotifications(chat, deps, signal, singleChatOutbox(deps.store));
  return { checked, created, sent };
}

/** Sends `chat` the recorded SLA notifications it has not got, then redraws its stale cards. */
async function sendNotifications(chat: Chat, deps: PipelineDeps, signal: AbortSignal, outbox: ChatOutbox): Promise<number> {
  let sent = 0;
  if (chat.postNotification) {
    const claimed = new Set(await outbox.claimNotifications(500, deps.now(), CLAIM_MS));
    const pending = (await deps.store.pendingNotifications(500)).filter((n) => claimed.has(n.id));
    const settled = await recoverUnrecordedNotifications(chat, deps, pending, outbox);
    if (settled === 'outage') return sent;
    for (const notification of pending) {
      if (signal.aborted) break;
      if (settled.has(notification.id)) continue;
      try {
        // Committed before the send, as for cards: a restart looks for it before sending it again.
        if (!(await outbox.markNotificationAttempted(notification.id, deps.now(), CLAIM_MS))) continue;
        const message = await chat.postNotification(notification, `triage-sla-${notification.id}`);
        await outbox.markNotificationSent(notification.id, message, deps.now());
        deps.metrics.notificationsSent.inc({ chat: chat.name });
        sent++;
      } catch (error) {
        if (error instanceof TriageError && error.code === 'chat-auth') throw error;
        deps.log[isChatOutage(error) ? 'warn' : 'error']({ err: error, notification: notification.id }, 'could not send an SLA notification; it is retried on the next sweep');
        return sent;
      }
    }
  }
  if (capabilitiesOf(chat).editInPlace && !signal.aborted) await refreshStaleCards(chat, deps, signal, outbox);
  return sent;
}

/**
 * Runs `work` for each chat in turn. Outages are handled inside each chat's turn (its cards wait in
 * its own outbox); what still throws (an auth failure, the store) is rethrown once every other chat
 * has had its turn, so one chat never holds back another.
 */
async function forEachChat<T>(targets: readonly ChatTarget[], work: (target: ChatTarget) => Promise<T>, add: (a: T, b: T) => T): Promise<T> {
  let total: T | undefined;
  let fatal: unknown;
  for (const target of targets) {
    try {
      const result = await work(target);
      total = total === undefined ? result : add(total, result);
    } catch (error) {
      fatal ??= error;
    }
  }
  if (fatal !== undefined) throw fatal;
  return total as T;
}


import { App, LogLevel, SocketModeReceiver, webApi, type Logger as BoltLogger, type types } from '@slack/bolt';
import type { SlackConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { PendingNotification } from '../../store/store-port.js';
import { describeNotification } from '../../triage/describe-notification.js';
import { TriageError } from '../../util/errors.js';
import { sleep } from '../../util/sleep.js';
import { signedAlertLink, type CardLinks } from '../../web/card-links.js';
import { CardRenderError, channelFor, renderOrFail, type AlertCard, type Chat, type DigestMessage, type PostedMessage } from '../chat.js';
import { SLACK_LIMITS, slackInert, truncate } from '../sanitize.js';
import { findSlackPosted, PAGE, type SlackHistoryMessage, type SlackPlace } from './find-slack-posted.js';
import { renderSlackCard, type SlackCardBody } from './render-slack-card.js';
import { renderSlackDigest, renderSlackNotificationText } from './render-slack-messages.js';
import { createSlackCaller, slackErrorCode, translateSlackError, type SlackCall } from './slack-calls.js';

/** A card as Slack refused to draw it: our blocks broke a Block Kit rule, and retrying cannot help. */
const UNDRAWABLE = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'invalid_metadata_format', 'invalid_metadata_schema', 'metadata_too_large']);
/** A card that is gone from Slack (deleted, or in a channel we left): nothing to redraw. */
const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);
/** The metadata event type of our weekly digest messages, with the week: how one is found again after a crash. */
const DIGEST_EVENT = 'triage_digest';

export interface SlackChat extends Chat {
  readonly app: App;
  readonly config: SlackConfig;
  readonly botUserId: string;
  /** Every Web API call goes through here (rate limits, the stop signal, our errors). */
  readonly call: SlackCall;
  /** The message body of a card, for posting and for redrawing in place. */
  renderCard(card: AlertCard, options?: { pingGroup?: string | undefined }): SlackCardBody;
  /** Redraws the message at `channel`/`ts` (a clicked card). */
  updateMessage(channel: string, ts: string, body: { text: string; blocks: types.KnownBlock[]; metadata?: SlackCardBody['metadata'] }, what: string): Promise<void>;
  /** A message only `user` sees, in `channel`. */
  postEphemeral(channel: string, user: string, text: string, blocks?: types.KnownBlock[]): Promise<void>;
  openView(triggerId: string, view: types.View): Promise<void>;
  /** The member ids of a user group. */
  groupMembers(groupId: string): Promise<string[]>;
  /** Posts a digest (blocks, then the chart uploaded) in `channel`. */
  postDigestIn(channel: string, digest: DigestMessage): Promise<PostedMessage>;
  /** Tells the leads in the card's thread (and the channel) that an alert was escalated. */
  announceEscalation(alertId: number, urgency: string, actorName: string, card?: PostedMessage): Promise<void>;
}

export interface SlackChatOptions {
  config: SlackConfig;
  log: Logger;
  now: () => number;
  /** Where an alert's card is: reminders and escalations go in its thread. */
  messageOf?: (alertId: number) => Promise<PostedMessage | undefined>;
  /** Aborted when the bot stops: cancels connecting and every call in flight or waiting out a limit. */
  signal?: AbortSignal;
  /** Told of every 429. */
  onRateLimited?: () => void;
  /** An account's own channels (data/accounts.json routing): its reminders and escalations go there too. */
  routeOf?: (account: string | null | undefined) => AlertCard['route'];
  /**
   * Open the Socket Mode link for clicks, modals and `/triage` (default true). One-shot commands
   * (`triage poll --once`) only post, and leave it closed.
   */
  socketMode?: boolean;
  /** Socket Mode's ping timeout, which is also its reconnect delay (Bolt's default 5 s). */
  pingTimeoutMs?: number;
  /** How long to wait for the link's `hello` before giving up. */
  connectTimeoutMs?: number;
  /** Signs each card's "Open in console" link (PUBLIC_BASE_URL and TRIAGE_SECRET_KEY set). */
  consoleLinks?: CardLinks | undefined;
}

/** A card's or notification's location on Slack, as the store records it: a channel id and a message `ts`. */
export function isSlackMessage(message: PostedMessage | undefined): message is PostedMessage {
  return message !== undefined && /^[CGD][A-Z0-9]{6,20}$/.test(message.channelId) && /^\d{9,12}\.\d{1,6}$/.test(message.messageId);
}

/** Bolt's logger on ours. Bolt's info is chatter (connected, reconnecting) and its debug prints payloads: both kept low. */
function boltLogger(log: Logger): BoltLogger {
  const line = (parts: unknown[]) => parts.map((p) => (p instanceof Error ? p.message : String(p))).join(' ');
  return {
    debug: (...parts) => log.trace({ bolt: true }, line(parts)),
    info: (...parts) => log.debug({ bolt: true }, line(parts)),
    warn: (...parts) => log.warn({ bolt: true }, line(parts)),
    error: (...parts) => log.error({ bolt: true }, line(parts)),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/**
 * Connects the real Bolt app to Slack (Web API and Socket Mode at `SLACK_API_URL`) and returns the
 * chat adapter once the bot token is verified and, unless `socketMode` is false, the link is open.
 * Cards are Block Kit messages updated in place; reminders and escalations are replies in the
 * card's thread; the digest's chart is uploaded with files.uploadV2. Slack has no nonce: the alert
 * id in each card's metadata is how {@link SlackChat.findPosted} finds an unrecorded one.
 */
export async function connectSlack(options: SlackChatOptions): Promise<SlackChat> {
  const { config, log, signal } = options;
  const bolt = boltLogger(log);
  const call = createSlackCaller({ log, signal, onRateLimited: options.onRateLimited });
  // Every HTTP request gives up when the bot stops; WebClient's own retries are few (the outbox
  // retries later anyway), and 429s come back at once for `call` to wait out or pass on.
  const stoppable: webApi.WebClientOptions['fetch'] = (url, init) =>
    fetch(url, signal ? { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal } : init);
  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: config.apiUrl,
    logger: bolt,
    retryConfig: { retries: 1, factor: 1, minTimeout: 300, maxTimeout: 1000 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    fetch: stoppable,
  };

  const web = new webApi.WebClient(config.botToken, clientOptions);
  let auth: webApi.AuthTestResponse;
  try {
    auth = await call('checking the bot token', () => web.auth.test());
  } catch (error) {
    const failure = translateSlackError(error, 'checking the bot token');
    if (failure.code !== 'chat-unavailable' || signal?.aborted) throw failure;
    throw new TriageError('chat-unavailable', `${failure.message} (SLACK_API_URL=${config.apiUrl}). Check the network, or the status of Slack; the bot can start again once it answers.`, { retryable: true, cause: error });
  }
  const botUserId = auth.user_id ?? '';
  const botId = auth.bot_id;

  // A receiver of our own, so that its WebClient (apps.connections.open, with the app-level token)
  // keeps Bolt's patient retries for reconnecting, apart from ours; it needs slackApiUrl too.
  const receiver = new SocketModeReceiver({
    appToken: config.appToken,
    logger: bolt,
    ...(options.pingTimeoutMs !== undefined && { clientPingTimeout: options.pingTimeoutMs }),
    installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } },
  });
  // The bot's ids are known: Bolt need not call auth.test again, now or per event.
  const app = new App({ token: config.botToken, botId, botUserId, tokenVerificationEnabled: false, receiver, logger: bolt, clientOptions });
  if (options.socketMode !== false) await openLink(app, receiver, options);
  log.info({ team: auth.team, user: auth.user, socketMode: options.socketMode !== false }, 'connected to Slack');

  const alertChannel = config.alertChannelId;
  const cardChannel = (alert: { urgency: string; route?: AlertCard['route'] }) => channelFor(alert, alert.route, { alertChannelId: alertChannel, urgentChannelId: config.urgentChannelId });
  // A reminder for the lead goes where critical cards go; the others where the alert's card went.
  const notificationChannel = (n: PendingNotification) => channelFor({ urgency: describeNotification(n).audience === 'lead' ? 'critical' : 'normal' }, options.routeOf?.(n.alert.mention.account), { alertChannelId: alertChannel, urgentChannelId: config.urgentChannelId });
  /** A notification goes in its card's thread when the card is on Slack; else in its channel. */
  const notificationPlace = async (n: PendingNotification): Promise<SlackPlace> => {
    const card = await options.messageOf?.(n.alert.id);
    return isSlackMessage(card) ? { channel: card.channelId, thread: card.messageId } : { channel: notificationChannel(n) };
  };
  const lead = config.leadUserGroupId;
  const leadPing = lead ? `<!subteam^${lead}> ` : '';

  /** Throws {@link CardRenderError} when the card cannot be drawn, so the outbox sets it aside. */
  function renderCard(card: AlertCard, render: { pingGroup?: string | undefined } = {}): SlackCardBody {
    const consoleLink = options.consoleLinks && signedAlertLink(options.consoleLinks, card.alert.id, 'open', options.now());
    return renderOrFail(card.alert.id, () => renderSlackCard(card, { now: options.now(), pingGroup: render.pingGroup, consoleLink }));
  }

  async function postMessage(args: webApi.ChatPostMessageArguments, what: string): Promise<PostedMessage> {
    const result = await call(what, () => app.client.chat.postMessage({ unfurl_links: false, unfurl_media: false, ...args } as webApi.ChatPostMessageArguments));
    return { channelId: result.channel ?? args.channel, messageId: result.ts ?? '' };
  }

  /** A page of a channel's (or a thread's) messages; undefined when the app may not read them (warned once per channel). */
  const unreadable = new Set<string>();
  async function fetchPage(place: SlackPlace, oldest: string, cursor: string | undefined) {
    const what = `reading the recent messages of ${place.thread ? `a thread in ${place.channel}` : `channel ${place.channel}`}`;
    const page = { channel: place.channel, oldest, limit: PAGE, include_all_metadata: true, ...(cursor && { cursor }) };
    try {
      const result = await call(what, () => (place.thread ? app.client.conversations.replies({ ...page, ts: place.thread }) : app.client.conversations.history(page)));
      const next = result.response_metadata?.next_cursor;
      return { messages: (result.messages ?? []) as SlackHistoryMessage[], next: result.has_more && next ? next : undefined };
    } catch (error) {
      const code = slackErrorCode((error as { cause?: unknown }).cause);
      if (code === 'thread_not_found') return { messages: [], next: undefined };
      // Without the history scopes the lookup cannot help; posting again is better than never posting.
      if (code === 'missing_scope' || code === 'not_in_channel' || code === 'channel_not_found') {
        if (!unreadable.has(place.channel)) log.warn({ channel: place.channel, code }, 'cannot read the channel history (add channels:history and groups:history): a card sent just before a crash may be posted again');
        unreadable.add(place.channel);
        return undefined;
      }
      throw error;
    }
  }

  async function updateMessage(channel: string, ts: string, body: { text: string; blocks: types.KnownBlock[] }, what: string): Promise<void> {
    try {
      await call(what, () => app.client.chat.update({ channel, ts, ...body, parse: 'none', link_names: false } as webApi.ChatUpdateArguments));
    } catch (error) {
      const code = slackErrorCode((error as { cause?: unknown }).cause);
      if (code && GONE.has(code)) {
        log.info({ channel, ts, code }, 'the card is gone from Slack; not redrawn');
        return;
      }
      throw error;
    }
  }

  /**
   * Look before repost, for the weekly digest: Slack has no nonce, so a digest posted just before a
   * crash (before the store recorded it) is found by its week in the channel's last eight days.
   */
  async function findDigest(channel: string, week: string): Promise<PostedMessage | undefined> {
    const oldest = (Math.max(0, options.now() - 8 * 86_400_000) / 1000).toFixed(6);
    const page = await fetchPage({ channel }, oldest, undefined);
    const mine = page?.messages.find((m) => {
      const metadata = m.metadata as { event_type?: unknown; event_payload?: { week?: unknown } } | undefined;
      return (m.user === botUserId || (botId !== undefined && m.bot_id === botId)) && metadata?.event_type === DIGEST_EVENT && metadata.event_payload?.week === week;
    });
    return mine && typeof mine.ts === 'string' ? { channelId: channel, messageId: mine.ts } : undefined;
  }

  async function postDigestIn(channel: string, digest: DigestMessage): Promise<PostedMessage> {
    const week = digest.data.week;
    const { text, blocks } = renderSlackDigest(digest.data);
    const metadata = { event_type: DIGEST_EVENT, event_payload: { week } };
    const posted = await postMessage({ channel, text, blocks, metadata, parse: 'none', link_names: false } as webApi.ChatPostMessageArguments, `posting the ${week} digest`);
    await call(`uploading the ${week} digest chart`, () => app.client.files.uploadV2({
      channel_id: channel,
      file: digest.chartPng,
      filename: `digest-${week}.png`,
      title: `Weekly digest ${week}`,
      alt_text: `Mentions per day and sentiment, week ${week}`,
    }));
    return posted;
  }

  return {
    name: 'slack',
    can: { editInPlace: true, threads: true, modals: true, buttons: true, fileUpload: true, lookBack: true },
    app,
    config,
    botUserId,
    call,
    renderCard,
    async postAlert(card) {
      const channel = cardChannel({ urgency: card.alert.urgency, route: card.route });
      const body = renderCard(card, { pingGroup: card.alert.urgency === 'critical' ? lead : undefined });
      try {
        return await postMessage({ channel, ...body, parse: 'none', link_names: false }, `posting alert #${card.alert.id}`);
      } catch (error) {
        const code = slackErrorCode((error as { cause?: unknown }).cause);
        if (code && UNDRAWABLE.has(code)) throw new CardRenderError(card.alert.id, error);
        throw error;
      }
    },
    async updateAlert(card, message) {
      // A card posted on another chat before this database moved to Slack: nothing to redraw here.
      if (!isSlackMessage(message)) return;
      await updateMessage(message.channelId, message.messageId, renderCard(card), `updating the card of alert #${card.alert.id}`);
    },
    updateMessage,
    async findPosted(lookup) {
      return findSlackPosted({ fetchPage, botUserId, botId, cardChannel, notificationPlace, log }, lookup);
    },
    async postNotification(notification) {
      const { audience } = describeNotification(notification);
      const place = await notificationPlace(notification);
      const ref = notification.assigneeRef;
      // The one person a reminder is for, by the member id Slack gave us when they claimed it; a
      // breach pings the lead group only. Nothing from a post can add a mention (it is escaped).
      const ping = audience === 'assignee' && ref && /^[UW][A-Z0-9]{6,20}$/.test(ref) ? `<@${ref}> ` : audience === 'lead' ? leadPing : '';
      const text = truncate(`${ping}${renderSlackNotificationText(notification)}`, SLACK_LIMITS.messageText);
      return postMessage({
        channel: place.channel,
        text,
        parse: 'none',
        link_names: false,
        ...(place.thread && { thread_ts: place.thread, ...(audience === 'lead' && { reply_broadcast: true }) }),
      } as webApi.ChatPostMessageArguments, `sending an SLA ${notification.kind} for alert #${notification.alert.id}`);
    },
    async postDigest(digest) {
      const channel = config.digestChannelId ?? alertChannel;
      const found = await findDigest(channel, digest.data.week);
      if (found) {
        log.info({ week: digest.data.week, ts: found.messageId }, 'the weekly digest was posted before a restart; not posted again');
        return found;
      }
      return postDigestIn(channel, digest);
    },
    postDigestIn,
    async announceEscalation(alertId, urgency, actorName, at) {
      const card = isSlackMessage(at) ? at : await options.messageOf?.(alertId);
      const text = `${leadPing}escalation: alert #${alertId} (${slackInert(urgency, 20)}) escalated by ${slackInert(actorName, 40)}.`;
      await postMessage({
        channel: isSlackMessage(card) ? card.channelId : (config.urgentChannelId ?? alertChannel),
        text,
        parse: 'none',
        link_names: false,
        ...(isSlackMessage(card) && { thread_ts: card.messageId, reply_broadcast: true }),
      } as webApi.ChatPostMessageArguments, `announcing the escalation of alert #${alertId}`);
    },
    async postEphemeral(channel, user, text, blocks) {
      await call('answering privately', () => app.client.chat.postEphemeral({ channel, user, text, ...(blocks && { blocks }), parse: 'none', link_names: false } as webApi.ChatPostEphemeralArguments));
    },
    async openView(triggerId, view) {
      await call('opening a modal', () => app.client.views.open({ trigger_id: triggerId, view }));
    },
    async groupMembers(groupId) {
      const result = await call(`reading the members of user group ${groupId}`, () => app.client.usergroups.users.list({ usergroup: groupId }));
      return result.users ?? [];
    },
    async close() {
      // Bolt's app.stop() returns before the link is closed: wait for it, a little.
      await Promise.race([receiver.client.disconnect(), sleep(2_000)]);
    },
  };
}

/** Opens the Socket Mode link (apps.connections.open, then the WebSocket's `hello`), or fails clearly. */
async function openLink(app: App, receiver: SocketModeReceiver, options: SlackChatOptions): Promise<void> {
  const { signal } = options;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TriageError('chat-unavailable', 'Slack Socket Mode did not connect in time', { retryable: true })), options.connectTimeoutMs ?? 30_000);
    onAbort = () => reject(new TriageError('chat-unavailable', 'stopped while connecting to Slack', { retryable: true }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([app.start(), giveUp]);
  } catch (error) {
    await Promise.race([receiver.client.disconnect(), sleep(2_000)]).catch(() => undefined);
    if (error instanceof TriageError) throw error;
    const code = slackErrorCode(error);
    if (code === 'invalid_auth' || code === 'not_authed' || code === 'not_allowed_token_type' || code === 'account_inactive') {
      throw new TriageError('chat-auth', `Slack rejected the app-level token (${code}). Check SLACK_APP_TOKEN (your app → Basic Information → App-Level Tokens, scope connections:write) and that Socket Mode is on.`, { cause: error });
    }
    throw new TriageError('chat-unavailable', `${translateSlackError(error, 'opening the Socket Mode link').message} (SLACK_API_URL=${options.config.apiUrl})`, { retryable: true, cause: error });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  RateLimitError,
  Routes,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { DiscordConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import { TriageError } from '../../util/errors.js';
import { channelFor, renderOrFail, type AlertCard, type Chat, type PostedMessage } from '../chat.js';
import { renderAlertComponents, renderAlertEmbed } from './render-alert-card.js';
import { describeNotification } from '../../triage/describe-notification.js';
import { renderDigestEmbed } from '../../digest/render-digest.js';
import { untilAborted } from '../../util/sleep.js';
import type { PendingNotification } from '../../store/store-port.js';
import { fitContent, safeUrl } from '../sanitize.js';
import { findPostedMessages, PAGE, type ChannelMessage } from './find-posted.js';
import { renderNotificationText } from './render-notification.js';
import { signedAlertLink, type CardLinks } from '../../web/card-links.js';

/** Rate limits up to this long are waited out inside discord.js; longer ones pause sending (see chat-backoff). */
const MAX_INLINE_RATE_LIMIT_MS = 5_000;

export interface DiscordChat extends Chat {
  readonly client: Client<true>;
  readonly config: DiscordConfig;
  /** The message body of a card, for posting, editing and interaction updates alike. */
  renderCard(card: AlertCard): CardBody;
  /** Posts plain text; only `pingRoles` may be pinged. */
  postText(channelId: string, content: string, pingRoles?: string[]): Promise<PostedMessage>;
  /** Posts a message with its own components (an approval request); `what` names it in errors. */
  postMessage(channelId: string, body: RESTPostAPIChannelMessageJSONBody, what: string): Promise<PostedMessage>;
}

export interface CardBody {
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  allowed_mentions: { parse: [] };
}

export interface DiscordChatOptions {
  config: DiscordConfig;
  log: Logger;
  now: () => number;
  /** Where an alert's card is (for links in reminders). */
  messageOf?: (alertId: number) => Promise<{ channelId: string; messageId: string } | undefined>;
  /** How long to wait for the gateway's READY before giving up. */
  readyTimeoutMs?: number;
  /** Aborted when the bot stops: cancels logging in and every REST call in flight or queued. */
  signal?: AbortSignal;
  /** Told of every rate limit discord.js meets (a 429, or a limit it waits out). */
  onRateLimited?: () => void;
  /** Signs each card's "Open in console" link (PUBLIC_BASE_URL and TRIAGE_SECRET_KEY set). */
  consoleLinks?: CardLinks | undefined;
  /** An account's own channels (data/accounts.json routing): its reminders and escalations go there too. */
  routeOf?: (account: string | null | undefined) => AlertCard['route'];
}

/** Discord failures as our errors. Auth and permission failures stop the bot: retrying them gets it banned. */
export function translateDiscordError(error: unknown, what: string): TriageError {
  if (error instanceof TriageError) return error;
  if (error instanceof DiscordAPIError) {
    const status = error.status;
    if (status === 401) return new TriageError('chat-auth', `Discord rejected the bot token while ${what} (401). Check DISCORD_TOKEN (Developer Portal → Bot → Reset Token).`, { cause: error });
    if (status === 403) return new TriageError('chat-auth', `Discord refused ${what} (403 ${error.message}). Give the bot View Channel, Send Messages and Embed Links in that channel.`, { cause: error });
    if (status === 404 && error.code === 10003) return new TriageError('chat-auth', `Discord has no such channel while ${what} (${error.message}). Check DISCORD_ALERT_CHANNEL_ID / DISCORD_URGENT_CHANNEL_ID.`, { cause: error });
    if (status === 429) return new TriageError('chat-rate-limited', `Discord rate limit while ${what}`, { retryable: true, cause: error });
    if (status >= 500) return new TriageError('chat-unavailable', `Discord answered ${status} while ${what}`, { retryable: true, cause: error });
    return new TriageError('chat-bad-request', `Discord refused ${what}: ${error.message}`, { cause: error });
  }
  if (error instanceof RateLimitError) {
    return new TriageError('chat-rate-limited', `Discord rate limit while ${what} (${Math.ceil(error.retryAfter / 1000)} s)`, { retryable: true, cause: error, resetAt: Date.now() + error.retryAfter });
  }
  if (error instanceof HTTPError) return new TriageError('chat-unavailable', `Discord answered ${error.status} while ${what}`, { retryable: true, cause: error });
  const code = (error as { code?: string })?.code;
  if (code === 'TokenInvalid' || code === 'TokenMissing') {
    return new TriageError('chat-auth', 'Discord rejected the bot token (invalid). Check DISCORD_TOKEN (Developer Portal → Bot → Reset Token).', { cause: error });
  }
  if (code === 'DisallowedIntents') {
    return new TriageError('chat-auth', 'Discord refused the gateway intents. Triage needs only the Guilds intent; check the bot settings.', { cause: error });
  }
  return new TriageError('chat-unavailable', `could not reach Discord while ${what}: ${(error as Error)?.message ?? String(error)}`, { retryable: true, cause: error });
}

/**
 * Logs the real discord.js client in (REST and gateway at `DISCORD_API_BASE_URL`) and returns the
 * chat adapter once the gateway is READY. Intents: Guilds only (interactions need no more).
 */
export async function connectDiscord(options: DiscordChatOptions): Promise<DiscordChat> {
  const { config, log } = options;
  const { signal } = options;
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: {
      api: config.apiBaseUrl,
      // One retry of a failed request: the outbox retries later anyway, and a stop should not wait on more.
      retries: 1,
      timeout: 10_000,
      // Called for every limit met, a 429 or one discord.js saw coming: short ones are waited out,
      // long ones fail the call so the outbox pauses instead of holding a request for minutes.
      rejectOnRateLimit: (info) => {
        options.onRateLimited?.();
        const waitMs = Math.max(info.retryAfter, info.timeToReset);
        const reject = waitMs > MAX_INLINE_RATE_LIMIT_MS;
        log.warn({ route: info.route, waitMs, global: info.global }, reject ? 'Discord rate limit: pausing sends until the reset' : 'Discord rate limit: waiting for the reset');
        return reject;
      },
    },
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord.js client error'));
  client.on(Events.ShardDisconnect, (event, shard) => log.warn({ code: event.code, shard }, 'Discord gateway disconnected; reconnecting'));

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new TriageError('chat-unavailable', 'Discord gateway did not become ready in time', { retryable: true })), options.readyTimeoutMs ?? 30_000);
    client.once(Events.ClientReady, () => resolve());
  });
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(new TriageError('chat-unavailable', 'stopped while connecting to Discord', { retryable: true }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([client.login(config.token).then(() => ready), stopped]);
  } catch (error) {
    await client.destroy();
    const failure = translateDiscordError(error, 'logging in');
    if (failure.code !== 'chat-unavailable' || signal?.aborted) throw failure;
    throw new TriageError('chat-unavailable', `${failure.message} (DISCORD_API_BASE_URL=${config.apiBaseUrl}). Check the network, or the status of Discord; the bot can start again once it answers.`, { retryable: true, cause: error });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  log.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'connected to Discord');

  const alertChannel = config.alertChannelId as string;
  /** A link to the alert's card, when it has been posted. */
  const messageLink = async (alertId: number): Promise<string> => {
    const where = await options.messageOf?.(alertId);
    const link = where && config.guildId ? safeUrl(`https://discord.com/channels/${config.guildId}/${where.channelId}/${where.messageId}`) : undefined;
    return link ? ` ${link}` : '';
  };
  const cardChannel = (alert: { urgency: string; route?: AlertCard['route'] }) => channelFor(alert, alert.route, { alertChannelId: alertChannel, urgentChannelId: config.urgentChannelId });
  // A reminder for the lead goes where critical cards go; the others where the alert's card went.
  const notificationChannel = (n: PendingNotification) => channelFor({ urgency: describeNotification(n).audience === 'lead' ? 'critical' : 'normal' }, options.routeOf?.(n.alert.mention.account), { alertChannelId: alertChannel, urgentChannelId: config.urgentChannelId });

  /** Throws {@link CardRenderError} when the card cannot be drawn, so the outbox sets it aside. */
  function renderCard(card: AlertCard): CardBody {
    return renderOrFail(card.alert.id, () => ({
      embeds: [renderAlertEmbed(card, { now: options.now(), consoleLink: options.consoleLinks && signedAlertLink(options.consoleLinks, card.alert.id, 'open', options.now()) })],
      components: renderAlertComponents(card),
      allowed_mentions: { parse: [] },
    }));
  }

  /** A page of a channel's messages, newest first; undefined when the bot may not read them (warned once per channel). */
  const unreadable = new Set<string>();
  async function fetchPage(channelId: string, before: string | undefined): Promise<ChannelMessage[] | undefined> {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (before) query.set('before', before);
    const what = `reading the recent messages of channel ${channelId}`;
    try {
      return (await call(client.rest.get(Routes.channelMessages(channelId), { query, signal }), what)) as ChannelMessage[];
    } catch (error) {
      // Without Read Message History the lookup cannot help; posting again is better than never posting.
      if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404)) {
        if (!unreadable.has(channelId)) log.warn({ channelId, status: error.status, err: error.message }, 'cannot read the channel history (give the bot Read Message History): a card sent just before a crash may be posted again');
        unreadable.add(channelId);
        return undefined;
      }
      throw translateDiscordError(error, what);
    }
  }

  /** A REST call that gives up the moment the bot stops, even while discord.js waits out a rate limit. */
  const call = <T>(request: Promise<T>, what: string): Promise<T> =>
    untilAborted(request, signal, () => new TriageError('chat-unavailable', `stopped while ${what}`, { retryable: true }));

  async function post(channelId: string, body: RESTPostAPIChannelMessageJSONBody, what: string): Promise<PostedMessage> {
    try {
      const message = (await call(client.rest.post(Routes.channelMessages(channelId), { body, signal }), what)) as { id: string; channel_id: string };
      return { channelId: message.channel_id ?? channelId, messageId: message.id };
    } catch (error) {
      throw translateDiscordError(error, what);
    }
  }

  return {
    name: 'discord',
    // Reminders go as replies in the channel, not threads; snooze is a menu; replies are written in a modal.
    can: { editInPlace: true, threads: false, modals: true, buttons: true, fileUpload: true, lookBack: true },
    client: client as Client<true>,
    config,
    renderCard,
    async postAlert(card, nonce) {
      const channelId = cardChannel({ urgency: card.alert.urgency, route: card.route });
      const ping = card.alert.urgency === 'critical' && config.leadRoleId !== undefined ? config.leadRoleId : undefined;
      const body: RESTPostAPIChannelMessageJSONBody = {
        ...renderCard(card),
        nonce,
        enforce_nonce: true,
        allowed_mentions: { parse: [], roles: ping ? [ping] : [] },
      };
      if (ping) body.content = `<@&${ping}> critical alert #${card.alert.id}`;
      return post(channelId, body, `posting alert #${card.alert.id}`);
    },
    async updateAlert(card, message) {
      try {
        await call(client.rest.patch(Routes.channelMessage(message.channelId, message.messageId), { body: renderCard(card), signal }), `updating the card of alert #${card.alert.id}`);
      } catch (error) {
        throw translateDiscordError(error, `updating the card of alert #${card.alert.id}`);
      }
    },
    async findPosted(lookup) {
      return findPostedMessages({ fetchPage, botUserId: client.user!.id, cardChannel, notificationChannel, log }, lookup);
    },
    async postNotification(notification, nonce) {
      const { audience } = describeNotification(notification);
      const text = renderNotificationText(notification);
      const link = await messageLink(notification.alert.id);
      const lead = config.leadRoleId;
      const body: RESTPostAPIChannelMessageJSONBody = { nonce, enforce_nonce: true, allowed_mentions: { parse: [], roles: [], users: [] } };
      const channelId = notificationChannel(notification);
      if (audience === 'assignee' && notification.assigneeRef && /^\d{15,21}$/.test(notification.assigneeRef)) {
        body.content = `<@${notification.assigneeRef}> ${text}${link}`;
        body.allowed_mentions = { parse: [], users: [notification.assigneeRef] };
      } else if (audience === 'lead') {
        body.content = `${lead ? `<@&${lead}> ` : ''}${text}${link}`;
        body.allowed_mentions = { parse: [], roles: lead ? [lead] : [] };
      } else {
        body.content = `${text}${link}`;
      }
      body.content = fitContent(body.content);
      return post(channelId, body, `sending an SLA ${notification.kind} for alert #${notification.alert.id}`);
    },
    async postDigest(digest, nonce) {
      const channelId = config.digestChannelId ?? alertChannel;
      try {
        const message = (await call(client.rest.post(Routes.channelMessages(channelId), {
          body: { embeds: [renderDigestEmbed(digest.data)], attachments: [{ id: 0, filename: 'chart.png' }], nonce, enforce_nonce: true, allowed_mentions: { parse: [] } },
          files: [{ name: 'chart.png', data: digest.chartPng, contentType: 'image/png' }],
          signal,
        }), 'posting the digest')) as { id: string; channel_id: string };
        return { channelId: message.channel_id ?? channelId, messageId: message.id };
      } catch (error) {
        throw translateDiscordError(error, `posting the ${digest.data.week} digest`);
      }
    },
    async postText(channelId, content, pingRoles = []) {
      return post(channelId, { content: fitContent(content), allowed_mentions: { parse: [], roles: pingRoles } }, 'posting a message');
    },
    async postMessage(channelId, body, what) {
      return post(channelId, { ...body, allowed_mentions: { parse: [] } }, what);
    },
    async close() {
      await client.destroy();
    },
  };
}

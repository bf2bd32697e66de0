import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CardLinks } from './web/card-links.js';
import type { App } from './app.js';
import type { SlackConfig } from './config.js';
import type { Chat, ChatLimits } from './chat/chat.js';
import type { ActionHandler } from './chat/handler-types.js';
import { withBackoff } from './chat/chat-backoff.js';
import { createConsoleChat } from './chat/console/console-chat.js';
import { renderQueueSummary } from './chat/console/render-console-card.js';
import type { CommandIo } from './commands/command.js';
import { pollOnce, redrawElsewhere, runSlaSweep } from './pipeline.js';
import type { BotContext, Scheduler } from './scheduler.js';
import { sourceNameOf, type SourceAccount } from './accounts.js';
import { accountLogger, forAccount } from './sources/account-source.js';
import { routeOf } from './chat/recover-sends.js';
import { chatTargetsOf, fanOutChats, type ChatTarget } from './chat/chat-fan-out.js';
import { configuredChats, perChatOutbox } from './chat/chat-outbox.js';
import type { ChatName } from './store/delivery-queries.js';
import { createReplaySource, replayFileProblem } from './sources/replay-source.js';
import type { Source } from './sources/source.js';
import { createFacebookPageSource } from './sources/facebook/facebook-page-source.js';
import { createGraphClient } from './sources/facebook/graph-client.js';
import { facebookPublisher } from './sources/facebook/facebook-publisher.js';
import { googlePublisher } from './sources/google/google-publisher.js';
import { createGoogleReviewsSource } from './sources/google/google-reviews-source.js';
import { lazyGoogleClient } from './sources/google/lazy-google-client.js';
import type { ReplyPublisher } from './sources/reply-publisher.js';
import { tokenSeal } from './store/oauth-logins.js';
import { ConfigError, TriageError } from './util/errors.js';
import { assessHealth } from './web/health.js';
import type { HttpListener } from './web/http-listener.js';

export { createApp, type App, type AppOptions } from './app.js';

/**
 * Rows of a replay file stored per transaction (with the cursor): a platform pages by 100, a file
 * has no pages, and larger transactions write each index page once instead of once per 100 rows.
 */
const REPLAY_BATCH_SIZE = 5000;

export interface SourceOptions {
  /** `--replay FILE`: a JSON Lines file replayed as a platform (relative to the working folder). */
  replay?: string | undefined;
  /** Cancels the sources' requests. */
  signal: AbortSignal;
  /** Told of every replay row that could not be read (after it is logged). */
  onReplaySkip?: (line: number, reason: string) => void;
}

/**
 * The sources configured: one per account (data/accounts.json, and the one-account settings of X,
 * Bluesky, Mastodon, Facebook and Google where set), and a replay file when given.
 */
export function configuredSources(app: App, options: SourceOptions): Source[] {
  const { signal, replay: replayPath } = options;
  const sources: Source[] = app.config.accounts.map((account) => forAccount(account, sourceFor(app, account, signal)));
  if (replayPath !== undefined) {
    const path = resolve(replayPath);
    const problem = replayFileProblem(path);
    if (problem) throw new ConfigError([problem]);
    sources.push(createReplaySource({
      path,
      batchSize: REPLAY_BATCH_SIZE,
      onSkip: (line, reason) => {
        app.log.warn({ line, reason }, 'replay row skipped; it is read again on the next poll');
        options.onReplaySkip?.(line, reason);
      },
    }));
  }
  return sources;
}

/**
 * Who posts a reply written on a card, per account: X (once `triage auth x` ran), Mastodon, Bluesky,
 * Facebook and Google. A mention's account is the accounts file's id, or the platform's name for its
 * one-account settings.
 */
export function replyPublishers(app: App, signal: AbortSignal): (platform: string, account: string | null) => ReplyPublisher | undefined {
  const made = new Map<string, ReplyPublisher | undefined>();
  const publisherOf = (account: SourceAccount): ReplyPublisher | undefined => {
    switch (account.platform) {
      case 'mastodon':
        return lazyPublisher('mastodon', async () => {
          const [{ mastodonPublisher }, { createMastodonClient }] = await Promise.all([import('./sources/mastodon/mastodon-publisher.js'), import('./sources/mastodon/mastodon-client.js')]);
          return mastodonPublisher(createMastodonClient(account.config, { signal }));
        });
      case 'x': {
        // User context: the login `triage auth x` stored, refreshed with the app's client.
        const { xOAuth, secretKey } = app.config;
        if (!xOAuth || secretKey === undefined) return undefined;
        return lazyPublisher('x', async () => (await import('./sources/x/x-publisher.js')).xPublisher({ account: account.id, oauth: xOAuth, logins: app.store.oauthLogins, seal: tokenSeal(secretKey), log: app.log.child({ publisher: 'x', account: account.id }), now: app.deps.now, signal }));
      }
      case 'bluesky': {
        const sessions = app.store.sessions(app.deps.now).for('bluesky', account.config.handle);
        return lazyPublisher('bluesky', async () => {
          const [{ blueskyPublisher }, { createBlueskyAgent }] = await Promise.all([import('./sources/bluesky/bluesky-publisher.js'), import('./sources/bluesky/bluesky-client.js')]);
          return blueskyPublisher(createBlueskyAgent(account.config, sessions, { signal, log: app.log }), account.config, sessions);
        });
      }
      case 'facebook':
        return facebookPublisher(account.config, createGraphClient(account.config));
      case 'google':
        return googlePublisher(account.config);
      default:
        return undefined;
    }
  };
  return (platform, id) => {
    const account = app.config.accounts.find((a) => a.platform === platform && a.id === (id ?? platform));
    if (!account) return undefined;
    if (!made.has(account.id)) made.set(account.id, publisherOf(account));
    return made.get(account.id);
  };
}

/** The adapter of one account, with its real client. */
function sourceFor(app: App, account: SourceAccount, signal: AbortSignal): Source {
  const name = sourceNameOf(account);
  const log = accountLogger(app.log.child({ source: name }), account);
  const common = { log, now: app.deps.now, onRateLimited: () => app.metrics.rateLimited.inc({ service: account.platform }) };
  switch (account.platform) {
    case 'x':
      return lazySource(async () => {
        const [{ createXMentionSource }, { createXClient }] = await Promise.all([import('./sources/x/x-mention-source.js'), import('./sources/x/x-client.js')]);
        return createXMentionSource({
          ...common,
          config: account.config,
          client: createXClient(account.config, { signal }),
          readsThisMonth: async () => (await app.store.readsInMonth(app.deps.now())).filter((r) => r.source === name).reduce((sum, r) => sum + r.reads, 0),
        });
      });
    case 'bluesky': {
      const sessions = app.store.sessions(app.deps.now).for('bluesky', account.config.handle);
      return lazySource(async () => {
        const [{ createBlueskySource }, { createBlueskyAgent }] = await Promise.all([import('./sources/bluesky/bluesky-source.js'), import('./sources/bluesky/bluesky-client.js')]);
        return createBlueskySource({ ...common, config: account.config, agent: createBlueskyAgent(account.config, sessions, { signal, log }), sessions });
      });
    }
    case 'mastodon': {
      let source: { readonly maxCharacters: number | undefined } | undefined;
      // Suggested replies must fit the instance's own limit, which the source reads (on its first poll).
      app.deps.accounts?.readMaxCharacters(account.id, () => source?.maxCharacters);
      return lazySource(async () => {
        const [{ createMastodonSource }, { createMastodonClient }] = await Promise.all([import('./sources/mastodon/mastodon-source.js'), import('./sources/mastodon/mastodon-client.js')]);
        const made = createMastodonSource({ ...common, config: account.config, client: createMastodonClient(account.config, { signal }) });
        source = made;
        return made;
      });
    }
    case 'facebook':
      return createFacebookPageSource({ ...common, config: account.config, client: createGraphClient(account.config) });
    case 'google':
      return createGoogleReviewsSource({ ...common, config: account.config, ...lazyGoogleClient(account.config) });
  }
}

/**
 * A source whose adapter, and its platform's client library, is imported on its first poll: a
 * process that never polls X, Bluesky or Mastodon (a replay, a report) does not load twitter-api-v2,
 * @atproto/api (~50 MB of RSS on its own) or masto. `forAccount` gives it its name.
 */
function lazySource(load: () => Promise<Source>): Source {
  let source: Promise<Source> | undefined;
  return {
    name: 'lazy',
    async *poll(cursor, signal) {
      yield* (await (source ??= load())).poll(cursor, signal);
    },
  };
}

/** A reply publisher whose adapter and client library are imported on its first use. */
function lazyPublisher(platform: string, load: () => Promise<ReplyPublisher>): ReplyPublisher {
  let publisher: Promise<ReplyPublisher> | undefined;
  const loaded = () => (publisher ??= load());
  return {
    platform,
    publish: async (reply, parent, signal) => (await loaded()).publish(reply, parent, signal),
    held: async () => (await loaded()).held?.(),
  };
}

export interface ChatOptions {
  /**
   * Receive clicks, modals and slash commands (default true). One-shot commands (`poll --once`)
   * only post; Slack then opens no Socket Mode link.
   */
  interactive?: boolean;
}

/**
 * The chat configured: Discord when DISCORD_TOKEN is set, Slack when SLACK_BOT_TOKEN is (config
 * refuses both at once), each connected and routing its interactions to the same handlers; the
 * console otherwise. `signal` cancels connecting and every request in flight.
 */
export async function createChat(app: App, io: CommandIo, signal: AbortSignal = io.signal, options: ChatOptions = {}): Promise<Chat> {
  const names = configuredChats(app.config);
  if (names.length === 0) return createConsoleChat(io.stdout, { now: app.deps.now, timeZone: app.data.policy.timezone });
  if (names.length === 1) return connectChat(app, names[0] as ChatName, signal, options, (id) => app.store.messageOf(id));
  // Several at once: each chat its own outbox, its own backoff, and its own record of where its cards are.
  const adopted = await app.store.deliveries.adoptRecorded();
  if (adopted > 0) app.log.info({ cards: adopted }, 'cards recorded by a one-chat run copied into the per-chat deliveries');
  const targets: ChatTarget[] = [];
  try {
    for (const name of names) {
      const chat = await connectChat(app, name, signal, options, (id) => app.store.deliveries.messageOf(name, id));
      targets.push({ chat: withBackoff(chat, { now: app.deps.now, log: app.log.child({ chat: name }) }), outbox: perChatOutbox(app.store, name, names) });
    }
  } catch (error) {
    await Promise.allSettled(targets.map((t) => t.chat.close()));
    throw error;
  }
  const chat = fanOutChats(targets, app.log);
  if (options.interactive ?? true) app.deps.onCardsChanged = redrawElsewhere(chat, app.deps, signal);
  return chat;
}


type MessageOf = (alertId: number) => Promise<{ channelId: string; messageId: string } | undefined>;

async function connectChat(app: App, name: ChatName, signal: AbortSignal, options: ChatOptions, messageOf: MessageOf): Promise<Chat> {
  if (name === 'slack') return createSlackChat(app, app.config.slack!, signal, options, messageOf);
  if (name === 'teams') return createTeams(app, signal);
  return createDiscordChat(app, signal, messageOf);
}

async function createDiscordChat(app: App, signal: AbortSignal, messageOf: MessageOf): Promise<Chat> {
  // discord.js and the interaction handlers are loaded only when Discord is configured (~0.2 s).
  const [{ connectDiscord }, { routeInteractions }, { assertUniqueHandlers, commands, actions }] = await Promise.all([
    import('./chat/discord/discord-chat.js'),
    import('./chat/discord/discord-interactions.js'),
    import('../handlers/index.js'),
  ]);
  assertUniqueHandlers();
  const chat = await connectDiscord({
    config: app.config.discord!,
    log: app.log.child({ chat: 'discord' }),
    now: app.deps.now,
    messageOf,
    signal,
    onRateLimited: () => app.metrics.rateLimited.inc({ service: 'discord' }),
    consoleLinks: consoleLinks(app),
    routeOf: (account) => routeOf(app.deps, account, 'discord').route,
  });
  routeInteractions({ deps: app.deps, digest: app.digest, chat, timeZone: app.data.policy.timezone, log: app.log.child({ chat: 'discord' }) }, { commands, actions: await cardActions(app, actions) });
  return chat;
}

/** Slack through Bolt in Socket Mode; Bolt and the interaction handlers are loaded only when Slack is configured. */
async function createSlackChat(app: App, config: SlackConfig, signal: AbortSignal, options: ChatOptions, messageOf: MessageOf): Promise<Chat> {
  const interactive = options.interactive ?? true;
  const [{ connectSlack }, { routeSlackInteractions }, { assertUniqueHandlers, commands, actions }] = await Promise.all([
    import('./chat/slack/slack-chat.js'),
    import('./chat/slack/slack-interactions.js'),
    import('../handlers/index.js'),
  ]);
  assertUniqueHandlers();
  const log = app.log.child({ chat: 'slack' });
  const chat = await connectSlack({
    config,
    log,
    now: app.deps.now,
    messageOf,
    signal,
    socketMode: interactive,
    onRateLimited: () => app.metrics.rateLimited.inc({ service: 'slack' }),
    consoleLinks: consoleLinks(app),
    routeOf: (account) => routeOf(app.deps, account, 'slack').route,
  });
  if (interactive) routeSlackInteractions({ deps: app.deps, digest: app.digest, chat, timeZone: app.data.policy.timezone, log }, { commands, actions: await cardActions(app, actions) });
  return chat;
}

/** How cards link to the web console, when PUBLIC_BASE_URL is set (config then requires the key). */
function consoleLinks(app: App): CardLinks | undefined {
  return app.config.publicBaseUrl && app.config.secretKey ? { baseUrl: app.config.publicBaseUrl, key: app.config.secretKey } : undefined;
}

/**
 * The card actions as every chat and the console run them; with Teams configured, an escalation
 * made anywhere is also queued for Teams, which cannot be told in place (the other chats announce
 * it where it happens).
 */
async function cardActions(app: App, actions: readonly ActionHandler[]): Promise<readonly ActionHandler[]> {
  if (!app.config.teams) return actions;
  const { announcingOnTeams } = await import('./chat/teams/teams-escalations.js');
  return announcingOnTeams(actions, configuredChats(app.config).filter((c) => c !== 'teams'));
}

/** Teams through a Workflows webhook: it only posts; its cards' buttons open the web console. */
async function createTeams(app: App, signal: AbortSignal): Promise<Chat> {
  const { createTeamsChat } = await import('./chat/teams/teams-chat.js');
  const accountUrls = new Map(app.config.accounts.flatMap((a) => (a.routing.teamsWorkflowUrls ? [[a.id, a.routing.teamsWorkflowUrls] as const] : [])));
  return createTeamsChat({
    config: app.config.teams!,
    accountUrls,
    ledger: app.store.deliveries,
    escalatedBy: async (alertId) => (await app.store.alertEvents(alertId)).filter((e) => e.action === 'escalate').at(-1)?.actor,
    // Config refuses TEAMS_WORKFLOW_URL without PUBLIC_BASE_URL and TRIAGE_SECRET_KEY.
    links: consoleLinks(app) ?? { baseUrl: '', key: '' },
    log: app.log.child({ chat: 'teams' }),
    now: app.deps.now,
    signal,
    onRateLimited: () => app.metrics.rateLimited.inc({ service: 'teams' }),
  });
}

/** Workflows throttles bursts: twenty cards a dispatch before similar ones are coalesced, as on Slack. */
const TEAMS_STORM_THRESHOLD = 20;

export function chatLimits(app: App): ChatLimits {
  return { stormThreshold: app.config.slack?.stormThreshold ?? app.config.discord?.stormThreshold ?? (app.config.teams ? TEAMS_STORM_THRESHOLD : Number.POSITIVE_INFINITY) };
}

/** The web console on the HTTP listener; its code is loaded only when OIDC_ISSUER is set. */
async function registerWebConsole(app: App, server: FastifyInstance, announceEscalation: (alertId: number, urgency: string, actorName: string) => Promise<void>): Promise<void> {
  const [{ registerConsole }, { actions }, { sla }] = await Promise.all([
    import('./web/console/console-routes.js'),
    import('../handlers/index.js'),
    import('../handlers/commands/sla.js'),
  ]);
  const log = app.log.child({ component: 'console' });
  const ctx = { deps: app.deps, digest: app.digest, timeZone: app.data.policy.timezone, log };
  await registerConsole(server, {
    // Config refuses OIDC_ISSUER without PUBLIC_BASE_URL and TRIAGE_SECRET_KEY.
    config: app.config.console!,
    publicBaseUrl: app.config.publicBaseUrl ?? '',
    secretKey: app.config.secretKey ?? '',
    ctx,
    actions: await cardActions(app, actions),
    slaReport: (context) => sla.run({ actor: { name: 'console', ref: 'console', chat: 'web' }, options: {} }, context),
    announceEscalation,
  });
}

/**
 * `triage demo`: replays the bundled sample (timestamps shifted so the newest post is now), prints
 * each new alert card and the queue. Idempotent: a second run adds nothing.
 */
export async function runDemo(app: App, io: CommandIo): Promise<number> {
  const problem = replayFileProblem(app.config.paths.sampleMentions, 'SAMPLE_MENTIONS_PATH=');
  if (problem) throw new ConfigError([`${problem} Point SAMPLE_MENTIONS_PATH at a JSON Lines file, or unset it for the bundled sample.`]);
  const chat = createConsoleChat(io.stdout, { now: app.deps.now, timeZone: app.data.policy.timezone });
  const source = createReplaySource({
    path: app.config.paths.sampleMentions,
    shiftNewestTo: app.deps.now(),
    onSkip: (line, reason) => app.log.warn({ line, reason }, 'sample row skipped'),
  });
  const { poll, posted } = await pollOnce(app.deps, [source], chat, io.signal, chatLimits(app));
  // Reminders and escalations already due for the replayed posts, each printed once ever.
  await runSlaSweep(chat, app.deps, io.signal);
  const { mentions, alerts } = await app.store.counts();
  io.stdout.write(
    poll.read === 0
      ? `Demo: nothing new; the ${mentions} sample mentions are already in ${app.config.databasePath}. Delete it (or set DATABASE_PATH) to replay.\n`
      : `Demo: ${poll.read} mentions read, ${poll.inserted} new, ${poll.duplicates} duplicates skipped, ${poll.alerts} new alerts, ${posted} cards shown. Stored in ${app.config.databasePath} (${mentions} mentions, ${alerts} alerts).\n`,
  );
  io.stdout.write(`${renderQueueSummary(await app.store.queueSummary(app.deps.now()), app.deps.now(), app.data.policy.timezone)}\n`);
  return 0;
}

/**
 * `triage start`: runs every job on its schedule (see {@link startScheduler}) until SIGTERM/SIGINT,
 * with the operations listener when HTTP_PORT is set. The stop signal reaches every loop and request;
 * whatever was not sent stays in the outbox. A chat auth failure stops the bot with a clear message
 * instead of retrying into a ban.
 */
export async function runBot(app: App, io: CommandIo, sources: readonly Source[]): Promise<number> {
  const stop = new AbortController();
  const onStop = () => stop.abort();
  if (io.signal.aborted) onStop();
  else io.signal.addEventListener('abort', onStop, { once: true });
  const track = <T>(name: string, work: () => Promise<T>): Promise<T> => (io.inFlight ? io.inFlight.track(name, work) : work());
  let scheduler: Scheduler | undefined;
  let http: HttpListener | undefined;
  let chat: Chat | undefined;
  let fatal: TriageError | undefined;
  try {
    if (app.config.http) {
      // Escalations from the console are announced on the chat, once it is connected.
      const announce = async (alertId: number, urgency: string, actorName: string) => {
        await (chat as { announceEscalation?: (id: number, urgency: string, actor: string) => Promise<void> } | undefined)?.announceEscalation?.(alertId, urgency, actorName);
      };
      const { startHttpListener } = await import('./web/http-listener.js');
      http = await startHttpListener({
        ...app.config.http,
        log: app.log.child({ component: 'http' }),
        registry: app.metrics.registry,
        health: async () => assessHealth({ now: app.deps.now(), databaseProblem: await app.ops.probe(), jobs: scheduler?.status() }),
        ...(app.config.console && { register: (server) => registerWebConsole(app, server, announce), describe: '/console' }),
      });
    }
    try {
      const connected = await track('connecting to chat', () => createChat(app, io, stop.signal));
      // Several chats: each is wrapped in its own backoff already (one chat's outage pauses only it).
      chat = chatTargetsOf(connected) ? connected : withBackoff(connected, { now: app.deps.now, log: app.log.child({ chat: connected.name }) });
    } catch (error) {
      if (stop.signal.aborted) return 0;
      throw error;
    }
    const context: BotContext = {
      config: app.config,
      deps: app.deps,
      digest: app.digest,
      sources,
      chat,
      limits: chatLimits(app),
      timeZone: app.data.policy.timezone,
      replyPublisherFor: replyPublishers(app, stop.signal),
    };
    const [{ jobs }, { startScheduler }] = await Promise.all([import('../handlers/index.js'), import('./scheduler.js')]);
    scheduler = startScheduler({
      jobs,
      context,
      timeZone: app.data.policy.timezone,
      log: app.log,
      now: app.deps.now,
      signal: stop.signal,
      inFlight: io.inFlight,
      ops: app.ops,
      metrics: app.metrics,
      onFatal: (error) => {
        fatal = error;
        stop.abort();
      },
    });
    // The instance id is what job leases and outbox claims name (several instances on PostgreSQL).
    app.log.info({ jobs: jobs.map((j) => j.name), sources: sources.map((s) => s.name), chat: chat.name, http: http?.port, instance: app.store.instance }, 'triage running; Ctrl-C stops');
    if (!stop.signal.aborted) await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    app.log.info('stopping');
  } finally {
    io.signal.removeEventListener('abort', onStop);
    stop.abort();
    await scheduler?.stop();
    await track('closing chat', async () => chat?.close());
    await http?.close();
  }
  if (fatal) {
    io.stderr.write(`triage: stopped: ${fatal.message}\n`);
    return 1;
  }
  return 0;
}

import cron from 'node-cron';
import type { DestinationStream } from 'pino';
import type { Chat } from './chat/chat.js';
import { createConsoleChat } from './chat/console/console-chat.js';
import { renderQueueSummary } from './chat/console/render-console-card.js';
import { createClassifier } from './classify/classify-mention.js';
import type { CommandIo } from './commands/command.js';
import type { Config } from './config.js';
import { loadDataFiles, type DataFiles } from './data-files.js';
import { createLogger, type Logger } from './logger.js';
import { dispatchPending, pollSource, runSlaSweep, type PipelineDeps, type PollResult } from './pipeline.js';
import { createReplaySource } from './sources/replay-source.js';
import { createXClient } from './sources/x/x-client.js';
import { createXMentionSource } from './sources/x/x-mention-source.js';
import type { Source } from './sources/source.js';
import { SqliteStore } from './store/sqlite-store.js';
import { createReplyGuard } from './triage/reply-guard.js';
import { storePolicyBook } from './triage/policy-book.js';
import type { DigestSources } from './digest/collect-digest.js';
import { createRedactor } from './digest/redact.js';
import { DigestQueries } from './store/digest-queries.js';
import { TriageError } from './util/errors.js';
import type { ChatLimits } from './chat/chat.js';
import { connectDiscord } from './chat/discord/discord-chat.js';
import type { JobHandler } from './chat/discord/handler-types.js';
import { routeInteractions } from './chat/discord/interaction-router.js';
import { assertUniqueHandlers, commands, components, jobs } from '../handlers/index.js';

/** Everything built from config: the one place adapters are constructed and wired. */
export interface App {
  config: Config;
  data: DataFiles;
  log: Logger;
  store: SqliteStore;
  deps: PipelineDeps;
  digest: DigestSources;
  close(): void;
}

export interface AppOptions {
  logDestination?: DestinationStream;
  now?: () => number;
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const data = loadDataFiles(config);
  const log = createLogger(config.logLevel, options.logDestination);
  const store = new SqliteStore(config.databasePath);
  const now = options.now ?? Date.now;
  let policies;
  try {
    policies = storePolicyBook(store, data.policy, config.paths.slaPolicy, now());
  } catch (error) {
    store.close();
    throw error;
  }
  const deps: PipelineDeps = {
    store,
    classifier: createClassifier(data.lexicon, { influentialFollowers: config.influentialFollowers }),
    policy: policies.current,
    policies,
    templates: data.templates,
    guard: createReplyGuard(data.lexicon),
    log,
    now,
  };
  const digest: DigestSources = { store, queries: new DigestQueries(store.db), policies, themes: data.themes, redact: createRedactor(data.lexicon) };
  return { config, data, log, store, deps, digest, close: () => store.close() };
}

/** The sources configured: X when its credentials are set, and a replay file when given. */
export function configuredSources(app: App, replayPath?: string): Source[] {
  const sources: Source[] = [];
  if (app.config.x) {
    sources.push(createXMentionSource({
      config: app.config.x,
      client: createXClient(app.config.x),
      log: app.log.child({ source: 'x' }),
      now: app.deps.now,
      readsThisMonth: () => app.store.readsInMonth(app.deps.now()).filter((r) => r.source === 'x').reduce((sum, r) => sum + r.reads, 0),
    }));
  }
  if (replayPath !== undefined) {
    sources.push(createReplaySource({ path: replayPath, onSkip: (line, reason) => app.log.warn({ line, reason }, 'replay row skipped') }));
  }
  return sources;
}

/** The chat configured: Discord when DISCORD_TOKEN is set (logged in and routing interactions), the console otherwise. */
export async function createChat(app: App, io: CommandIo): Promise<Chat> {
  if (!app.config.discord) return createConsoleChat(io.stdout, { now: app.deps.now, timeZone: app.data.policy.timezone });
  assertUniqueHandlers();
  const chat = await connectDiscord({ config: app.config.discord, log: app.log.child({ chat: 'discord' }), now: app.deps.now, messageOf: (id) => app.store.messageOf(id) });
  routeInteractions({ deps: app.deps, digest: app.digest, chat, timeZone: app.data.policy.timezone, log: app.log.child({ chat: 'discord' }) }, commands, components);
  return chat;
}

function chatLimits(app: App): ChatLimits {
  return { stormThreshold: app.config.discord?.stormThreshold ?? Number.POSITIVE_INFINITY };
}

/** One cycle: every source once, then the outbox. */
export async function pollOnce(app: App, sources: readonly Source[], chat: Chat, signal: AbortSignal): Promise<{ poll: PollResult; posted: number }> {
  const poll: PollResult = { read: 0, inserted: 0, duplicates: 0, alerts: 0, responded: 0 };
  for (const source of sources) {
    const result = await pollSource(source, app.deps, signal);
    poll.read += result.read;
    poll.inserted += result.inserted;
    poll.duplicates += result.duplicates;
    poll.alerts += result.alerts;
    poll.responded += result.responded;
  }
  const { posted } = await dispatchPending(chat, app.deps, signal, chatLimits(app));
  return { poll, posted };
}

/**
 * `triage demo`: replays the bundled sample (timestamps shifted so the newest post is now), prints
 * each new alert card and the queue. Idempotent: a second run adds nothing.
 */
export async function runDemo(app: App, io: CommandIo): Promise<number> {
  const chat = createConsoleChat(io.stdout, { now: app.deps.now, timeZone: app.data.policy.timezone });
  const source = createReplaySource({
    path: app.config.paths.sampleMentions,
    shiftNewestTo: app.deps.now(),
    onSkip: (line, reason) => app.log.warn({ line, reason }, 'sample row skipped'),
  });
  const { poll, posted } = await pollOnce(app, [source], chat, io.signal);
  // Reminders and escalations already due for the replayed posts, each printed once ever.
  await runSlaSweep(chat, app.deps, io.signal);
  const { mentions, alerts } = app.store.counts();
  io.stdout.write(
    poll.read === 0
      ? `Demo: nothing new; the ${mentions} sample mentions are already in ${app.config.databasePath}. Delete it (or set DATABASE_PATH) to replay.\n`
      : `Demo: ${poll.read} mentions read, ${poll.inserted} new, ${poll.duplicates} duplicates skipped, ${poll.alerts} new alerts, ${posted} cards shown. Stored in ${app.config.databasePath} (${mentions} mentions, ${alerts} alerts).\n`,
  );
  io.stdout.write(`${renderQueueSummary(app.store.queueSummary(app.deps.now()), app.deps.now(), app.data.policy.timezone)}\n`);
  return 0;
}

/** What scheduled jobs receive. */
export interface BotContext {
  app: App;
  sources: readonly Source[];
  chat: Chat;
}

/**
 * `triage start`: runs every job on its schedule (one run of a job at a time: a slow poll is never
 * overlapped by the next tick) until stopped. A chat auth failure stops the bot with a clear message
 * instead of retrying into a ban.
 */
export async function runBot(app: App, io: CommandIo, sources: readonly Source[]): Promise<number> {
  const chat = await createChat(app, io);
  const stop = new AbortController();
  io.signal.addEventListener('abort', () => stop.abort(), { once: true });
  let fatal: TriageError | undefined;
  const context: BotContext = { app, sources, chat };
  const guarded = (job: JobHandler<BotContext>) => async () => {
    if (stop.signal.aborted) return;
    try {
      await job.run(context, stop.signal);
    } catch (error) {
      if (error instanceof TriageError && (error.code === 'chat-auth' || error.code === 'config')) {
        fatal = error;
        stop.abort();
        return;
      }
      app.log.error({ err: error, job: job.name }, 'job failed; it runs again on its next tick');
    }
  };
  const tasks = [];
  for (const job of jobs) {
    const schedule = job.schedule(context);
    if (schedule === undefined) continue;
    if (job.runAtStart !== false) await guarded(job)();
    tasks.push(cron.schedule(schedule, guarded(job), { noOverlap: true, name: job.name, timezone: app.data.policy.timezone }));
  }
  app.log.info({ jobs: jobs.map((j) => j.name), sources: sources.map((s) => s.name), chat: chat.name }, 'triage running; Ctrl-C stops');
  if (!stop.signal.aborted) await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  for (const task of tasks) await task.destroy();
  await chat.close();
  if (fatal) {
    io.stderr.write(`triage: stopped: ${fatal.message}\n`);
    return 1;
  }
  return 0;
}

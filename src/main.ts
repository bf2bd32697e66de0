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
import { dispatchPending, pollSource, type PipelineDeps, type PollResult } from './pipeline.js';
import { createReplaySource } from './sources/replay-source.js';
import { createXClient } from './sources/x/x-client.js';
import { createXMentionSource } from './sources/x/x-mention-source.js';
import type { Source } from './sources/source.js';
import { SqliteStore } from './store/sqlite-store.js';
import { createReplyGuard } from './triage/reply-guard.js';
import { ConfigError } from './util/errors.js';

/** Everything built from config: the one place adapters are constructed and wired. */
export interface App {
  config: Config;
  data: DataFiles;
  log: Logger;
  store: SqliteStore;
  deps: PipelineDeps;
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
  const deps: PipelineDeps = {
    store,
    classifier: createClassifier(data.lexicon, { influentialFollowers: config.influentialFollowers }),
    policy: data.policy,
    templates: data.templates,
    guard: createReplyGuard(data.lexicon),
    log,
    now: options.now ?? Date.now,
  };
  return { config, data, log, store, deps, close: () => store.close() };
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

export function createChat(app: App, io: CommandIo): Chat {
  if (app.config.discord) {
    throw new ConfigError(['DISCORD_TOKEN is set, but this build has no Discord chat yet: unset DISCORD_TOKEN to print alerts to the console.']);
  }
  return createConsoleChat(io.stdout, { now: app.deps.now, timeZone: app.data.policy.timezone });
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
  const { posted } = await dispatchPending(chat, app.deps, signal);
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
  const { mentions, alerts } = app.store.counts();
  io.stdout.write(
    poll.read === 0
      ? `Demo: nothing new; the ${mentions} sample mentions are already in ${app.config.databasePath}. Delete it (or set DATABASE_PATH) to replay.\n`
      : `Demo: ${poll.read} mentions read, ${poll.inserted} new, ${poll.duplicates} duplicates skipped, ${poll.alerts} new alerts, ${posted} cards shown. Stored in ${app.config.databasePath} (${mentions} mentions, ${alerts} alerts).\n`,
  );
  io.stdout.write(`${renderQueueSummary(app.store.queueSummary(app.deps.now()), app.deps.now(), app.data.policy.timezone)}\n`);
  return 0;
}

/**
 * `triage start`: polls every source on X_POLL_CRON and dispatches the outbox until stopped. One
 * run of the job at a time: a slow poll is never overlapped by the next tick.
 */
export async function runBot(app: App, io: CommandIo, sources: readonly Source[]): Promise<number> {
  const chat = createChat(app, io);
  const schedule = app.config.x?.pollCron ?? '* * * * *';
  const cycle = async () => {
    try {
      const { poll, posted } = await pollOnce(app, sources, chat, io.signal);
      app.log.info({ ...poll, posted }, 'poll cycle done');
    } catch (error) {
      app.log.error({ err: error }, 'poll cycle failed; retrying on the next tick');
    }
  };
  await cycle();
  const task = cron.schedule(schedule, cycle, { noOverlap: true, name: 'poll' });
  app.log.info({ schedule, sources: sources.map((s) => s.name), chat: chat.name }, 'triage running; Ctrl-C stops');
  await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
  await task.destroy();
  await chat.close();
  return 0;
}

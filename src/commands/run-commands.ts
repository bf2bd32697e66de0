import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClassifier } from '../classify/classify-mention.js';
import { loadConfig, type Config } from '../config.js';
import { loadDataFiles } from '../data-files.js';
import { chatLimits, configuredSources, createApp, createChat, replyPublishers, runBot, runDemo, type App } from '../main.js';
import { sendReplies } from '../sources/send-replies.js';
import { pollOnce } from '../pipeline.js';
import { createReplyGuard } from '../triage/reply-guard.js';
import { suggestReplies } from '../triage/suggest-replies.js';
import { renderQueueSummary } from '../chat/console/render-console-card.js';
import { describeXUsage } from '../sources/x/x-usage.js';
import { acquireBotLock } from '../store/bot-lock.js';
import { mapJsonLines } from './classify-commands.js';
import type { CommandIo } from './command.js';

async function withApp(io: CommandIo, run: (app: App) => Promise<number>): Promise<number> {
  const app = await createApp(loadConfig(io.env, io.cwd));
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}

function replayPath(io: CommandIo, path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(io.cwd, path);
}

function hasCredentials(config: Config): boolean {
  // Any account (data/accounts.json, or the one-account settings of a platform) is something to poll.
  return config.accounts.length > 0 || config.discord !== undefined || config.slack !== undefined;
}

/** `triage start [--replay FILE]`: the bot; the demo when nothing is configured. */
export async function startCommand(io: CommandIo, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { replay: { type: 'string' } } });
  const config = loadConfig(io.env, io.cwd);
  if (!hasCredentials(config) && values.replay === undefined) {
    io.stdout.write('No account, Discord or Slack credentials found (data/accounts.json, X_BEARER_TOKEN, FACEBOOK_PAGE_TOKEN, ..., DISCORD_TOKEN, SLACK_BOT_TOKEN): running the demo on the bundled sample mentions instead.\n\n');
    return withApp(io, (app) => runDemo(app, io));
  }
  // One bot per SQLite file: a second start, or a restore, is refused while this one runs. On
  // PostgreSQL several bots share the database: jobs run under leases, outbox rows are claimed.
  const lock = config.databaseUrl === undefined ? acquireBotLock(config.databasePath) : undefined;
  try {
    return await withApp(io, (app) => runBot(app, io, configuredSources(app, { replay: replayPath(io, values.replay), signal: io.signal })));
  } finally {
    lock?.release();
  }
}

export function demoCommand(io: CommandIo): Promise<number> {
  return withApp(io, (app) => runDemo(app, io));
}

/** `triage poll --once [--replay FILE]`: every configured source once, dispatch, exit. */
export async function pollCommand(io: CommandIo, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { once: { type: 'boolean' }, replay: { type: 'string' } } });
  if (!values.once) {
    io.stderr.write('triage poll: only --once is supported; `triage start` polls on a schedule.\n');
    return 2;
  }
  return withApp(io, async (app) => {
    const skipped: Array<{ line: number; reason: string }> = [];
    const sources = configuredSources(app, { replay: replayPath(io, values.replay), signal: io.signal, onReplaySkip: (line, reason) => skipped.push({ line, reason }) });
    if (sources.length === 0) {
      io.stderr.write('triage poll: no source configured. List accounts in data/accounts.json (ACCOUNTS_PATH), or set X_BEARER_TOKEN (and X_HANDLE), BLUESKY_HANDLE and BLUESKY_APP_PASSWORD, MASTODON_URL and MASTODON_ACCESS_TOKEN, FACEBOOK_PAGE_TOKEN (and FACEBOOK_PAGE_ID) or the GOOGLE_* settings, or pass --replay FILE.\n');
      return 2;
    }
    const chat = await createChat(app, io, io.signal, { interactive: false });
    const { poll, posted } = await pollOnce(app.deps, sources, chat, io.signal, chatLimits(app)).finally(() => chat.close());
    io.stderr.write(`triage poll: ${poll.read} read, ${poll.inserted} new, ${poll.duplicates} duplicates, ${poll.alerts} alerts, ${posted} posted, ${poll.responded} answered on the platform\n`);
    // The reply outbox too: replies written on cards and approved go out with the poll.
    const replies = await sendReplies({ store: app.store, log: app.log, now: app.deps.now, publisherFor: replyPublishers(app, io.signal) }, io.signal);
    if (replies.sent + replies.failed + replies.retrying > 0) io.stderr.write(`triage poll: replies from cards: ${replies.sent} sent, ${replies.failed} failed, ${replies.retrying} to retry\n`);
    io.stdout.write(`${renderQueueSummary(await app.store.queueSummary(app.deps.now()), app.deps.now(), app.data.policy.timezone)}\n`);
    const usage = describeXUsage(await app.store.readsInMonth(app.deps.now()), app.config.x?.monthlyReadBudget);
    if (usage) io.stdout.write(`X ${usage}\n`);
    if (skipped.length > 0) {
      const first = skipped[0]!;
      io.stderr.write(`triage poll: ${skipped.length} replay row(s) could not be read (line ${first.line}: ${first.reason}${skipped.length > 1 ? '; the others are in the log' : ''}). They are read again on the next poll; fix the file and run it again.\n`);
      return 1;
    }
    return 0;
  });
}

/** `triage suggest`: JSON Lines in, the suggested replies with the guard's verdict out. */
export async function suggestCommand(io: CommandIo): Promise<number> {
  const config = loadConfig(io.env, io.cwd);
  const data = loadDataFiles(config);
  const classifier = createClassifier(data.lexicon, { influentialFollowers: config.influentialFollowers });
  const guard = createReplyGuard(data.lexicon);
  return mapJsonLines(io, (row) => {
    const classification = classifier.classify(row.text, row.followers === undefined ? {} : { followers: row.followers });
    return { id: row.id, replies: suggestReplies(classification, { text: row.text, authorHandle: row.handle ?? 'there' }, data.templates, guard) };
  });
}

/** `triage deploy-commands`: registers `/triage` with Discord (in DISCORD_GUILD_ID, or globally). */
export async function deployCommandsCommand(io: CommandIo): Promise<number> {
  const config = loadConfig(io.env, io.cwd);
  if (config.slack) {
    io.stdout.write('Slack: /triage is declared in the app manifest (deploy/slack-manifest.json); there is nothing to register.\n');
    return 0;
  }
  if (!config.discord || config.discord.appId === undefined) {
    io.stderr.write('triage deploy-commands: set DISCORD_TOKEN and DISCORD_APP_ID (and DISCORD_GUILD_ID to register in one server, instantly).\n');
    return 2;
  }
  const { appId, guildId } = config.discord;
  const [{ REST, Routes }, { commands }, { triageCommandJson }, { translateDiscordError }] = await Promise.all([
    import('discord.js'),
    import('../../handlers/index.js'),
    import('../chat/discord/discord-interactions.js'),
    import('../chat/discord/discord-chat.js'),
  ]);
  const json = triageCommandJson(commands);
  const rest = new REST({ api: config.discord.apiBaseUrl }).setToken(config.discord.token);
  const route = guildId ? Routes.applicationGuildCommands(appId, guildId) : Routes.applicationCommands(appId);
  try {
    const registered = (await rest.put(route, { body: [json] })) as Array<{ name: string }>;
    io.stdout.write(`Registered /${registered.map((c) => c.name).join(', /')} with ${json.options.length} subcommands ${guildId ? `in guild ${guildId}` : 'globally (may take up to an hour to appear)'}.\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`triage deploy-commands: ${translateDiscordError(error, 'registering commands').message}\n`);
    return 1;
  }
}

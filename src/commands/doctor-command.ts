import { loadConfig } from '../config.js';
import { loadDataFiles } from '../data-files.js';
import { openStore } from '../store/open-store.js';
import type { JobRun } from '../store/ops-queries.js';
import { liveLockHolder } from '../store/bot-lock.js';
import { describeXUsage } from '../sources/x/x-usage.js';
import { replayFileProblem } from '../sources/replay-source.js';
import { checkAccount, NOT_CONFIGURED } from './doctor-sources.js';
import { ConfigError, TriageError } from '../util/errors.js';
import { describeNodeVersion, isSupportedNode } from '../node-version.js';
import type { CommandIo } from './command.js';
import { configuredChats } from '../chat/chat-outbox.js';

/** `triage doctor`: checks settings, data files and the database, and says what is wrong and how to fix it. */
export async function doctorCommand(io: CommandIo): Promise<number> {
  const say = (ok: boolean | 'warn', line: string) => io.stdout.write(`${ok === 'warn' ? 'warn' : ok ? 'ok  ' : 'FAIL'} ${line}\n`);
  let failures = 0;
  say(isSupportedNode(), describeNodeVersion());
  let config;
  try {
    config = loadConfig(io.env, io.cwd);
    say(true, 'settings');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) say(false, problem);
    return 2;
  }
  try {
    loadDataFiles(config);
    say(true, `data files (${config.paths.lexicon}, ${config.paths.slaPolicy}, ${config.paths.templates})`);
    const sample = replayFileProblem(config.paths.sampleMentions, 'SAMPLE_MENTIONS_PATH=');
    if (sample) {
      say(false, `${sample} The demo needs it; unset SAMPLE_MENTIONS_PATH for the bundled sample.`);
      failures++;
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) say(false, problem);
    failures++;
  }
  let usage: string | undefined;
  let runs: JobRun[] = [];
  try {
    const store = await openStore(config);
    const { mentions, alerts } = await store.counts();
    usage = describeXUsage(await store.readsInMonth(Date.now()), config.x?.monthlyReadBudget);
    runs = await store.ops.jobRuns();
    const first = (await store.outbox.undeliverable(1))[0];
    const setAside = first && { count: await store.outbox.countUndeliverable(), first };
    const chats = configuredChats(config);
    const perChat = chats.length > 1 ? await store.deliveries.outboxDepth(chats) : undefined;
    const { kind, location } = store;
    await store.close();
    if (config.storeNotice) say('warn', config.storeNotice);
    say(true, `store: ${kind === 'postgres' ? 'PostgreSQL' : 'SQLite'} at ${location} (${mentions} mentions, ${alerts} alerts)`);
    if (perChat) say(true, `outbox per chat: ${[...perChat].map(([chat, n]) => `${chat} ${n} card(s) to send`).join(', ')}`);
    if (setAside) say('warn', `outbox: ${setAside.count} alert(s) set aside because their card cannot be drawn (first #${setAside.first.alertId}: ${setAside.first.reason})`);
    const holder = kind === 'sqlite' ? liveLockHolder(config.databasePath) : undefined;
    if (kind === 'sqlite') say(true, holder ? `bot: running (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.startedAt).toISOString()})` : 'bot: not running on this database');
    for (const run of runs) say(run.error === null ? true : 'warn', describeJobRun(run, Date.now()));
    if (runs.length === 0) say(true, 'jobs: none has run yet (`triage start` runs them)');
  } catch (error) {
    if (!(error instanceof TriageError)) throw error;
    say(false, error.message);
    failures++;
  }
  for (const account of config.accounts) {
    for (const { ok, line } of await checkAccount(account)) {
      say(ok, line);
      if (!ok) failures++;
    }
    if (account.platform === 'x' && usage) say(true, `X ${usage}`);
  }
  for (const [platform, hint] of NOT_CONFIGURED) {
    if (!config.accounts.some((a) => a.platform === platform)) say(true, hint);
  }
  if (config.slack) {
    try {
      // Bolt is loaded only when Slack is configured.
      const { verifySlackBotToken } = await import('../chat/slack/slack-calls.js');
      const { team, user } = await verifySlackBotToken(config.slack);
      say(true, `Slack: ${team} accepts the bot token (@${user}); cards go to ${config.slack.alertChannelId}. The app-level token is checked when the bot starts.`);
    } catch (error) {
      if (!(error instanceof TriageError)) throw error;
      say(false, `Slack: ${error.message}`);
      failures++;
    }
  }
  if (config.teams) say(true, 'Teams: TEAMS_WORKFLOW_URL set (not posted to: a test card would show in the channel)');
  if (config.console && config.publicBaseUrl) {
    // openid-client is loaded only when the console is configured.
    const { SignIn } = await import('../web/console/sign-in.js');
    const signIn = new SignIn(config.console, config.publicBaseUrl);
    try {
      const endpoint = await signIn.check();
      say(true, `console: ${config.console.issuer} answers (sign-in at ${endpoint}); register the redirect URI ${signIn.redirectUri}`);
    } catch (error) {
      say(false, `console: OIDC_ISSUER=${config.console.issuer} does not answer OpenID discovery (${(error as Error).message}). Check the issuer URL (Entra ID: https://login.microsoftonline.com/<tenant-id>/v2.0).`);
      failures++;
    }
  }
  const others = configuredChats(config).filter((c) => c !== 'discord').map((c) => (c === 'slack' ? 'Slack' : 'Teams'));
  say(true, config.discord ? `Discord: token set${others.length > 0 ? ` (cards also go to ${others.join(' and ')})` : ''}` : others.length > 0 ? `Discord: not configured (${others.join(' and ')} ${others.length > 1 ? 'are the chats' : 'is the chat'})` : 'Discord: not configured (alerts print to the console)');
  return failures > 0 ? 1 : 0;
}

/** "job poll: last run 2026-12-01 09:30:02 UTC (3 min ago) took 0.4 s, ok" */
function describeJobRun(run: JobRun, now: number): string {
  const when = (at: number) => `${new Date(at).toISOString().replace('T', ' ').slice(0, 19)} UTC (${ago(now - at)})`;
  if (run.finishedAt === null) return `job ${run.job}: started ${run.startedAt === null ? 'never' : when(run.startedAt)}, not finished yet`;
  const took = run.durationMs === null ? '' : ` took ${(run.durationMs / 1000).toFixed(1)} s,`;
  const outcome = run.error === null ? 'ok' : `failed: ${run.error}; last success ${run.okAt === null ? 'never' : when(run.okAt)}`;
  const running = run.startedAt !== null && run.startedAt > run.finishedAt ? `; running again since ${when(run.startedAt)}` : '';
  return `job ${run.job}: last run ${when(run.finishedAt)}${took} ${outcome}${running}`;
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

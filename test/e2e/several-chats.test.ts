import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slackCardAlertId } from '../../src/chat/slack/render-slack-card.js';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { FakeSlack, type FakeSlackMessage } from '../fakes/fake-slack.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { startBot } from '../helpers/bot.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/setup.js';

const ALERTS = 'C0ALERTS01';
const KILLS = 10;

describe('triage with Discord and Slack at once (the built CLI against both fakes)', { timeout: 120_000 }, () => {
  let discord: FakeDiscord;
  let slack: FakeSlack;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    discord = new FakeDiscord();
    slack = new FakeSlack();
    await Promise.all([discord.start(), slack.start()]);
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      DISCORD_TOKEN: discord.token,
      DISCORD_APP_ID: discord.appId,
      DISCORD_GUILD_ID: discord.guildId,
      DISCORD_ALERT_CHANNEL_ID: discord.channelIds[0]!,
      DISCORD_ACTOR_ROLE_IDS: discord.roles.actor,
      DISCORD_API_BASE_URL: discord.apiBase,
      DISCORD_STORM_THRESHOLD: '1000',
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_ALERT_CHANNEL_ID: ALERTS,
      SLACK_ACTOR_USER_GROUP_IDS: 'S0ACTORS01',
      SLACK_API_URL: slack.apiUrl,
      SLACK_STORM_THRESHOLD: '1000',
    };
  });
  afterEach(async () => {
    slack.onMessagePosted = undefined;
    discord.onMessageCreated = undefined;
    await stopSpawned();
    await Promise.all([discord.stop(), slack.stop()]);
    temp.cleanup();
    expect(slack.internalErrors).toEqual([]);
  });

  function query<T>(sql: string): T[] {
    const db = new Database(env.DATABASE_PATH!, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const discordCards = (): FakeMessage[] => [...discord.messages.values()].filter((m) => m.nonce?.startsWith('triage-alert-') === true);
  const discordAlertId = (m: FakeMessage): number => Number(m.nonce!.slice('triage-alert-'.length));
  const slackCards = (): FakeSlackMessage[] => slack.messages.filter((m) => m.thread_ts === undefined && slackCardAlertId(m) !== undefined);
  /** Alerts that are not yet carded in both chats, or undefined while the database is not there yet. */
  const notInBoth = (): number | undefined => {
    try {
      const [row] = query<{ n: number; alerts: number }>(`SELECT SUM((SELECT COUNT(*) FROM deliveries d WHERE d.kind = 'card' AND d.item_id = a.id AND d.message_id IS NOT NULL AND d.chat IN ('discord', 'slack')) < 2) AS n, COUNT(*) AS alerts FROM alerts a`);
      return row!.alerts > 0 ? row!.n : undefined;
    } catch {
      return undefined;
    }
  };

  it('cards every alert once in each chat (Teams too), and a claim on Slack redraws the Discord card', async () => {
    const teams = new FakeTeamsWorkflow();
    await teams.start();
    try {
      await cardsEverywhere(teams);
    } finally {
      await teams.stop();
    }
  });

  async function cardsEverywhere(teams: FakeTeamsWorkflow): Promise<void> {
    const withTeams = { ...env, TEAMS_WORKFLOW_URL: teams.url, PUBLIC_BASE_URL: 'http://127.0.0.1:9', TRIAGE_SECRET_KEY: 'test-secret-key-for-links-and-cookies-0123456789' };
    const bot = startBot(['--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], { env: withTeams, cwd: temp.dir });
    await bot.waitForLog((r) => r.msg === 'triage running; Ctrl-C stops' && r.chat === 'discord+slack+teams', 'the bot running on Discord, Slack and Teams');
    await discord.waitFor(() => (notInBoth() === 0 ? true : undefined), 20_000);
    const alerts = query<{ id: number }>('SELECT id FROM alerts ORDER BY id').map((a) => a.id);
    expect(alerts.length).toBeGreaterThan(5);
    expect(discordCards().map(discordAlertId).sort((a, b) => a - b)).toEqual(alerts);
    expect(slackCards().map((m) => slackCardAlertId(m)!).sort((a, b) => a - b)).toEqual(alerts);
    const teamsCards = () => teams.posts.filter((p) => p.idempotencyKey?.startsWith('triage-alert-')).map((p) => Number(p.idempotencyKey!.slice('triage-alert-'.length)));
    await discord.waitFor(() => (teamsCards().length >= alerts.length ? true : undefined), 20_000);
    expect(teamsCards().sort((a, b) => a - b)).toEqual(alerts);

    const card = slackCards().find((m) => m.channel === ALERTS)!;
    const id = slackCardAlertId(card)!;
    await slack.expectAck(slack.click(card, `t:claim:${id}`, undefined, 'ana'));
    await slack.waitFor(() => JSON.stringify(slack.messageByTs(card.ts)!.blocks).includes('claimed by @ana'), 10_000);
    const onDiscord = discordCards().find((m) => discordAlertId(m) === id)!;
    await discord.waitFor(() => (JSON.stringify(onDiscord.embeds).includes('claimed by @ana') ? true : undefined), 10_000);

    const stopped = await bot.stop();
    expect(stopped.code).toBe(0);
    // Nothing posted twice by the redraws or the sweep.
    expect(discordCards()).toHaveLength(alerts.length);
    expect(slackCards()).toHaveLength(alerts.length);
    expect(teamsCards()).toHaveLength(alerts.length);
    const doctor = await runCli(['doctor'], { env: withTeams, cwd: temp.dir });
    expect(doctor.stdout).toContain('ok   outbox per chat: discord 0 card(s) to send, slack 0 card(s) to send, teams 0 card(s) to send');
    expect(doctor.stdout).toContain('ok   Discord: token set (cards also go to Slack and Teams)');
  }

  it(`posts every alert once in each chat over ${KILLS} kill -9s while either chat is posting`, async () => {
    const now = Date.now();
    const rows = Array.from({ length: 10 }, (_, i) => ({
      platform: 'x',
      id: String(1_980_000_000_000_000_000n + BigInt(i)),
      author: { id: String(700 + i), handle: `patient_${i}` },
      text: `@RiverbendHealth charged twice for the same visit, nobody calls back (#${i})`,
      created_at: new Date(now - (10 - i) * 1000).toISOString(),
    }));
    const replay = join(temp.dir, 'mentions.jsonl');
    writeFileSync(replay, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);

    let kills = 0;
    for (let run = 0; run < KILLS; run++) {
      let child: ChildProcess | undefined;
      // The first or second card this run posts, in either chat (Discord is served first, then Slack).
      const dieOn = 1 + (run % 2);
      let created = 0;
      const kill = () => {
        if (++created !== dieOn) return;
        slack.onMessagePosted = undefined;
        discord.onMessageCreated = undefined;
        child!.kill('SIGKILL');
        kills++;
      };
      discord.onMessageCreated = kill;
      slack.onMessagePosted = kill;
      const result = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 30_000 });
      expect(result.code, `run ${run} should have been killed: ${result.stderr.slice(-2000)}`).toBe(-1);
    }
    slack.onMessagePosted = undefined;
    discord.onMessageCreated = undefined;
    const last = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(last.code, last.stderr).toBe(0);
    expect(kills).toBe(KILLS);
    // Both chats had a process die while posting to them.
    expect(query<{ chats: number }>(`SELECT COUNT(DISTINCT chat) AS chats FROM deliveries WHERE card_stale = 1 OR attempted_at IS NOT NULL`)[0]!.chats).toBe(2);

    const alerts = query<{ id: number }>('SELECT id FROM alerts ORDER BY id').map((a) => a.id);
    expect(alerts).toHaveLength(rows.length);
    expect(discordCards().map(discordAlertId).sort((a, b) => a - b)).toEqual(alerts);
    expect(slackCards().map((m) => slackCardAlertId(m)!).sort((a, b) => a - b)).toEqual(alerts);
    expect(notInBoth()).toBe(0);
  });
});

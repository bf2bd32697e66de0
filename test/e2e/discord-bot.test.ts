import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/setup.js';

describe('triage with Discord (the built CLI against a fake Discord)', () => {
  let fake: FakeDiscord;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    fake = new FakeDiscord();
    await fake.start();
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      DISCORD_TOKEN: fake.token,
      DISCORD_APP_ID: fake.appId,
      DISCORD_GUILD_ID: fake.guildId,
      DISCORD_ALERT_CHANNEL_ID: fake.channelIds[0]!,
      DISCORD_URGENT_CHANNEL_ID: fake.channelIds[1]!,
      DISCORD_LEAD_ROLE_ID: fake.roles.lead,
      DISCORD_ACTOR_ROLE_IDS: fake.roles.actor,
      DISCORD_API_BASE_URL: fake.apiBase,
      DISCORD_STORM_THRESHOLD: '100',
    };
  });
  afterEach(async () => {
    await stopSpawned();
    await fake.stop();
    temp.cleanup();
  });

  it('start --replay posts the sample as cards, acts on a click, and stops cleanly on SIGTERM', async () => {
    let child: ChildProcess | undefined;
    const run = runCli(['start', '--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], { env, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 20_000 });
    const alerts = await fake.waitFor(() => {
      try {
        const db = new Database(env.DATABASE_PATH!, { readonly: true, fileMustExist: true });
        const row = db.prepare('SELECT COUNT(*) AS n, SUM(chat_message_id IS NULL) AS pending FROM alerts').get() as { n: number; pending: number };
        db.close();
        return row.n > 0 && row.pending === 0 ? row.n : undefined;
      } catch {
        return undefined;
      }
    }, 15_000);
    // Count alert cards by their nonce: the SLA sweep may already be posting reminders and
    // escalations for the back-dated sample, and those are messages too.
    const isCard = (m: FakeMessage) => m.nonce?.startsWith('triage-alert-') === true;
    const cards = [...fake.messages.values()].filter(isCard);
    expect(cards).toHaveLength(alerts);
    expect(new Set(cards.map((m) => m.nonce)).size).toBe(alerts);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    for (const p of posts) {
      expect(p.body.allowed_mentions.parse).toEqual([]);
      expect(p.body.nonce).toMatch(/^triage-(alert|sla)-\d+$/);
      expect(p.body.enforce_nonce).toBe(true);
      expect(JSON.stringify(p.body)).not.toMatch(/@everyone/);
    }
    expect(posts.filter((p) => p.body.nonce.startsWith('triage-alert-'))).toHaveLength(alerts);
    const urgent = fake.messagesIn(fake.channelIds[1]!).filter(isCard);
    expect(urgent.length).toBeGreaterThanOrEqual(4);
    expect(urgent.every((m) => m.embeds[0].title.includes('CRITICAL'))).toBe(true);

    const card = fake.messagesIn(fake.channelIds[0]!).filter(isCard)[0]!;
    const claimId = card.components[0].components[0].custom_id as string;
    const interaction = fake.click(card, claimId, fake.member('700000000000000501', 'ana'));
    const callback = await fake.waitFor(() => fake.callbacks.find((c) => c.interactionId === interaction));
    expect(callback.type).toBe(7);

    child!.kill('SIGTERM');
    const result = await run;
    expect(result.code).toBe(0);
  });

  it('registers the /triage command with its subcommands', async () => {
    const run = await runCli(['deploy-commands'], { env, cwd: temp.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Registered \/triage with 5 subcommands in guild/);
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/applications/${fake.appId}/guilds/${fake.guildId}/commands`);
    expect(put.body[0].options.map((o: { name: string }) => o.name)).toEqual(['queue', 'sla', 'find', 'templates', 'digest']);
  });

  it('stops at once with a clear message when the token is rejected', async () => {
    const run = await runCli(['start', '--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], { env: { ...env, DISCORD_TOKEN: 'bad-token' }, cwd: temp.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Discord rejected the bot token.*DISCORD_TOKEN/);
    expect(run.stderr).not.toContain('bad-token');
  });
});

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { startBot } from '../helpers/bot.js';
import { stopSpawned } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

/**
 * `triage start` as a service: SIGTERM ends it within 10 s whatever X and Discord are doing, and a
 * restart neither loses nor repeats anything. Each test waits for the bot's own log events, never
 * for a length of time.
 */
describe('stopping the bot (the built CLI against a fake X and a fake Discord)', { timeout: 60_000 }, () => {
  let x: FakeXApi;
  let discord: FakeDiscord;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    x = new FakeXApi();
    await x.start();
    x.addUser({ id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 12000 });
    for (let i = 0; i < 20; i++) x.addUser({ id: String(1000 + i), username: `patient_${i}`, name: `Person ${i}`, followers: 10 });
    discord = new FakeDiscord();
    await discord.start();
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      X_BEARER_TOKEN: x.token,
      X_HANDLE: 'RiverbendHealth',
      X_API_BASE_URL: x.baseUrl,
      // Every second, so a test sees several poll cycles without waiting minutes.
      X_POLL_CRON: '* * * * * *',
      DISCORD_TOKEN: discord.token,
      DISCORD_ALERT_CHANNEL_ID: discord.channelIds[0]!,
      DISCORD_API_BASE_URL: discord.apiBase,
      DISCORD_STORM_THRESHOLD: '1000',
    };
  });
  afterEach(async () => {
    await stopSpawned();
    await Promise.all([x.stop(), discord.stop()]);
    temp.cleanup();
  });

  const complaints = ['billing charged me twice and nobody calls back', 'on hold for 40 minutes with billing, again', 'my bill went to collections after insurance paid'];
  function addComplaints(count: number, from = 0) {
    for (let i = from; i < from + count; i++) x.addTweet({ text: `@RiverbendHealth ${complaints[i % complaints.length]} #${i}`, authorId: String(1000 + (i % 20)) });
  }
  function query<T>(sql: string): T {
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    try {
      return db.prepare(sql).get() as T;
    } finally {
      db.close();
    }
  }
  const cardsIn = (fake: FakeDiscord) => [...fake.messages.values()].filter((m: FakeMessage) => m.nonce?.startsWith('triage-alert-'));
  const pollDone = (r: { msg: string }) => r.msg === 'poll cycle done';

  it('stops within 10 s while Discord refuses connections, keeps the unsent cards, and posts each once after a restart', async () => {
    addComplaints(3);
    const bot = startBot([], { env, cwd: temp.dir });
    await bot.waitForLog((r) => pollDone(r) && r.posted === 3, 'the first three cards posted');
    await discord.stop();
    addComplaints(5, 3);
    await bot.waitForLog((r) => r.msg === 'chat unreachable; pausing sends', 'the chat outage noticed');
    const stopped = await bot.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).not.toMatch(/did not stop/);
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL').n).toBe(5);

    const back = new FakeDiscord();
    await back.start();
    try {
      const again = startBot([], { env: { ...env, DISCORD_API_BASE_URL: back.apiBase }, cwd: temp.dir });
      await again.waitForLog((r) => pollDone(r) && r.posted === 5, 'the five waiting cards posted');
      expect((await again.stop()).code).toBe(0);
      expect(cardsIn(back)).toHaveLength(5);
      expect(query<{ n: number; alerts: number }>('SELECT COUNT(*) AS n, (SELECT COUNT(*) FROM alerts) AS alerts FROM mentions')).toEqual({ n: 8, alerts: 8 });
    } finally {
      await stopSpawned();
      await back.stop();
    }
  });

  it('backs off while Discord answers 502: one try per pause, not every card every cycle', async () => {
    const bot = startBot([], { env, cwd: temp.dir });
    await bot.waitForLog(pollDone, 'the first poll cycle');
    discord.failRestWith = 502;
    addComplaints(20);
    await bot.waitForLog((r) => r.msg === 'chat unreachable; pausing sends', 'the chat outage noticed');
    const cycles = bot.logs.filter(pollDone).length;
    await bot.waitForLog(() => bot.logs.filter(pollDone).length >= cycles + 3, 'three more poll cycles');
    expect((await bot.stop()).code).toBe(0);
    // One card tried (discord.js retries a 5xx once), then nothing until the pause is over.
    const posts = discord.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(posts.length).toBeLessThanOrEqual(2);
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL').n).toBe(20);
  });

  it('stops within 10 s while an X request hangs, and while X refuses connections', async () => {
    x.fail({ kind: 'hang' }, '/mentions', 50);
    const bot = startBot([], { env, cwd: temp.dir });
    await bot.waitForLog((r) => r.msg === 'triage running; Ctrl-C stops', 'the bot running');
    await waitUntil(() => x.requestsTo('/mentions').length > 0);
    expect((await bot.stop()).code).toBe(0);

    await x.stop();
    // With the account's id known, the poll goes straight to the mentions request and its retries.
    const again = startBot([], { env: { ...env, X_USER_ID: '900' }, cwd: temp.dir });
    await again.waitForLog((r) => r.msg === 'X request failed; retrying', 'a failed X request');
    expect((await again.stop()).code).toBe(0);
  });

  it('stops within 10 s in the middle of a paged read and, restarted, stores and posts every mention once', async () => {
    addComplaints(250);
    let bot: ReturnType<typeof startBot> | undefined;
    // SIGTERM the moment X has answered the first page of mentions: pages two and three are unread.
    x.onResponded = (request) => {
      if (request.path.includes('/mentions') && bot) {
        x.onResponded = undefined;
        bot.child.kill('SIGTERM');
      }
    };
    bot = startBot([], { env, cwd: temp.dir });
    const first = await bot.exited;
    expect(first.code).toBe(0);
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM mentions').n).toBeLessThan(250);

    const again = startBot([], { env, cwd: temp.dir });
    await again.waitForLog(() => query<{ n: number }>('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL AND coalesced_into IS NULL').n === 0 && query<{ n: number }>('SELECT COUNT(*) AS n FROM mentions').n === 250, 'every mention stored and posted', 60_000);
    expect((await again.stop()).code).toBe(0);
    expect(query<{ n: number; distinct: number }>('SELECT COUNT(*) AS n, COUNT(DISTINCT native_id) AS "distinct" FROM mentions')).toEqual({ n: 250, distinct: 250 });
    const cards = cardsIn(discord);
    expect(new Set(cards.map((m) => m.nonce)).size).toBe(cards.length);
    expect(cards).toHaveLength(query<{ n: number }>('SELECT COUNT(*) AS n FROM alerts').n);
  });

  it('stops within 10 s while a storm queue waits out Discord rate limits, then delivers every alert once', async () => {
    env.DISCORD_STORM_THRESHOLD = '5';
    addComplaints(60);
    // Short enough that discord.js waits it out inside the call: the stop must not wait with it.
    discord.retryAfterSeconds = 4;
    discord.rateLimitNext = 1_000;
    const bot = startBot([], { env, cwd: temp.dir });
    await bot.waitForLog((r) => r.msg === 'Discord rate limit: waiting for the reset', 'the long rate limit');
    expect((await bot.stop()).code).toBe(0);
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL').n).toBe(60);

    discord.rateLimitNext = 0;
    const again = startBot([], { env, cwd: temp.dir });
    await again.waitForLog((r) => pollDone(r) && r.posted === 60, 'all sixty alerts delivered');
    expect((await again.stop()).code).toBe(0);
    const cards = cardsIn(discord);
    expect(new Set(cards.map((m) => m.nonce)).size).toBe(cards.length);
    expect(cards.length).toBeLessThan(60);
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL').n).toBe(0);
  });
});

/** Checks `condition` after each turn of the event loop (I/O included) until it holds. */
async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardAlertId } from '../../src/chat/discord/render-alert-card.js';
import { FakeBluesky } from '../fakes/fake-bluesky.js';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { FakeFacebook } from '../fakes/fake-facebook.js';
import { FakeGoogle } from '../fakes/fake-google.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { startBot } from '../helpers/bot.js';
import { stopSpawned } from '../helpers/cli.js';
import { readRows, tempDir } from '../helpers/setup.js';

const MINUTE = 60_000;

/**
 * `triage start` with all five platforms: X, Bluesky and Mastodon by their one-account settings,
 * a Facebook page and Google locations from data/accounts.json, each routed to its own channel of
 * a fake Discord that ignores nonces (as Discord does a few minutes on). The bot is killed with
 * SIGKILL in the middle of a poll, and again just after Discord created a card; after each restart
 * it carries on from what it stored. Every mention ends up carded once, in its account's channel.
 */
describe('triage start on five platforms, killed mid-poll and mid-send', { timeout: 120_000 }, () => {
  let x: FakeXApi;
  let bluesky: FakeBluesky;
  let mastodon: FakeMastodon;
  let facebook: FakeFacebook;
  let google: FakeGoogle;
  let discord: FakeDiscord;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    x = new FakeXApi();
    bluesky = new FakeBluesky();
    mastodon = new FakeMastodon();
    facebook = new FakeFacebook();
    google = new FakeGoogle();
    discord = new FakeDiscord();
    discord.honourNonces = false;
    await Promise.all([x.start(), bluesky.start(), mastodon.start(), facebook.start(), google.start(), discord.start()]);
    x.addUser({ id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 12000 });
    x.addUser({ id: '1001', username: 'pat_q', name: 'Pat Q', followers: 10 });
    temp = tempDir();
    const accounts = join(temp.dir, 'accounts.json');
    writeFileSync(accounts, JSON.stringify({ accounts: [
      { id: 'system-fb', platform: 'facebook', name: 'Riverbend on Facebook', pageId: facebook.page.id, graphUrl: facebook.baseUrl, pageTokenEnv: 'SYSTEM_FB_TOKEN', routing: { alerts: discord.channelIds[1] } },
      { id: 'north-google', platform: 'google', name: 'Riverbend North reviews', accountId: google.accountId, locationIds: ['4101'], apiBaseUrl: google.baseUrl, tokenUrl: google.tokenUrl, clientIdEnv: 'NORTH_CLIENT_ID', clientSecretEnv: 'NORTH_CLIENT_SECRET', refreshTokenEnv: 'NORTH_REFRESH_TOKEN', routing: { alerts: discord.channelIds[2] } },
    ] }));
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      ACCOUNTS_PATH: accounts,
      X_BEARER_TOKEN: x.token,
      X_HANDLE: 'RiverbendHealth',
      X_API_BASE_URL: x.baseUrl,
      // Every second, so the test sees several poll cycles without waiting minutes.
      X_POLL_CRON: '* * * * * *',
      BLUESKY_HANDLE: bluesky.me.handle,
      BLUESKY_APP_PASSWORD: bluesky.appPassword,
      BLUESKY_SERVICE: bluesky.baseUrl,
      MASTODON_URL: mastodon.baseUrl,
      MASTODON_ACCESS_TOKEN: mastodon.token,
      SYSTEM_FB_TOKEN: facebook.token,
      NORTH_CLIENT_ID: google.clientId,
      NORTH_CLIENT_SECRET: google.clientSecret,
      NORTH_REFRESH_TOKEN: google.refreshToken,
      DISCORD_TOKEN: discord.token,
      DISCORD_ALERT_CHANNEL_ID: discord.channelIds[0]!,
      DISCORD_API_BASE_URL: discord.apiBase,
      DISCORD_STORM_THRESHOLD: '1000',
    };
  });
  afterEach(async () => {
    discord.onMessageCreated = undefined;
    google.onResponded = undefined;
    await stopSpawned();
    await Promise.all([x.stop(), bluesky.stop(), mastodon.stop(), facebook.stop(), google.stop(), discord.stop()]);
    temp.cleanup();
  });

  const cards = () => [...discord.messages.values()].filter((m: FakeMessage) => m.nonce?.startsWith('triage-alert-'));
  const query = <T>(sql: string): T[] => readRows<T>(env.DATABASE_PATH!, sql);
  /** SIGKILLs the bot the first time the hook `install` sets up calls `kill`. */
  const killWhen = (bot: ReturnType<typeof startBot>, install: (kill: () => void) => void) =>
    new Promise<void>((resolve) => install(() => {
      bot.child.kill('SIGKILL');
      resolve();
    }));

  it('cards one mention from each platform once, in its account\'s channel, over two kill -9s', async () => {
    const now = Date.now();
    x.addTweet({ text: '@RiverbendHealth billing charged me twice and nobody calls back (x)', authorId: '1001' });
    const pat = bluesky.addAccount({ handle: 'pat.bsky.social', displayName: 'Pat Q' });
    bluesky.addPost({ author: pat, text: `@${bluesky.me.handle} my bill went to collections after insurance paid (bluesky)` });
    const sam = mastodon.addAccount({ username: 'sam', displayName: 'Sam R', followers: 12 });
    mastodon.addStatus({ account: sam, content: '<p>@riverbend on hold for 40 minutes with billing, again &amp; again (mastodon)</p>' });
    const post = facebook.addPost({ message: 'Visiting hours change on Monday', createdAt: now - 60 * MINUTE });
    facebook.addComment({ postId: post.id, message: 'My mother was discharged without her medication list and nobody calls back (facebook)', from: { id: '2600000000101', name: 'Pat Quinn' }, createdAt: now - 20 * MINUTE });
    google.addReview({ starRating: 'ONE', comment: 'Waited five hours in the ER and the bill was wrong (google)', displayName: 'Sam Rivera', createdAt: now - 30 * MINUTE });

    // 1. Killed in the middle of the first poll: Facebook's batch is stored, Google's answer is on its way.
    const first = startBot([], { env, cwd: temp.dir });
    await killWhen(first, (kill) => (google.onResponded = (request) => {
      if (request.path.endsWith('/reviews')) kill();
    }));
    google.onResponded = undefined;
    expect((await first.exited).code).toBe(-1);

    // 2. Killed just after Discord created the second card, before the bot heard back.
    const second = startBot([], { env, cwd: temp.dir });
    let created = 0;
    await killWhen(second, (kill) => (discord.onMessageCreated = (message) => {
      if (message.nonce?.startsWith('triage-alert-') && ++created === 2) kill();
    }));
    discord.onMessageCreated = undefined;
    expect((await second.exited).code).toBe(-1);

    // 3. Runs until every card is out, then stops as a service manager stops it.
    const third = startBot([], { env, cwd: temp.dir });
    await third.waitForLog(() => cards().length >= 5 && third.logs.some((r) => r.msg === 'poll cycle done'), 'five cards and a full poll cycle', 60_000);
    await third.waitForLog((r) => r.msg === 'poll cycle done' && r.posted === 0 && r.inserted === 0, 'a quiet poll cycle after them');
    expect((await third.stop()).code).toBe(0);

    const posted = cards();
    const ids = posted.map((m) => cardAlertId(m));
    expect(new Set(ids).size).toBe(posted.length);
    expect(posted).toHaveLength(5);
    const channelOf = (marker: string) => posted.filter((m) => JSON.stringify(m.embeds).includes(marker)).map((m) => m.channel_id);
    expect(channelOf('(x)')).toEqual([discord.channelIds[0]]);
    expect(channelOf('(bluesky)')).toEqual([discord.channelIds[0]]);
    expect(channelOf('(mastodon)')).toEqual([discord.channelIds[0]]);
    expect(channelOf('(facebook)')).toEqual([discord.channelIds[1]]);
    expect(channelOf('(google)')).toEqual([discord.channelIds[2]]);
    expect(query('SELECT platform, account, COUNT(*) AS n FROM mentions GROUP BY platform, account ORDER BY platform')).toEqual([
      { platform: 'bluesky', account: 'bluesky', n: 1 },
      { platform: 'facebook', account: 'system-fb', n: 1 },
      { platform: 'google', account: 'north-google', n: 1 },
      { platform: 'mastodon', account: 'mastodon', n: 1 },
      { platform: 'x', account: 'x', n: 1 },
    ]);
    expect(query('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL')).toEqual([{ n: 0 }]);
  });
});

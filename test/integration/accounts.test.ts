import { readFileSync, writeFileSync } from 'node:fs';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { channelFor, type AlertCard, type Chat } from '../../src/chat/chat.js';
import { loadConfig } from '../../src/config.js';
import { configuredSources } from '../../src/main.js';
import { pollOnce } from '../../src/pipeline.js';
import { FakeFacebook } from '../fakes/fake-facebook.js';
import { FakeGoogle } from '../fakes/fake-google.js';
import { logCapture } from '../helpers/pipeline.js';
import { ROOT, tempDir } from '../helpers/setup.js';

const MINUTE = 60_000;
const PAT = { id: '2600000000101', name: 'Pat Quinn' };

/** A chat that records each card and the channel the card's route sends it to. */
function recordingChat(channels = { alertChannelId: '900000000000000001' }) {
  const posted: Array<{ card: AlertCard; channelId: string }> = [];
  const chat: Chat = {
    name: 'recording',
    async postAlert(card) {
      const channelId = channelFor(card.alert, card.route, channels);
      posted.push({ card, channelId });
      return { channelId, messageId: String(posted.length) };
    },
    async close() {},
  };
  return { chat, posted };
}

describe('several accounts from data/accounts.json, polled against their fakes', () => {
  let system: FakeFacebook;
  let foundation: FakeFacebook;
  let google: FakeGoogle;
  let temp: ReturnType<typeof tempDir>;
  let apps: App[];
  let env: Record<string, string>;

  beforeEach(async () => {
    system = new FakeFacebook();
    foundation = new FakeFacebook();
    foundation.page.id = '1500000000002';
    // Graph ids are unique across pages; two fakes count alike, so this one starts further on.
    for (let i = 0; i < 50; i++) foundation.addPost({ message: 'an old post', createdAt: Date.now() - 90 * 86_400_000 });
    google = new FakeGoogle();
    await Promise.all([system.start(), foundation.start(), google.start()]);
    temp = tempDir();
    apps = [];
    const accountsPath = join(temp.dir, 'accounts.json');
    writeFileSync(accountsPath, JSON.stringify({
      accounts: [
        { id: 'foundation-fb', platform: 'facebook', name: 'Riverbend Foundation', brand: 'Riverbend Foundation', contact: 'the Foundation office at (555) 010-0200', pageId: foundation.page.id, graphUrl: foundation.baseUrl, pageTokenEnv: 'FOUNDATION_FB_TOKEN', routing: { alerts: '900000000000000002' } },
        { id: 'north-google', platform: 'google', name: 'Riverbend North reviews', accountId: google.accountId, locationIds: ['4101'], apiBaseUrl: google.baseUrl, tokenUrl: google.tokenUrl, clientIdEnv: 'NORTH_CLIENT_ID', clientSecretEnv: 'NORTH_CLIENT_SECRET', refreshTokenEnv: 'NORTH_REFRESH_TOKEN', routing: { alerts: '900000000000000003' } },
      ],
    }));
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      LOG_LEVEL: 'silent',
      ACCOUNTS_PATH: accountsPath,
      // The system's page keeps the one-account settings: a shorthand beside the file.
      FACEBOOK_PAGE_ID: system.page.id,
      FACEBOOK_PAGE_TOKEN: system.token,
      FACEBOOK_GRAPH_URL: system.baseUrl,
      FOUNDATION_FB_TOKEN: foundation.token,
      NORTH_CLIENT_ID: google.clientId,
      NORTH_CLIENT_SECRET: google.clientSecret,
      NORTH_REFRESH_TOKEN: google.refreshToken,
    };
  });
  afterEach(async () => {
    for (const app of apps) app.close();
    await Promise.all([system.stop(), foundation.stop(), google.stop()]);
    temp.cleanup();
  });

  async function start(): Promise<App> {
    const app = await createApp(loadConfig(env));
    apps.push(app);
    return app;
  }

  it('stores each mention with its account, keeps cursors per account, and routes and labels each card', async () => {
    const now = Date.now();
    const complaint = 'My mother was discharged without her medication list and nobody calls back';
    const systemPost = system.addPost({ message: 'Visiting hours change on Monday', createdAt: now - 60 * MINUTE });
    system.addComment({ postId: systemPost.id, message: `${complaint} (system)`, from: PAT, createdAt: now - 20 * MINUTE });
    const gala = foundation.addPost({ message: 'Thank you for supporting the gala', createdAt: now - 60 * MINUTE });
    foundation.addComment({ postId: gala.id, message: `${complaint} (foundation)`, from: PAT, createdAt: now - 15 * MINUTE });
    google.addReview({ starRating: 'ONE', comment: 'Waited five hours in the ER and the bill was wrong', displayName: 'Sam Rivera', createdAt: now - 30 * MINUTE });

    const app = await start();
    const { chat, posted } = recordingChat();
    const signal = new AbortController().signal;
    const sources = configuredSources(app, { signal });
    expect(sources.map((s) => s.name)).toEqual(['facebook:foundation-fb', 'google:north-google', 'facebook']);
    const { poll } = await pollOnce(app.deps, sources, chat, signal, { stormThreshold: 20 });
    expect(poll).toMatchObject({ inserted: 3, alerts: 3 });

    const rows = (app.store as SqliteStore).db.prepare('SELECT platform, account, stars FROM mentions ORDER BY account').all();
    expect(rows).toEqual([
      { platform: 'facebook', account: 'facebook', stars: null },
      { platform: 'facebook', account: 'foundation-fb', stars: null },
      { platform: 'google', account: 'north-google', stars: 1 },
    ]);
    expect(await app.store.getCursor('facebook:foundation-fb', 'feed')).toBeDefined();
    expect(await app.store.getCursor('facebook', 'feed')).toBeDefined();
    const byText = (part: string) => posted.find((p) => p.card.alert.mention.text.includes(part))!;
    expect(byText('(foundation)')).toMatchObject({ channelId: '900000000000000002', card: { account: 'Riverbend Foundation' } });
    expect(byText('Waited five hours')).toMatchObject({ channelId: '900000000000000003', card: { account: 'Riverbend North reviews', alert: { mention: { stars: 1, account: 'north-google' } } } });
    // Replies follow the platform and speak for the account: no @handle on Facebook, the Google review signed.
    const foundationReplies = byText('(foundation)').card.replies;
    expect(foundationReplies.length).toBeGreaterThan(0);
    expect(foundationReplies.every((r) => !r.text.startsWith('@') && r.guard.ok)).toBe(true);
    expect(foundationReplies.some((r) => r.text.includes('the Foundation office at (555) 010-0200'))).toBe(true);
    expect(byText('Waited five hours').card.replies.every((r) => r.text.endsWith(' — The Riverbend Health team') && r.guard.ok)).toBe(true);
    // The shorthand's card looks as it always did: the chat's channel, no account line.
    expect(byText('(system)').channelId).toBe('900000000000000001');
    expect(byText('(system)').card.account).toBeUndefined();

    // The digest counts per account (the shorthand's under the platform's name).
    expect(await app.digest.queries.byAccount(now - 60 * MINUTE, now)).toEqual([
      { account: 'facebook', mentions: 1, negative: 0, alerts: 1, answered: 0 },
      { account: 'foundation-fb', mentions: 1, negative: 0, alerts: 1, answered: 0 },
      { account: 'north-google', mentions: 1, negative: 1, alerts: 1, answered: 0 },
    ]);

    // A restart polls each account from its own cursor: nothing twice.
    const again = await start();
    const second = await pollOnce(again.deps, configuredSources(again, { signal }), recordingChat().chat, signal, { stormThreshold: 20 });
    expect(second.poll.inserted).toBe(0);
    expect(second.posted).toBe(0);
  });

  it('names the account\'s own variable when its platform refuses the credential, and keeps polling the others', async () => {
    const now = Date.now();
    const post = system.addPost({ message: 'Visiting hours change on Monday', createdAt: now - 60 * MINUTE });
    system.addComment({ postId: post.id, message: 'nobody answers the billing line', from: PAT, createdAt: now - 20 * MINUTE });
    const logs = logCapture();
    const app = await createApp(loadConfig({ ...env, LOG_LEVEL: 'error', FOUNDATION_FB_TOKEN: 'EAAwrong' }), { logDestination: logs });
    apps.push(app);
    const signal = new AbortController().signal;
    const { poll } = await pollOnce(app.deps, configuredSources(app, { signal }), recordingChat().chat, signal, { stormThreshold: 20 });
    expect(poll.inserted).toBe(1);
    const errors = logs.records.filter((r) => r.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: 'facebook:foundation-fb' });
    expect(errors[0]!.msg).toMatch(/Facebook rejected the page token .*Check FOUNDATION_FB_TOKEN: .*Every Facebook stream is stopped until restart/);
    expect(errors[0]!.msg).not.toContain('FACEBOOK_PAGE_TOKEN');
  });

  it('opens an account\'s alerts under its own SLA policy, recorded under its version', async () => {
    const policy = JSON.parse(readFileSync(join(ROOT, 'data', 'sla-policy.json'), 'utf8'));
    const own = { ...policy, version: 101, targets: { ...policy.targets, normal: { firstResponseMinutes: 30, resolutionMinutes: 240, calendar: '24/7' }, high: { firstResponseMinutes: 30, resolutionMinutes: 240, calendar: '24/7' } } };
    writeFileSync(join(temp.dir, 'foundation-sla.json'), JSON.stringify(own));
    const file = JSON.parse(readFileSync(env.ACCOUNTS_PATH!, 'utf8'));
    file.accounts[0].slaPolicy = 'foundation-sla.json';
    writeFileSync(env.ACCOUNTS_PATH!, JSON.stringify(file));
    const now = Date.now();
    const complaint = 'billing charged me twice and nobody calls back';
    system.addComment({ postId: system.addPost({ message: 'Flu shots', createdAt: now - 60 * MINUTE }).id, message: `${complaint} (system)`, from: PAT, createdAt: now - 20 * MINUTE });
    foundation.addComment({ postId: foundation.addPost({ message: 'Gala', createdAt: now - 60 * MINUTE }).id, message: `${complaint} (foundation)`, from: PAT, createdAt: now - 20 * MINUTE });

    const app = await start();
    const signal = new AbortController().signal;
    await pollOnce(app.deps, configuredSources(app, { signal }), recordingChat().chat, signal, { stormThreshold: 20 });
    const rows = (app.store as SqliteStore).db.prepare('SELECT m.account, a.policy_version AS version, a.first_response_due_at - m.created_at AS dueIn FROM alerts a JOIN mentions m ON m.id = a.mention_id ORDER BY m.account').all() as Array<{ account: string; version: number; dueIn: number }>;
    expect(rows.map((r) => [r.account, r.version])).toEqual([['facebook', policy.version], ['foundation-fb', 101]]);
    expect(rows[1]!.dueIn).toBe(30 * MINUTE);
    expect((await app.store.policies()).get(101)).toBe(JSON.stringify(own));

    // The same version with other targets would rewrite history: one line says so.
    writeFileSync(join(temp.dir, 'foundation-sla.json'), JSON.stringify({ ...own, version: policy.version }));
    await expect(start()).rejects.toThrow(/foundation-sla\.json \(the "slaPolicy" of account foundation-fb\): says "version": 2 like another SLA policy in use/);
  });

  it('never groups alerts of different accounts onto one storm card', async () => {
    const now = Date.now();
    for (const [fake, n] of [[system, 4], [foundation, 4]] as const) {
      const post = fake.addPost({ message: 'Flu shots Saturday', createdAt: now - 60 * MINUTE });
      for (let i = 0; i < n; i++) fake.addComment({ postId: post.id, message: 'the portal logged me out again and billing will not answer', from: PAT, createdAt: now - (20 - i) * MINUTE });
    }
    const app = await start();
    const { chat, posted } = recordingChat();
    const signal = new AbortController().signal;
    await pollOnce(app.deps, configuredSources(app, { signal }), chat, signal, { stormThreshold: 2 });
    expect(posted).toHaveLength(2);
    for (const { card } of posted) {
      const accounts = new Set([card.alert, ...(card.grouped ?? [])].map((a) => a.mention.account));
      expect(accounts.size).toBe(1);
    }
    expect(posted.map((p) => p.channelId).sort()).toEqual(['900000000000000001', '900000000000000002']);
  });
});

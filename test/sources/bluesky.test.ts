import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlueskyConfig } from '../../src/config.js';
import { pollSource } from '../../src/pipeline.js';
import { createBlueskyAgent } from '../../src/sources/bluesky/bluesky-client.js';
import { createBlueskySource, type BlueskySourceOptions } from '../../src/sources/bluesky/bluesky-source.js';
import { FakeBluesky, type FakeBskyAccount, type FakeBskyPost } from '../fakes/fake-bluesky.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { runSourceConformance, type SourceDriver } from './conformance.js';

const NSID_NOTIFICATIONS = 'app.bsky.notification.listNotifications';

function blueskyConfig(fake: FakeBluesky, overrides: Partial<BlueskyConfig> = {}): BlueskyConfig {
  return { handle: fake.me.handle, appPassword: fake.appPassword, service: fake.baseUrl, searchIntervalMinutes: 15, backfillHours: 24, ...overrides };
}

/** The Bluesky driver for the conformance suite: mentions are notifications of reason mention. */
export function blueskyDriver(configOverrides: Partial<BlueskyConfig> = {}): SourceDriver & { fake: FakeBluesky } {
  const fake = new FakeBluesky();
  let pat: FakeBskyAccount;
  const posts = new Map<string, FakeBskyPost>();
  return {
    fake,
    platform: 'bluesky',
    mainStream: 'mentions',
    pageSize: 5,
    backfillHours: 24,
    authHint: /BLUESKY_APP_PASSWORD/,
    async start() {
      await fake.start();
      pat = fake.addAccount({ handle: 'pat.bsky.social', displayName: 'Pat Q' });
      fake.addAccount({ handle: 'sam.bsky.social', displayName: 'Sam R' });
    },
    stop: () => fake.stop(),
    createSource: ({ log, policy, store }) => {
      const config = blueskyConfig(fake, configOverrides);
      const sessions = store.sessions().for('bluesky', config.handle);
      return createBlueskySource({ config, agent: createBlueskyAgent(config, sessions, { timeoutMs: 300 }), sessions, log, policy, pageSize: 5 });
    },
    addMention({ ageMs, text } = {}) {
      const at = ageMs === undefined ? undefined : new Date(Date.now() - ageMs).toISOString();
      const post = fake.addPost({ author: pat, text: `@${fake.me.handle} ${text ?? 'hello'}`, ...(at !== undefined && { indexedAt: at }) });
      posts.set(post.uri, post);
      return { nativeId: post.uri };
    },
    addOwnReply(to, at) {
      const iso = new Date(at).toISOString();
      return { nativeId: fake.addPost({ author: fake.me, text: '@pat.bsky.social we are sorry, please DM us', replyTo: to.nativeId, createdAt: iso, indexedAt: iso }).uri };
    },
    fail(fault, times = 1) {
      const kind = fault.kind;
      if (kind === 'rate-limit') fake.fail({ kind: 'status', status: 429, resetInSeconds: fault.resetInSeconds }, NSID_NOTIFICATIONS, times);
      else if (kind === 'server-error') fake.fail({ kind: 'status', status: 502 }, NSID_NOTIFICATIONS, times);
      else if (kind === 'bad-body') fake.fail({ kind: 'malformed' }, NSID_NOTIFICATIONS, times);
      else if (kind === 'hang') fake.fail({ kind: 'hang' }, NSID_NOTIFICATIONS, times);
      else fake.fail({ kind: 'status', status: 401 }, 'com.atproto.server.createSession', times);
    },
    remove: (item) => fake.deletePost(item.nativeId),
    mainStreamRequests: () => fake.requestsTo(NSID_NOTIFICATIONS).length,
    // Likes fill the next page: the server cuts it, then drops them (the reasons filter), leaving a cursor.
    emptyPageNext() {
      const ours = fake.addPost({ author: fake.me, text: 'Flu shots this Saturday at all our clinics' });
      for (let i = 0; i < 5; i++) fake.addLike(pat, ours);
    },
    ...(configOverrides.searchQuery !== undefined && {
      addMentionFoundTwice() {
        const post = fake.addPost({ author: pat, text: `@${fake.me.handle} parking at the ER took an hour tonight` });
        return { nativeId: post.uri };
      },
    }),
  };
}

runSourceConformance('Bluesky', () => blueskyDriver());
runSourceConformance('Bluesky with keyword search', () => blueskyDriver({ searchQuery: 'parking', searchIntervalMinutes: 15 }));

describe('Bluesky source specifics (real @atproto/api agent against the fake)', () => {
  let fake: FakeBluesky;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let pat: FakeBskyAccount;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeBluesky();
    await fake.start();
    pat = fake.addAccount({ handle: 'pat.bsky.social', displayName: 'Pat Q' });
    fx = await pipelineFixture();
  });
  afterEach(async () => {
    fx.close();
    await fake.stop();
  });

  function source(overrides: Partial<BlueskySourceOptions> = {}, config = blueskyConfig(fake)) {
    const sessions = fx.store.sessions().for('bluesky', config.handle);
    return createBlueskySource({ config, agent: createBlueskyAgent(config, sessions, { timeoutMs: 300 }), sessions, log: fx.log, pageSize: 5, policy: { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, maxInlineWaitMs: 5000 }, ...overrides });
  }
  const storedSession = async () => JSON.parse((await fx.store.sessions().for('bluesky', fake.me.handle).load()) ?? 'null') as { refreshJwt: string; did: string } | null;
  const row = (nativeId: string) => fx.store.db.prepare('SELECT author_handle, author_name, text, url, in_reply_to_id, in_reply_to_text, conversation_id FROM mentions WHERE native_id = ?').get(nativeId) as Record<string, string | null> | undefined;

  it('keeps mentions, replies and quotes, ignores likes, and shows the parent post of a reply', async () => {
    const ours = fake.addPost({ author: fake.me, text: 'Our new urgent care in Eastside opens Monday' });
    const reply = fake.addPost({ author: pat, text: 'will it take walk-ins? the old one turned me away', replyTo: ours.uri });
    const quote = fake.addPost({ author: pat, text: 'they said that last year too', quotes: ours.uri });
    const mention = fake.addPost({ author: pat, text: `@${fake.me.handle} my bill went to collections` });
    fake.addLike(pat, ours);
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ inserted: 3 });
    expect(row(reply.uri)).toMatchObject({ in_reply_to_id: ours.uri, in_reply_to_text: ours.text, conversation_id: ours.uri, author_handle: 'pat.bsky.social', author_name: 'Pat Q' });
    expect(row(quote.uri)).toBeDefined();
    expect(row(mention.uri)).toMatchObject({ url: expect.stringMatching(/^https:\/\/bsky\.app\/profile\/pat\.bsky\.social\/post\/[a-z2-7]{13}$/), conversation_id: mention.uri });
    expect(fake.requestsTo('app.bsky.notification.listNotifications')[0]!.query).toMatchObject({ reasons: 'mention,reply,quote', limit: '5' });
  });

  it('logs in once, keeps the session in the database, and resumes it after a restart', async () => {
    fake.addPost({ author: pat, text: `@${fake.me.handle} hello` });
    await pollSource(source(), fx.deps, signal);
    const first = await storedSession();
    expect(first?.did).toBe(fake.me.did);
    expect(fake.sessionsCreated).toBe(1);
    // A restart resumes the stored session: a refresh (the refresh token rotates and is stored), no new login.
    await pollSource(source(), fx.deps, signal);
    await pollSource(source(), fx.deps, signal);
    expect(fake.sessionsCreated).toBe(1);
    expect((await storedSession())!.refreshJwt).not.toBe(first!.refreshJwt);
    expect(fake.requestsTo('com.atproto.server.refreshSession')).toHaveLength(2);
  });

  it('refreshes an expired access token and stores the rotated refresh token', async () => {
    const src = source();
    await pollSource(src, fx.deps, signal);
    const before = (await storedSession())!.refreshJwt;
    fake.expireAccessTokens();
    fake.addPost({ author: pat, text: `@${fake.me.handle} are you open on Sunday` });
    expect(await pollSource(src, fx.deps, signal)).toMatchObject({ inserted: 1 });
    expect((await storedSession())!.refreshJwt).not.toBe(before);
    expect(fake.sessionsCreated).toBe(1);
  });

  it('logs in again when the session is revoked, and only then', async () => {
    const src = source();
    await pollSource(src, fx.deps, signal);
    fake.revokeSessions();
    fake.addPost({ author: pat, text: `@${fake.me.handle} nobody answers the phone` });
    expect(await pollSource(src, fx.deps, signal)).toMatchObject({ inserted: 1 });
    expect(fake.sessionsCreated).toBe(2);
    expect(fx.logs.records.filter((r) => r.level >= 50)).toEqual([]);
  });

  it('says which settings are wrong when the app password is refused, without logging it', async () => {
    const config = { ...blueskyConfig(fake), appPassword: 'wrong-pass-word-xxxx' };
    await pollSource(source({}, config), fx.deps, signal);
    const errors = fx.logs.records.filter((r) => r.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/^Bluesky rejected the login for BLUESKY_HANDLE=riverbend\.bsky\.social \(401 AuthenticationRequired: Invalid identifier or password\)\. Check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD/);
    expect(JSON.stringify(fx.logs.records)).not.toContain('wrong-pass-word-xxxx');
  });

  it('retries a body the lexicon refuses and a proxy\'s HTML error page', async () => {
    fake.addPost({ author: pat, text: `@${fake.me.handle} hello` });
    fake.fail({ kind: 'invalid' }, 'listNotifications');
    fake.fail({ kind: 'html' }, 'listNotifications');
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ inserted: 1 });
    const retries = fx.logs.records.filter((r) => r.msg === 'Bluesky request failed; retrying').map((r) => String(r.err));
    expect(retries).toEqual([expect.stringMatching(/does not match its lexicon/), expect.stringMatching(/answered 502/)]);
  });

  it('searches gently: at most once per interval, never our own posts', async () => {
    const config = blueskyConfig(fake, { searchQuery: 'parking', searchIntervalMinutes: 15 });
    let now = Date.now();
    const src = source({ now: () => now }, config);
    fake.addPost({ author: fake.me, text: 'parking is free on weekends' });
    const theirs = fake.addPost({ author: pat, text: 'parking at the ER took an hour' });
    expect(await pollSource(src, fx.deps, signal)).toMatchObject({ inserted: 1 });
    expect(row(theirs.uri)).toBeDefined();
    await pollSource(src, fx.deps, signal);
    expect(fake.requestsTo('app.bsky.feed.searchPosts')).toHaveLength(1);
    now += 15 * 60_000;
    await pollSource(src, fx.deps, signal);
    expect(fake.requestsTo('app.bsky.feed.searchPosts')).toHaveLength(2);
    expect(fake.requestsTo('app.bsky.feed.searchPosts')[0]!.query).toMatchObject({ q: 'parking', sort: 'latest' });
  });
});

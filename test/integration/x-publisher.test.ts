import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor, HandlerContext } from '../../src/chat/handler-types.js';
import { composeReply, submitReply } from '../../src/chat/reply-desk.js';
import { renderComposeModal } from '../../src/chat/slack/render-slack-reply.js';
import { decideFor } from '../../src/pipeline.js';
import type { ReplyPublisher } from '../../src/sources/reply-publisher.js';
import { sendReplies } from '../../src/sources/send-replies.js';
import { xPublisher } from '../../src/sources/x/x-publisher.js';
import { tokenSeal } from '../../src/store/oauth-logins.js';
import { CLAIM_MS } from '../../src/store/store-port.js';
import { FakeXApi, type FakeTweet } from '../fakes/fake-x-api.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

const KEY = 'test-secret-key-of-at-least-32-characters';

/**
 * Replies on X in user context against the fake X, which issues and rotates OAuth 2.0 tokens,
 * enforces X's reply rule and records every post: refresh ahead of expiry and on a 401, a revoked
 * login that keeps the drafts queued with one message, and a retry that adopts the first reply.
 */
describe('replying on X from the card', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let ctx: HandlerContext;
  let fake: FakeXApi;
  let clock = Date.UTC(2026, 11, 1, 15, 0);
  const kim: Actor = { name: '@kim', ref: 'U-kim', chat: 'test' };
  const seal = tokenSeal(KEY);
  const us = { id: '4200', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 9000 };
  const pat = { id: '77', username: 'pat', name: 'Pat', followers: 12 };
  const text = '@pat Sorry for the trouble. Please send us a private message so we can help.';

  const publisher = (): ReplyPublisher => xPublisher({ account: 'x', oauth: { clientId: fake.oauthClient.id, apiBaseUrl: fake.baseUrl }, logins: fx.store.oauthLogins, seal, log: fx.log, now: () => clock });
  const send = (p: ReplyPublisher = publisher()) => sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => p });

  /** The consent `triage auth x` would have stored: tokens the fake issued to our account. */
  async function connect(expiresInMs = 7200_000): Promise<{ accessToken: string; refreshToken: string }> {
    const issued = fake.issueTokens(us.id);
    await fx.store.oauthLogins.save('x', 'x', { userId: us.id, username: us.username, tokens: { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: clock + expiresInMs, scope: issued.scope.split(' ') } }, seal);
    return issued;
  }

  async function alertOn(post: FakeTweet): Promise<number> {
    await fx.store.ingest({ source: 'x', mentions: [mention({ platform: 'x', nativeId: post.id, text: post.text, author: { id: pat.id, handle: pat.username }, createdAt: clock - 60_000 })], now: clock }, decideFor(fx.deps));
    return (await fx.store.findAlerts(post.text.slice(-20), 1))[0]!.id;
  }

  async function queueReplyTo(post: FakeTweet): Promise<number> {
    const alertId = await alertOn(post);
    const queued = await submitReply(ctx, { alertId, actor: kim, text });
    expect(queued.kind).toBe('queued');
    return alertId;
  }

  const errorLines = () => fx.logs.records.filter((r) => r.level >= 50).map((r) => r.msg);

  beforeEach(async () => {
    fx = await pipelineFixture(() => clock);
    ctx = { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
    fake = new FakeXApi();
    fake.now = () => clock;
    await fake.start();
    fake.addUser(us);
    fake.addUser(pat);
  });
  afterEach(async () => {
    await fake.stop();
    await fx.close();
  });

  it('posts once with reply.in_reply_to_tweet_id in user context and records the first response', async () => {
    const { accessToken } = await connect();
    const post = fake.addTweet({ text: '@RiverbendHealth my bill went to collections after insurance paid', authorId: pat.id });
    const alertId = await queueReplyTo(post);
    expect(await send()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    const [write] = fake.requestsTo('/2/tweets').filter((r) => r.method === 'POST');
    expect(write).toMatchObject({ path: '/2/tweets', body: { text, reply: { in_reply_to_tweet_id: post.id } }, authorization: `Bearer ${accessToken}` });
    const [reply] = fake.repliesBy(us.id, post.id);
    expect(fake.repliesBy(us.id)).toHaveLength(1);
    expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'sent', remoteId: reply!.id, remoteUrl: `https://x.com/RiverbendHealth/status/${reply!.id}` });
    expect(await fx.store.getAlert(alertId)).toMatchObject({ state: 'responded', firstResponseAt: clock, respondedBy: '@kim' });
    expect(fake.requestsTo('/2/oauth2/token')).toHaveLength(0);
  });

  it('refreshes an access token about to lapse before using it, and stores the rotated refresh token', async () => {
    const first = await connect(60_000);
    const post = fake.addTweet({ text: '@RiverbendHealth the portal is down again', authorId: pat.id });
    await queueReplyTo(post);
    expect(await send()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(fake.requestsTo('/2/oauth2/token').map((r) => r.body)).toEqual([{ refresh_token: first.refreshToken, grant_type: 'refresh_token', client_id: fake.oauthClient.id }]);
    const login = await fx.store.oauthLogins.load('x', 'x', seal);
    expect(login!.tokens.refreshToken).not.toBe(first.refreshToken);
    expect(login!.tokens.expiresAt).toBe(clock + 7200_000);
    // The write went with the new token: the old refresh token is dead at X now.
    expect(fake.requestsTo('/2/tweets').at(-1)!.authorization).toBe(`Bearer ${login!.tokens.accessToken}`);
    expect((await fetch(`${fake.baseUrl}/2/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refreshToken, client_id: fake.oauthClient.id }) })).status).toBe(400);
  });

  it('refreshes on a 401 and sends with the new token, once', async () => {
    const first = await connect();
    fake.expireAccessTokens();
    const post = fake.addTweet({ text: '@RiverbendHealth nobody answers the phone', authorId: pat.id });
    await queueReplyTo(post);
    expect(await send()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(fake.requestsTo('/2/tweets').filter((r) => r.method === 'POST').map((r) => r.authorization)).toEqual([`Bearer ${first.accessToken}`, expect.not.stringContaining(first.accessToken)]);
    expect(fake.requestsTo('/2/oauth2/token')).toHaveLength(1);
    expect(fake.repliesBy(us.id, post.id)).toHaveLength(1);
    expect((await fx.store.oauthLogins.load('x', 'x', seal))!.tokens.refreshToken).not.toBe(first.refreshToken);
  });

  it('takes the tokens another instance just rotated instead of calling the login revoked', async () => {
    const first = await connect(60_000);
    // Instance B read the login, then instance A refreshed it (X rotated the refresh token) and sent.
    const stale = await fx.store.oauthLogins.load('x', 'x', seal);
    const posts = [fake.addTweet({ text: '@RiverbendHealth one', authorId: pat.id }), fake.addTweet({ text: '@RiverbendHealth two', authorId: pat.id })];
    const reply = (i: number) => ({ text: `${text} (${i})`, sendKey: `k${i}`, createdAt: clock, retry: false });
    const parent = (i: number) => ({ nativeId: posts[i]!.id, url: null, authorHandle: pat.username });
    await publisher().publish(reply(0), parent(0));
    let reads = 0;
    const logins = fx.store.oauthLogins;
    const b = xPublisher({ account: 'x', oauth: { clientId: fake.oauthClient.id, apiBaseUrl: fake.baseUrl }, seal, log: fx.log, now: () => clock, logins: {
      identity: (...a) => logins.identity(...a), save: (...a) => logins.save(...a), markRevoked: (...a) => logins.markRevoked(...a),
      load: async (...a) => (reads++ === 0 ? stale : logins.load(...a)),
    } });
    // B refreshes with the refresh token A used up: X refuses it, and B finds A's newer tokens.
    const sent = await b.publish(reply(1), parent(1));
    expect(sent.id).toBe(fake.repliesBy(us.id, posts[1]!.id)[0]!.id);
    expect(fake.requestsTo('/2/oauth2/token').map((r) => r.body?.refresh_token)).toEqual([first.refreshToken, first.refreshToken]);
    expect(await fx.store.oauthLogins.identity('x', 'x')).toMatchObject({ revokedAt: null });
    expect(errorLines()).toEqual([]);
  });

  it('stops sending on a revoked refresh token with one message and keeps the drafts queued until a new consent', async () => {
    await connect();
    const posts = [fake.addTweet({ text: '@RiverbendHealth my claim was denied twice', authorId: pat.id }), fake.addTweet({ text: '@RiverbendHealth still waiting on a callback', authorId: pat.id })];
    const alerts = [await queueReplyTo(posts[0]!), await queueReplyTo(posts[1]!)];
    fake.revokeUser(us.id);
    const p = publisher();
    expect(await send(p)).toEqual({ sent: 0, failed: 0, retrying: 2 });
    clock += CLAIM_MS + 1;
    expect(await send(p)).toEqual({ sent: 0, failed: 0, retrying: 2 });
    expect(errorLines()).toEqual(['X access was revoked: run `triage auth x`; replies on X stay queued until then']);
    expect(fx.logs.records.filter((r) => r.level >= 40)).toHaveLength(1);
    expect(fake.requestsTo('/2/oauth2/token')).toHaveLength(1);
    const states = async () => (await Promise.all(alerts.map((a) => fx.store.replies.forAlert(a)))).flat().map((d) => d.state);
    expect((await states()).every((s) => s === 'queued' || s === 'sending')).toBe(true);
    expect(await fx.store.oauthLogins.identity('x', 'x')).toMatchObject({ revokedAt: expect.any(Number), revokedReason: expect.stringContaining('invalid') });
    // The composer says it too.
    expect(await composeReply(ctx, { alertId: alerts[0]!, actor: kim })).toMatchObject({ copyOnly: false, notice: expect.stringContaining('X access was revoked: run `triage auth x`') });

    await connect();
    clock += CLAIM_MS + 1;
    expect(await send(p)).toEqual({ sent: 2, failed: 0, retrying: 0 });
    expect(posts.map((post) => fake.repliesBy(us.id, post.id).length)).toEqual([1, 1]);
  });

  it('adopts the reply an earlier attempt posted instead of posting again', async () => {
    await connect();
    const post = fake.addTweet({ text: '@RiverbendHealth where do I send the form & the receipt?', authorId: pat.id });
    const alertId = await queueReplyTo(post);
    const real = publisher();
    const dying: ReplyPublisher = { platform: 'x', held: () => real.held!(), publish: async (reply, parent) => {
      await real.publish(reply, parent);
      throw new Error('killed after X accepted the reply');
    } };
    expect(await send(dying)).toEqual({ sent: 0, failed: 0, retrying: 1 });
    expect(fake.repliesBy(us.id, post.id)).toHaveLength(1);
    clock += CLAIM_MS + 1;
    expect(await send()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(fake.repliesBy(us.id, post.id)).toHaveLength(1);
    expect(fake.requestsTo('/2/tweets').filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(fake.requestsTo(`/2/users/${us.id}/tweets`)).toHaveLength(1);
    expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'sent', remoteId: fake.repliesBy(us.id, post.id)[0]!.id });
  });

  describe("X's reply rule and its price", () => {
    it('offers only the text to copy for a post that does not mention us, and refuses to queue it', async () => {
      await connect();
      const post = fake.addTweet({ text: 'Riverbend Health lost my referral again', authorId: pat.id });
      const alertId = await alertOn(post);
      const composed = await composeReply(ctx, { alertId, actor: kim, template: undefined });
      expect(composed).toMatchObject({ kind: 'compose', copyOnly: true, notice: expect.stringContaining('only to a post whose author @mentioned or quoted our account') });
      expect(composed.kind === 'compose' && composed.notice).toContain('about $0.015');
      const modal = renderComposeModal(composed as Extract<typeof composed, { kind: 'compose' }>, { alertId });
      expect(modal.submit).toMatchObject({ text: 'Check' });
      expect(JSON.stringify(modal.blocks)).toContain('about $0.015');
      const refused = await submitReply(ctx, { alertId, actor: kim, text });
      expect(refused).toMatchObject({ kind: 'refused', text: expect.stringMatching(/^Not queued: X accepts a reply from the API only/) });
      expect(await fx.store.replies.forAlert(alertId)).toEqual([]);
    });

    it('shows the price of a reply to a post that summoned us in the composer', async () => {
      await connect();
      const alertId = await alertOn(fake.addTweet({ text: 'hey @riverbendhealth my bill is wrong', authorId: pat.id }));
      const composed = await composeReply(ctx, { alertId, actor: kim });
      expect(composed).toMatchObject({ copyOnly: false, notice: 'Sent as @RiverbendHealth; X charges about $0.01 for this reply (pay-per-use).' });
      const modal = renderComposeModal(composed as Extract<typeof composed, { kind: 'compose' }>, { alertId });
      expect(modal.submit).toMatchObject({ text: 'Send' });
      expect(JSON.stringify(modal.blocks)).toContain('about $0.01 for this reply');
      // Another handle that merely starts the same does not count as mentioning us.
      const other = await alertOn(fake.addTweet({ text: '@RiverbendHealthcare my bill is wrong', authorId: pat.id }));
      expect(await composeReply(ctx, { alertId: other, actor: kim })).toMatchObject({ copyOnly: true });
    });

    it('takes a reply X refuses under the rule out of the outbox with why (403), without a second try', async () => {
      await connect();
      const post = fake.addTweet({ text: 'Riverbend Health lost my referral again', authorId: pat.id });
      const alertId = await alertOn(post);
      // Queued by another path than the composer (say, before the login knew who we are).
      await fx.store.replies.create({ alertId, platform: 'x', account: null, text, author: '@kim', guard: { ok: true, problems: [] }, approval: { required: false }, sendKey: 'k1', now: clock });
      expect(await send()).toEqual({ sent: 0, failed: 1, retrying: 0 });
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'failed', failure: expect.stringContaining('X accepts a reply from the API only to a post whose author @mentioned or quoted') });
      expect(fake.repliesBy(us.id)).toEqual([]);
      expect(fake.requestsTo('/2/tweets').filter((r) => r.method === 'POST')).toHaveLength(1);
    });

    it('says X is not connected until `triage auth x` ran, and still lets the reply wait in the queue', async () => {
      const alertId = await alertOn(fake.addTweet({ text: '@RiverbendHealth my bill is wrong', authorId: pat.id }));
      expect(await composeReply(ctx, { alertId, actor: kim })).toMatchObject({ copyOnly: false, notice: expect.stringContaining('run `triage auth x` first') });
      await submitReply(ctx, { alertId, actor: kim, text });
      expect(await send()).toEqual({ sent: 0, failed: 0, retrying: 1 });
      expect(errorLines()).toEqual(['X is not connected for account x: run `triage auth x`; replies on X stay queued until then']);
      expect(fake.requests).toHaveLength(0);
    });
  });
});

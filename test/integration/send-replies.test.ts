import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor, HandlerContext } from '../../src/chat/handler-types.js';
import { submitReply } from '../../src/chat/reply-desk.js';
import { cardFor, decideFor } from '../../src/pipeline.js';
import { renderAlertEmbed } from '../../src/chat/discord/render-alert-card.js';
import { renderSlackCard } from '../../src/chat/slack/render-slack-card.js';
import { blueskyPublisher, replyRecordKey } from '../../src/sources/bluesky/bluesky-publisher.js';
import { createBlueskyAgent } from '../../src/sources/bluesky/bluesky-client.js';
import { createMastodonClient } from '../../src/sources/mastodon/mastodon-client.js';
import { mastodonPublisher } from '../../src/sources/mastodon/mastodon-publisher.js';
import type { ReplyPublisher } from '../../src/sources/reply-publisher.js';
import { sendReplies } from '../../src/sources/send-replies.js';
import { CLAIM_MS } from '../../src/store/store-port.js';
import { FakeBluesky } from '../fakes/fake-bluesky.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { mention } from '../helpers/mentions.js';
import type { Mention } from '../../src/domain/mention.js';
import { FakeGoogle } from '../fakes/fake-google.js';
import { FakeFacebook } from '../fakes/fake-facebook.js';
import { googlePublisher } from '../../src/sources/google/google-publisher.js';
import { reviewVersionOf } from '../../src/sources/google/google-reviews-source.js';
import { facebookPublisher } from '../../src/sources/facebook/facebook-publisher.js';
import { createGraphClient } from '../../src/sources/facebook/graph-client.js';
import { pipelineFixture } from '../helpers/pipeline.js';

/**
 * The reply outbox against the real clients and fakes that record the writes in the platforms' wire
 * format: sent once, the first response recorded at the send time, and a send whose record was lost
 * (the process died after the platform accepted it) sent again without a second post.
 */
describe('sending replies from the card', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let ctx: HandlerContext;
  let clock = Date.UTC(2026, 11, 1, 15, 0);
  const kim: Actor = { name: '@kim', ref: 'U-kim', chat: 'test' };
  const text = 'Sorry for the trouble. Please send us a private message so we can help.';

  /** Publishes, then dies before anything is recorded: what SIGKILL between send and record leaves. */
  const dying = (publisher: ReplyPublisher): ReplyPublisher => ({
    platform: publisher.platform,
    async publish(reply, parent) {
      await publisher.publish(reply, parent);
      throw new Error('killed after the platform accepted the reply');
    },
  });

  async function queueReplyTo(platform: string, nativeId: string, thread: Partial<Mention> = {}, reply = text): Promise<number> {
    await fx.store.ingest({ source: platform, mentions: [mention({ platform, nativeId, text: 'my bill went to collections after insurance paid', createdAt: clock - 60_000, ...thread })], now: clock }, decideFor(fx.deps));
    const alertId = (await fx.store.findAlerts('collections', 100)).find((a) => a.mention.nativeId === nativeId)!.id;
    const queued = await submitReply(ctx, { alertId, actor: kim, text: reply });
    expect(queued.kind, JSON.stringify(queued)).toBe('queued');
    return alertId;
  }

  beforeEach(async () => {
    fx = await pipelineFixture(() => clock);
    ctx = { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
  });
  afterEach(() => fx.close());

  describe('Mastodon', () => {
    let fake: FakeMastodon;
    beforeEach(async () => {
      fake = new FakeMastodon();
      await fake.start();
    });
    afterEach(() => fake.stop());
    const publisher = () => mastodonPublisher(createMastodonClient({ url: fake.baseUrl, accessToken: fake.token }));

    it('posts once with in_reply_to_id, the visibility of the post answered and the draft\'s Idempotency-Key, then records the first response', async () => {
      const author = fake.addAccount({ username: 'pat', displayName: 'Pat', followers: 3 });
      const post = fake.addStatus({ account: author, content: '<p>@riverbend my bill went to collections</p>' });
      post.visibility = 'unlisted';
      const alertId = await queueReplyTo('mastodon', post.id);
      await fx.store.markPosted(alertId, 'C1', 'M1', clock);
      const summary = await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() });
      expect(summary).toEqual({ sent: 1, failed: 0, retrying: 0 });
      const [reply] = fake.repliesTo(post.id);
      expect(fake.repliesTo(post.id)).toHaveLength(1);
      const [write] = fake.requestsTo('/api/v1/statuses').filter((r) => r.method === 'POST');
      const [draft] = await fx.store.replies.forAlert(alertId);
      expect(write).toMatchObject({ body: { status: text, in_reply_to_id: post.id, visibility: 'unlisted' }, idempotencyKey: draft!.sendKey, authorization: `Bearer ${fake.token}` });
      expect(reply!.visibility).toBe('unlisted');
      expect(draft).toMatchObject({ state: 'sent', sentAt: clock, remoteId: reply!.id, remoteUrl: `${fake.baseUrl}/@riverbend/${reply!.id}` });
      expect(await fx.store.getAlert(alertId)).toMatchObject({ state: 'responded', firstResponseAt: clock, respondedBy: '@kim' });
      expect((await fx.store.alertEvents(alertId)).at(-1)).toMatchObject({ actor: '@kim', action: 'respond', detail: { text, url: draft!.remoteUrl } });
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock + CLAIM_MS * 2, publisherFor: () => publisher() })).toEqual({ sent: 0, failed: 0, retrying: 0 });
      // The card is redrawn with who replied, the text and the link.
      const alert = (await fx.store.getAlert(alertId))!;
      const card = await cardFor(alert, fx.deps);
      expect(card.sentReply).toEqual({ by: '@kim', text, url: draft!.remoteUrl, at: clock });
      const embed = JSON.stringify(renderAlertEmbed(card, { now: clock }));
      expect(embed).toContain('Replied by @kim');
      expect(embed).toContain(`[Open the reply](${draft!.remoteUrl})`);
      expect(JSON.stringify(renderSlackCard(card, { now: clock }).blocks)).toContain(`<${draft!.remoteUrl}|open the reply>`);
      expect(fx.store.db.prepare('SELECT card_stale FROM alerts WHERE id = ?').pluck().get(alertId)).toBe(1);
    });

    it('leaves exactly one reply when the process dies between the platform\'s answer and the record', async () => {
      const post = fake.addStatus({ account: fake.addAccount({ username: 'pat', displayName: 'Pat', followers: 3 }), content: '<p>@riverbend help</p>' });
      const alertId = await queueReplyTo('mastodon', post.id);
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => dying(publisher()) })).toEqual({ sent: 0, failed: 0, retrying: 1 });
      expect(fake.repliesTo(post.id)).toHaveLength(1);
      clock += CLAIM_MS + 1;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(fake.repliesTo(post.id)).toHaveLength(1);
      expect(fake.requestsTo('/api/v1/statuses').filter((r) => r.method === 'POST')).toHaveLength(2);
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'sent', remoteId: fake.repliesTo(post.id)[0]!.id });
    });

    it('takes a reply the platform refuses for good out of the outbox, with why', async () => {
      const alertId = await queueReplyTo('mastodon', '999999');
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 0, failed: 1, retrying: 0 });
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'failed', failure: expect.stringMatching(/Mastodon answered 404/) });
      expect(fake.statuses.filter((s) => s.accountId === fake.me.id)).toEqual([]);
    });

    it('keeps the drafts and pauses with one message when Mastodon rejects the token, then sends once it is replaced', async () => {
      const post = fake.addStatus({ account: fake.addAccount({ username: 'pat', displayName: 'Pat', followers: 3 }), content: '<p>@riverbend help</p>' });
      const alertId = await queueReplyTo('mastodon', post.id);
      const stale = () => mastodonPublisher(createMastodonClient({ url: fake.baseUrl, accessToken: 'revoked-token' }));
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => stale() })).toEqual({ sent: 0, failed: 0, retrying: 1 });
      const paused = fx.logs.records.filter((r) => typeof r.msg === 'string' && r.msg.startsWith('replies paused: '));
      expect(paused).toHaveLength(1);
      expect(paused[0]!.msg).toMatch(/MASTODON_ACCESS_TOKEN.*Replies to send wait in the outbox until this is fixed\.$/);
      expect(fake.repliesTo(post.id)).toEqual([]);
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'sending' });
      clock += CLAIM_MS + 1;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(fake.repliesTo(post.id)).toHaveLength(1);
    });

    it('says so when an account has no way to send, and sends nothing', async () => {
      const alertId = await queueReplyTo('x', '1900000000000000001');
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => undefined })).toEqual({ sent: 0, failed: 1, retrying: 0 });
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'failed', failure: 'replying on x is not set up for this account: copy the text and post it there' });
    });
  });

  describe('Bluesky', () => {
    let fake: FakeBluesky;
    beforeEach(async () => {
      fake = new FakeBluesky();
      await fake.start();
    });
    afterEach(() => fake.stop());
    const publisher = () => {
      const sessions = fx.store.sessions(() => clock).for('bluesky', 'bluesky');
      return blueskyPublisher(createBlueskyAgent({ service: fake.baseUrl }, sessions), { handle: fake.me.handle, appPassword: fake.appPassword }, sessions);
    };

    it('writes one app.bsky.feed.post with root and parent refs under the record key derived from the draft', async () => {
      const pat = fake.addAccount({ handle: 'pat.bsky.social' });
      const root = fake.addPost({ author: pat, text: 'the clinic moved?' });
      const parent = fake.addPost({ author: pat, text: `@${fake.me.handle} my bill went to collections`, replyTo: root.uri });
      const alertId = await queueReplyTo('bluesky', parent.uri);
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      const [draft] = await fx.store.replies.forAlert(alertId);
      const rkey = replyRecordKey(draft!.sendKey, draft!.createdAt);
      const [write] = fake.requests.filter((r) => r.nsid === 'com.atproto.repo.createRecord');
      expect(write!.body).toEqual({ repo: fake.me.did, collection: 'app.bsky.feed.post', rkey, record: { $type: 'app.bsky.feed.post', text, createdAt: new Date(draft!.createdAt).toISOString(), reply: { root: { uri: root.uri, cid: root.cid }, parent: { uri: parent.uri, cid: parent.cid } } } });
      expect(fake.ownReplies(parent.uri)).toHaveLength(1);
      expect(draft).toMatchObject({ state: 'sent', remoteId: `at://${fake.me.did}/app.bsky.feed.post/${rkey}`, remoteUrl: `https://bsky.app/profile/${fake.me.handle}/post/${rkey}` });
      expect(await fx.store.getAlert(alertId)).toMatchObject({ firstResponseAt: clock, respondedBy: '@kim' });
    });

    it('finds the first reply instead of posting a second after a death between send and record', async () => {
      const post = fake.addPost({ author: fake.addAccount({ handle: 'pat.bsky.social' }), text: `@${fake.me.handle} help` });
      const alertId = await queueReplyTo('bluesky', post.uri);
      await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => dying(publisher()) });
      clock += CLAIM_MS + 1;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(fake.ownReplies(post.uri)).toHaveLength(1);
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'sent', remoteId: fake.ownReplies(post.uri)[0]!.uri });
    });

    it('collides on the record key even when the retry does not know it was attempted', async () => {
      const post = fake.addPost({ author: fake.addAccount({ handle: 'pat.bsky.social' }), text: `@${fake.me.handle} help` });
      const reply = { text, sendKey: 'draft-key', createdAt: clock, retry: false };
      const first = await publisher().publish(reply, { nativeId: post.uri, url: null, authorHandle: 'pat.bsky.social' });
      const second = await publisher().publish(reply, { nativeId: post.uri, url: null, authorHandle: 'pat.bsky.social' });
      expect(second).toEqual(first);
      expect(fake.ownReplies(post.uri)).toHaveLength(1);
    });
  });

  describe('Google', () => {
    let fake: FakeGoogle;
    beforeEach(async () => {
      fake = new FakeGoogle();
      fake.now = () => clock;
      await fake.start();
    });
    afterEach(() => fake.stop());
    const publisher = (refreshToken = fake.refreshToken) => googlePublisher({ accountId: fake.accountId, locationIds: ['4101', '4102'], clientId: fake.clientId, clientSecret: fake.clientSecret, refreshToken, apiBaseUrl: fake.baseUrl, tokenUrl: fake.tokenUrl, backfillHours: 24 });
    const answer = 'We are sorry for the trouble. Please contact us so we can help. — The Riverbend Health team';
    const reviewMention = (review: ReturnType<FakeGoogle['addReview']>) => [reviewVersionOf({ reviewId: review.reviewId, starRating: review.starRating, ...(review.comment !== undefined && { comment: review.comment }) }), { stream: `location:${review.locationId}` }, answer] as const;

    it('puts the reply on the review it answers (PUT .../reviews/{id}/reply with the comment), then records the first response', async () => {
      const review = fake.addReview({ locationId: '4102', displayName: 'Pat', starRating: 'ONE', comment: 'my bill went to collections after insurance paid', createdAt: clock - 60_000 });
      const alertId = await queueReplyTo('google', ...reviewMention(review));
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      const [write] = fake.requests.filter((r) => r.method === 'PUT');
      expect(write).toMatchObject({ path: `/v4/accounts/${fake.accountId}/locations/4102/reviews/${review.reviewId}/reply`, body: { comment: answer }, authorization: expect.stringMatching(/^Bearer ya29\./) });
      expect(review.reply).toEqual({ comment: answer, updatedAt: clock });
      const [draft] = await fx.store.replies.forAlert(alertId);
      expect(draft).toMatchObject({ state: 'sent', remoteId: `${review.reviewId}/reply@${new Date(clock).toISOString().replace(/Z$/, '123Z')}`, remoteUrl: null });
      expect(await fx.store.getAlert(alertId)).toMatchObject({ state: 'responded', firstResponseAt: clock, respondedBy: '@kim' });
    });

    it('rewrites the same reply instead of adding one when the process died between the platform\'s answer and the record', async () => {
      const review = fake.addReview({ displayName: 'Pat', starRating: 'TWO', comment: 'my bill went to collections', createdAt: clock - 60_000 });
      const alertId = await queueReplyTo('google', ...reviewMention(review));
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => dying(publisher()) })).toEqual({ sent: 0, failed: 0, retrying: 1 });
      clock += CLAIM_MS + 1;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(fake.replyWrites.map((w) => w.reviewId)).toEqual([review.reviewId, review.reviewId]);
      expect(fake.reviews.filter((r) => r.reply)).toHaveLength(1);
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'sent' });
    });

    it('stops sending with one clear message and keeps the drafts when the refresh token is revoked, then sends them once it is fixed', async () => {
      const first = fake.addReview({ displayName: 'Pat', starRating: 'ONE', comment: 'my bill went to collections', createdAt: clock - 60_000 });
      const second = fake.addReview({ displayName: 'Sam', starRating: 'ONE', comment: 'my bill went to collections twice', createdAt: clock - 50_000 });
      const ids = [await queueReplyTo('google', ...reviewMention(first)), await queueReplyTo('google', ...reviewMention(second))];
      const revoked = publisher('1//revoked-by-the-manager');
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => revoked })).toEqual({ sent: 0, failed: 0, retrying: 2 });
      const paused = fx.logs.records.filter((r) => typeof r.msg === 'string' && r.msg.startsWith('replies paused: '));
      expect(paused).toHaveLength(1);
      expect(paused[0]!.msg).toMatch(/Google refused the refresh token \(invalid_grant.*GOOGLE_REFRESH_TOKEN.*Replies to send wait in the outbox until this is fixed\.$/);
      expect(fake.requests.filter((r) => r.path === '/token')).toHaveLength(1);
      expect(fake.replyWrites).toEqual([]);
      expect((await Promise.all(ids.map((id) => fx.store.replies.forAlert(id)))).flat().map((d) => d.state)).toEqual(['sending', 'queued']);
      clock += 60_000;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 2, failed: 0, retrying: 0 });
      expect(fake.replyWrites.map((w) => w.reviewId)).toEqual([first.reviewId, second.reviewId]);
    });

    it('takes a reply to a deleted review out of the outbox, with why', async () => {
      const review = fake.addReview({ displayName: 'Pat', starRating: 'ONE', comment: 'my bill went to collections', createdAt: clock - 60_000 });
      const alertId = await queueReplyTo('google', ...reviewMention(review));
      fake.remove(review);
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 0, failed: 1, retrying: 0 });
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'failed', failure: expect.stringMatching(/no review .* any more/) });
    });
  });

  describe('Facebook', () => {
    let fake: FakeFacebook;
    beforeEach(async () => {
      fake = new FakeFacebook();
      fake.now = () => clock;
      await fake.start();
    });
    afterEach(() => fake.stop());
    const publisher = () => facebookPublisher({ pageId: fake.page.id }, createGraphClient({ graphUrl: fake.baseUrl, pageToken: fake.token }));
    const pat = { id: '100000000000077', name: 'Pat Doe' };
    const commentMention = (comment: ReturnType<FakeFacebook['addComment']>) => [comment.id, { conversationId: comment.postId, inReplyToId: comment.parentId ?? comment.postId, stream: 'feed', url: `https://www.facebook.com/${comment.postId.replace('_', '/posts/')}?comment_id=${comment.id}` }] as const;
    const posts = () => fake.requests.filter((r) => r.method === 'POST');

    it('replies under the comment as the Page (POST /{comment-id}/comments with the message), then records the first response', async () => {
      const post = fake.addPost({ message: 'Our new clinic hours', createdAt: clock - 3600_000 });
      const comment = fake.addComment({ postId: post.id, from: pat, message: 'my bill went to collections after insurance paid', createdAt: clock - 60_000 });
      const alertId = await queueReplyTo('facebook', ...commentMention(comment));
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(posts()).toMatchObject([{ path: `/${fake.version}/${comment.id}/comments`, form: { message: text }, authorization: `Bearer ${fake.token}` }]);
      const [reply] = fake.ownReplies(comment.id);
      expect(fake.ownReplies(comment.id)).toHaveLength(1);
      expect(reply).toMatchObject({ parentId: comment.id, message: text, from: fake.page });
      const [draft] = await fx.store.replies.forAlert(alertId);
      expect(draft).toMatchObject({ state: 'sent', remoteId: reply!.id, remoteUrl: `https://www.facebook.com/${post.id.replace('_', '/posts/')}?comment_id=${reply!.id}` });
      expect(await fx.store.getAlert(alertId)).toMatchObject({ state: 'responded', firstResponseAt: clock, respondedBy: '@kim' });
    });

    it('answers a nested reply under its top-level comment, as Facebook threads one level deep', async () => {
      const post = fake.addPost({ message: 'Our new clinic hours', createdAt: clock - 3600_000 });
      const top = fake.addComment({ postId: post.id, from: { id: '100000000000078', name: 'Sam' }, message: 'anyone else?', createdAt: clock - 120_000 });
      const nested = fake.addComment({ postId: post.id, parentId: top.id, from: pat, message: 'my bill went to collections too', createdAt: clock - 60_000 });
      await queueReplyTo('facebook', ...commentMention(nested));
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(posts().map((r) => r.path)).toEqual([`/${fake.version}/${top.id}/comments`]);
      expect(fake.ownReplies(top.id)).toHaveLength(1);
    });

    it('finds its own reply among the comment\'s replies instead of posting a second after a death between send and record', async () => {
      const post = fake.addPost({ message: 'Our new clinic hours', createdAt: clock - 3600_000 });
      const comment = fake.addComment({ postId: post.id, from: pat, message: 'my bill went to collections', createdAt: clock - 60_000 });
      // Someone else answered with the same words: not ours, not counted.
      fake.addComment({ postId: post.id, parentId: comment.id, from: { id: '100000000000079', name: 'Lee' }, message: text, createdAt: clock });
      const alertId = await queueReplyTo('facebook', ...commentMention(comment));
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => dying(publisher()) })).toEqual({ sent: 0, failed: 0, retrying: 1 });
      clock += CLAIM_MS + 1;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(posts()).toHaveLength(1);
      expect(fake.requests.filter((r) => r.method === 'GET' && r.path === `/${fake.version}/${comment.id}/comments`)).toHaveLength(1);
      expect(fake.ownReplies(comment.id)).toHaveLength(1);
      expect((await fx.store.replies.forAlert(alertId))[0]).toMatchObject({ state: 'sent', remoteId: fake.ownReplies(comment.id)[0]!.id });
    });

    it('keeps the replies when the page token is rejected, saying so once', async () => {
      const post = fake.addPost({ message: 'Our new clinic hours', createdAt: clock - 3600_000 });
      const comment = fake.addComment({ postId: post.id, from: pat, message: 'my bill went to collections', createdAt: clock - 60_000 });
      const alertId = await queueReplyTo('facebook', ...commentMention(comment));
      fake.fail({ kind: 'auth' });
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 0, failed: 0, retrying: 1 });
      expect(fx.logs.records.filter((r) => typeof r.msg === 'string' && /^replies paused: Facebook rejected the page token.*FACEBOOK_PAGE_TOKEN/.test(r.msg))).toHaveLength(1);
      expect((await fx.store.replies.forAlert(alertId))[0]!.state).toBe('sending');
      clock += 60_000;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(fake.ownReplies(comment.id)).toHaveLength(1);
    });

    it('posts on the retry when the first attempt never reached Facebook', async () => {
      const post = fake.addPost({ message: 'Our new clinic hours', createdAt: clock - 3600_000 });
      const comment = fake.addComment({ postId: post.id, from: pat, message: 'my bill went to collections', createdAt: clock - 60_000 });
      await queueReplyTo('facebook', ...commentMention(comment));
      fake.fail({ kind: 'transient' }, '/comments');
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 0, failed: 0, retrying: 1 });
      expect(fake.ownReplies(comment.id)).toEqual([]);
      clock += CLAIM_MS + 1;
      expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher() })).toEqual({ sent: 1, failed: 0, retrying: 0 });
      expect(fake.ownReplies(comment.id)).toHaveLength(1);
    });
  });

  it('derives a valid, stable TID from the draft', () => {
    const key = replyRecordKey('k', Date.UTC(2026, 11, 1));
    expect(key).toMatch(/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/);
    expect(replyRecordKey('k', Date.UTC(2026, 11, 1))).toBe(key);
    expect(replyRecordKey('other', Date.UTC(2026, 11, 1))).not.toBe(key);
  });
});

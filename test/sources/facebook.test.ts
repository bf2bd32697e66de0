import type { RequestPolicy } from '../../src/sources/request-policy.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FacebookConfig } from '../../src/config.js';
import { pollSource } from '../../src/pipeline.js';
import { createGraphClient, parseGraphTime, regainMinutes } from '../../src/sources/facebook/graph-client.js';
import { createFacebookPageSource, type FacebookSourceOptions } from '../../src/sources/facebook/facebook-page-source.js';
import { FakeFacebook, graphTime, type FakeFbUser, type FbFault } from '../fakes/fake-facebook.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { runSourceConformance, type SourceDriver } from './conformance.js';

const TEST_POLICY: RequestPolicy = { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, maxInlineWaitMs: 60_000 };

const PAT: FakeFbUser = { id: '2600000000101', name: 'Pat Quinn' };
const SAM: FakeFbUser = { id: '2600000000102', name: 'Sam Rivera' };
const START = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;

/**
 * The Facebook adapter in the shared suite: mentions are visitor comments on one page post, each a
 * second after the one before, starting ten minutes ago (so "our reply a minute ago" follows them, as
 * on the real platform). Graph throttles say when access returns in whole minutes where the suite
 * speaks in seconds: the driver reads the suite's seconds as the fake's minutes (and its wait limit
 * likewise) and lets the source sleep without wall-clock time.
 */
export function facebookConformanceDriver(): SourceDriver & { fake: FakeFacebook } {
  const fake = new FakeFacebook();
  const base = Date.now() - 10 * MINUTE;
  let step = 0;
  let post: string | undefined;
  const next = () => base + ++step * 1000;
  return {
    fake,
    platform: 'facebook',
    mainStream: 'feed',
    pageSize: 5,
    backfillHours: 24,
    authHint: /FACEBOOK_PAGE_TOKEN/,
    start: async () => void (await fake.start()),
    stop: () => fake.stop(),
    createSource: ({ log, policy }) => {
      const config: FacebookConfig = { pageId: fake.page.id, pageToken: fake.token, graphUrl: fake.baseUrl, backfillHours: 24 };
      return createFacebookPageSource({
        config,
        client: createGraphClient(config, { timeoutMs: 300 }),
        log,
        pageSize: { posts: 5, comments: 5 },
        policy: { ...policy, maxInlineWaitMs: policy.maxInlineWaitMs * 60 },
        sleep: async () => {},
      });
    },
    addMention({ ageMs, text } = {}) {
      post ??= fake.addPost({ message: 'Flu shots this Saturday at all clinics', createdAt: base }).id;
      const createdAt = ageMs === undefined ? next() : Date.now() - ageMs;
      return { nativeId: fake.addComment({ postId: post, message: text ?? 'hello', from: PAT, createdAt }).id };
    },
    addOwnReply(to, at) {
      const target = fake.comments.find((c) => c.id === to.nativeId)!;
      return { nativeId: fake.addComment({ postId: target.postId, parentId: target.id, message: 'We are sorry, please message us so we can look into it.', from: fake.page, createdAt: at }).id };
    },
    fail(fault, times = 1) {
      const graphFault: FbFault = fault.kind === 'rate-limit' ? { kind: 'throttle', regainMinutes: fault.resetInSeconds }
        : fault.kind === 'server-error' ? { kind: 'status', status: 503 }
        : fault.kind === 'bad-body' ? { kind: 'malformed' }
        : fault.kind === 'hang' ? { kind: 'hang' }
        : { kind: 'auth' };
      fake.fail(graphFault, fault.kind === 'auth' ? undefined : '/feed', times);
    },
    remove: (item) => fake.removeComment(item.nativeId),
    edit(item, text) {
      const comment = fake.comments.find((c) => c.id === item.nativeId);
      if (comment) comment.message = text;
    },
    mainStreamRequests: () => fake.requests.filter((r) => r.path.includes('/feed') || r.path.includes('/comments')).length,
    emptyPageNext: () => fake.fail({ kind: 'empty-page' }, '/comments'),
    cursorRereads: 1,
  };
}

runSourceConformance('Facebook Page', () => facebookConformanceDriver());

/** The scenario helpers of the Facebook-only cases below (on a fixed clock). */
function facebookDriver(fake: FakeFacebook) {
  let post: string | undefined;
  const pagePost = () => (post ??= fake.addPost({ message: 'Flu shots this Saturday at all clinics', createdAt: START - 3 * 3600_000 }).id);
  return {
    platform: 'facebook',
    /** A visitor's comment on one of the page's posts. */
    addItem(options: { text?: string; at?: number; author?: FakeFbUser; parentId?: string } = {}) {
      return fake.addComment({ postId: pagePost(), message: options.text ?? 'I waited two hours in urgent care and nobody told me why', from: options.author ?? PAT, createdAt: options.at ?? START - 30 * MINUTE, ...(options.parentId !== undefined && { parentId: options.parentId }) });
    },
    addOwnReply(toId: string, at: number) {
      const target = fake.comments.find((c) => c.id === toId);
      return target
        ? fake.addComment({ postId: target.postId, parentId: target.parentId ?? target.id, message: 'We are sorry, please message us so we can look into it.', from: fake.page, createdAt: at })
        : fake.addComment({ postId: toId, message: 'We are sorry, please message us.', from: fake.page, createdAt: at });
    },
    fail(kind: 'rate-limit' | 'rate-limit-long' | '5xx' | 'bad-body' | 'auth' | 'empty-page', path = '/feed', times = 1) {
      const fault: FbFault = kind === 'rate-limit' ? { kind: 'throttle', regainMinutes: 1 }
        : kind === 'rate-limit-long' ? { kind: 'throttle', regainMinutes: 30 }
        : kind === '5xx' ? { kind: 'status', status: 503 }
        : kind === 'bad-body' ? { kind: 'malformed' }
        : kind === 'auth' ? { kind: 'auth' }
        : { kind: 'empty-page' };
      fake.fail(fault, path, times);
    },
    remove(id: string) {
      fake.removeComment(id);
    },
    edit(id: string, text: string) {
      const comment = fake.comments.find((c) => c.id === id);
      if (comment) comment.message = text;
    },
    get requests() {
      return fake.requests;
    },
  };
}

describe('Facebook Page source (fetch against a local Graph API fake)', () => {
  let fake: FakeFacebook;
  let driver: ReturnType<typeof facebookDriver>;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let config: FacebookConfig;
  let clock: number;
  let waits: number[];
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeFacebook();
    await fake.start();
    driver = facebookDriver(fake);
    clock = START;
    waits = [];
    fx = await pipelineFixture(() => clock);
    config = { pageId: fake.page.id, pageToken: fake.token, graphUrl: fake.baseUrl, backfillHours: 24 };
  });
  afterEach(async () => {
    fx.close();
    await fake.stop();
  });

  function source(overrides: Partial<FacebookSourceOptions> = {}) {
    return createFacebookPageSource({
      config,
      client: createGraphClient(config, { timeoutMs: 300 }),
      log: fx.log,
      now: () => clock,
      pageSize: { posts: 5, comments: 3 },
      policy: TEST_POLICY,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      ...overrides,
    });
  }

  function stored(): Array<{ native_id: string; text: string; in_reply_to_id: string | null; in_reply_to_text: string | null; author_name: string | null; created_at: number }> {
    return fx.store.db.prepare('SELECT native_id, text, in_reply_to_id, in_reply_to_text, author_name, created_at FROM mentions ORDER BY created_at').all() as never;
  }

  it('reads visitor posts, comments and nested replies within BACKFILL_HOURS on the first poll, each once, and keeps the newest time as cursor', async () => {
    const post = fake.addPost({ message: 'Our new ER opens Monday', createdAt: START - 5 * 3600_000 });
    const comment = fake.addComment({ postId: post.id, message: 'Will there be parking? The old lot was always full', from: PAT, createdAt: START - 2 * 3600_000 });
    const reply = fake.addComment({ postId: post.id, parentId: comment.id, message: 'Same question, my mother uses a wheelchair', from: SAM, createdAt: START - 3600_000 });
    fake.addComment({ postId: post.id, message: 'old and outside the backfill', from: SAM, createdAt: START - 30 * 3600_000 });
    const visitor = fake.addPost({ message: 'Riverbend billing sent my account to collections after insurance paid', from: SAM, createdAt: START - 20 * MINUTE });

    const result = await pollSource(source(), fx.deps, signal);

    expect(result).toMatchObject({ read: 3, inserted: 3, duplicates: 0 });
    expect(stored().map((m) => m.native_id)).toEqual([comment.id, reply.id, visitor.id]);
    expect(stored()[1]).toMatchObject({ in_reply_to_id: comment.id, in_reply_to_text: comment.message, author_name: 'Sam Rivera', created_at: reply.createdAt });
    expect(stored()[0]).toMatchObject({ in_reply_to_id: post.id, in_reply_to_text: post.message });
    expect(await fx.store.getCursor('facebook', 'feed')).toBe(new Date(visitor.createdAt).toISOString());
    const feed = fake.requestsTo('/feed')[0]!;
    expect(feed.authorization).toBe(`Bearer ${fake.token}`);
    expect(feed.query.fields).toContain('from{id,name}');
    expect(feed.query.access_token).toBeUndefined();
    expect(fake.requestsTo('/comments')[0]!.query).toMatchObject({ filter: 'stream', order: 'reverse_chronological' });
    // The page's own post is ours, not a mention.
    expect(fx.store.db.prepare("SELECT COUNT(*) AS n FROM own_posts WHERE platform = 'facebook'").get()).toEqual({ n: 1 });
  });

  it('follows every page of posts and comments, including an empty page that still has a next link', async () => {
    const posts = Array.from({ length: 7 }, (_, i) => fake.addPost({ message: `post ${i}`, createdAt: START - (10 - i) * 3600_000 }));
    const comments = posts.flatMap((p, i) => Array.from({ length: 4 }, (_, j) => fake.addComment({ postId: p.id, message: `the portal logged me out again, try ${i}.${j}`, from: PAT, createdAt: START - (9 - i) * 3600_000 + j * MINUTE })));
    driver.fail('empty-page', '/feed');
    driver.fail('empty-page', '/comments');

    const result = await pollSource(source(), fx.deps, signal);

    expect(result.inserted).toBe(comments.length);
    expect(new Set(stored().map((m) => m.native_id)).size).toBe(28);
    expect(fake.requestsTo('/feed').length).toBe(3);
    expect(fake.requestsTo('/feed')[1]!.query.after).toBeDefined();
    expect(await fx.store.getCursor('facebook', 'feed')).toBe(new Date(comments.at(-1)!.createdAt).toISOString());
  });

  it('resumes from the stored cursor after a restart and reads only what is new', async () => {
    driver.addItem({ at: START - 2 * 3600_000 });
    driver.addItem({ at: START - 3600_000 });
    await pollSource(source(), fx.deps, signal);
    clock += 10 * MINUTE;
    const newer = driver.addItem({ text: 'still no call back about my MRI results', at: clock - MINUTE });

    const restarted = source();
    const result = await pollSource(restarted, fx.deps, signal);
    expect(result).toMatchObject({ inserted: 1 });
    expect(await fx.store.getCursor('facebook', 'feed')).toBe(new Date(newer.createdAt).toISOString());
    // Nothing new: the comment at the cursor's own second is the most that is read again (and skipped).
    const again = await pollSource(restarted, fx.deps, signal);
    expect(again.inserted).toBe(0);
    expect(again.read).toBeLessThanOrEqual(1);
  });

  it('stores a comment once when it is read again (an overlap, or a page that shifted while paging)', async () => {
    for (let i = 0; i < 5; i++) driver.addItem({ text: `the lab lost my sample, day ${i}`, at: START - (50 - i) * MINUTE });
    let added = false;
    fake.onResponded = (request) => {
      // A new comment lands between two pages: the next page repeats the last one of this page.
      if (request.path.endsWith('/comments') && !added) {
        added = true;
        driver.addItem({ text: 'and the pharmacy line is closed', at: START - MINUTE });
      }
    };
    const first = await pollSource(source(), fx.deps, signal);
    expect(first.inserted).toBe(5);
    expect(first.duplicates).toBeGreaterThanOrEqual(1);
    fake.onResponded = undefined;
    const second = await pollSource(source(), fx.deps, signal);
    expect(second.inserted).toBe(1);
    expect((await fx.store.counts()).mentions).toBe(6);
  });

  it('marks the alert responded when the page replies to the comment, at the reply\'s time', async () => {
    const complaint = driver.addItem({ text: 'I was charged twice for the same visit and nobody answers the billing line', at: START - 40 * MINUTE });
    await pollSource(source(), fx.deps, signal);
    const alert = (await fx.store.pendingAlerts(1))[0]!;
    expect(alert.state).toBe('open');
    clock += 5 * MINUTE;
    const reply = driver.addOwnReply(complaint.id, clock - 2 * MINUTE);

    const result = await pollSource(source(), fx.deps, signal);

    expect(result.responded).toBe(1);
    expect(await fx.store.getAlert(alert.id)).toMatchObject({ state: 'responded', firstResponseAt: parseGraphTime(graphTime(reply.createdAt)), respondedBy: 'facebook:reply' });
    expect(await fx.store.alertEvents(alert.id)).toEqual([expect.objectContaining({ action: 'respond', actor: 'facebook:reply', detail: { via: 'facebook', replyId: reply.id } })]);
    expect(stored().map((m) => m.native_id)).not.toContain(reply.id);
  });

  it('marks a visitor post responded when the page comments on it', async () => {
    const visitor = fake.addPost({ message: 'My father fell in the hallway of your rehab unit and no one helped him for 20 minutes', from: SAM, createdAt: START - 50 * MINUTE });
    driver.addOwnReply(visitor.id, START - 10 * MINUTE);
    const result = await pollSource(source(), fx.deps, signal);
    expect(result).toMatchObject({ inserted: 1, alerts: 1, responded: 1 });
    expect((await fx.store.pendingAlerts(1))[0]).toMatchObject({ state: 'responded', firstResponseAt: START - 10 * MINUTE });
  });

  it('waits out a Business Use Case throttle (80001) for the minutes the usage header gives, then finishes', async () => {
    driver.addItem();
    driver.fail('rate-limit');
    let limited = 0;
    const result = await pollSource(source({ policy: { ...TEST_POLICY, maxInlineWaitMs: 2 * MINUTE }, onRateLimited: () => limited++ }), fx.deps, signal);
    expect(result.inserted).toBe(1);
    expect(limited).toBe(1);
    expect(waits).toEqual([MINUTE + 1000]);
    expect(fx.logs.records.some((r) => r.msg === 'Facebook rate limit reached; waiting for the reset')).toBe(true);
  });

  it('pauses the stream when access returns later than it will wait, without moving the cursor', async () => {
    driver.addItem();
    driver.fail('rate-limit-long');
    const src = source();
    expect(await pollSource(src, fx.deps, signal)).toMatchObject({ inserted: 0 });
    expect(await fx.store.getCursor('facebook', 'feed')).toBeUndefined();
    expect(src.pausedUntil.get('feed')).toBe(START + 30 * MINUTE);
    const before = fake.requestsTo('/feed').length;
    clock += 10 * MINUTE;
    await pollSource(src, fx.deps, signal);
    expect(fake.requestsTo('/feed')).toHaveLength(before);
    clock += 21 * MINUTE;
    expect(await pollSource(src, fx.deps, signal)).toMatchObject({ inserted: 1 });
  });

  it('backs off and retries 5xx answers, transient errors, proxy pages, hung requests and unreadable bodies', async () => {
    driver.addItem();
    fake.fail({ kind: 'status', status: 503 }, '/feed');
    fake.fail({ kind: 'transient' }, '/feed');
    fake.fail({ kind: 'html' }, '/comments');
    fake.fail({ kind: 'hang' }, '/comments');
    driver.fail('bad-body', '/comments');
    const result = await pollSource(source({ policy: { ...TEST_POLICY, retry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 } } }), fx.deps, signal);
    expect(result.inserted).toBe(1);
    expect(fx.logs.records.filter((r) => r.msg === 'Facebook request failed; retrying')).toHaveLength(5);
  });

  it('stops the stream on an expired token with one clear line naming FACEBOOK_PAGE_TOKEN', async () => {
    driver.addItem();
    config.pageToken = 'EAAwrong-token';
    const src = source();
    await pollSource(src, fx.deps, signal);
    const errors = fx.logs.records.filter((r) => r.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/Facebook rejected the page token .*#190\/463.*Check FACEBOOK_PAGE_TOKEN.*Every Facebook stream is stopped until restart/);
    expect(JSON.stringify(fx.logs.records)).not.toContain('EAAwrong-token');
    const before = fake.requests.length;
    await pollSource(src, fx.deps, signal);
    expect(fake.requests).toHaveLength(before);
  });

  it('skips page recommendations quietly where this Graph version answers error 12', async () => {
    driver.addItem();
    const src = source();
    await pollSource(src, fx.deps, signal);
    await pollSource(src, fx.deps, signal);
    expect(fake.requestsTo('/ratings')).toHaveLength(1);
    expect(fx.logs.records.filter((r) => r.level >= 40)).toEqual([]);
    expect(fx.logs.records.some((r) => String(r.msg).includes('not served by this Graph API version'))).toBe(true);
  });

  it('reads page recommendations as reviews where the configured version still serves them', async () => {
    fake.ratingsAvailable = true;
    fake.addRating({ reviewer: PAT, recommendation: 'negative', text: 'Waited 5 hours in the ER with a broken wrist', createdAt: START - 3600_000 });
    fake.addRating({ reviewer: SAM, recommendation: 'negative', createdAt: START - 1800_000 });
    fake.addRating({ reviewer: SAM, recommendation: 'positive', text: 'old', createdAt: START - 48 * 3600_000 });
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(2);
    expect(stored().map((m) => m.text)).toEqual(['Not recommended: Waited 5 hours in the ER with a broken wrist', 'Not recommended (rating only, no written review)']);
    expect(await fx.store.getCursor('facebook', 'ratings')).toBe(new Date(START - 1800_000).toISOString());
  });

  it('never cards link spam in the comments', async () => {
    driver.addItem({ text: 'Cheap wedding photography in Bali! Visit www.bestphoto-bali.example', author: SAM });
    driver.addItem({ text: 'cmp murah jasa SEO, hubungi wa.me/62812345678', author: SAM });
    driver.addItem({ text: 'Best online casino bonus, play now https://lucky-casino.example/win', author: SAM });
    driver.addItem({ text: 'Buy meds without prescription at http://rx-pharmacy.example', author: SAM });
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(4);
    expect(result.alerts).toBe(0);
    const categories = fx.store.db.prepare('SELECT categories FROM classifications').all() as Array<{ categories: string }>;
    expect(categories.every((c) => JSON.parse(c.categories).includes('spam'))).toBe(true);
  });
});

describe('Graph API details', () => {
  it('parses Graph times without a colon in the offset', () => {
    expect(parseGraphTime('2026-11-30T21:04:05+0000')).toBe(Date.UTC(2026, 10, 30, 21, 4, 5));
    expect(parseGraphTime('2026-11-30T23:04:05+0200')).toBe(Date.UTC(2026, 10, 30, 21, 4, 5));
    expect(parseGraphTime('2026-11-30T21:04:05Z')).toBe(Date.UTC(2026, 10, 30, 21, 4, 5));
    expect(parseGraphTime('yesterday')).toBeNaN();
    expect(parseGraphTime(undefined)).toBeNaN();
  });

  it('reads the longest wait from X-Business-Use-Case-Usage', () => {
    expect(regainMinutes(JSON.stringify({ 1: [{ type: 'pages', estimated_time_to_regain_access: 3 }, { type: 'pages', estimated_time_to_regain_access: 7 }] }))).toBe(7);
    expect(regainMinutes('not json')).toBe(0);
    expect(regainMinutes(null)).toBe(0);
  });
});

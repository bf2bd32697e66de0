import type { RequestPolicy } from '../../src/sources/request-policy.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { XConfig } from '../../src/config.js';
import { pollSource } from '../../src/pipeline.js';
import { createXClient } from '../../src/sources/x/x-client.js';
import { createXMentionSource, type XSourceOptions } from '../../src/sources/x/x-mention-source.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { pipelineFixture } from '../helpers/pipeline.js';

const TEST_POLICY: RequestPolicy = { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, maxInlineWaitMs: 60_000 };

const BRAND = { id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 12000 };
const PAT = { id: '101', username: 'pat_q', name: 'Pat Q', followers: 340 };
const SAM = { id: '102', username: 'sam_r', name: 'Sam R', followers: 55_000 };

describe('X mention source (real twitter-api-v2 client against a local fake)', () => {
  let fake: FakeXApi;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let config: XConfig;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeXApi();
    await fake.start();
    for (const user of [BRAND, PAT, SAM]) fake.addUser(user);
    fx = await pipelineFixture();
    config = { bearerToken: fake.token, handle: 'RiverbendHealth', pollCron: '* * * * *', apiBaseUrl: fake.baseUrl, backfillHours: 24 };
  });
  afterEach(async () => {
    fx.close();
    await fake.stop();
  });

  function source(overrides: Partial<XSourceOptions> = {}) {
    return createXMentionSource({
      config,
      client: createXClient(config, { timeoutMs: 300 }),
      log: fx.log,
      pageSize: 5,
      policy: TEST_POLICY,
      readsThisMonth: async () => (await fx.store.readsInMonth(Date.now())).reduce((n, r) => n + r.reads, 0),
      ...overrides,
    });
  }

  function mentions(count: number, author = PAT) {
    return Array.from({ length: count }, (_, i) => fake.addTweet({ text: `@RiverbendHealth still waiting on my bill, day ${i}`, authorId: author.id }));
  }

  function storedIds(): string[] {
    return (fx.store.db.prepare('SELECT native_id FROM mentions ORDER BY native_id').all() as Array<{ native_id: string }>).map((r) => r.native_id);
  }

  it('pages through every mention, stores each once with its author, and moves the cursor to the newest', async () => {
    const tweets = mentions(23);
    const result = await pollSource(source(), fx.deps, signal);
    expect(result).toMatchObject({ read: 23, inserted: 23, duplicates: 0 });
    expect(storedIds()).toEqual(tweets.map((t) => t.id).sort());
    expect(await fx.store.getCursor('x', 'mentions')).toBe(tweets.at(-1)!.id);
    const pages = fake.requestsTo('/mentions');
    expect(pages).toHaveLength(5);
    expect(pages[0]!.query).toMatchObject({ max_results: '5', expansions: 'author_id,referenced_tweets.id' });
    expect(pages[0]!.query.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(pages[1]!.query.pagination_token).toBe('5');
    expect(pages[0]!.authorization).toBe(`Bearer ${fake.token}`);
    const alert = (await fx.store.pendingAlerts(1))[0]!;
    expect(alert.mention).toMatchObject({ authorHandle: 'pat_q', authorName: 'Pat Q', authorFollowers: 340, url: expect.stringMatching(/^https:\/\/x\.com\/pat_q\/status\/\d+$/) });
  });

  it('resumes from the stored since_id after a restart and reads only what is new', async () => {
    mentions(3);
    await pollSource(source(), fx.deps, signal);
    const newer = mentions(2);
    const restarted = source();
    const result = await pollSource(restarted, fx.deps, signal);
    expect(result).toMatchObject({ read: 2, inserted: 2 });
    const last = fake.requestsTo('/mentions').at(-1)!;
    expect(last.query.since_id).toBeDefined();
    expect(last.query.start_time).toBeUndefined();
    expect(await fx.store.getCursor('x', 'mentions')).toBe(newer.at(-1)!.id);
    expect(await pollSource(restarted, fx.deps, signal)).toMatchObject({ read: 0, inserted: 0 });
  });

  it('stores a post found by both mentions and keyword search once, and never searches our own posts', async () => {
    config.searchQuery = 'Riverbend';
    mentions(2);
    fake.addTweet({ text: 'Riverbend ER wait is 4 hours tonight', authorId: SAM.id });
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(3);
    expect(result.duplicates).toBe(2);
    expect(fake.requestsTo('/search/recent')[0]!.query.query).toBe('(Riverbend) -from:RiverbendHealth -is:retweet');
  });

  it('waits out a 429 until the reset and then finishes the sweep', async () => {
    mentions(7);
    fake.fail({ kind: 'status', status: 429, resetInSeconds: 1 }, '/mentions');
    const started = Date.now();
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fx.logs.records.some((r) => r.msg === 'X rate limit reached; waiting for the reset')).toBe(true);
  });

  it('pauses a stream whose rate limit resets later than it will wait, without moving the cursor', async () => {
    mentions(3);
    fake.fail({ kind: 'status', status: 429, resetInSeconds: 600 }, '/mentions');
    const src = source({ policy: { ...TEST_POLICY, maxInlineWaitMs: 1000 } });
    expect(await pollSource(src, fx.deps, signal)).toMatchObject({ inserted: 0 });
    expect(await fx.store.getCursor('x', 'mentions')).toBeUndefined();
    expect(src.pausedUntil.get('mentions')).toBeGreaterThan(Date.now() + 500_000);
    const before = fake.requestsTo('/mentions').length;
    await pollSource(src, fx.deps, signal);
    expect(fake.requestsTo('/mentions')).toHaveLength(before);
  });

  it('backs off and retries 5xx answers, hung requests and unreadable bodies', async () => {
    mentions(6);
    fake.fail({ kind: 'status', status: 503 }, '/mentions', 2);
    fake.fail({ kind: 'hang' }, '/mentions');
    fake.fail({ kind: 'malformed' }, '/mentions');
    const result = await pollSource(source({ policy: { ...TEST_POLICY, retry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 } } }), fx.deps, signal);
    expect(result.inserted).toBe(6);
    expect(fx.logs.records.filter((r) => r.msg === 'X request failed; retrying')).toHaveLength(4);
  });

  it('gives up for this poll after the last retry and keeps the cursor where it was', async () => {
    mentions(6);
    fake.fail({ kind: 'status', status: 500 }, '/mentions', 10);
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(0);
    expect(await fx.store.getCursor('x', 'mentions')).toBeUndefined();
    expect(fx.logs.records.some((r) => r.msg === 'X request failed; the stream resumes from its cursor on the next poll')).toBe(true);
  });

  it('stops a stream on 401/403 with one clear log line naming the fix, and keeps the others', async () => {
    config.searchQuery = 'Riverbend';
    mentions(2);
    fake.fail({ kind: 'status', status: 403 }, '/search/recent');
    const src = source();
    const result = await pollSource(src, fx.deps, signal);
    expect(result.inserted).toBe(2);
    const errors = fx.logs.records.filter((r) => r.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/X refused the search stream \(403 .*\)\..*triage doctor.*The search stream is stopped until restart/);
    await pollSource(src, fx.deps, signal);
    expect(fake.requestsTo('/search/recent')).toHaveLength(1);
  });

  it('says which setting is wrong when the token is rejected', async () => {
    config.bearerToken = 'wrong';
    mentions(1);
    await pollSource(source(), fx.deps, signal);
    const [error] = fx.logs.records.filter((r) => r.level >= 50);
    expect(error!.msg).toMatch(/401.*X_BEARER_TOKEN/);
    expect(JSON.stringify(fx.logs.records)).not.toContain('wrong');
  });

  it('stores what is known when a page comes without its includes', async () => {
    mentions(2);
    fake.fail({ kind: 'drop-includes' }, '/mentions');
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(2);
    expect((await fx.store.pendingAlerts(5))[0]!.mention).toMatchObject({ authorHandle: PAT.id, authorFollowers: null, url: expect.stringContaining('/i/web/status/') });
  });

  it('marks an alert responded when the brand replies on X, at the reply\'s time', async () => {
    const [complaint] = mentions(1);
    await pollSource(source(), fx.deps, signal);
    const alert = (await fx.store.pendingAlerts(1))[0]!;
    expect(alert.state).toBe('open');
    const replyAt = new Date(Date.now() + 5000).toISOString();
    const reply = fake.addTweet({ text: '@pat_q we are sorry, please DM us', authorId: BRAND.id, repliedTo: complaint!.id, inReplyToUserId: PAT.id, createdAt: replyAt });
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.responded).toBe(1);
    const after = (await fx.store.getAlert(alert.id))!;
    expect(after).toMatchObject({ state: 'responded', firstResponseAt: Date.parse(replyAt), respondedBy: 'x:reply' });
    expect(await fx.store.alertEvents(alert.id)).toEqual([expect.objectContaining({ action: 'respond', actor: 'x:reply', detail: { via: 'x', replyId: reply.id } })]);
    // The brand's own reply is not itself a mention.
    expect(storedIds()).not.toContain(reply.id);
  });

  it('marks the alert responded when the brand\'s reply was read before the mention', async () => {
    const complaint = fake.addTweet({ text: '@RiverbendHealth nobody called me back', authorId: PAT.id, createdAt: new Date(Date.now() - 7200_000).toISOString() });
    fake.addTweet({ text: '@pat_q sorry! DM us', authorId: BRAND.id, repliedTo: complaint.id });
    const restricted = source();
    // Read the own timeline first by storing its batch directly, then the mention.
    const ownOnly = { ...restricted, async *poll(cursor: (s: string) => string | undefined, sig: AbortSignal) {
      for await (const batch of restricted.poll(cursor, sig)) if (batch.stream === 'own') yield batch;
    } };
    await pollSource(ownOnly, fx.deps, signal);
    expect((await fx.store.counts()).alerts).toBe(0);
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ alerts: 1, responded: 1 });
    expect((await fx.store.pendingAlerts(1))[0]).toMatchObject({ state: 'responded', respondedBy: 'x:reply' });
  });

  it('counts the posts read per stream and month', async () => {
    config.searchQuery = 'Riverbend';
    mentions(7);
    await pollSource(source(), fx.deps, signal);
    const reads = await fx.store.readsInMonth(Date.now());
    expect(reads).toEqual(expect.arrayContaining([
      { source: 'x', stream: 'mentions', reads: 7, requests: 2 },
      { source: 'x', stream: 'search', reads: 7, requests: 2 },
    ]));
  });

  it('slows to hourly polling once the monthly read budget is used, and says so once', async () => {
    config.monthlyReadBudget = 5;
    mentions(6);
    const src = source();
    await pollSource(src, fx.deps, signal);
    mentions(2);
    await pollSource(src, fx.deps, signal);
    await pollSource(src, fx.deps, signal);
    expect(fake.requestsTo('/mentions')).toHaveLength(2);
    expect(fx.logs.records.filter((r) => String(r.msg).startsWith('X_MONTHLY_READ_BUDGET reached'))).toHaveLength(1);
  });
});

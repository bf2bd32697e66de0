import type { RequestPolicy } from '../../src/sources/request-policy.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GoogleConfig } from '../../src/config.js';
import { pollSource } from '../../src/pipeline.js';
import { createGoogleReviewsClient, isCredentialRejected, translateGoogleError } from '../../src/sources/google/google-client.js';
import { createGoogleReviewsSource, reviewVersionOf, streamOf, type GoogleSourceOptions } from '../../src/sources/google/google-reviews-source.js';
import { FakeGoogle, type FakeReview, type GoogleFault, type StarRating } from '../fakes/fake-google.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { runSourceConformance, type SourceDriver } from './conformance.js';

const TEST_POLICY: RequestPolicy = { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, maxInlineWaitMs: 60_000 };

const START = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 3600_000;

/**
 * The Google adapter in the shared suite: mentions are reviews of one location, a minute apart,
 * starting an hour ago. Google has no "since": each poll reads back over a reply lookback (7 days in
 * production) to find replies that did not move a review's updateTime; here it is 90 s, so a poll
 * reads one page past the cursor as it would with reviews days apart. No `edit`: an edited review is
 * a new version by design (the Google-only case below).
 */
export function googleConformanceDriver(): SourceDriver & { fake: FakeGoogle } {
  const fake = new FakeGoogle();
  const base = Date.now() - 60 * MINUTE;
  let step = 0;
  const reviews = new Map<string, FakeReview>();
  const keyOf = (review: FakeReview) => reviewVersionOf({ reviewId: review.reviewId, starRating: review.starRating, ...(review.comment !== undefined && { comment: review.comment }) });
  return {
    fake,
    platform: 'google',
    mainStream: streamOf('4101'),
    pageSize: 5,
    backfillHours: 24,
    authHint: /GOOGLE_REFRESH_TOKEN/,
    start: async () => void (await fake.start()),
    stop: () => fake.stop(),
    createSource: ({ log, policy }) => {
      const config: GoogleConfig = { accountId: fake.accountId, locationIds: ['4101'], clientId: fake.clientId, clientSecret: fake.clientSecret, refreshToken: fake.refreshToken, apiBaseUrl: fake.baseUrl, tokenUrl: fake.tokenUrl, backfillHours: 24 };
      const client = createGoogleReviewsClient(config, { timeoutMs: 300 });
      return createGoogleReviewsSource({
        config,
        client,
        translate: (error, what) => translateGoogleError(error, what, { answeredBefore: client.answeredBefore }),
        isCredentialFailure: isCredentialRejected,
        log,
        pageSize: 5,
        policy,
        replyLookbackMs: 90_000,
      });
    },
    addMention({ ageMs, text } = {}) {
      const createdAt = ageMs === undefined ? base + ++step * MINUTE : Date.now() - ageMs;
      const review = fake.addReview({ starRating: 'TWO', comment: text ?? 'hello', displayName: 'Pat Quinn', createdAt });
      const nativeId = keyOf(review);
      reviews.set(nativeId, review);
      return { nativeId };
    },
    addOwnReply(to, at) {
      const review = reviews.get(to.nativeId)!;
      fake.reply(review, 'We are sorry about your wait. Please call our patient advocate at 555-0100. The Riverbend team', at);
      return { nativeId: `${review.reviewId}/reply` };
    },
    fail(fault, times = 1) {
      const googleFault: GoogleFault = fault.kind === 'rate-limit' ? { kind: 'status', status: 429, retryAfterSeconds: fault.resetInSeconds }
        : fault.kind === 'server-error' ? { kind: 'status', status: 503 }
        : fault.kind === 'bad-body' ? { kind: 'malformed' }
        : fault.kind === 'hang' ? { kind: 'hang' }
        : { kind: 'unauthenticated' };
      fake.fail(googleFault, '/reviews', times);
    },
    remove: (item) => fake.remove(reviews.get(item.nativeId)!),
    mainStreamRequests: () => fake.requestsTo('/reviews').length,
    emptyPageNext: () => fake.fail({ kind: 'empty-page' }, '/reviews'),
  };
}

runSourceConformance('Google reviews', () => googleConformanceDriver());

/** The scenario helpers of the Google-only cases below (on a fixed clock). */
function googleDriver(fake: FakeGoogle) {
  return {
    platform: 'google',
    addItem(options: { text?: string; stars?: StarRating; at?: number; locationId?: string; name?: string } = {}) {
      return fake.addReview({ starRating: options.stars ?? 'TWO', comment: options.text ?? 'Waited three hours past my appointment time and nobody said why', displayName: options.name ?? 'Pat Quinn', createdAt: options.at ?? START - 30 * MINUTE, ...(options.locationId !== undefined && { locationId: options.locationId }) });
    },
    addOwnReply(review: FakeReview, at: number) {
      fake.reply(review, 'We are sorry about your wait. Please call our patient advocate at 555-0100. The Riverbend team', at);
    },
    fail(kind: 'rate-limit' | 'rate-limit-long' | '5xx' | 'bad-body' | 'auth' | 'empty-page', times = 1) {
      const fault: GoogleFault = kind === 'rate-limit' ? { kind: 'status', status: 429, retryAfterSeconds: 30 }
        : kind === 'rate-limit-long' ? { kind: 'status', status: 429 }
        : kind === '5xx' ? { kind: 'status', status: 503 }
        : kind === 'bad-body' ? { kind: 'malformed' }
        : kind === 'auth' ? { kind: 'unauthenticated' }
        : { kind: 'empty-page' };
      fake.fail(fault, '/reviews', times);
    },
    remove(review: FakeReview) {
      fake.remove(review);
    },
    edit(review: FakeReview, text: string, at: number, stars?: StarRating) {
      fake.edit(review, { comment: text, at, ...(stars && { starRating: stars }) });
    },
    get requests() {
      return fake.requests;
    },
  };
}

describe('Google reviews source (google-auth-library OAuth2Client against a local fake)', () => {
  let fake: FakeGoogle;
  let driver: ReturnType<typeof googleDriver>;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let config: GoogleConfig;
  let clock: number;
  let waits: number[];
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeGoogle();
    await fake.start();
    driver = googleDriver(fake);
    clock = START;
    waits = [];
    fx = await pipelineFixture(() => clock);
    config = {
      accountId: fake.accountId,
      locationIds: ['4101'],
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      refreshToken: fake.refreshToken,
      apiBaseUrl: fake.baseUrl,
      tokenUrl: fake.tokenUrl,
      backfillHours: 24,
    };
  });
  afterEach(async () => {
    fx.close();
    await fake.stop();
  });

  function source(overrides: Partial<GoogleSourceOptions> = {}) {
    const client = createGoogleReviewsClient(config, { timeoutMs: 300 });
    return createGoogleReviewsSource({
      config,
      client,
      translate: (error, what) => translateGoogleError(error, what, { answeredBefore: client.answeredBefore, now: () => clock }),
      isCredentialFailure: isCredentialRejected,
      log: fx.log,
      now: () => clock,
      pageSize: 3,
      policy: TEST_POLICY,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      ...overrides,
    });
  }

  function stored(): Array<{ native_id: string; text: string; author_name: string | null; author_handle: string; created_at: number }> {
    return fx.store.db.prepare('SELECT native_id, text, author_name, author_handle, created_at FROM mentions ORDER BY created_at, id').all() as never;
  }

  it('reads each location\'s reviews within BACKFILL_HOURS on the first poll, with stars, through a refreshed access token', async () => {
    config.locationIds = ['4101', '4102'];
    const one = driver.addItem({ stars: 'ONE', text: 'The ER staff ignored my father for hours', at: START - 5 * HOUR });
    driver.addItem({ stars: 'FIVE', text: 'old', at: START - 30 * HOUR });
    const starOnly = fake.addReview({ starRating: 'TWO', createdAt: START - 2 * HOUR, locationId: '4102' });
    const result = await pollSource(source(), fx.deps, signal);

    expect(result).toMatchObject({ read: 2, inserted: 2, duplicates: 0 });
    expect(stored()).toEqual([
      expect.objectContaining({ text: '★☆☆☆☆ The ER staff ignored my father for hours', author_name: 'Pat Quinn', created_at: one.createdAt }),
      expect.objectContaining({ text: '★★☆☆☆ (rating only, no written review)', author_name: null, author_handle: 'A Google user', created_at: starOnly.createdAt }),
    ]);
    expect(stored()[0]!.native_id).toMatch(new RegExp(`^${one.reviewId}#[0-9a-f]{12}$`));
    const [token] = fake.requestsTo('/token');
    expect(token!.form).toMatchObject({ grant_type: 'refresh_token', refresh_token: fake.refreshToken, client_id: fake.clientId });
    expect(fake.requestsTo('/token')).toHaveLength(1);
    const list = fake.requestsTo('/locations/4101/reviews')[0]!;
    expect(list.query).toMatchObject({ pageSize: '3', orderBy: 'updateTime desc' });
    expect(list.authorization).toMatch(/^Bearer ya29\.fake-/);
    expect(await fx.store.getCursor('google', streamOf('4101'))).toBe(new Date(one.updatedAt).toISOString());
    expect(await fx.store.getCursor('google', streamOf('4102'))).toBe(new Date(starOnly.updatedAt).toISOString());
  });

  it('follows nextPageToken through every page, including a page with no reviews that still has a token', async () => {
    const reviews = Array.from({ length: 8 }, (_, i) => driver.addItem({ text: `billing called me about a paid bill, week ${i}`, at: START - (10 - i) * HOUR }));
    driver.fail('empty-page');
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(8);
    expect(fake.requestsTo('/reviews')).toHaveLength(4);
    expect(fake.requestsTo('/reviews')[1]!.query.pageToken).toBeDefined();
    expect(await fx.store.getCursor('google', streamOf('4101'))).toBe(new Date(reviews.at(-1)!.updatedAt).toISOString());
  });

  it('resumes from the stored cursor after a restart, reads only what is new and stops paging at the cursor', async () => {
    for (let i = 0; i < 7; i++) driver.addItem({ text: `no one answers the phone at radiology, call ${i}`, at: START - (7 - i) * HOUR });
    await pollSource(source(), fx.deps, signal);
    clock += HOUR;
    driver.addItem({ text: 'the new parking garage is a maze', at: clock - MINUTE });
    const before = fake.requestsTo('/reviews').length;
    const result = await pollSource(source(), fx.deps, signal);
    expect(result).toMatchObject({ read: 1, inserted: 1, duplicates: 0 });
    // Pages are read until the reply lookback (7 days) is passed: here all 8 reviews, 3 pages.
    expect(fake.requestsTo('/reviews').length - before).toBe(3);
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ read: 0, inserted: 0 });
  });

  it('stores a review once when it is read again, as when a page shifts while paging', async () => {
    for (let i = 0; i < 4; i++) driver.addItem({ text: `the cafeteria closed early again, visit ${i}`, at: START - (5 - i) * HOUR });
    let added = false;
    fake.onResponded = (request) => {
      if (request.path.endsWith('/reviews') && !added) {
        added = true;
        driver.addItem({ text: 'lost my coat in the ER and nobody called back', at: START - MINUTE });
      }
    };
    const first = await pollSource(source(), fx.deps, signal);
    expect(first.inserted).toBe(4);
    expect(first.duplicates).toBe(1);
    fake.onResponded = undefined;
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ inserted: 1 });
    expect((await fx.store.counts()).mentions).toBe(5);
  });

  it('marks the alert responded by our review reply, at the reply\'s updateTime, found though the review itself did not change', async () => {
    const review = driver.addItem({ stars: 'ONE', text: 'They lost my lab results twice', at: START - 2 * HOUR });
    await pollSource(source(), fx.deps, signal);
    const alert = (await fx.store.pendingAlerts(1))[0]!;
    expect(alert.state).toBe('open');
    clock += 3 * HOUR;
    driver.addOwnReply(review, clock - 30 * MINUTE);
    const result = await pollSource(source(), fx.deps, signal);
    expect(result).toMatchObject({ inserted: 0, responded: 1 });
    expect(await fx.store.getAlert(alert.id)).toMatchObject({ state: 'responded', firstResponseAt: clock - 30 * MINUTE, respondedBy: 'google:reply' });
  });

  it('re-classifies an edited review as a new version marked (edited), and stores nothing twice', async () => {
    const review = driver.addItem({ stars: 'FOUR', text: 'Friendly staff at the front desk', at: START - 2 * HOUR });
    const first = await pollSource(source(), fx.deps, signal);
    expect(first.alerts).toBe(1);
    clock += HOUR;
    driver.edit(review, 'Friendly staff, but they billed me for a visit I never had and nobody fixes it', clock - 10 * MINUTE, 'ONE');
    const edited = await pollSource(source(), fx.deps, signal);
    expect(edited).toMatchObject({ inserted: 1, alerts: 1 });
    const versions = stored();
    expect(versions).toHaveLength(2);
    expect(versions[1]).toMatchObject({ text: '★☆☆☆☆ (edited) Friendly staff, but they billed me for a visit I never had and nobody fixes it', created_at: clock - 10 * MINUTE });
    expect(versions[1]!.native_id.startsWith(`${review.reviewId}#`)).toBe(true);
    expect(versions[1]!.native_id).not.toBe(versions[0]!.native_id);
    const sentiments = (await fx.store.pendingAlerts(5)).map((a) => [a.mention.nativeId, a.sentiment]);
    expect(Object.fromEntries(sentiments)).toEqual({ [versions[0]!.native_id]: 'positive', [versions[1]!.native_id]: 'negative' });
    // A reply that follows the edit answers the edited version; nothing new is stored.
    driver.addOwnReply(review, clock);
    clock += MINUTE;
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ inserted: 0, responded: 1 });
    expect((await fx.store.pendingAlerts(5)).find((a) => a.mention.nativeId === versions[1]!.native_id)!.state).toBe('responded');
  });

  it('waits out a 429 for its Retry-After, then finishes', async () => {
    driver.addItem();
    // Google answered once already, so this 429 is a quota and not "not approved".
    const src = source();
    await pollSource(src, fx.deps, signal);
    driver.addItem({ text: 'my son waited 6 hours with a fever', at: clock + MINUTE });
    clock += 2 * MINUTE;
    driver.fail('rate-limit');
    let limited = 0;
    const result = await pollSource(source({ onRateLimited: () => limited++ }), fx.deps, signal);
    expect(result.inserted).toBe(1);
    expect(limited).toBe(1);
    expect(waits).toEqual([31_000]);
  });

  it('says a 429 on the very first call may mean API access is not approved yet, and pauses the location', async () => {
    config.locationIds = ['4101', '4102'];
    driver.addItem();
    fake.fail({ kind: 'status', status: 429 }, '/locations/4101/', 10);
    const src = source({ policy: { ...TEST_POLICY, maxInlineWaitMs: 10_000 } });
    await pollSource(src, fx.deps, signal);
    const warning = fx.logs.records.find((r) => r.msg === 'Google rate limit reached; stream paused until the reset')!;
    expect(warning.reason).toMatch(/429 RESOURCE_EXHAUSTED.*very first call.*not approved yet.*quota is 0.*README "Connect Google reviews"/);
    expect(src.pausedUntil.get(streamOf('4101'))).toBe(START + MINUTE);
    expect(await fx.store.getCursor('google', streamOf('4101'))).toBeUndefined();
  });

  it('backs off and retries 5xx answers, hung requests and unreadable bodies', async () => {
    driver.addItem();
    driver.fail('5xx', 2);
    fake.fail({ kind: 'hang' }, '/reviews');
    driver.fail('bad-body');
    const result = await pollSource(source({ policy: { ...TEST_POLICY, retry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 } } }), fx.deps, signal);
    expect(result.inserted).toBe(1);
    expect(fx.logs.records.filter((r) => r.msg === 'Google request failed; retrying')).toHaveLength(4);
  });

  it('stops every location on a revoked refresh token, with one line naming GOOGLE_REFRESH_TOKEN', async () => {
    config.locationIds = ['4101', '4102'];
    config.refreshToken = '1//revoked-token';
    driver.addItem();
    const src = source();
    await pollSource(src, fx.deps, signal);
    const errors = fx.logs.records.filter((r) => r.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/Google refused the refresh token \(invalid_grant: Token has been expired or revoked\.\)\. Create a new GOOGLE_REFRESH_TOKEN.*Every Google stream is stopped until restart/);
    expect(JSON.stringify(fx.logs.records)).not.toContain('revoked-token');
    const before = fake.requests.length;
    await pollSource(src, fx.deps, signal);
    expect(fake.requests).toHaveLength(before);
  });

  it('names the client settings when the API rejects the access token', async () => {
    driver.addItem();
    driver.fail('auth');
    await pollSource(source(), fx.deps, signal);
    const [error] = fx.logs.records.filter((r) => r.level >= 50);
    expect(error!.msg).toMatch(/Google rejected the access token .*401 UNAUTHENTICATED.*Check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN/);
    expect(JSON.stringify(fx.logs.records)).not.toMatch(/ya29\.fake/);
  });

  it('stops only the location Google does not know, naming GOOGLE_LOCATION_IDS', async () => {
    config.locationIds = ['9999', '4101'];
    driver.addItem();
    const result = await pollSource(source(), fx.deps, signal);
    expect(result.inserted).toBe(1);
    const [error] = fx.logs.records.filter((r) => r.level >= 50);
    expect(error!.msg).toMatch(/Google cannot find the reviews of location 9999 \(404 NOT_FOUND.*Check GOOGLE_ACCOUNT_ID and GOOGLE_LOCATION_IDS.*The location:9999 stream is stopped until restart/);
  });
});

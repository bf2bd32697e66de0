import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsChat, retryAfterMs } from '../../src/chat/teams/teams-chat.js';
import { decideFor, dispatchPending, runSlaSweep } from '../../src/pipeline.js';
import { verifyAlertLink } from '../../src/web/card-links.js';
import { buildDigest } from '../../src/digest/weekly-digest.js';
import { previousWeek } from '../../src/digest/week.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

const KEY = 'k'.repeat(40);
const BASE = 'https://triage.example.org';

/** The Teams adapter (a Workflows webhook) against a local fake that validates what Teams would render. */
describe('Microsoft Teams through a Workflows webhook', () => {
  let fake: FakeTeamsWorkflow;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let now = Date.UTC(2026, 10, 24, 15, 0);
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeTeamsWorkflow();
    await fake.start();
    now = Date.UTC(2026, 10, 24, 15, 0);
    fx = await pipelineFixture(() => now);
  });
  afterEach(async () => {
    await fake.stop();
    fx.close();
  });

  const chatFor = (url = fake.url, extra: Partial<Parameters<typeof createTeamsChat>[0]> = {}) =>
    createTeamsChat({ config: { workflowUrl: url }, links: { baseUrl: BASE, key: KEY }, log: fx.log, now: () => now, signal, maxRetryAfterMs: 2_000, ...extra });
  const ingest = (...texts: string[]) =>
    fx.store.ingest({ source: 'test', mentions: texts.map((text) => mention({ text, createdAt: now - 60_000 })), now }, decideFor(fx.deps));

  it('posts each alert once as an Adaptive Card 1.4 in the Workflows envelope, with signed console links', async () => {
    ingest('the portal is down again and nobody answers the phone');
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 1, failed: 0 });
    expect(fake.posts).toHaveLength(1);
    const [post] = fake.posts;
    expect(post!.card.version).toBe('1.4');
    expect(post!.idempotencyKey).toMatch(/^\S+$/);
    expect(post!.raw).toContain('live status in the console');
    expect(post!.raw).toContain('the portal is down again and nobody answers the phone');
    const buttons = post!.card.actions!.map((a) => a.title);
    expect(buttons.slice(0, 4)).toEqual(['Open', 'Claim', 'Resolve', 'Reply']);
    const claim = new URL(post!.card.actions![1]!.url);
    expect(claim.origin + claim.pathname).toBe(`${BASE}/console/link`);
    expect(verifyAlertLink(KEY, Object.fromEntries(claim.searchParams), now)).toEqual({ ok: true, alertId: 1, action: 'claim' });
    expect(await fx.store.messageOf(1)).toMatchObject({ channelId: 'teams' });
    // Nothing twice: a second dispatch posts nothing.
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 0 });
    expect(fake.posts).toHaveLength(1);
  });

  it('waits out a 429 for its Retry-After and posts once, counting the limit', async () => {
    ingest('billing charged me twice and nobody calls back');
    fake.throttle(1, '0');
    let limited = 0;
    expect(await dispatchPending(chatFor(fake.url, { onRateLimited: () => limited++ }), fx.deps, signal)).toMatchObject({ posted: 1 });
    expect(fake.requests.map((r) => r.status)).toEqual([429, 202]);
    expect(fake.posts).toHaveLength(1);
    expect(limited).toBe(1);
  });

  it('leaves the alert in the outbox when the throttling lasts longer than it waits, and posts it on the next dispatch', async () => {
    ingest('billing charged me twice and nobody calls back');
    fake.throttle(1, '3600');
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 0, failed: 1 });
    expect(await fx.store.pendingAlerts(10)).toHaveLength(1);
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 1 });
    expect(fake.posts).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('7', 0)).toBe(7000);
    expect(retryAfterMs(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(null, 0)).toBeUndefined();
  });

  it('keeps a 5xx in the outbox (at-least-once: the attempt is recorded before the retry)', async () => {
    ingest('the portal is down again and nobody answers the phone');
    fake.fail(502);
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 0, failed: 1 });
    expect((await fx.store.outbox.unrecordedCards()).map((c) => c.lead)).toEqual([1]);
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 1 });
    expect(fake.posts).toHaveLength(1);
  });

  it('stops on a refused webhook URL with the setting to fix', async () => {
    ingest('the portal is down again and nobody answers the phone');
    const wrong = fake.url.replace('sig=fake-signature', 'sig=wrong');
    await expect(dispatchPending(chatFor(wrong), fx.deps, signal)).rejects.toThrow(/TEAMS_WORKFLOW_URL/);
  });

  it('keeps hostile post text inert: TextRuns only, no Markdown, HTML or mentions rendered', async () => {
    ingest('<script>alert(1)</script> **bold** [click](https://evil.example) <at>everyone</at> @everyone ' + '😀'.repeat(5000));
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 1 });
    const card = fake.posts[0]!.card as unknown as { body: Array<{ items: Array<Record<string, unknown>> }> };
    const texts = card.body[0]!.items.filter((e) => e.type === 'TextBlock').map((e) => String(e.text));
    for (const text of texts) expect(text).not.toMatch(/script|evil|\*\*bold|<at>/);
    expect(JSON.stringify(card)).toContain('<script>alert(1)</script>');
    expect(Buffer.byteLength(fake.posts[0]!.raw)).toBeLessThan(28_000);
  });

  it('sends SLA reminders and breaches as cards linking to the alert', async () => {
    ingest('my mom had chemo at your clinic and nobody called back about her results');
    const chat = chatFor();
    await dispatchPending(chat, fx.deps, signal);
    now += 3 * 24 * 3600_000;
    const sweep = await runSlaSweep(chat, fx.deps, signal);
    expect(sweep.sent).toBeGreaterThan(0);
    const notes = fake.posts.slice(1);
    expect(notes.length).toBe(sweep.sent);
    expect(notes.map((p) => p.raw).join('\n')).toMatch(/(Past target|Still unanswered): alert #1 /);
    expect(notes[0]!.card.actions![0]!.url).toMatch(/^https:\/\/triage\.example\.org\/console\/link\?a=1&do=open&/);
  });

  it('posts the weekly digest as a card whose button opens the console\'s digest page', async () => {
    ingest('billing charged me twice and nobody calls back');
    const week = previousWeek(now + 7 * 24 * 3600_000, 'America/New_York');
    const digest = await buildDigest(fx.digest, week, 'America/New_York');
    const posted = await chatFor().postDigest(digest, `digest-${digest.data.week}`);
    expect(posted).toEqual({ channelId: 'teams', messageId: `teams-digest-${digest.data.week}` });
    const card = fake.posts[0]!.card;
    expect(JSON.stringify(card.body)).toContain(`Weekly digest ${digest.data.week}`);
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Chart and details', url: `${BASE}/console/digest?week=${digest.data.week}` }]);
  });

  /**
   * Several Workflows URLs per account (`routing.teams` in the accounts file): each URL a delivery of
   * its own, recorded in the store, so a throttled URL neither holds back the others nor gets a card twice.
   */
  describe('with several Workflows URLs per account', () => {
    /** `foundation` posts to two channels of its own; everything else to the default (TEAMS_WORKFLOW_URL). */
    const routed = () => createTeamsChat({
      config: { workflowUrl: fake.urlOf('default') },
      accountUrls: new Map([['foundation', [fake.urlOf('fund-a'), fake.urlOf('fund-b')]]]),
      ledger: fx.store.deliveries,
      links: { baseUrl: BASE, key: KEY },
      log: fx.log,
      now: () => now,
      signal,
      maxRetryAfterMs: 2_000,
    });
    const ingestFor = (account: string | undefined, text: string) =>
      fx.store.ingest({ source: 'test', mentions: [mention({ text, createdAt: now - 60_000, ...(account !== undefined && { account }) })], now }, decideFor(fx.deps));
    const flows = () => fake.posts.map((p) => p.flow);

    it("sends an account's cards to each of its URLs once, and other accounts' to TEAMS_WORKFLOW_URL", async () => {
      await ingestFor('foundation', 'the gala tickets page charged me twice and nobody answers');
      await ingestFor('hospital', 'the portal is down again and nobody answers the phone');
      await ingestFor(undefined, 'billing charged me twice and nobody calls back');
      expect(await dispatchPending(routed(), fx.deps, signal)).toMatchObject({ posted: 3, failed: 0 });
      expect(fake.postsTo('fund-a').map((p) => p.raw.includes('gala'))).toEqual([true]);
      expect(fake.postsTo('fund-b').map((p) => p.raw.includes('gala'))).toEqual([true]);
      expect(fake.postsTo('default')).toHaveLength(2);
      expect(fake.postsTo('default').some((p) => p.raw.includes('gala'))).toBe(false);
      expect(await dispatchPending(routed(), fx.deps, signal)).toMatchObject({ posted: 0 });
      expect(fake.posts).toHaveLength(4);
    });

    it('posts to the URLs that answer while one is throttled, and later to that one alone: nothing twice, nothing lost', async () => {
      await ingestFor('foundation', 'the gala tickets page charged me twice and nobody answers');
      fake.throttle(1, '3600', 'fund-a');
      expect(await dispatchPending(routed(), fx.deps, signal)).toMatchObject({ posted: 0, failed: 1 });
      expect(flows()).toEqual(['fund-b']);
      expect(await fx.store.pendingAlerts(10)).toHaveLength(1);
      expect(await dispatchPending(routed(), fx.deps, signal)).toMatchObject({ posted: 1 });
      expect(flows()).toEqual(['fund-b', 'fund-a']);
      expect(await dispatchPending(routed(), fx.deps, signal)).toMatchObject({ posted: 0 });
      expect(fake.posts).toHaveLength(2);
    });

    it("sends SLA notifications to the alert's account's URLs, each once through a throttled one", async () => {
      await ingestFor('foundation', 'my mom had chemo at your clinic and nobody called back about her results');
      const chat = routed();
      await dispatchPending(chat, fx.deps, signal);
      expect(fake.posts).toHaveLength(2);
      now += 3 * 24 * 3600_000;
      fake.throttle(1, '3600', 'fund-b');
      await runSlaSweep(chat, fx.deps, signal);
      const notes = () => fake.posts.slice(2);
      expect(notes().map((p) => p.flow)).toEqual(['fund-a']);
      await runSlaSweep(chat, fx.deps, signal);
      expect(notes().map((p) => p.flow)).toEqual(['fund-a', 'fund-b']);
      await runSlaSweep(chat, fx.deps, signal);
      expect(notes()).toHaveLength(2);
      expect(notes()[0]!.raw).toBe(notes()[1]!.raw);
      expect(fake.postsTo('default')).toHaveLength(0);
    });

    it('posts the weekly digest to every URL once, retried after a throttled one without repeats', async () => {
      await ingestFor('hospital', 'billing charged me twice and nobody calls back');
      const week = previousWeek(now + 7 * 24 * 3600_000, 'America/New_York');
      const digest = await buildDigest(fx.digest, week, 'America/New_York');
      fake.throttle(1, '3600', 'fund-a');
      await expect(routed().postDigest(digest, `digest-${digest.data.week}`)).rejects.toThrow(/throttling/);
      expect(flows().sort()).toEqual(['default', 'fund-b']);
      await routed().postDigest(digest, `digest-${digest.data.week}`);
      expect(flows().sort()).toEqual(['default', 'fund-a', 'fund-b']);
    });

    it("names the account's field when its URL is refused", async () => {
      await ingestFor('foundation', 'the gala tickets page charged me twice and nobody answers');
      const chat = createTeamsChat({
        config: { workflowUrl: fake.urlOf('default') },
        accountUrls: new Map([['foundation', [fake.urlOf('fund-a'), fake.urlOf('fund-b').replace('sig=fake-signature', 'sig=revoked')]]]),
        ledger: fx.store.deliveries,
        links: { baseUrl: BASE, key: KEY },
        log: fx.log,
        now: () => now,
        signal,
      });
      await expect(dispatchPending(chat, fx.deps, signal)).rejects.toThrow(/routing\.teams of account "foundation"/);
      expect(flows()).toEqual(['fund-a']);
    });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsChat } from '../../src/chat/teams/teams-chat.js';
import { buildDigest } from '../../src/digest/weekly-digest.js';
import { previousWeek } from '../../src/digest/week.js';
import { decideFor, dispatchPending, runSlaSweep } from '../../src/pipeline.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

const KEY = 'k'.repeat(40);
const BASE = 'https://triage.example.org';

/**
 * Several Workflows URLs per account (`routing.teams` in the accounts file): each URL a delivery of
 * its own, recorded in the store, so a throttled URL neither holds back the others nor gets a card twice.
 */
describe('Teams with several Workflows URLs per account', () => {
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

  /** `foundation` posts to two channels of its own; everything else to the default (TEAMS_WORKFLOW_URL). */
  const chatFor = () => createTeamsChat({
    config: { workflowUrl: fake.urlOf('default') },
    accountUrls: new Map([['foundation', [fake.urlOf('fund-a'), fake.urlOf('fund-b')]]]),
    ledger: fx.store.deliveries,
    links: { baseUrl: BASE, key: KEY },
    log: fx.log,
    now: () => now,
    signal,
    maxRetryAfterMs: 2_000,
  });
  const ingest = (account: string | undefined, text: string) =>
    fx.store.ingest({ source: 'test', mentions: [mention({ text, createdAt: now - 60_000, ...(account !== undefined && { account }) })], now }, decideFor(fx.deps));
  const flows = () => fake.posts.map((p) => p.flow);

  it("sends an account's cards to each of its URLs once, and other accounts' to TEAMS_WORKFLOW_URL", async () => {
    await ingest('foundation', 'the gala tickets page charged me twice and nobody answers');
    await ingest('hospital', 'the portal is down again and nobody answers the phone');
    await ingest(undefined, 'billing charged me twice and nobody calls back');
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 3, failed: 0 });
    expect(fake.postsTo('fund-a').map((p) => p.raw.includes('gala'))).toEqual([true]);
    expect(fake.postsTo('fund-b').map((p) => p.raw.includes('gala'))).toEqual([true]);
    expect(fake.postsTo('default')).toHaveLength(2);
    expect(fake.postsTo('default').some((p) => p.raw.includes('gala'))).toBe(false);
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 0 });
    expect(fake.posts).toHaveLength(4);
  });

  it('posts to the URLs that answer while one is throttled, and later to that one alone: nothing twice, nothing lost', async () => {
    await ingest('foundation', 'the gala tickets page charged me twice and nobody answers');
    fake.throttle(1, '3600', 'fund-a');
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 0, failed: 1 });
    expect(flows()).toEqual(['fund-b']);
    expect(await fx.store.pendingAlerts(10)).toHaveLength(1);
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 1 });
    expect(flows()).toEqual(['fund-b', 'fund-a']);
    expect(await dispatchPending(chatFor(), fx.deps, signal)).toMatchObject({ posted: 0 });
    expect(fake.posts).toHaveLength(2);
  });

  it("sends SLA notifications to the alert's account's URLs, each once through a throttled one", async () => {
    await ingest('foundation', 'my mom had chemo at your clinic and nobody called back about her results');
    const chat = chatFor();
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
    await ingest('hospital', 'billing charged me twice and nobody calls back');
    const week = previousWeek(now + 7 * 24 * 3600_000, 'America/New_York');
    const digest = await buildDigest(fx.digest, week, 'America/New_York');
    fake.throttle(1, '3600', 'fund-a');
    await expect(chatFor().postDigest(digest, `digest-${digest.data.week}`)).rejects.toThrow(/throttling/);
    expect(flows().sort()).toEqual(['default', 'fund-b']);
    await chatFor().postDigest(digest, `digest-${digest.data.week}`);
    expect(flows().sort()).toEqual(['default', 'fund-a', 'fund-b']);
  });

  it("names the account's field when its URL is refused", async () => {
    await ingest('foundation', 'the gala tickets page charged me twice and nobody answers');
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
